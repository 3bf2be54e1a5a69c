#!/usr/bin/env bash
# How long a node takes to fall back to Docker Hub when kind-registry does
# not answer (its port drops packets, as a cache host that is down or hung
# does; a stopped container is refused at once and needs no timeout), on
# each containerd generation, with kind/hosts.toml as shipped (dial_timeout
# set to DIAL_TIMEOUT) and with no dial_timeout. One pull each of a cached image on one node,
# timed by `mirrorgate pull`; the embedded lab (one at a time, as root). The
# lab shortens its namespaces' SYN retries to one (connects fail after ~3 s);
# here the node's namespace gets the kernel's default back (6), so a connect
# waits as on a real node: until containerd's dial timeout (30 s by default,
# `dial_timeout` per host since 2.1) or the kernel gives up (~127 s).
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
# The shipped kind/hosts.toml sets dial_timeout; the other variant has none
# (containerd's default, 30 s).
with_dial=$work/with.toml without_dial=$work/without.toml
sed "s|^  dial_timeout = .*|  dial_timeout = \"$dial\"|" kind/hosts.toml >"$with_dial"
grep -v "^  dial_timeout" kind/hosts.toml >"$without_dial"
grep -q "dial_timeout = \"$dial\"" "$with_dial" || { echo "measure-dial-timeout.sh: kind/hosts.toml has no dial_timeout to set" >&2; exit 3; }
image=busybox:1.36
node=kind-worker
printf '%-5s %-22s %-10s %s\n' containerd hosts.toml seconds "how the pull went"
for gen in "${gens[@]}"; do
  for variant in "no dial_timeout" "dial_timeout=$dial"; do
    state=$work/state-$gen
    hosts=$without_dial
    [[ $variant == "no dial_timeout" ]] || hosts=$with_dial
    if ! "$mirrorgate" --state "$state" up --containerd "$gen" --hosts-toml "$hosts" >"$work/up.log" 2>&1; then
      printf '%-5s %-22s %-10s %s\n' "$gen" "$variant" - "up failed: $(tail -1 "$work/up.log")"
      "$mirrorgate" --state "$state" down >/dev/null 2>&1
      continue
    fi
    "$mirrorgate" --state "$state" pull --node "$node" "$image" >/dev/null 2>&1  # cached now
    ip netns exec "$node" sysctl -q -w net.ipv4.tcp_syn_retries=6
    ip netns exec kind-registry iptables -A INPUT -p tcp --dport 5000 -j DROP
    start=$(date +%s.%N)
    "$mirrorgate" --state "$state" pull --fresh --node "$node" --timeout 200 "$image" >"$work/pull.log" 2>&1
    end=$(date +%s.%N)
    ip netns exec kind-registry iptables -D INPUT -p tcp --dport 5000 -j DROP
    how=$(grep -m1 -E "^$node: " "$work/pull.log" | cut -c1-110)
    printf '%-5s %-22s %-10.1f %s\n' "$gen" "$variant" "$(echo "$end - $start" | bc)" "$how"
    "$mirrorgate" --state "$state" down >/dev/null 2>&1
  done
done
