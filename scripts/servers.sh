#!/usr/bin/env bash
# Throwaway PostgreSQL and Redis for shopbot, on loopback only, with generated passwords.
# Usage: scripts/servers.sh start|stop|status|env
#   start   initialise (first time) and start both; prints the shell exports that point shopbot at them
#           (eval "$(scripts/servers.sh start)"); a server already running is left as it is
#   stop    stop both (fast shutdown; the data stays in the servers folder)
#   status  says whether each one answers; exit status 0 only when both do
#   env     prints the exports again
# Settings (environment):
#   SHOPBOT_SERVERS_DIR   where data, logs, sockets and passwords live (default var/servers)
#   SHOPBOT_PG_PORT       PostgreSQL port (default 55432)      SHOPBOT_REDIS_PORT   Redis port (default 56379)
#   SHOPBOT_PG_BIN        PostgreSQL's bin folder (default: the newest /usr/lib/postgresql/*/bin)
#   SHOPBOT_PG_DB         database of the orders and conversations (default shopbot; created when missing)
#   SHOPBOT_TRACKER_PG_DB database of Rasa's tracker store (default rasa; created when missing)
# PostgreSQL refuses to run as root: as root the servers run as the `postgres` system user (Debian's
# package creates it), which then owns the servers folder; every folder above it must be traversable.
set -euo pipefail
cd "$(dirname "$0")/.."

