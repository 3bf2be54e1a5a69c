#!/usr/bin/env bash
# live_verify_test.sh CASE MIRRORGATE CLUSTER STATE_DIR SOURCE_DIR
#
# `mirrorgate verify --live` against a kind cluster that the test world
# brought up beforehand (mirrorgate up --backend kind --stand-in-hub: the
# stand-in plays Docker Hub). Each CASE applies one misconfiguration to the
# running cluster as a user could have made it, runs the live verify, checks
# its exit code and diagnosis, requires that the live run changed nothing
# (a snapshot of every node's /etc/containerd and images, the node and
# kind-registry containers, kind-registry's config, the nodes' network and
# its aliases, taken before and after it), and puts the cluster back — the
# same containers, so that the run that made them still owns them.
set -euo pipefail
case_name=$1 mirrorgate=$2 cluster=$3 state=$4 src=$5
work=$(mktemp -d /tmp/mirrorgate-live-XXXXXX)
# The cluster is put back however the case ends: a failed step must not
# leave the next case (and the fixture's down) a broken cluster.
restore=
trap 'if [[ -n $restore ]]; then eval "$restore" || true; fi; rm -rf "$work"' EXIT
nodes=$(docker ps --filter "label=io.x-k8s.kind.cluster=$cluster" --format '{{.Names}}' | sort)
worker=$(grep -- '-worker$' <<<"$nodes" | head -1)
[[ -n $worker ]] || { echo "no worker node of cluster $cluster is running" >&2; exit 1; }
hosts_path=/etc/containerd/certs.d/docker.io/hosts.toml
# The test world's own network (KIND_EXPERIMENTAL_DOCKER_NETWORK), not `kind`.
net=$(docker inspect -f '{{range $name, $n := .NetworkSettings.Networks}}{{$name}}{{end}}' "$worker")

snapshot() {
  local n
  for n in $nodes; do
    echo "== node $n"
    docker inspect -f '{{.Id}} {{.State.StartedAt}} {{json .Config}} {{json .HostConfig}}' "$n"
    docker exec "$n" sh -c 'find /etc/containerd -type f | sort | xargs sha256sum'
    docker exec "$n" crictl images | { grep -o '"id": *"[^"]*"' || true; } | sort
  done
  echo "== kind-registry"
  docker inspect -f '{{.Id}} {{.State.StartedAt}} {{json .Config}} {{json .HostConfig}}' kind-registry
  # docker lists mounts in no fixed order
  docker inspect -f '{{range .Mounts}}{{.Source}} {{.Destination}} {{.RW}}{{println}}{{end}}' kind-registry | sort
  # registry:3 reads /etc/distribution/config.yml, registry:2 /etc/docker/registry/config.yml.
  docker exec kind-registry sh -c 'cat /etc/distribution/config.yml /etc/docker/registry/config.yml 2>/dev/null; true' | sha256sum
  echo "== networks"
  docker network ls --format '{{.Name}} {{.Driver}}' | sort
  docker network inspect -f '{{range $id, $c := .Containers}}{{$c.Name}} {{$c.IPv4Address}}{{println}}{{end}}' "$net" | sort
  for c in $nodes kind-registry; do
    docker inspect -f "$c {{with index .NetworkSettings.Networks \"$net\"}}{{json .Aliases}}{{end}}" "$c"
  done
}

restart_node() {  # the node's containerd reads its config.toml again
  docker restart "$1" >/dev/null
  for _ in $(seq 100); do docker exec "$1" crictl version >/dev/null 2>&1 && return 0; sleep 0.2; done
  echo "containerd of $1 did not answer after its restart" >&2
  return 1
}

# The run's own kind-registry back under its name, and back as a
# pull-through cache before the next case looks at it. Started again, its
# start script asks the upstream first; when that fails (the next case
# takes kind-registry off the network while it asks) it serves read-only
# and switches back up to 5 s later, with a moment in between where nothing
# listens behind port 5001: seen as "connection reset by peer" in the case
# after the next.
restore_registry() {
  docker rm -f kind-registry >/dev/null
  docker rename kind-registry-saved kind-registry
  local since
  since=$(date -u +%Y-%m-%dT%H:%M:%S)
  docker start kind-registry >/dev/null
  for _ in $(seq 100); do
    if docker logs --since "$since" kind-registry 2>&1 | grep -q 'listening on' &&
      ! docker logs --since "$since" kind-registry 2>&1 | grep -q 'serving the cache read-only'; then
      return 0
    fi
    sleep 0.2
  done
  echo "kind-registry did not come back as a pull-through cache within 20 s of its restart" >&2
  return 1
}

