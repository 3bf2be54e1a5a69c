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
  ceph-mon ceph-osd radosgw ceph-common haproxy redis-server
)

missing=()
for p in "${build_packages[@]}" "${run_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

export DEBIAN_FRONTEND=noninteractive
echo "ci/setup.sh: apt-get update"
apt-get update -qq
if ((${#missing[@]})); then
  echo "ci/setup.sh: installing ${missing[*]}"
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "ci/setup.sh: all packages present"
fi

# nginx for kind-registry-front in the lab: Debian 12's own, unpacked into
# /var/cache/mirrorgate/nginx rather than installed (installing it would
# start a system nginx on port 80).
nginx_dir=${MIRRORGATE_NGINX_CACHE:-/var/cache/mirrorgate/nginx}
if [[ ! -x $nginx_dir/usr/sbin/nginx ]]; then
  work=$(mktemp -d)
  (cd "$work" && apt-get -qq -o APT::Sandbox::User=root download nginx)
  rm -rf "$nginx_dir.new"
  mkdir -p "$nginx_dir.new"
  dpkg-deb -x "$work"/nginx_*.deb "$nginx_dir.new"
  rm -rf "$work" "$nginx_dir"
  mv "$nginx_dir.new" "$nginx_dir"
fi
echo "ci/setup.sh: $("$nginx_dir/usr/sbin/nginx" -v 2>&1) in $nginx_dir"

# The other node generations (containerd 1.7 and 2.x), from the same archive
# into /var/cache/mirrorgate/containerd, without touching what is installed.
bash "$(dirname "$0")/fetch-containerd.sh"

# The registry generation 3.1 (what registry:3 runs), built from the source
# beside the checkout (../shared/third_party/) with sid's Go, into
# /var/cache/mirrorgate/registry/3.1; without that source its cases skip.
bash "$(dirname "$0")/build-registry.sh"

# The node generations 2.2 and 2.3 (containerd v2.2.7, v2.3.4: kind v0.31 to
# v0.33), built from the sources beside the checkout with the same Go, into
# /var/cache/mirrorgate/containerd/2.2 and 2.3 (about 2 minutes each, once);
# without those sources their suites are not configured.
bash "$(dirname "$0")/build-containerd.sh"

# The host's own containerd and docker-registry services are left alone: the
# lab's daemons run in namespaces of their own, on sockets and addresses of
# their own, and Docker may depend on the host's containerd.
