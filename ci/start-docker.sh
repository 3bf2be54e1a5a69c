#!/usr/bin/env bash
# Starts a Docker daemon for the Docker-backed tests when none answers (CI
# machines run no init system to start it). Prints the pid of the daemon it
# started, nothing when one was already running, so the caller stops only
# its own.
set -euo pipefail

if docker info >/dev/null 2>&1; then
  echo "ci/start-docker.sh: a Docker daemon already answers" >&2
  exit 0
fi
command -v dockerd >/dev/null || { echo "ci/start-docker.sh: dockerd not found; run ci/setup.sh" >&2; exit 3; }
log=/var/log/mirrorgate-dockerd.log
setsid dockerd >"$log" 2>&1 </dev/null &
pid=$!
for _ in $(seq 120); do
  if docker info >/dev/null 2>&1; then
    echo "ci/start-docker.sh: dockerd (pid $pid) answers; log $log" >&2
    echo "$pid"
    exit 0
  fi
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.5
done
echo "ci/start-docker.sh: dockerd did not answer within 60 s; its log $log ends with:" >&2
tail -20 "$log" >&2
kill "$pid" 2>/dev/null || true
exit 1
