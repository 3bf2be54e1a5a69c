#!/usr/bin/env bash
# registry/setup-registry.sh against a stand-in `docker` on PATH that records
# every call (the only fake: Docker itself). Checks what a user relies on:
# the container as documented, --port/--data-dir/--ca-bundle/--config, and
# Docker Hub credentials that end up only in a 0600 config copy — never in
# docker's argv or environment, or in the script's output.
set -euo pipefail
script=$(cd "$(dirname "$0")/../../registry" && pwd)/setup-registry.sh
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/bin"
cat >"$work/bin/docker" <<'FAKE'
#!/usr/bin/env bash
# Records argv and the environment; no container exists, no network either.
printf '%s\n' "$*" >>"$FAKE_DOCKER_LOG"
env >>"$FAKE_DOCKER_ENV"
# With FAKE_CONTAINER (a file of PORT DATA CONFIG [IMAGE]), kind-registry exists as
# the script made it: running, a proxy, started through the start script.
# With FAKE_FRONT (a file of IMAGE CONFIG), kind-registry-front exists.
if [[ ${*: -1} == kind-registry-front ]]; then
  [[ $1 == rm && -n ${FAKE_FRONT:-} ]] && rm -f "$FAKE_FRONT"
  if [[ $1 == inspect ]]; then
    [[ -n ${FAKE_FRONT:-} && -f $FAKE_FRONT ]] || exit 1
    read -r image config <"$FAKE_FRONT"
    case ${3:-} in
      *State.Running*) echo true ;;
      *Config.Image*) echo "$image" ;;
      *kind-registry-front.conf*) echo "$config" ;;
    esac
  fi
  [[ $1 == create ]] && echo 0123456789ac
  exit 0
fi
[[ $1 == rm && -n ${FAKE_CONTAINER:-} ]] && rm -f "$FAKE_CONTAINER"
if [[ $1 == inspect && -n ${FAKE_CONTAINER:-} && -f $FAKE_CONTAINER ]]; then
  read -r port data config image <"$FAKE_CONTAINER"
  format=${3:-}
  case $format in
    *State.Running*) echo true ;;
    *Config.Image*) echo "${image:-registry:3}" ;;
    *Config.Env*) echo REGISTRY_PROXY_REMOTEURL=https://registry-1.docker.io ;;
    *Config.Cmd*) echo /etc/docker/registry/kind-registry-start.sh /etc/docker/registry/config.yml ;;
    *PortBindings*) echo "$port" ;;
    */var/lib/registry*) echo "$data" ;;
    *config.yml*) echo "$config" ;;
  esac
  exit 0
fi
case $1 in
  info) exit 0 ;;
  inspect | network) exit 1 ;;
  create) echo 0123456789ab ;;
esac
exit 0
FAKE
chmod +x "$work/bin/docker"
export PATH="$work/bin:$PATH" FAKE_DOCKER_LOG="$work/docker.log" FAKE_DOCKER_ENV="$work/docker.env"
fail() { echo "FAIL: $*" >&2; exit 1; }

# Bad input is refused before Docker is asked anything.
out=$(bash "$script" --port 70000 2>&1) && fail "--port 70000 accepted"
grep -q "not a port number" <<<"$out" || fail "no clear error for --port 70000: $out"
out=$(bash "$script" --ca-bundle "$work/none.pem" 2>&1) && fail "missing --ca-bundle accepted"
grep -q "none.pem: no such file" <<<"$out" || fail "no clear error for a missing bundle: $out"
out=$(DOCKERHUB_USERNAME=u bash "$script" 2>&1) && fail "a username without a token accepted"
grep -q "both DOCKERHUB_USERNAME and DOCKERHUB_TOKEN" <<<"$out" || fail "no clear error for half credentials: $out"
[[ ! -e $FAKE_DOCKER_LOG ]] || fail "docker was called for bad input"

# A run with every option and credentials.
printf -- '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n' >"$work/ca.pem"
secret="s3cr'et\"pass"
out=$(cd "$work" && DOCKERHUB_USERNAME=alice DOCKERHUB_TOKEN="$secret" \
  bash "$script" --port 5999 --data-dir "$work/cache" --ca-bundle "$work/ca.pem" 2>&1) || fail "run failed: $out"
