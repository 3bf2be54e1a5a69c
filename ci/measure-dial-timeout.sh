#!/usr/bin/env bash
# How long a node takes to fall back to Docker Hub when kind-registry does
# not answer (its port drops packets, as a cache host that is down or hung
# does; a stopped container is refused at once and needs no timeout), on
# each containerd generation, with the shipped hosts.toml and with
# `dial_timeout` set per host. One pull each of a cached image on one node,
# timed by `mirrorgate pull`; the embedded lab (one at a time, as root).
# Usage: sudo ci/measure-dial-timeout.sh [DIAL_TIMEOUT [GENERATION...]]
#   ci/measure-dial-timeout.sh 2s 1.6 1.7 2.1 2.2 2.3
set -uo pipefail
cd "$(dirname "$0")/.." || exit 3
dial=${1:-2s}
shift $(($# > 0 ? 1 : 0))
gens=("$@")
((${#gens[@]})) || gens=(1.6 1.7 2.1 2.2 2.3)
mirrorgate=${MIRRORGATE:-build/release/bin/mirrorgate}
[[ -x $mirrorgate ]] || { echo "measure-dial-timeout.sh: build first (ci/main.sh)" >&2; exit 3; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
with_dial=$work/hosts.toml
sed "s|^  capabilities = \[\"pull\", \"resolve\"\]|&\n  dial_timeout = \"$dial\"|" kind/hosts.toml >"$with_dial"
grep -q dial_timeout "$with_dial" || { echo "measure-dial-timeout.sh: could not add dial_timeout to kind/hosts.toml" >&2; exit 3; }
image=busybox:1.36
node=kind-worker
printf '%-5s %-22s %-10s %s\n' containerd hosts.toml seconds "how the pull went"
for gen in "${gens[@]}"; do
  for variant in shipped "dial_timeout=$dial"; do
    state=$work/state-$gen
    hosts=kind/hosts.toml
    [[ $variant == shipped ]] || hosts=$with_dial
    if ! "$mirrorgate" --state "$state" up --containerd "$gen" --hosts-toml "$hosts" >"$work/up.log" 2>&1; then
      printf '%-5s %-22s %-10s %s\n' "$gen" "$variant" - "up failed: $(tail -1 "$work/up.log")"
      "$mirrorgate" --state "$state" down >/dev/null 2>&1
      continue
    fi
    "$mirrorgate" --state "$state" pull --node "$node" "$image" >/dev/null 2>&1  # cached now
    ip netns exec kind-registry iptables -A INPUT -p tcp --dport 5000 -j DROP
    start=$(date +%s.%N)
    "$mirrorgate" --state "$state" pull --fresh --node "$node" --timeout 200 "$image" >"$work/pull.log" 2>&1
    end=$(date +%s.%N)
    ip netns exec kind-registry iptables -D INPUT -p tcp --dport 5000 -j DROP
    how=$(grep -m1 -E "$node" "$work/pull.log" | cut -c1-110)
    printf '%-5s %-22s %-10.1f %s\n' "$gen" "$variant" "$(echo "$end - $start" | bc)" "$how"
    "$mirrorgate" --state "$state" down >/dev/null 2>&1
  done
done
