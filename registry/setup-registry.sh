#!/usr/bin/env bash
# Starts kind-registry: a registry:2 or registry:3 pull-through cache of Docker Hub that kind
# nodes reach as http://kind-registry:5000 (see kind/hosts.toml) and the host
# reaches on 127.0.0.1:5001; and, with --upstream HOST, a cache of HOST beside
# it (kind-registry-quay-io …, see kind/certs.d/HOST/hosts.toml).
# Idempotent: a second run changes nothing.
set -euo pipefail

name=kind-registry
image=registry:3
host_port=5001
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
config="$here/registry-config.yml"
start_script="$here/kind-registry-start.sh"
front_name=kind-registry-front
front_image=nginx:stable
front_config="$here/kind-registry-front.conf"
front_start="$here/kind-registry-front-start.sh"
data_dir="$PWD/registry-data"
ca_bundle=""
network=kind
force=0
upstreams=()  # HOST or HOST=PORT, as given
team_cache=""  # --team-cache URL: kind-registry's upstream instead of Docker Hub

usage() {
  cat <<USAGE
Usage: setup-registry.sh [--image IMAGE] [--port PORT] [--data-dir DIR] [--ca-bundle FILE] [--config FILE]
                         [--start FILE|none] [--network NAME] [--front-image IMAGE] [--front-config FILE]
                         [--upstream HOST[=PORT]]... [--team-cache URL] [--force] [--help]

Starts the kind-registry container (image $image) as a pull-through cache:
  --restart=always, -p 127.0.0.1:PORT:5000,
  $config mounted where the image reads it (/etc/distribution/config.yml
  in registry:3, /etc/docker/registry/config.yml in registry:2),
  DIR at /var/lib/registry,
  started by kind-registry-start.sh (beside this script): the image's own
  command, except that while Docker Hub is unreachable at start it serves
  the cache read-only instead of exiting, and goes back to the pull-through
  cache when Docker Hub answers again,
and connects it to the docker network "kind" (the nodes' network) when that
network exists.

When the config's proxy.remoteurl is http://kind-registry-front:5002 (as in
the shipped registry-config.yml), it first starts kind-registry-front
beside it: nginx
(image $front_image) with kind-registry-front.conf, --restart=always, on the
same network, not published on the host. It fetches each layer and tag from
Docker Hub once for a herd of nodes pulling the same image, where
distribution alone fetches it once per node (registry:2 and registry:3
alike). kind-registry reaches it by name on the
docker network, so until the "kind" network exists (before the first
'kind create cluster') kind-registry serves its cache read-only; run this
script again after creating the cluster.

With --upstream HOST (repeat it for each registry: quay.io, ghcr.io,
registry.k8s.io …) it also starts a cache of HOST, one container per
registry because distribution proxies one upstream per instance:
  kind-registry-HOST (dots as dashes: kind-registry-quay-io), the same image,
  config and start script, its upstream https://HOST given as
  REGISTRY_PROXY_REMOTEURL, its cache in DIR-HOST (./registry-data-quay.io),
  on the same network, published on 127.0.0.1:PORT only with HOST=PORT.
Every node then needs /etc/containerd/certs.d/HOST/hosts.toml sending HOST
to it: kind/certs.d/HOST/hosts.toml (shipped for quay.io, ghcr.io and
registry.k8s.io). Docker Hub credentials go to kind-registry only.

What the cache keeps: everything it fetched, for as long as DIR stays. The
shipped config turns distribution's expiry off (proxy.ttl: 0, and
storage.delete.enabled: false, without which distribution deletes each blob
168 h after it first fetched it, shared layers included, and the image then
fails offline). Nothing is ever deleted and the cache only grows; this script
never deletes it. 'mirrorgate cache ls --data-dir DIR' shows what it holds;
to shrink it, keep what your experiments need and let distribution's own
garbage-collect delete the rest: 'docker stop kind-registry', then
'mirrorgate cache prune --keep IMAGES.txt --data-dir DIR [--max-size 50GB]
[--older-than 30d] [--dry-run]', then 'docker start kind-registry'.
'mirrorgate verify --live --images FILE' shows which of your images it holds
for offline use.