run=$(grep -- '^create .*--name kind-registry ' "$FAKE_DOCKER_LOG") || fail "no docker create"
grep -q '^start kind-registry$' "$FAKE_DOCKER_LOG" || fail "created but never started"
grep -q -- "-p 127.0.0.1:5999:5000" <<<"$run" || fail "port not used: $run"
grep -q -- "--restart=always --name kind-registry" <<<"$run" || fail "not the documented container: $run"
grep -q -- "-v $work/cache:/var/lib/registry" <<<"$run" || fail "data dir not mounted: $run"
grep -q -- "-v $work/ca.pem:/etc/distribution/ca-bundle.pem:ro -e SSL_CERT_FILE=/etc/distribution/ca-bundle.pem" <<<"$run" ||
  fail "CA bundle not passed: $run"
# registry:3 reads its config at /etc/distribution/config.yml (distribution's v3 Dockerfile).
grep -q -- "-v $work/cache.config.yml:/etc/distribution/config.yml:ro" <<<"$run" || fail "credentials config not mounted: $run"
[[ $(stat -c %a "$work/cache.config.yml") == 600 ]] || fail "config copy is not mode 0600"
grep -q "^  username: 'alice'$" "$work/cache.config.yml" || fail "username not in the proxy section"
grep -q "^  password: 's3cr''et\"pass'$" "$work/cache.config.yml" || fail "password not quoted as YAML"
grep -q "^  remoteurl: http://kind-registry-front:5002$" "$work/cache.config.yml" || fail "remoteurl lost"
! grep -qF "$secret" "$FAKE_DOCKER_LOG" || fail "the token is on docker's command line"
! grep -q "^DOCKERHUB_TOKEN=" "$FAKE_DOCKER_ENV" || fail "the token is in docker's environment"
! grep -qF "$secret" <<<"$out" || fail "the token was printed"
# kind-registry starts through the shipped start script, mounted read-only.
start=$(dirname "$script")/kind-registry-start.sh
grep -q -- "-v $start:/etc/distribution/kind-registry-start.sh:ro --entrypoint /bin/sh registry:3 /etc/distribution/kind-registry-start.sh /etc/distribution/config.yml$" <<<"$run" ||
  fail "not started through kind-registry-start.sh: $run"

here=$(dirname "$script")
# The shipped registry-config.yml proxies through kind-registry-front:
# started first, with the shipped nginx config and start script, the CA
# bundle, nothing published.
front=$(grep -- '^create .*--name kind-registry-front ' "$FAKE_DOCKER_LOG") || fail "no kind-registry-front created"
grep -q -- "--restart=always --name kind-registry-front --label io.mirrorgate.role=kind-registry-front -v $here/kind-registry-front.conf:/etc/kind-registry-front/kind-registry-front.conf:ro -v $here/kind-registry-front-start.sh:/etc/kind-registry-front/kind-registry-front-start.sh:ro -v $work/ca.pem:/etc/distribution/ca-bundle.pem:ro -e SSL_CERT_FILE=/etc/distribution/ca-bundle.pem --entrypoint /bin/sh nginx:stable /etc/kind-registry-front/kind-registry-front-start.sh /etc/kind-registry-front/kind-registry-front.conf /var/cache/kind-registry-front$" <<<"$front" ||
  fail "kind-registry-front not as documented: $front"
! grep -q -- " -p " <<<"$front" || fail "kind-registry-front is published on the host: $front"
[[ $(grep -n '^create ' "$FAKE_DOCKER_LOG" | head -1) == *kind-registry-front* ]] || fail "kind-registry started before its front"
grep -q '^start kind-registry-front$' "$FAKE_DOCKER_LOG" || fail "kind-registry-front created but never started"
grep -q "the kind network does not exist yet" <<<"$out" || fail "no word that kind-registry cannot reach its front yet: $out"

