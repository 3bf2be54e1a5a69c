#!/usr/bin/env bash
# own_network_test.sh CLUSTER
#
# With --stand-in-hub the test world keeps to a docker network of its own
# (mirrorgate-net-CLUSTER): the stand-in answers to Docker Hub's names
# there and nowhere else, and nothing of the run joins the shared `kind`
# network, so another kind cluster on the host still reaches the real
# Docker Hub (and no other cluster's nodes reach this run's kind-registry).
# Run while `mirrorgate up --backend kind --stand-in-hub --name CLUSTER` is up.
set -euo pipefail
cluster=$1
net=mirrorgate-net-$cluster hub=mirrorgate-hub-$cluster
status=0
fail() { echo "FAIL: $*" >&2; status=1; }

nodes=$(docker ps --filter "label=io.x-k8s.kind.cluster=$cluster" --format '{{.Names}}' | sort)
[[ -n $nodes ]] || { echo "no node of cluster $cluster runs" >&2; exit 1; }
networks_of() { docker inspect -f '{{range $name, $n := .NetworkSettings.Networks}}{{$name}} {{end}}' "$1"; }

hub_ip=$(docker inspect -f "{{(index .NetworkSettings.Networks \"$net\").IPAddress}}" "$hub")
aliases=$(docker inspect -f "{{json (index .NetworkSettings.Networks \"$net\").Aliases}}" "$hub")
[[ $aliases == *'"registry-1.docker.io"'* ]] || fail "$hub does not answer as registry-1.docker.io on $net: $aliases"
for c in $nodes "$hub" kind-registry; do
  for n in $(networks_of "$c"); do
    [[ $n == "$net" || $n == bridge ]] || fail "$c is on the docker network $n, not only on $net"
  done
done

# A container on the shared kind network, as another cluster's node: Docker
# Hub's name must not lead it to the stand-in. (The kind network is made for
# the look when no cluster made it, and removed again.)
made_kind=0
if ! docker network inspect kind >/dev/null 2>&1; then
  docker network create kind >/dev/null
  made_kind=1
fi
answer=$(docker run --rm --network kind --entrypoint nslookup registry:2 registry-1.docker.io 2>&1 || true)
((made_kind)) && docker network rm kind >/dev/null
echo "registry-1.docker.io from the kind network:"
sed 's/^/  /' <<<"$answer"
if grep -qwF -- "$hub_ip" <<<"$answer"; then
  fail "a container on the kind network resolves registry-1.docker.io to the stand-in ($hub_ip)"
fi
((status == 0)) && echo "the stand-in ($hub_ip) answers as Docker Hub on $net only"
exit $status
