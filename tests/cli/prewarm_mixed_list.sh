#!/usr/bin/env bash
# prewarm_mixed_list.sh MIRRORGATE STATE: prewarm of a list across registries
# against a lab up with --upstream quay.io, ghcr.io, registry.k8s.io: every
# pullable reference ends cached (now or already), each through its own
# registry's cache; a registry without a cache and one inside the cluster are
# listed as not covered, each with its reason; nothing fails.
set -euo pipefail
mirrorgate=$1 state=$2
list=$(cd "$(dirname "$0")/../data" && pwd)/mixed-images.txt
fail() { echo "prewarm_mixed_list: $*" >&2; exit 1; }
out=$("$mirrorgate" --state "$state" prewarm --images "$list" 2>&1) || { echo "$out"; fail "prewarm failed"; }
summary=$(grep -E "^prewarmed 7 images through " <<<"$out") || { echo "$out"; fail "no summary line"; }
for cache in kind-registry kind-registry-quay-io kind-registry-ghcr-io kind-registry-registry-k8s-io; do
  grep -q "$cache (http" <<<"$summary" || fail "nothing went through $cache: $summary"
done
[[ $summary =~ ([0-9]+)\ cached\ now,\ ([0-9]+)\ already\ cached,\ ([0-9]+)\ not\ covered,\ ([0-9]+)\ failed ]] ||
  fail "unreadable summary: $summary"
((BASH_REMATCH[1] + BASH_REMATCH[2] == 5)) || fail "not every pullable reference is cached: $summary"
((BASH_REMATCH[3] == 2 && BASH_REMATCH[4] == 0)) || fail "expected 2 not covered and 0 failed: $summary"
grep -q "docker.elastic.co/elasticsearch/elasticsearch:8.15.0 — no cache of docker.elastic.co here" <<<"$out" ||
  fail "the uncached registry's reason is missing: $out"
grep -q "jaeger-registry:5000/hotel/frontend:latest — jaeger-registry:5000 is a registry inside the cluster" <<<"$out" ||
  fail "the cluster-internal registry's reason is missing: $out"
echo "prewarm_mixed_list: passed ($summary)"