# The seed's config (Docker Hub directly): no front.
: >"$FAKE_DOCKER_LOG"
out=$(cd "$work" && bash "$script" --data-dir "$work/direct" --config "$here/../fixtures/bare-registry-config.yaml" 2>&1) ||
  fail "a run with the seed's config failed: $out"
! grep -q -- "kind-registry-front" "$FAKE_DOCKER_LOG" || fail "a front started for a config that does not use it"

# An existing front from another image is named, kept without --force, replaced with it.
: >"$FAKE_DOCKER_LOG"
export FAKE_FRONT="$work/front"
echo "nginx:1.19 $here/kind-registry-front.conf" >"$FAKE_FRONT"
out=$(cd "$work" && bash "$script" --data-dir "$work/f" --config "$here/registry-config.yml" 2>&1) &&
  fail "a front from another image passed: $out"
grep -qF "kind-registry-front exists but is not what this run asks for: its image is nginx:1.19, not nginx:stable" <<<"$out" ||
  fail "the other front image not named: $out"
! grep -q '^rm ' "$FAKE_DOCKER_LOG" || fail "the front was removed without --force"
out=$(cd "$work" && bash "$script" --data-dir "$work/f" --config "$here/registry-config.yml" --force 2>&1) ||
  fail "--force over the front failed: $out"
grep -q '^rm -f kind-registry-front$' "$FAKE_DOCKER_LOG" || fail "--force did not recreate the front"
unset FAKE_FRONT
out=$(bash "$script" --config "$here/registry-config.yml" --front-config "$work/none.conf" 2>&1) &&
  fail "a missing --front-config accepted"
grep -q "none.conf: no such file" <<<"$out" || fail "no clear error for a missing front config: $out"

# --image registry:2: the seed's image, with its config where registry:2 reads it.
: >"$FAKE_DOCKER_LOG"
out=$(cd "$work" && bash "$script" --image registry:2 --data-dir "$work/two" 2>&1) || fail "--image registry:2 failed: $out"
run=$(grep -- '^create .*--name kind-registry ' "$FAKE_DOCKER_LOG") || fail "no docker create for --image registry:2"
grep -q -- "-v $here/registry-config.yml:/etc/docker/registry/config.yml:ro" <<<"$run" ||
  fail "registry:2's config not at /etc/docker/registry/config.yml: $run"
[[ $run == *" registry:2 /etc/docker/registry/kind-registry-start.sh /etc/docker/registry/config.yml" ]] ||
  fail "registry:2 not started through the start script: $run"

# --start none: the image's own command, as the seed had it.
: >"$FAKE_DOCKER_LOG"
out=$(cd "$work" && bash "$script" --data-dir "$work/bare" --start none 2>&1) || fail "--start none failed: $out"
run=$(grep -- '^create .*--name kind-registry ' "$FAKE_DOCKER_LOG") || fail "no docker create for --start none"
[[ $run == *" registry:3" ]] || fail "--start none still passes a command: $run"
! grep -q -- "--entrypoint" <<<"$run" || fail "--start none still sets an entrypoint: $run"
out=$(bash "$script" --start "$work/missing.sh" 2>&1) && fail "a missing --start file accepted"
grep -q "missing.sh: no such file" <<<"$out" || fail "no clear error for a missing start script: $out"
# A rerun that asks for something else says what differs instead of "nothing changed".
: >"$FAKE_DOCKER_LOG"
export FAKE_CONTAINER="$work/container" FAKE_FRONT="$work/front"
echo "5999 $work/cache $work/cache.config.yml" >"$FAKE_CONTAINER"
echo "nginx:stable $here/kind-registry-front.conf" >"$FAKE_FRONT"
out=$(cd "$work" && DOCKERHUB_USERNAME=alice DOCKERHUB_TOKEN="$secret" \
  bash "$script" --port 5999 --data-dir "$work/cache" 2>&1) || fail "an identical rerun failed: $out"
grep -q "nothing changed" <<<"$out" || fail "an identical rerun did not say nothing changed: $out"
out=$(cd "$work" && DOCKERHUB_USERNAME=alice DOCKERHUB_TOKEN=rotated \
  bash "$script" --image registry:2 --port 5001 --data-dir "$work/other" 2>&1) && fail "a rerun with other settings passed: $out"
