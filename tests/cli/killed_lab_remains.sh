#!/usr/bin/env bash
# killed_lab_remains.sh MIRRORGATE: a run killed outright (SIGKILL, a closed
# session) leaves the lab's namespaces behind with no daemon in them. The
# next `up`, from another state directory, must take those remains down
# itself (the killed run's cache stays) — and must still refuse while a lab
# that runs is in the way.
set -euo pipefail
mirrorgate=$1
first=/var/tmp/mgate/killed-first
second=/var/tmp/mgate/killed-second
out=$(mktemp)
cleanup() {
  "$mirrorgate" --state "$second" down --purge >/dev/null 2>&1 || true
  "$mirrorgate" --state "$first" down --purge >/dev/null 2>&1 || true
  rm -f "$out"
}
trap cleanup EXIT

"$mirrorgate" --state "$first" up >/dev/null
touch "$first/registry-data/kept-by-the-killed-run"

# A lab that runs is in the way: refused, and the refused run leaves no state.
if "$mirrorgate" --state "$second" up >"$out" 2>&1; then
  echo "up beside a running lab succeeded" >&2; exit 1
fi
grep -q "another lab is up, from $first" "$out"
test ! -e "$second/state.json"

# Kill every daemon the first run started (their pids are in its state file),
# the way a closed session does: no teardown runs.
# kind-registry-front and the lab's DNS too, where the registry config runs them (the shipped one does).
pids=$(python3 -c 'import json,sys; s=json.load(open(sys.argv[1]))["backend_state"]
hosts = [s["hub"], s["hub_front"], s["mirror"], s.get("front", {}), s.get("dns", {})] + [n["containerd"] for n in s["nodes"]]
print(" ".join(str(p["daemon"]["pid"]) for p in hosts if p.get("daemon", {}).get("pid", 0) > 0))' \
  "$first/state.json")
for pid in $pids; do kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid"; done
ip netns list | grep -q mirrorgate-switch

"$mirrorgate" --state "$second" up 2>&1 | tee "$out"
grep -q "the lab in $first was left behind by a run that was killed" "$out"
test ! -e "$first/state.json"
test -e "$first/registry-data/kept-by-the-killed-run"
"$mirrorgate" --state "$second" down
