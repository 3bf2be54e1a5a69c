#!/usr/bin/env bash
# ownership_test.sh MIRRORGATE NODE_IMAGE
#
# The kind backend removes only what it can prove it created: containers and
# its network by the IDs it recorded, a cluster only when every node is one
# it made. Containers of the same names made by someone else — before the
# run, or since — are refused or left alone, and said so. A run killed while
# setup-registry.sh runs still owns what the script made after it started.
set -euo pipefail
mirrorgate=$1 node_image=$2
cluster=mirrorgate-own state=/var/tmp/mgate-docker/own
net=mirrorgate-net-$cluster hub=mirrorgate-hub-$cluster worker=$cluster-worker
work=$(mktemp -d /tmp/mirrorgate-own-XXXXXX)
impostors=()
cleanup() {
  for c in "${impostors[@]}"; do docker rm -f "$c" >/dev/null 2>&1 || true; done
  "$mirrorgate" --state "$state" down --purge >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
status=0
fail() { echo "FAIL: $*" >&2; status=1; }
up() { "$mirrorgate" --state "$state" up --backend kind --stand-in-hub --name "$cluster" --node-image "$node_image"; }
impostor() {  # NAME [docker create options]: a container someone else made
  local name=$1; shift
  impostors+=("$name")
  docker create --name "$name" "$@" registry:2 >/dev/null
  docker inspect -f '{{.Id}}' "$name"
}
expect() {  # CODE PATTERN FILE
  local got; got=$(tail -1 "$3.rc")
  [[ $got == "$1" ]] || fail "expected exit $1, got $got ($(tail -3 "$3"))"
  [[ -z $2 ]] || grep -qE -- "$2" "$3" || fail "expected the output to say: $2"
}
run() { local out=$1; shift; set +e; "$@" >"$out" 2>&1; echo $? >"$out.rc"; set -e; }

echo "== a kind-registry made before the run: refused, untouched, nothing made"
id=$(impostor kind-registry)
run "$work/up1" up
expect 2 "a container named kind-registry exists and this run did not create it" "$work/up1"
[[ $(docker inspect -f '{{.Id}}' kind-registry 2>/dev/null) == "$id" ]] || fail "the refused up changed kind-registry"
docker network inspect "$net" >/dev/null 2>&1 && fail "the refused up made the network $net"
docker container inspect "$hub" >/dev/null 2>&1 && fail "the refused up made $hub"
docker rm -f kind-registry >/dev/null

echo "== a stand-in container left by someone: refused"
impostor "$hub" >/dev/null
run "$work/up2" up
expect 2 "a container named $hub exists and this run did not create it" "$work/up2"
docker rm -f "$hub" >/dev/null

echo "== containers replaced under the run's names since up: left alone by down"
run "$work/up3" up
expect 0 "" "$work/up3"
docker rm -f "$hub" "$worker" >/dev/null
# Even labelled as the run's and the cluster's: the IDs are not the recorded ones.
hub_id=$(impostor "$hub" --label "io.mirrorgate.state=$state")
worker_id=$(impostor "$worker" --label "io.x-k8s.kind.cluster=$cluster" --label io.x-k8s.kind.role=worker)
run "$work/down1" "$mirrorgate" --state "$state" down
cat "$work/down1"
grep -qE "container $hub is not the one this run created.*left alone" "$work/down1" ||
  fail "down did not say it left $hub alone"
grep -qE "cluster $cluster has a node this run did not create: $worker" "$work/down1" ||
  fail "down did not say it left the cluster alone"
[[ $(tail -1 "$work/down1.rc") != 0 ]] || fail "down exited 0 with parts left behind"
[[ $(docker inspect -f '{{.Id}}' "$hub" 2>/dev/null) == "$hub_id" ]] || fail "down removed someone else's $hub"
[[ $(docker inspect -f '{{.Id}}' "$worker" 2>/dev/null) == "$worker_id" ]] || fail "down removed someone else's $worker"

echo "== once they are gone, down finishes the run's own"
docker rm -f "$hub" "$worker" >/dev/null
run "$work/down2" "$mirrorgate" --state "$state" down --purge
expect 0 "" "$work/down2"
docker ps -a --filter "label=io.x-k8s.kind.cluster=$cluster" --format '{{.Names}}' | grep -q . &&
  fail "a node of $cluster is left"
docker network inspect "$net" >/dev/null 2>&1 && fail "the network $net is left"
echo "== a run killed while setup-registry.sh runs: down removes what the script made since it started"
# The binary itself in the background (not the up function, a subshell): its
# pid is the one killed.
"$mirrorgate" --state "$state" up --backend kind --stand-in-hub --name "$cluster" --node-image "$node_image" \
  >"$work/up4" 2>&1 &
up_pid=$!
for _ in $(seq 1 1200); do
  docker container inspect kind-registry >/dev/null 2>&1 && break
  kill -0 "$up_pid" 2>/dev/null || break
  sleep 0.1
done
kill -9 "$up_pid" 2>/dev/null || fail "up ended before kind-registry was made ($(tail -3 "$work/up4"))"
wait "$up_pid" 2>/dev/null || true
# The script goes on without its parent; its containers are made when it ends.
for _ in $(seq 1 600); do
  pgrep -f "setup-registry.sh .*--network $net" >/dev/null || break
  sleep 0.2
done
started=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["backend_state"].get("registry_setup_started", ""))' \
  "$state/state.json")
[[ -n $started ]] || fail "the kill did not land while setup-registry.sh ran: nothing of that case is tested"
docker container inspect kind-registry >/dev/null 2>&1 || fail "setup-registry.sh did not make kind-registry"
run "$work/down3" "$mirrorgate" --state "$state" down --purge
expect 0 "" "$work/down3"
for c in kind-registry kind-registry-front "$hub"; do
  docker container inspect "$c" >/dev/null 2>&1 && fail "$c is left after down of the killed run ($(cat "$work/down3"))"
done
docker network inspect "$net" >/dev/null 2>&1 && fail "the network $net is left after down of the killed run"
exit $status
