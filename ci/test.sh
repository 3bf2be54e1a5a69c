#!/usr/bin/env bash
# The test command: installs what the build and the lab need, builds, and runs
# every test with ctest — unit tests (no root) and the scenarios, which run
# against a lab that ctest brings up once (lab.up) and removes (lab.down).
# Exits non-zero on any failure. Run as root on Debian 12.
set -euo pipefail
cd "$(dirname "$0")/.."

bash ci/build.sh debug
echo "== ctest: unit tests and scenarios"
ctest --preset debug --output-junit junit.xml "$@"