With --team-cache URL (the team cache a team runs from team/compose.yaml,
e.g. http://cache.lab.example:5000), kind-registry caches through it instead
of asking Docker Hub itself, so the team's machines cost Docker Hub one pull
per image, not one per machine: its upstream is URL (REGISTRY_PROXY_REMOTEURL),
no kind-registry-front is started (the team's replicas have theirs), and
Docker Hub credentials stay with the team cache. The rest is unchanged: the
cache in DIR, the nodes' hosts.toml, --upstream caches. The URL must answer
as a registry (GET URL/v2/) before anything is created.

Run it before 'kind create cluster --config kind/kind-config-x86.yaml', or
after: a second run only connects the registry to the new kind network. When
the existing kind-registry runs with another image, port, data directory,
config or Docker Hub credentials than this run asks for, it says which and stops;
--force recreates it.

Options:
  --image IMAGE     kind-registry's image (default $image): registry:3, as
                    kind's local-registry script runs, or registry:2
  --port PORT       host port on 127.0.0.1 (default $host_port)
  --data-dir DIR    the cache on the host (default ./registry-data); kept when
                    the container goes
  --config FILE     the distribution config to run (default: the shipped
                    registry-config.yml beside this script)
  --start FILE|none what the container runs at start (default: the shipped
                    kind-registry-start.sh); none: the image's own command,
                    which cannot start while Docker Hub is unreachable
  --network NAME    the nodes' docker network, when kind makes them on another
                    than "kind" (KIND_EXPERIMENTAL_DOCKER_NETWORK)
  --ca-bundle FILE  PEM bundle the registry trusts for the upstream instead of
                    its built-in roots (a corporate proxy's or a test CA;
                    include the public roots if it must still reach Docker Hub)
  --front-image IMAGE  kind-registry-front's image (default $front_image; any
                    nginx image with /bin/sh, awk and cp)
  --front-config FILE  its nginx config (default: the shipped
                    kind-registry-front.conf beside this script; its start
                    script, kind-registry-front-start.sh, is taken from there)
  --upstream HOST[=PORT]
                    cache HOST's images too, in kind-registry-HOST; PORT:
                    publish it on 127.0.0.1:PORT (for prewarm from the host)
  --force           replace an existing kind-registry (or cache of an
                    --upstream) that is not a pull-through cache, or that
                    differs from what is asked (port, data directory, config,
                    credentials, start, upstream); no cache is deleted
  --help            show this text

Docker Hub credentials (optional, raise the pull limit): set
DOCKERHUB_USERNAME and DOCKERHUB_TOKEN in the environment. They are written
into a copy of the config beside DIR (DIR.config.yml, mode 0600), never to
the terminal or the container's environment.
USAGE
}

die() { echo "setup-registry.sh: $*" >&2; exit 1; }

