#!/usr/bin/env bash
# Starts kind-registry: a registry:2 pull-through cache of Docker Hub that kind
# nodes reach as http://kind-registry:5000 (see kind/hosts.toml) and the host
# reaches on 127.0.0.1:5001. Idempotent: a second run changes nothing.
set -euo pipefail

name=kind-registry
image=registry:2
host_port=5001
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
config="$here/registry-config.yml"
data_dir="$PWD/registry-data"
force=0

usage() {
  cat <<USAGE
Usage: setup-registry.sh [--force] [--help]

Starts the kind-registry container (image $image) as a pull-through cache:
  --restart=always, -p 127.0.0.1:$host_port:5000,
  $config mounted at /etc/docker/registry/config.yml,
  ./registry-data (under the current directory) at /var/lib/registry,
and connects it to the docker network "kind" when that network exists.

Run it before 'kind create cluster --config kind/kind-config-x86.yaml', or
after: a second run only connects the registry to the new kind network.

Options:
  --force   replace an existing kind-registry that is not a pull-through cache
            (its data directory is left as it is)
  --help    show this text
USAGE
}

die() { echo "setup-registry.sh: $*" >&2; exit 1; }

while (($#)); do
  case $1 in
    --force) force=1 ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument '$1'" ;;
  esac
  shift
done

command -v docker >/dev/null 2>&1 || die "docker is not installed; install Docker, then run this again"
docker info >/dev/null 2>&1 || die "the Docker daemon does not answer; start it (e.g. 'systemctl start docker'), then run this again"
[[ -f $config ]] || die "$config is missing; run this script from a mirrorgate checkout"
grep -qE '^proxy:' "$config" || die "$config has no proxy section; kind-registry would not cache Docker Hub"

# A registry is a pull-through cache when its config has a proxy section or
# REGISTRY_PROXY_REMOTEURL is set in its environment.
is_proxy() {
  docker inspect -f '{{range .Config.Env}}{{println .}}{{end}}' "$name" | grep -q '^REGISTRY_PROXY_REMOTEURL=' && return 0
  docker exec "$name" cat /etc/docker/registry/config.yml 2>/dev/null | grep -qE '^proxy:'
}

changed=0
if docker inspect "$name" >/dev/null 2>&1; then
  if [[ $(docker inspect -f '{{.State.Running}}' "$name") != true ]]; then
    docker start "$name" >/dev/null
    echo "started the existing $name container"
    changed=1
  fi
  if ! is_proxy; then
    if ((force)); then
      echo "replacing $name: it is not a pull-through cache (--force)"
      docker rm -f "$name" >/dev/null
    else
      die "a container named $name exists but is not a pull-through cache (no proxy section in its config); kind nodes would not reach Docker Hub through it. Rerun with --force to replace it."
    fi
  fi
fi

if ! docker inspect "$name" >/dev/null 2>&1; then
  mkdir -p "$data_dir"
  docker run -d --restart=always --name "$name" \
    -p "127.0.0.1:$host_port:5000" \
    -v "$config:/etc/docker/registry/config.yml:ro" \
    -v "$data_dir:/var/lib/registry" \
    "$image" >/dev/null
  echo "started $name ($image) on 127.0.0.1:$host_port, cache in $data_dir"
  changed=1
fi

if docker network inspect kind >/dev/null 2>&1; then
  if [[ $(docker inspect -f '{{json .NetworkSettings.Networks.kind}}' "$name") == null ]]; then
    docker network connect kind "$name"
    echo "connected $name to the kind network"
    changed=1
  fi
fi

((changed)) || echo "$name is already running as a pull-through cache; nothing changed"
