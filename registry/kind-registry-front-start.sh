#!/bin/sh
# How kind-registry-front starts (setup-registry.sh makes it the container's
# command; the embedded lab runs it as it is): nginx with
# kind-registry-front.conf, in a run directory of its own that holds the
# config, its cache and two files it includes, written here:
#   resolver.conf  the nameservers of /etc/resolv.conf (nginx resolves
#                  Docker Hub and its CDN while it runs, not once at start,
#                  so it starts without network and follows a changed CDN)
#   ca-bundle.pem  the CAs it trusts for Docker Hub: $SSL_CERT_FILE when set
#                  (a corporate proxy's or a test CA), else the system's
#
# POSIX sh.
#   kind-registry-front-start.sh [CONFIG [RUN_DIR]]
#   (defaults /etc/nginx/kind-registry-front.conf, /var/cache/kind-registry-front)
set -eu

config=${1:-/etc/nginx/kind-registry-front.conf}
run_dir=${2:-/var/cache/kind-registry-front}
say() { echo "kind-registry-front-start: $*" >&2; }

[ -f "$config" ] || { say "$config: no such file"; exit 1; }
nameservers=$(awk '$1 == "nameserver" { printf "%s%s", sep, ($2 ~ /:/ ? "[" $2 "]" : $2); sep = " " }' /etc/resolv.conf 2>/dev/null || true)
if [ -z "$nameservers" ]; then
  say "no nameserver in /etc/resolv.conf: the front could not resolve Docker Hub"
  exit 1
fi
bundle=${SSL_CERT_FILE:-/etc/ssl/certs/ca-certificates.crt}
[ -f "$bundle" ] || { say "$bundle: no CA bundle to check Docker Hub's certificate with"; exit 1; }

mkdir -p "$run_dir/cache" "$run_dir/temp"
cp "$config" "$run_dir/kind-registry-front.conf"
cp "$bundle" "$run_dir/ca-bundle.pem"
echo "resolver $nameservers valid=30s;" >"$run_dir/resolver.conf"
say "resolving with $nameservers; cache in $run_dir/cache"
exec nginx -p "$run_dir/" -c "$run_dir/kind-registry-front.conf" -g "daemon off;"