while (($#)); do
  case $1 in
    --force) force=1 ;;
    --image) (($# > 1)) || die "--image needs a value"; image=$2; shift ;;
    --port) (($# > 1)) || die "--port needs a value"; host_port=$2; shift ;;
    --data-dir) (($# > 1)) || die "--data-dir needs a value"; data_dir=$2; shift ;;
    --config) (($# > 1)) || die "--config needs a value"; config=$2; shift ;;
    --start) (($# > 1)) || die "--start needs a value"; start_script=$2; shift ;;
    --ca-bundle) (($# > 1)) || die "--ca-bundle needs a value"; ca_bundle=$2; shift ;;
    --network) (($# > 1)) || die "--network needs a value"; network=$2; shift ;;
    --front-image) (($# > 1)) || die "--front-image needs a value"; front_image=$2; shift ;;
    --front-config) (($# > 1)) || die "--front-config needs a value"; front_config=$2; shift ;;
    --upstream) (($# > 1)) || die "--upstream needs a registry host name, e.g. quay.io"; upstreams+=("$2"); shift ;;
    --team-cache) (($# > 1)) || die "--team-cache needs the team cache's URL, e.g. http://cache.lab.example:5000"; team_cache=$2; shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument '$1'" ;;
  esac
  shift
done

if ! [[ $host_port =~ ^[0-9]+$ ]] || ((host_port < 1 || host_port > 65535)); then
  die "--port '$host_port' is not a port number"
fi
[[ $network =~ ^[a-zA-Z0-9][a-zA-Z0-9_.-]*$ ]] || die "--network '$network' is not a docker network name"
# Each --upstream: a registry host as image references name it, optionally
# with the host port to publish its cache on.
upstream_hosts=() upstream_ports=()
for u in ${upstreams[@]+"${upstreams[@]}"}; do
  host=${u%%=*} port=
  [[ $u == *=* ]] && port=${u#*=}
  case $host in
    docker.io | registry-1.docker.io | index.docker.io)
      die "--upstream $host: Docker Hub is kind-registry's own upstream; --upstream names the other registries (quay.io, ghcr.io, registry.k8s.io …)" ;;
  esac
  [[ $host =~ ^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+(:[0-9]{1,5})?$ ]] ||
    die "--upstream '$host' is not a registry host name (as an image reference names it: quay.io, ghcr.io, registry.k8s.io, or HOST:PORT)"
  if [[ -n $port ]]; then
    if ! [[ $port =~ ^[0-9]+$ ]] || ((port < 1 || port > 65535)); then die "--upstream $u: '$port' is not a port number"; fi
    [[ $port != "$host_port" ]] || die "--upstream $u: port $port is kind-registry's"
    for p in ${upstream_ports[@]+"${upstream_ports[@]}"}; do
      [[ $p != "$port" ]] || die "--upstream $u: port $port is given twice"
    done
  fi
  for h in ${upstream_hosts[@]+"${upstream_hosts[@]}"}; do
    [[ $h != "$host" ]] || die "--upstream $host is given twice; each registry has one cache"
  done
  upstream_hosts+=("$host")
  upstream_ports+=("$port")
done
if [[ -n $ca_bundle ]]; then
  [[ -f $ca_bundle ]] || die "--ca-bundle $ca_bundle: no such file"
  grep -q -- '-----BEGIN CERTIFICATE-----' "$ca_bundle" || die "--ca-bundle $ca_bundle: no PEM certificate in it"
  ca_bundle=$(cd "$(dirname "$ca_bundle")" && pwd)/$(basename "$ca_bundle")
fi
if [[ $start_script != none ]]; then
  [[ -f $start_script ]] || die "--start $start_script: no such file (give the start script, or none)"
  start_script=$(cd "$(dirname "$start_script")" && pwd)/$(basename "$start_script")
fi
if [[ -n $team_cache ]]; then
  [[ $team_cache =~ ^https?://([A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\])(:([0-9]{1,5}))?/?$ ]] ||
    die "--team-cache '$team_cache' is not a registry URL: expected http://HOST[:PORT] or https://HOST[:PORT], no path"
  port=${BASH_REMATCH[4]:-}
  if [[ -n $port ]] && ((10#$port < 1 || 10#$port > 65535)); then die "--team-cache $team_cache: port $port is not 1 to 65535"; fi
  team_cache=${team_cache%/}
  command -v curl >/dev/null 2>&1 || die "--team-cache: curl is needed to check that $team_cache answers as a registry"
  headers=$(curl -s -m 10 -o /dev/null -D - "$team_cache/v2/" 2>/dev/null) ||
    die "--team-cache $team_cache does not answer (GET $team_cache/v2/): is the team cache up (docker compose -f team/compose.yaml ps) and reachable from here?"
  status=$(head -n1 <<<"$headers" | awk '{print $2}')
  if ! grep -qi '^docker-distribution-api-version: *registry/2.0' <<<"$headers" || [[ $status != 200 && $status != 401 ]]; then
    die "--team-cache $team_cache answers GET /v2/ with HTTP ${status:-nothing} and no Docker-Distribution-Api-Version: registry/2.0: it is not a registry"
  fi
fi
hub_user=${DOCKERHUB_USERNAME:-} hub_token=${DOCKERHUB_TOKEN:-}
# Out of the environment: no docker command inherits them.
unset DOCKERHUB_USERNAME DOCKERHUB_TOKEN
if [[ -n $hub_user || -n $hub_token ]]; then
  [[ -n $hub_user && -n $hub_token ]] || die "set both DOCKERHUB_USERNAME and DOCKERHUB_TOKEN, or neither"
elif [[ -n ${SUDO_USER:-} ]]; then
  echo "setup-registry.sh: note: no DOCKERHUB_USERNAME/DOCKERHUB_TOKEN here; sudo does not pass them on by default" \
    "(use sudo --preserve-env=DOCKERHUB_USERNAME,DOCKERHUB_TOKEN), so kind-registry pulls anonymously" >&2
fi

command -v docker >/dev/null 2>&1 || die "docker is not installed; install Docker, then run this again"
docker info >/dev/null 2>&1 || die "the Docker daemon does not answer; start it (e.g. 'systemctl start docker'), then run this again"
[[ -f $config ]] || die "$config is missing; run this script from a mirrorgate checkout, or give --config"
config=$(cd "$(dirname "$config")" && pwd)/$(basename "$config")
grep -qE '^proxy:' "$config" || die "$config has no proxy section; kind-registry would not cache Docker Hub"
front=0
if [[ -z $team_cache ]] && grep -qE "^[[:space:]]+remoteurl:[[:space:]]*[\"']?http://$front_name:5002/?[\"']?[[:space:]]*(#.*)?\$" "$config"; then
  front=1
  [[ -f $front_config ]] || die "--front-config $front_config: no such file ($config proxies through $front_name)"
  front_config=$(cd "$(dirname "$front_config")" && pwd)/$(basename "$front_config")
  front_start=$(dirname "$front_config")/kind-registry-front-start.sh
  [[ -f $front_start ]] || die "$front_start is missing: $front_name's start script goes beside its config"
fi
# Where the image reads its config: distribution's v3 image moved it.
case ${image##*/} in
  registry:2|registry:2.*) etc=/etc/docker/registry ;;
  *) etc=/etc/distribution ;;
esac
data_dir=$(realpath -m -- "$data_dir")
creds_config="$data_dir.config.yml"

# The config with the credentials in its proxy section, written to $1: mode
# 0600 from the start, and never through a link planted at that path
# (noclobber opens with O_EXCL). awk reads them from its environment, so
# nothing shows in `ps`.
write_credentials_config() {
  rm -f -- "$1"
  (
    umask 077
    set -o noclobber
    DOCKERHUB_USERNAME=$hub_user DOCKERHUB_TOKEN=$hub_token awk '{ print }
      /^  remoteurl:/ {
        u = ENVIRON["DOCKERHUB_USERNAME"]; p = ENVIRON["DOCKERHUB_TOKEN"]
        gsub(/\047/, "\047\047", u); gsub(/\047/, "\047\047", p)
        printf "  username: \047%s\047\n  password: \047%s\047\n", u, p
      }' "$config" >"$1"
  ) || die "cannot write $1"
}

mount_source() { # the host path mounted at $1 in container $2 (default kind-registry)
  docker inspect -f "{{range .Mounts}}{{if eq .Destination \"$1\"}}{{.Source}}{{end}}{{end}}" "${2:-$name}"
}

# Where an existing kind-registry's config is mounted, wherever its image reads it.
config_mount() {
  local c
  for c in /etc/distribution/config.yml /etc/docker/registry/config.yml; do
    [[ -n $(mount_source "$c") ]] && { echo "$c"; return; }
  done
  echo /etc/docker/registry/config.yml
}

# What the existing container runs that this run did not ask for.
differences() {
  local port data cfg want_cfg=$config probe running_image remote
  running_image=$(docker inspect -f '{{.Config.Image}}' "$name")
  [[ $running_image == "$image" ]] || echo "its image is $running_image, not $image"
  port=$(docker inspect -f '{{range $p, $b := .HostConfig.PortBindings}}{{if eq $p "5000/tcp"}}{{range $b}}{{.HostPort}}{{end}}{{end}}{{end}}' "$name")
  [[ $port == "$host_port" ]] || echo "it publishes port ${port:-none} on the host, not $host_port"
  data=$(mount_source /var/lib/registry)
  [[ -n $data && $(realpath -m -- "$data") == "$data_dir" ]] || echo "its cache is ${data:-not mounted}, not $data_dir"
  remote=$(docker inspect -f '{{range .Config.Env}}{{println .}}{{end}}' "$name" | sed -n 's/^REGISTRY_PROXY_REMOTEURL=//p')
  if [[ -n $team_cache && $remote != "$team_cache" ]]; then
    echo "it caches through ${remote:-Docker Hub, as its config says}, not the team cache $team_cache"
  fi
  cfg=$(mount_source "$(config_mount)")
  [[ -n $hub_user ]] && want_cfg=$creds_config
  if [[ $cfg != "$want_cfg" ]]; then
    if [[ -n $hub_user ]]; then echo "it runs without the Docker Hub credentials given now (config $cfg)"
    elif [[ $cfg == *.config.yml && $cfg != "$config" ]]; then echo "it runs with Docker Hub credentials ($cfg); none are given now"
    else echo "its config is $cfg, not $config"
    fi
  elif [[ -n $hub_user ]]; then
    probe=$(mktemp -d)
    write_credentials_config "$probe/config.yml"
    cmp -s "$probe/config.yml" "$cfg" || echo "its Docker Hub credentials are not DOCKERHUB_USERNAME/DOCKERHUB_TOKEN as given now"
    rm -rf -- "$probe"
  fi
}

# A registry is a pull-through cache when its config has a proxy section or
# REGISTRY_PROXY_REMOTEURL is set in its environment.
is_proxy() {
  docker inspect -f '{{range .Config.Env}}{{println .}}{{end}}' "$name" | grep -q '^REGISTRY_PROXY_REMOTEURL=' && return 0
  docker exec "$name" cat "$(config_mount)" 2>/dev/null | grep -qE '^proxy:'
}

# How an existing container starts: through kind-registry-start.sh, or not.
starts_with_script() {
  docker inspect -f '{{join .Config.Cmd " "}}' "$name" | grep -q 'kind-registry-start.sh'
}

ca_args=()
if [[ -n $ca_bundle ]]; then
  # Go (kind-registry) and kind-registry-front-start.sh read SSL_CERT_FILE
  # instead of the system roots.
  ca_args=(-v "$ca_bundle:$etc/ca-bundle.pem:ro" -e "SSL_CERT_FILE=$etc/ca-bundle.pem")
fi

# Connects container $1 to the nodes' network when it exists and $1 is not on it.
join_network() {
  docker network inspect "$network" >/dev/null 2>&1 || return 1
  [[ $(docker inspect -f "{{json (index .NetworkSettings.Networks \"$network\")}}" "$1") == null ]] || return 1
  docker network connect "$network" "$1"
  echo "connected $1 to the $network network"
}

changed=0

# An existing container $2 that differs from what is asked ($3 prints the
# differences, given $2 and the rest of the arguments): replaced under
# --force ($1 says what becomes of its data), else refused, naming each
# difference; stopped but right: started.
reuse_or_replace() {
  local kept=$1 c=$2 differences=$3 differ
  shift 3
  docker inspect "$c" >/dev/null 2>&1 || return 0
  if mapfile -t differ < <("$differences" "$c" "$@") && ((${#differ[@]})); then
    ((force)) || die "$c exists but is not what this run asks for: $(IFS=';'; echo "${differ[*]}"). Rerun with --force to recreate it ($kept)."
    echo "replacing $c (--force): $(IFS=';'; echo "${differ[*]}")"
    docker rm -f "$c" >/dev/null
  elif [[ $(docker inspect -f '{{.State.Running}}' "$c") != true ]]; then
    docker start "$c" >/dev/null
    echo "started the existing $c container"
    changed=1
  fi
}

# kind-registry-front first: kind-registry's first look for its upstream
# then finds it.
front_differences() {
  local image cfg
  image=$(docker inspect -f '{{.Config.Image}}' "$1")
  [[ $image == "$front_image" ]] || echo "its image is $image, not $front_image"
  cfg=$(mount_source /etc/kind-registry-front/kind-registry-front.conf "$1")
  [[ $cfg == "$front_config" ]] || echo "its config is ${cfg:-not mounted}, not $front_config"
}
if ((front)); then
  reuse_or_replace "it keeps no data" "$front_name" front_differences
  if ! docker inspect "$front_name" >/dev/null 2>&1; then
    docker create --restart=always --name "$front_name" --label io.mirrorgate.role=kind-registry-front \
      -v "$front_config:/etc/kind-registry-front/kind-registry-front.conf:ro" \
      -v "$front_start:/etc/kind-registry-front/kind-registry-front-start.sh:ro" \
      "${ca_args[@]}" --entrypoint /bin/sh \
      "$front_image" /etc/kind-registry-front/kind-registry-front-start.sh \
      /etc/kind-registry-front/kind-registry-front.conf /var/cache/kind-registry-front >/dev/null
    join_network "$front_name" || true
    docker start "$front_name" >/dev/null
    echo "started $front_name ($front_image): one Docker Hub fetch per layer and tag for a herd of nodes"
    changed=1
  fi
  join_network "$front_name" && changed=1
  if ! docker network inspect "$network" >/dev/null 2>&1; then
    echo "setup-registry.sh: note: the $network network does not exist yet, so kind-registry cannot reach $front_name" \
      "and serves its cache read-only; run this script again after 'kind create cluster'" >&2
  fi
fi

if docker inspect "$name" >/dev/null 2>&1; then
  if [[ $(docker inspect -f '{{.State.Running}}' "$name") != true ]]; then
    docker start "$name" >/dev/null
    echo "started the existing $name container"
    changed=1
  fi
  if ! is_proxy; then
    if ((force)); then
      echo "replacing $name: it is not a pull-through cache (--force)"
      docker rm -f "$name" >/dev/null
    else
      die "a container named $name exists but is not a pull-through cache (no proxy section in its config); kind nodes would not reach Docker Hub through it. Rerun with --force to replace it."
    fi
  elif mapfile -t differ < <(differences) && ((${#differ[@]})); then
    if ((force)); then
      echo "replacing $name (--force): $(IFS=';'; echo "${differ[*]}"); its old cache stays where it is"
      docker rm -f "$name" >/dev/null
    else
      die "$name exists but is not what this run asks for: $(IFS=';'; echo "${differ[*]}"). Rerun with --force to recreate it (no cache is deleted)."
    fi
  elif [[ $start_script != none ]] && ! starts_with_script; then
    if ((force)); then
      echo "replacing $name: it starts with the image's own command (--force); its cache stays"
      docker rm -f "$name" >/dev/null
    else
      echo "setup-registry.sh: $name starts with the image's own command, which cannot start while Docker Hub is unreachable: after a restart without network its cache serves nothing. Rerun with --force to recreate it with kind-registry-start.sh (the cache in its data directory stays)." >&2
      changed=1
    fi
  fi
fi

# A cache container $1 running $image with config $2 and cache $3, the rest
# of the arguments added to `docker create` (port, environment). Created,
# joined to the nodes' network, then started: its first look for the
# upstream already has every network it will have.
create_cache() {
  local c=$1 cfg=$2 data=$3 start_args=() start_cmd=()
  shift 3
  if [[ $start_script != none ]]; then
    start_args=(-v "$start_script:$etc/kind-registry-start.sh:ro" --entrypoint /bin/sh)
    start_cmd=("$etc/kind-registry-start.sh" "$etc/config.yml")
  fi
  # Labelled as kind labels its nodes, so a cache is found by what it is
  # (docker ps --filter label=io.mirrorgate.role=cache), not by its name.
  docker create --restart=always --name "$c" --label io.mirrorgate.role=cache --label "io.mirrorgate.cache=$c" "$@" \
    -v "$cfg:$etc/config.yml:ro" \
    -v "$data:/var/lib/registry" \
    "${ca_args[@]}" "${start_args[@]}" \
    "$image" "${start_cmd[@]}" >/dev/null
  join_network "$c" || true
  docker start "$c" >/dev/null
}

if ! docker inspect "$name" >/dev/null 2>&1; then
  mkdir -p "$data_dir"
  run_config=$config
  if [[ -n $hub_user ]]; then
    # The credentials go into a private copy of the config, never into argv,
    # the container's environment or the terminal.
    run_config=$creds_config
    write_credentials_config "$run_config"
  fi
  team_args=()
  # The team cache fetches from Docker Hub, with the team's credentials.
  [[ -n $team_cache ]] && team_args=(-e "REGISTRY_PROXY_REMOTEURL=$team_cache" -e REGISTRY_PROXY_USERNAME= -e REGISTRY_PROXY_PASSWORD=)
  create_cache "$name" "$run_config" "$data_dir" -p "127.0.0.1:$host_port:5000" "${team_args[@]}"
  echo "started $name ($image) on 127.0.0.1:$host_port, cache in $data_dir"
  changed=1
fi

join_network "$name" && changed=1

# The cache of each --upstream: kind-registry's image, config and start
# script, with its upstream in its environment and a cache of its own. Docker
# Hub's credentials are not its business: emptied for it.
# What the existing cache container $1 runs that this run did not ask for.
cache_differences() {
  local c=$1 want_port=$2 want_data=$3 want_remote=$4 running_image port data cfg remote
  running_image=$(docker inspect -f '{{.Config.Image}}' "$c")
  [[ $running_image == "$image" ]] || echo "its image is $running_image, not $image"
  port=$(docker inspect -f '{{range $p, $b := .HostConfig.PortBindings}}{{if eq $p "5000/tcp"}}{{range $b}}{{.HostPort}}{{end}}{{end}}{{end}}' "$c")
  [[ $port == "$want_port" ]] || echo "it publishes port ${port:-none} on the host, not ${want_port:-none}"
  data=$(mount_source /var/lib/registry "$c")
  [[ -n $data && $(realpath -m -- "$data") == "$want_data" ]] || echo "its cache is ${data:-not mounted}, not $want_data"
  cfg=$(mount_source "$etc/config.yml" "$c")
  [[ $cfg == "$config" ]] || echo "its config is ${cfg:-not mounted}, not $config"
  remote=$(docker inspect -f '{{range .Config.Env}}{{println .}}{{end}}' "$c" | sed -n 's/^REGISTRY_PROXY_REMOTEURL=//p')
  [[ $remote == "$want_remote" ]] || echo "it caches ${remote:-nothing}, not $want_remote"
  if [[ $start_script != none ]] && ! docker inspect -f '{{join .Config.Cmd " "}}' "$c" | grep -q 'kind-registry-start.sh'; then
    echo "it starts with the image's own command, not kind-registry-start.sh"
  fi
}

for i in "${!upstream_hosts[@]}"; do
  up=${upstream_hosts[$i]} up_port=${upstream_ports[$i]}
  slug=${up//[.:]/-}
  cache=kind-registry-$slug
  cache_data=$(realpath -m -- "$data_dir-${up//:/-}")
  remote=https://$up
  reuse_or_replace "no cache is deleted" "$cache" cache_differences "$up_port" "$cache_data" "$remote"
  if ! docker inspect "$cache" >/dev/null 2>&1; then
    mkdir -p "$cache_data"
    publish=()
    [[ -n $up_port ]] && publish=(-p "127.0.0.1:$up_port:5000")
    create_cache "$cache" "$config" "$cache_data" "${publish[@]}" \
      -e "REGISTRY_PROXY_REMOTEURL=$remote" -e REGISTRY_PROXY_USERNAME= -e REGISTRY_PROXY_PASSWORD=
    echo "started $cache ($image) caching $up${up_port:+ on 127.0.0.1:$up_port}, cache in $cache_data; every node needs kind/certs.d/$up/hosts.toml at /etc/containerd/certs.d/$up/hosts.toml"
    changed=1
  fi
  join_network "$cache" && changed=1
done

caches_too=
((${#upstream_hosts[@]})) && caches_too=", and so is the cache of each --upstream"
((changed)) || echo "$name is already running as a pull-through cache$caches_too; nothing changed"
