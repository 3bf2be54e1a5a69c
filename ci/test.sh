#!/usr/bin/env bash
# The test command: installs what the build and the lab need, builds, and runs
# every test with ctest — unit tests (no root), the scenarios against a lab
# that ctest brings up once (lab.up) and removes (lab.down), and the same
# scenarios on the kind backend against a Docker engine (label docker),
# started here when none runs and stopped again at the end.
# Exits non-zero on any failure. Run as root on Debian 12.
set -euo pipefail
cd "$(dirname "$0")/.."

bash ci/build.sh debug
dockerd_pid=$(bash ci/start-docker.sh)
stop_dockerd() {
  [[ -n $dockerd_pid ]] || return 0
  kill "$dockerd_pid" 2>/dev/null || return 0
  for _ in $(seq 60); do kill -0 "$dockerd_pid" 2>/dev/null || return 0; sleep 0.5; done
  kill -9 "$dockerd_pid" 2>/dev/null || true
}
trap stop_dockerd EXIT
echo "== ctest: unit tests, scenarios (embedded lab and Docker)"
# Label `repeat` (20 repetitions of a case, for statistics) runs outside CI:
# ctest --preset debug -L repeat.
ctest --preset debug --output-junit junit.xml -LE repeat "$@"