for what in "its image is registry:3, not registry:2" "publishes port 5999 on the host, not 5001" "its cache is $work/cache, not $work/other" \
  "runs without the Docker Hub credentials given now" "Rerun with --force"; do
  grep -qF "$what" <<<"$out" || fail "a different rerun did not say '$what': $out"
done
! grep -qF rotated <<<"$out" || fail "the new token was printed"
out=$(cd "$work" && DOCKERHUB_USERNAME=alice DOCKERHUB_TOKEN=rotated \
  bash "$script" --port 5999 --data-dir "$work/cache" 2>&1) && fail "rotated credentials passed as nothing changed: $out"
grep -q "credentials are not DOCKERHUB_USERNAME/DOCKERHUB_TOKEN as given now" <<<"$out" || fail "rotated token not seen: $out"
out=$(cd "$work" && bash "$script" --port 5999 --data-dir "$work/cache" 2>&1) && fail "dropped credentials passed: $out"
grep -q "runs with Docker Hub credentials" <<<"$out" || fail "dropped credentials not seen: $out"
! grep -q '^rm ' "$FAKE_DOCKER_LOG" || fail "a container was removed without --force"
out=$(cd "$work" && DOCKERHUB_USERNAME=alice DOCKERHUB_TOKEN=rotated \
  bash "$script" --port 5999 --data-dir "$work/cache" --force 2>&1) || fail "--force failed: $out"
grep -q '^rm -f kind-registry$' "$FAKE_DOCKER_LOG" || fail "--force did not recreate: $(cat "$FAKE_DOCKER_LOG")"
grep -q "^  password: 'rotated'$" "$work/cache.config.yml" || fail "--force did not write the new token"
! grep -q '^rm -f kind-registry-front$' "$FAKE_DOCKER_LOG" || fail "--force for kind-registry replaced a front that was right"
unset FAKE_CONTAINER FAKE_FRONT

# The credentials file is written 0600 from the start, never through a link.
: >"$work/victim"
rm -f "$work/linked.config.yml"
ln -s "$work/victim" "$work/linked.config.yml"
out=$(cd "$work" && DOCKERHUB_USERNAME=alice DOCKERHUB_TOKEN="$secret" \
  bash "$script" --data-dir "$work/linked" 2>&1) || fail "run over a planted link failed: $out"
[[ ! -s $work/victim ]] || fail "the credentials were written through a link"
[[ ! -L $work/linked.config.yml && $(stat -c %a "$work/linked.config.yml") == 600 ]] || fail "credentials file not a fresh 0600 file"

# --upstream: a cache per registry beside kind-registry, with the same image,
# config and start script, its upstream in its environment, its own cache,
# no Docker Hub credentials, published only when a port is given.
: >"$FAKE_DOCKER_LOG"
out=$(cd "$work" && DOCKERHUB_USERNAME=alice DOCKERHUB_TOKEN="$secret" \
  bash "$script" --data-dir "$work/up" --upstream quay.io=5011 --upstream registry.k8s.io 2>&1) || fail "--upstream run failed: $out"
quay=$(grep -- '^create .*--name kind-registry-quay-io ' "$FAKE_DOCKER_LOG") || fail "no kind-registry-quay-io: $(cat "$FAKE_DOCKER_LOG")"
k8s=$(grep -- '^create .*--name kind-registry-registry-k8s-io ' "$FAKE_DOCKER_LOG") || fail "no kind-registry-registry-k8s-io"
grep -q -- "-p 127.0.0.1:5011:5000" <<<"$quay" || fail "quay.io's cache not published on 5011: $quay"
! grep -q -- " -p " <<<"$k8s" || fail "registry.k8s.io's cache published without a port: $k8s"
grep -q -- "-v $work/up-quay.io:/var/lib/registry" <<<"$quay" || fail "quay.io's cache is not DIR-quay.io: $quay"
grep -q -- "-e REGISTRY_PROXY_REMOTEURL=https://quay.io -e REGISTRY_PROXY_USERNAME= -e REGISTRY_PROXY_PASSWORD=" <<<"$quay" ||
  fail "quay.io's cache has not its upstream, or has Docker Hub's credentials: $quay"
