#!/usr/bin/env bash
# Installs the Debian packages of the real servers (PostgreSQL 15, Redis, and nginx for the cluster profile)
# when they are missing; a no-op when all are there. Needs root or passwordless sudo. Used by `make test-servers`
# (scripts/servers.sh and scripts/cluster.sh start throwaway instances of them; no system service is started or
# enabled here).
set -euo pipefail

PG_BIN=${SHOPBOT_PG_BIN:-}
have_postgres() {
  [[ -n "$PG_BIN" && -x "$PG_BIN/postgres" ]] && return 0
  compgen -G "/usr/lib/postgresql/*/bin/postgres" >/dev/null
}
have_redis() { command -v redis-server >/dev/null 2>&1 && command -v redis-cli >/dev/null 2>&1; }
have_nginx() { command -v nginx >/dev/null 2>&1 || [[ -x /usr/sbin/nginx ]]; }

packages=()
have_postgres || packages+=(postgresql)
have_redis || packages+=(redis-server)
have_nginx || packages+=(nginx)  # Debian 12: the nginx-core build; only its http proxy is used
if [[ ${#packages[@]} -eq 0 ]]; then
  echo "install_servers: postgresql, redis-server and nginx already installed"
  exit 0
fi

if [[ $(id -u) -eq 0 ]]; then
  SUDO=()
elif sudo -n true 2>/dev/null; then
  SUDO=(sudo -n)
else
  echo "install_servers: need root or passwordless sudo to install ${packages[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
echo "install_servers: installing ${packages[*]}"
"${SUDO[@]}" apt-get update -qq
# policy-rc.d 101: the packages' post-install scripts must not start system-wide services; the tests
# start their own throwaway instances on loopback.
policy=/usr/sbin/policy-rc.d
if [[ ! -e $policy ]]; then
  printf '#!/bin/sh\nexit 101\n' | "${SUDO[@]}" tee "$policy" >/dev/null
  "${SUDO[@]}" chmod 755 "$policy"
  trap '"${SUDO[@]}" rm -f "$policy"' EXIT
fi
"${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
have_postgres && have_redis && have_nginx || { echo "install_servers: install finished but a server is still missing" >&2; exit 1; }
echo "install_servers: installed ${packages[*]}"
