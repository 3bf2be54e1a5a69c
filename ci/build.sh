#!/usr/bin/env bash
# Installs the Debian packages (ci/setup.sh), then configures and builds one
# CMake preset: ci/build.sh debug|release
set -euo pipefail
cd "$(dirname "$0")/.."
preset=${1:?usage: ci/build.sh debug|release}
bash ci/setup.sh
echo "== configure and build ($preset preset)"
cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset" -- -j"$(nproc)"
