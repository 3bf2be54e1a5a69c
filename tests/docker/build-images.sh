#!/usr/bin/env bash
# Builds the images the Docker-backed suite runs, from this machine's Debian
# binaries (nothing can be pulled here): each a root filesystem of the
# binaries and the libraries ldd names, imported with `docker import`.
#   mirrorgate/registry-standin:2  Debian's docker-registry with registry:2's
#                                  interface; tagged registry:2 too unless a
#                                  real registry:2 is present
#   mirrorgate/registry-standin:3  distribution v3.1.1 (ci/build-registry.sh)
#                                  with registry:3's interface; registry:3 likewise
#   mirrorgate/nginx-standin:stable  Debian's nginx (ci/setup.sh unpacks it)
#                                  with the shell tools kind-registry-front-
#                                  start.sh uses; tagged nginx:stable too
#                                  unless a real nginx:stable is present
#   mirrorgate/kind-node:containerd-GENERATION  containerd, runc, ctr of
#                                  that generation, the crictl double, busybox
#                                  for the shell tools; :containerd is the newest
# An image whose content did not change is not re-imported.
set -euo pipefail

usage() { echo "usage: build-images.sh CRICTL_BINARY" >&2; exit 2; }
(($# == 1)) || usage
crictl=$1
[[ -x $crictl ]] || { echo "build-images.sh: $crictl is not an executable" >&2; exit 2; }
for tool in docker docker-registry busybox; do
  command -v "$tool" >/dev/null || { echo "build-images.sh: $tool not found; run ci/setup.sh" >&2; exit 3; }
done

docker info >/dev/null 2>&1 || {
  echo "build-images.sh: the Docker daemon does not answer; start one with ci/start-docker.sh (ci/test.sh does)" >&2
  exit 3
}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Copies a binary to DEST in ROOT, with every shared library it needs.
add_binary() {
  local root=$1 src=$2 dest=$3 lib
  mkdir -p "$root/$(dirname "$dest")"
  cp -L "$src" "$root/$dest"
  while read -r lib; do
    [[ -n $lib ]] && cp -L --parents "$lib" "$root/"
  done < <(ldd "$src" 2>/dev/null | awk '/=> \// { print $3 } /^\t\/lib/ { print $1 }')
}

# Imports ROOT as IMAGE unless an image with the same content is there.
import_root() {
  local root=$1 image=$2; shift 2
  local tar sum
  tar="$work/$(basename "$root").tar"
  tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$root" -cf "$tar" .
  sum=$(sha256sum "$tar" | cut -c1-64)
  if [[ $(docker image inspect -f '{{index .Config.Labels "mirrorgate.content"}}' "$image" 2>/dev/null) == "$sum" ]]; then
    echo "$image is up to date"
    return
  fi
  docker import "$@" --change "LABEL mirrorgate.content=$sum" "$tar" "$image" >/dev/null
  echo "built $image"
}

base_files() {
  local root=$1
  mkdir -p "$root"/{etc/ssl/certs,tmp,var,run,proc,sys,dev}
  cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/"
  printf 'root:x:0:0:root:/root:/bin/sh\n' >"$root/etc/passwd"
  printf 'root:x:0:\n' >"$root/etc/group"
  printf 'hosts: files dns\n' >"$root/etc/nsswitch.conf"
}

# registry:N's interface: `registry serve CONFIG`, data at /var/lib/registry,
# port 5000, the config at /etc/docker/registry/config.yml (registry:2) or
# /etc/distribution/config.yml (registry:3, distribution's v3 Dockerfile,
# which also sets OTEL_TRACES_EXPORTER=none; registry 2.8 ignores it).
# build_registry TAG BINARY CONFIG_PATH [DEFAULT_CONFIG]
# DEFAULT_CONFIG: the file the real image copies to CONFIG_PATH (registry:3's
# Dockerfile copies cmd/registry/config-dev.yml, deletion on); else a
# minimal one.
build_registry() {
  local tag=$1 binary=$2 config_path=$3 default_config=${4:-} applet
  local reg=$work/registry-$tag
  base_files "$reg"
  add_binary "$reg" "$binary" /bin/registry
  # registry:N is Alpine's busybox underneath, every applet linked: what
  # setup-registry.sh, kind-registry-start.sh (sh, sed, grep, mktemp) and
  # users' scripts (`docker exec kind-registry cat …`) reach for.
  mkdir -p "$reg/bin"
  cp "$(command -v busybox)" "$reg/bin/busybox"
  for applet in $(busybox --list); do [[ $applet == busybox ]] || ln -sf busybox "$reg/bin/$applet"; done
  mkdir -p "$reg/$(dirname "$config_path")" "$reg/var/lib/registry"
  if [[ -n $default_config ]]; then
    cp "$default_config" "$reg/$config_path"
  else
    cat >"$reg/$config_path" <<'YAML'
version: 0.1
log:
  fields:
    service: registry
storage:
  cache:
    blobdescriptor: inmemory
  filesystem:
    rootdirectory: /var/lib/registry
http:
  addr: :5000
  headers:
    X-Content-Type-Options: [nosniff]
YAML
  fi
  import_root "$reg" "mirrorgate/registry-standin:$tag" \
    --change 'ENTRYPOINT ["/bin/registry", "serve"]' \
    --change "CMD [\"$config_path\"]" \
    --change 'EXPOSE 5000' --change 'VOLUME ["/var/lib/registry"]' \
    --change 'ENV OTEL_TRACES_EXPORTER=none'
  if ! docker image inspect "registry:$tag" >/dev/null 2>&1 ||
    [[ -n $(docker image inspect -f '{{index .Config.Labels "mirrorgate.content"}}' "registry:$tag") ]]; then
    docker tag "mirrorgate/registry-standin:$tag" "registry:$tag"
    echo "tagged registry:$tag (no real registry:$tag image here)"
  fi
}
build_registry 2 "$(command -v docker-registry)" /etc/docker/registry/config.yml
registry3=${MIRRORGATE_REGISTRY_CACHE:-/var/cache/mirrorgate/registry}/3.1/registry
if [[ -x $registry3 ]]; then
  # The real image's default config, from the source ci/build-registry.sh builds.
  source_tar=${MIRRORGATE_DISTRIBUTION_SOURCE:-$(dirname "$0")/../../../shared/third_party/distribution-3.1.1.tar.gz}
  dev_config=""
  if [[ -f $source_tar ]] && tar -xzf "$source_tar" -C "$work" --wildcards '*/cmd/registry/config-dev.yml' 2>/dev/null; then
    dev_config=$(find "$work" -path '*/cmd/registry/config-dev.yml' | head -1)
  else
    echo "no $source_tar: registry:3's stand-in gets a minimal config, not the real image's (deletion on)"
  fi
  build_registry 3 "$registry3" /etc/distribution/config.yml "$dev_config"
else
  echo "no $registry3 here (ci/build-registry.sh); registry:3 is not built"
fi

# nginx:stable's interface for kind-registry-front: nginx on PATH, /bin/sh,
# awk and cp, the system CAs, workers as nobody.
nginx_bin=${MIRRORGATE_NGINX_CACHE:-/var/cache/mirrorgate/nginx}/usr/sbin/nginx
[[ -x $nginx_bin ]] || { echo "build-images.sh: no nginx at $nginx_bin; run ci/setup.sh" >&2; exit 3; }
ngx=$work/nginx
base_files "$ngx"
printf 'nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >>"$ngx/etc/passwd"
printf 'nogroup:x:65534:\n' >>"$ngx/etc/group"
add_binary "$ngx" "$nginx_bin" /usr/sbin/nginx
mkdir -p "$ngx/bin" "$ngx/var/cache" "$ngx/var/lock" "$ngx/var/log/nginx"
cp "$(command -v busybox)" "$ngx/bin/busybox"
for applet in sh awk cp mkdir cat echo ls rm; do ln -sf busybox "$ngx/bin/$applet"; done
import_root "$ngx" mirrorgate/nginx-standin:stable \
  --change 'ENV PATH=/usr/sbin:/bin' \
  --change 'CMD ["nginx", "-g", "daemon off;"]'
if ! docker image inspect nginx:stable >/dev/null 2>&1 ||
  [[ -n $(docker image inspect -f '{{index .Config.Labels "mirrorgate.content"}}' nginx:stable) ]]; then
  docker tag mirrorgate/nginx-standin:stable nginx:stable
  echo "tagged nginx:stable (no real nginx:stable image here)"
fi

# One node image per containerd generation the machine has: Debian 12's
# own (1.6) and those ci/fetch-containerd.sh fetched (1.7, 2.1). Each gets
# that generation's containerd, shim, ctr and runc.
containerd_cache=${MIRRORGATE_CONTAINERD_CACHE:-/var/cache/mirrorgate/containerd}
newest=""
for generation in 1.6 1.7 2.1; do
  if [[ $generation == 1.6 ]]; then
    bin=/usr/bin sbin=/usr/sbin
  else
    bin=$containerd_cache/$generation/usr/bin sbin=$containerd_cache/$generation/usr/sbin
  fi
  [[ -x $bin/containerd ]] || { echo "no containerd $generation here (ci/fetch-containerd.sh); its node image is not built"; continue; }
  node=$work/node-$generation
  base_files "$node"
  for tool in containerd containerd-shim-runc-v2 ctr; do
    add_binary "$node" "$bin/$tool" "/usr/local/bin/$tool"
  done
  add_binary "$node" "$( [[ -x $sbin/runc ]] && echo "$sbin/runc" || command -v runc)" /usr/local/bin/runc
  add_binary "$node" "$crictl" /usr/local/bin/crictl
  mkdir -p "$node/bin"
  cp "$(command -v busybox)" "$node/bin/busybox"
  for applet in sh cat mkdir ls find du rm mv cp test grep sed tee sleep echo env stat kill ps sha256sum sort; do
    ln -sf busybox "$node/bin/$applet"
  done
  mkdir -p "$node/etc/containerd" "$node/var/lib/containerd" "$node/opt/cni/bin" "$node/etc/cni/net.d"
  import_root "$node" "mirrorgate/kind-node:containerd-$generation" \
    --change 'ENV PATH=/usr/local/bin:/bin' \
    --change 'ENTRYPOINT ["/usr/local/bin/containerd", "--config", "/etc/containerd/config.toml"]'
  newest=$generation
done
[[ -n $newest ]] || { echo "build-images.sh: no containerd found to build a node image from" >&2; exit 3; }
# The node image the tests use unless they name a generation: the newest.
docker tag "mirrorgate/kind-node:containerd-$newest" mirrorgate/kind-node:containerd
echo "mirrorgate/kind-node:containerd is containerd $newest"
docker image prune -f --filter "label=mirrorgate.content" >/dev/null  # our own images left dangling by a rebuild