# Each case: what to break (apply), how to mend it (restore), the exit code
# and the words the live verify must answer with.
restore=true
live_args=()
case $case_name in
  correct_setup_passes)
    want=0 pattern="verify --live PASSED" ;;
  hosts_toml_missing_on_worker)
    docker cp "$worker:$hosts_path" "$work/hosts.toml"
    docker exec "$worker" rm "$hosts_path"
    restore='docker cp "$work/hosts.toml" "$worker:$hosts_path"'
    want=1 pattern="FAIL +$worker: containerd sends docker.io to kind-registry|$hosts_path is missing" ;;
  mirror_on_host_port)
    docker cp "$worker:$hosts_path" "$work/hosts.toml"
    docker cp "$src/tests/data/misconfig/host-port-hosts.toml" "$worker:$hosts_path"
    restore='docker cp "$work/hosts.toml" "$worker:$hosts_path"'
    want=1 pattern="5001 is the port on the host" ;;
  mirror_pull_only)
    docker cp "$worker:$hosts_path" "$work/hosts.toml"
    docker cp "$src/tests/data/misconfig/pull-only-hosts.toml" "$worker:$hosts_path"
    restore='docker cp "$work/hosts.toml" "$worker:$hosts_path"'
    want=1 pattern='capabilities = \["pull"\] only' ;;
  registry_not_a_proxy)
    # A plain registry under the same name on the kind network: it answers
    # 404 for every image it was not pushed, and containerd falls back.
    docker stop kind-registry >/dev/null
    docker rename kind-registry kind-registry-saved
    docker run -d --name kind-registry --network "$net" -p 127.0.0.1:5001:5000 registry:2 >/dev/null
    restore=restore_registry
    want=1 pattern="kind-registry is not a pull-through cache" ;;
  expiring_cache)
    # kind's docs moved from registry:2 to registry:3; the usual recipe runs
    # the image with its own config (storage.delete.enabled: true) and only
    # the upstream from the environment: a cache that deletes what it
    # fetched 168 h later. The stand-in image carries that config.
    docker stop kind-registry >/dev/null
    docker rename kind-registry kind-registry-saved
    docker run -d --name kind-registry --network "$net" -p 127.0.0.1:5001:5000 \
      -e REGISTRY_PROXY_REMOTEURL=http://kind-registry-front:5002 registry:3 >/dev/null
    restore=restore_registry
    want=1 pattern="kind-registry deletes what it cached: storage.delete.enabled is true \(kind-registry:/etc/distribution/config.yml:[0-9]+\) and proxy.ttl is unset" ;;
  registry_off_the_network)
    # kind-registry runs, but the nodes cannot resolve it: the fix names
    # the nodes' own network.
    docker network disconnect "$net" kind-registry
    restore='docker network connect "$net" kind-registry'
    want=1 pattern="FAIL +kind-registry: kind-registry is on the nodes' network|fix: docker network connect $net kind-registry" ;;
  front_missing)
    # The shipped config fetches through kind-registry-front, but the front
    # is off the nodes' network: kind-registry reaches no Docker Hub.
    docker network disconnect "$net" kind-registry-front
    restore='docker network connect "$net" kind-registry-front'
    want=1 pattern="FAIL +kind-registry: kind-registry-front is on the nodes' network|fix: registry/setup-registry.sh" ;;
  quay_hosts_toml_missing_on_worker)
    quay_path=/etc/containerd/certs.d/quay.io/hosts.toml
    docker cp "$worker:$quay_path" "$work/quay-hosts.toml"
    docker exec "$worker" rm "$quay_path"
    restore='docker cp "$work/quay-hosts.toml" "$worker:$quay_path"'
    want=1 pattern="FAIL +$worker: containerd sends quay.io to kind-registry-quay-io|$quay_path is missing, so the node pulls quay.io images straight from quay.io" ;;
  mixed_list_every_registry)
    # An image list across registries, prewarmed through each one's cache
    # first: every cached registry's image pulls on every node through its
    # own cache, and what no cache serves is named with its reason.
    images=$src/tests/data/mixed-images.txt
    "$mirrorgate" --state "$state" prewarm --images "$images" >"$work/prewarm" 2>&1 || { cat "$work/prewarm"; exit 1; }
    live_args=(--images "$images")
    want=0 pattern="pass +$worker: containerd sends quay.io to kind-registry-quay-io|pass +$worker: the node pulls through kind-registry-registry-k8s-io|5 of 5 images of .* that the cluster caches are in their caches|docker.elastic.co has no cache here|jaeger-registry:5000 is a registry inside the cluster" ;;
  node_without_config_path)
    docker cp "$worker:/etc/containerd/config.toml" "$work/config.toml"
    grep -v 'config_path' "$work/config.toml" >"$work/no-config-path.toml"
    docker cp "$work/no-config-path.toml" "$worker:/etc/containerd/config.toml"
    restart_node "$worker"
    restore='docker cp "$work/config.toml" "$worker:/etc/containerd/config.toml" && restart_node "$worker"'
    want=1 pattern="$worker: containerd sends docker.io to kind-registry|has no config_path, so hosts.toml is ignored" ;;
  *) echo "unknown case $case_name" >&2; exit 2 ;;
esac

snapshot >"$work/before"
set +e
"$mirrorgate" verify --live --backend kind --name "$cluster" --reports "$work/reports" ${live_args[@]+"${live_args[@]}"} \
  >"$work/out" 2>&1
got=$?
set -e
snapshot >"$work/after"
cat "$work/out"
eval "$restore"
restore=

status=0
if [[ $got -ne $want ]]; then echo "expected exit code $want, got $got" >&2; status=1; fi
IFS='|' read -ra words <<<"$pattern"
for w in "${words[@]}"; do
  grep -qE -- "$w" "$work/out" || { echo "expected the output to say: $w" >&2; status=1; }
done
if ! diff -u "$work/before" "$work/after" >&2; then
  echo "the live verify changed the cluster (diff above)" >&2
  status=1
fi
for f in report.md report.json junit.xml; do
  ls "$work"/reports/*/"$f" >/dev/null 2>&1 || { echo "no $f written" >&2; status=1; }
done
exit $status