grep -q -- "-v $here/registry-config.yml:/etc/distribution/config.yml:ro" <<<"$quay" ||
  fail "quay.io's cache does not run the shipped config (without credentials): $quay"
grep -q -- "kind-registry-start.sh /etc/distribution/config.yml" <<<"$quay" || fail "quay.io's cache has not the start script: $quay"
grep -q '^start kind-registry-quay-io$' "$FAKE_DOCKER_LOG" || fail "kind-registry-quay-io created but never started"
! grep -qF "$secret" <<<"$quay" || fail "Docker Hub's token went to quay.io's cache"
grep -q "kind/certs.d/quay.io/hosts.toml" <<<"$out" || fail "no word about the nodes' hosts.toml: $out"
for bad in "docker.io" "Quay.IO" "quay.io=70000" "quay.io=5001"; do
  out=$(bash "$script" --upstream "$bad" 2>&1) && fail "--upstream $bad accepted"
  grep -q -- "--upstream" <<<"$out" || fail "no clear error for --upstream $bad: $out"
done
out=$(bash "$script" --upstream quay.io --upstream quay.io 2>&1) && fail "the same --upstream twice accepted"
grep -q "given twice" <<<"$out" || fail "no clear error for a repeated --upstream: $out"

# --team-cache URL: kind-registry caches through the team cache, checked to
# answer as a registry before anything is made; no front, no credentials.
for bad in "ftp://cache" "cache:5000" "http://cache:5000/v2/" "http://cache:99999"; do
  out=$(bash "$script" --team-cache "$bad" 2>&1) && fail "--team-cache $bad accepted"
  grep -q -- "--team-cache" <<<"$out" || fail "no clear error for --team-cache $bad: $out"
done
out=$(bash "$script" --team-cache http://127.0.0.1:9 2>&1) && fail "a --team-cache that does not answer accepted"
grep -q "does not answer" <<<"$out" || fail "no clear error for a --team-cache that does not answer: $out"
python3 - "$work/team-port" <<'SERVE' &
import http.server, sys
class Registry(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(401)
        self.send_header("Docker-Distribution-Api-Version", "registry/2.0")
        self.send_header("Content-Length", "0")
        self.end_headers()
    def log_message(self, *args):
        pass
server = http.server.HTTPServer(("127.0.0.1", 0), Registry)
open(sys.argv[1], "w").write(str(server.server_port))
server.handle_request(); server.handle_request()
SERVE
server=$!
for _ in $(seq 50); do [[ -s $work/team-port ]] && break; sleep 0.1; done
team="http://127.0.0.1:$(cat "$work/team-port")"
: >"$FAKE_DOCKER_LOG"
out=$(cd "$work" && DOCKERHUB_USERNAME=alice DOCKERHUB_TOKEN="$secret" \
  bash "$script" --data-dir "$work/team" --team-cache "$team/" 2>&1) || fail "--team-cache run failed: $out"
kill "$server" 2>/dev/null || true
run=$(grep -- '^create .*--name kind-registry ' "$FAKE_DOCKER_LOG") || fail "no kind-registry: $(cat "$FAKE_DOCKER_LOG")"
grep -q -- "-e REGISTRY_PROXY_REMOTEURL=$team -e REGISTRY_PROXY_USERNAME= -e REGISTRY_PROXY_PASSWORD=" <<<"$run" ||
  fail "kind-registry does not cache through the team cache without credentials: $run"
! grep -q -- '--name kind-registry-front' "$FAKE_DOCKER_LOG" || fail "a front was made beside a team cache"

# Under sudo without the variables, say so.
out=$(cd "$work" && SUDO_USER=alice bash "$script" --data-dir "$work/sudo" 2>&1) || fail "sudo run failed: $out"
grep -q "sudo does not pass them on by default" <<<"$out" || fail "no word about sudo dropping DOCKERHUB_*: $out"

echo "setup-registry.sh: options and credentials handled as documented"