DIR=$(realpath -m "${SHOPBOT_SERVERS_DIR:-var/servers}")
PG_PORT=${SHOPBOT_PG_PORT:-55432}
REDIS_PORT=${SHOPBOT_REDIS_PORT:-56379}
PG_BIN=${SHOPBOT_PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
PG_USER=shopbot
PG_DATA=$DIR/pg
PG_SOCKETS=$DIR/pg-socket
REDIS_DIR=$DIR/redis
PG_DB=${SHOPBOT_PG_DB:-shopbot}
TRACKER_DB=${SHOPBOT_TRACKER_PG_DB:-rasa}
WAIT_S=60

die() { echo "servers: $*" >&2; exit 1; }
for name in "$PG_DB" "$TRACKER_DB"; do
  [[ $name =~ ^[a-z_][a-z0-9_]{0,62}$ ]] || die "database name '$name': lower-case letters, digits and _ only"
done

if [[ $(id -u) -eq 0 ]]; then
  RUN_AS=(runuser -u postgres --)
  id postgres >/dev/null 2>&1 || die "running as root needs the 'postgres' system user (apt-get install postgresql)"
else
  RUN_AS=()
fi
as_owner() { "${RUN_AS[@]}" "$@"; }

password() {  # name: a random password made once, owner-only
  local file=$DIR/$1-password
  if [[ ! -s $file ]]; then
    (umask 077; python3 -c 'import secrets; print(secrets.token_hex(24))' >"$file")
    [[ ${#RUN_AS[@]} -eq 0 ]] || chown postgres "$file"
  fi
  cat "$file"
}

pg_ready() {  # accepting connections (pg_isready needs no password)
  "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" -U "$PG_USER" -d postgres
}

redis_ready() {  # answers PING with our password
  [[ -s $DIR/redis-password ]] || return 1
  [[ "$(REDISCLI_AUTH=$(cat "$DIR/redis-password") redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null)" == PONG ]]
}

wait_until() {  # what, command...
  local what=$1; shift
  local deadline=$((SECONDS + WAIT_S))
  until "$@"; do
    ((SECONDS < deadline)) || die "$what did not answer within ${WAIT_S} s (logs in $DIR)"
    sleep 0.2
  done
}

# shellcheck source=scripts/lib.sh
source scripts/lib.sh  # port_free (the script runs from the repository root)

start_postgres() {
  [[ -x $PG_BIN/postgres ]] || die "PostgreSQL not found in '$PG_BIN' (bash scripts/install_servers.sh)"
  if [[ ! -s $PG_DATA/PG_VERSION ]]; then
    mkdir -p "$PG_DATA"
    [[ ${#RUN_AS[@]} -eq 0 ]] || chown postgres "$PG_DATA"
    chmod 700 "$PG_DATA"
    password pg >/dev/null
    as_owner "$PG_BIN/initdb" -D "$PG_DATA" -U "$PG_USER" --pwfile="$DIR/pg-password" --auth=scram-sha-256 \
      --encoding=UTF8 --locale=C.UTF-8 >"$DIR/pg-init.log" 2>&1 || die "initdb failed: $(tail -5 "$DIR/pg-init.log")"
    # Loopback only; no other host may even try (pg_hba has no rule for them).
    cat >"$PG_DATA/pg_hba.conf" <<'HBA'
local   all all                scram-sha-256
host    all all 127.0.0.1/32   scram-sha-256
HBA
  fi
  if ! pg_ready; then
    port_free "$PG_PORT" || die "port $PG_PORT is taken (set SHOPBOT_PG_PORT)"
    mkdir -p "$PG_SOCKETS"
    [[ ${#RUN_AS[@]} -eq 0 ]] || chown postgres "$PG_SOCKETS"
    chmod 700 "$PG_SOCKETS"
    as_owner "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$DIR/postgres.log" -s -w -t "$WAIT_S" start \
      -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -c unix_socket_directories=$PG_SOCKETS -c unix_socket_permissions=0700 -c max_connections=200" \
      || die "PostgreSQL did not start: $(tail -5 "$DIR/postgres.log" 2>/dev/null)"
    wait_until PostgreSQL pg_ready
  fi
  local db
  for db in "$PG_DB" "$TRACKER_DB"; do  # orders + conversations, Rasa's tracker store
    if [[ -z $(psql_query "SELECT 1 FROM pg_database WHERE datname = '$db'") ]]; then
      psql_query "CREATE DATABASE $db" >/dev/null
    fi
  done
}

psql_query() {
  PGPASSWORD=$(password pg) "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U "$PG_USER" -d postgres -qtAX \
    -v ON_ERROR_STOP=1 -c "$1"
}

start_redis() {
  command -v redis-server >/dev/null || die "redis-server not found (bash scripts/install_servers.sh)"
  redis_ready && return 0
  port_free "$REDIS_PORT" || die "port $REDIS_PORT is taken (set SHOPBOT_REDIS_PORT)"
  mkdir -p "$REDIS_DIR"
  chmod 700 "$REDIS_DIR"
  # The lock store needs no persistence: nothing is saved to disk. The password stays out of `ps`.
  (umask 077; cat >"$REDIS_DIR/redis.conf" <<CONF
bind 127.0.0.1
port $REDIS_PORT
protected-mode yes
requirepass $(password redis)
daemonize yes
pidfile $REDIS_DIR/redis.pid
logfile $REDIS_DIR/redis.log
dir $REDIS_DIR
save ""
appendonly no
CONF
)
  redis-server "$REDIS_DIR/redis.conf" || die "Redis did not start: $(tail -5 "$REDIS_DIR/redis.log" 2>/dev/null)"
  wait_until Redis redis_ready
}

print_env() {
  local pg redis
  pg=$(password pg)
  redis=$(password redis)
  cat <<ENV
export SHOPBOT_PG_HOST=127.0.0.1 SHOPBOT_PG_PORT=$PG_PORT SHOPBOT_PG_USER=$PG_USER SHOPBOT_PG_PASSWORD=$pg
export SHOPBOT_PG_DB=$PG_DB SHOPBOT_TRACKER_PG_DB=$TRACKER_DB
export SHOPBOT_REDIS_HOST=127.0.0.1 SHOPBOT_REDIS_PORT=$REDIS_PORT SHOPBOT_REDIS_PASSWORD=$redis SHOPBOT_REDIS_DB=1
export SHOPBOT_DATABASE_URL=postgresql+psycopg2://$PG_USER:$pg@127.0.0.1:$PG_PORT/$PG_DB
ENV
}

stop_all() {
  if [[ -s $PG_DATA/postmaster.pid ]]; then
    as_owner "$PG_BIN/pg_ctl" -D "$PG_DATA" -s -w -t "$WAIT_S" -m fast stop || true
  fi
  if [[ -s $REDIS_DIR/redis.pid ]]; then
    local pid
    pid=$(cat "$REDIS_DIR/redis.pid")
    if kill -0 "$pid" 2>/dev/null && [[ $(cat "/proc/$pid/comm" 2>/dev/null) == redis-server ]]; then
      kill "$pid"
      local deadline=$((SECONDS + WAIT_S))
      while kill -0 "$pid" 2>/dev/null; do
        ((SECONDS < deadline)) || { kill -9 "$pid" 2>/dev/null || true; break; }
        sleep 0.1
      done
    fi
    rm -f "$REDIS_DIR/redis.pid"
  fi
}

case "${1:-}" in
  start)
    mkdir -p "$DIR"
    [[ ${#RUN_AS[@]} -eq 0 ]] || chown postgres "$DIR"
    chmod 755 "$DIR"
    start_postgres
    start_redis
    print_env
    ;;
  stop)
    stop_all
    ;;
  status)
    up=0
    if [[ -d $DIR ]] && pg_ready; then echo "PostgreSQL: up on 127.0.0.1:$PG_PORT"; else echo "PostgreSQL: down"; up=1; fi
    if [[ -d $DIR ]] && command -v redis-cli >/dev/null && redis_ready; then
      echo "Redis: up on 127.0.0.1:$REDIS_PORT"
    else
      echo "Redis: down"; up=1
    fi
    exit $up
    ;;
  env)
    [[ -d $DIR ]] || die "not started yet: $DIR is missing"
    print_env
    ;;
  *)
    echo "usage: scripts/servers.sh start|stop|status|env" >&2
    exit 2
    ;;
esac
