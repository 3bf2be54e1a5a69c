#!/bin/sh
# A kind-registry start script that never serves: the --start-timeout tests
# (scenarios/CMakeLists.txt) expect the bring-up to give up on it in time.
echo "never-answers-start: not starting a registry" >&2
while :; do sleep 1; done
