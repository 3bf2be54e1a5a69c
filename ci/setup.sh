#!/usr/bin/env bash
# Installs every build and run dependency of mirrorgate from Debian's packages.
# Idempotent: packages already present are left as they are.
set -euo pipefail

if [[ $(id -u) -ne 0 ]]; then
  echo "ci/setup.sh: run as root (it installs Debian packages with apt-get)" >&2
  exit 3
fi

build_packages=(
  cmake g++ make pkg-config ninja-build
  libgtest-dev libgmock-dev libbenchmark-dev libbenchmark-tools python3-scipy
  libcurl4-openssl-dev nlohmann-json3-dev libboost-dev libboost-filesystem-dev
  libyaml-cpp-dev libtomlplusplus-dev libcli11-dev libspdlog-dev libfmt-dev
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler libssl-dev libpng-dev
)
run_packages=(
  docker-registry containerd runc iproute2 openssl procps psmisc util-linux
  ca-certificates shellcheck chromium
  docker.io busybox-static tini
)

missing=()
for p in "${build_packages[@]}" "${run_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

if ((${#missing[@]})); then
  echo "ci/setup.sh: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "ci/setup.sh: all packages present"
fi

# Debian's packages start their daemons as services; the lab runs its own
# instances inside namespaces, so the system-wide ones are not needed and
# would hold port 5000 (docker-registry) or the default containerd socket.
for svc in docker-registry containerd; do
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet "$svc" 2>/dev/null; then
    systemctl stop "$svc" || true
  fi
done
pkill -x -f '/usr/bin/docker-registry serve /etc/docker/registry/config.yml' 2>/dev/null || true
