#!/usr/bin/env bash
# The cluster profile on one machine: PostgreSQL and Redis (scripts/servers.sh), a Chroma server, the model
# server, two Rasa instances, two action servers and the web app, behind nginx. Everything listens on
# 127.0.0.1 only, and every internal hop carries the internal token (Chroma's own server checks none: its
# clients go through nginx, which does; scripts/nginx.conf.template).
# Usage: scripts/cluster.sh start|stop|status|env|restart NAME
#   start         start what is not running yet (ingests the store into the Chroma server), wait until every
#                 process answers, print where the shop is; a process that fails to start stops the lot
#   stop          stop everything it started (TERM, then KILL after 30 s), PostgreSQL and Redis too; idempotent
#   status        one line a process; exit status 0 only when all of them answer
#   env           the exports that point a shell (python -m bot.commerce_db audit, ...) at the cluster's state
#   restart NAME  stop NAME if it runs, start it again and wait until it answers
#                 (NAME: rasa1 rasa2 actions1 actions2 web model chroma nginx)
# Settings (environment):
#   SHOPBOT_CLUSTER_DIR   data, logs, PIDs and the generated nginx config (default var/cluster)
#   CLUSTER_SHOP_PORT 5600 (nginx: the shop)      CLUSTER_RASA_PORT 5601 (nginx: Rasa)
#   CLUSTER_ACTIONS_PORT 5602 (nginx: actions)    CLUSTER_CHROMA_PORT 5603 (nginx: Chroma, token checked)
#   CLUSTER_RASA1_PORT 5611, CLUSTER_RASA2_PORT 5612, CLUSTER_ACTIONS1_PORT 5621, CLUSTER_ACTIONS2_PORT 5622,
#   CLUSTER_CHROMA_SERVER_PORT 5631, CLUSTER_MODEL_PORT 5641, CLUSTER_WEB_PORT 5651 (the processes themselves)
#   CLUSTER_PG_PORT 55442, CLUSTER_REDIS_PORT 56389 (PostgreSQL and Redis of the cluster, in its own folder)
#   CLUSTER_WAIT_S        how long a process may take to answer (default 600: two Rasa on two cores are slow)
#   SHOPBOT_STORE_DIR, SHOPBOT_INTERNAL_TOKEN and every other SHOPBOT_* setting reach the processes as usual.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export PYTHONPATH=$ROOT RASA_TELEMETRY_ENABLED=false HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 TF_CPP_MIN_LOG_LEVEL=2
PY=$ROOT/.venv-actions/bin/python

DIR=$(realpath -m "${SHOPBOT_CLUSTER_DIR:-var/cluster}")
RUN=$DIR/run
LOGS=$DIR/log
NGINX_DIR=$DIR/nginx
SHOP_PORT=${CLUSTER_SHOP_PORT:-5600}
RASA_PORT=${CLUSTER_RASA_PORT:-5601}
ACTIONS_PORT=${CLUSTER_ACTIONS_PORT:-5602}
CHROMA_PORT=${CLUSTER_CHROMA_PORT:-5603}
RASA1_PORT=${CLUSTER_RASA1_PORT:-5611}
RASA2_PORT=${CLUSTER_RASA2_PORT:-5612}
ACTIONS1_PORT=${CLUSTER_ACTIONS1_PORT:-5621}
ACTIONS2_PORT=${CLUSTER_ACTIONS2_PORT:-5622}
CHROMA_SERVER_PORT=${CLUSTER_CHROMA_SERVER_PORT:-5631}
MODEL_PORT=${CLUSTER_MODEL_PORT:-5641}
WEB_PORT=${CLUSTER_WEB_PORT:-5651}
WAIT_S=${CLUSTER_WAIT_S:-600}
NAMES=(chroma model nginx rasa1 rasa2 actions1 actions2 web)
NGINX=$(command -v nginx || echo /usr/sbin/nginx)  # /usr/sbin is not on every user's PATH

die() { echo "cluster: $*" >&2; exit 1; }

# --- the processes --------------------------------------------------------------------------------------

port_of() {
  case $1 in
    rasa1) echo "$RASA1_PORT" ;; rasa2) echo "$RASA2_PORT" ;;
    actions1) echo "$ACTIONS1_PORT" ;; actions2) echo "$ACTIONS2_PORT" ;;
    web) echo "$WEB_PORT" ;; model) echo "$MODEL_PORT" ;; chroma) echo "$CHROMA_SERVER_PORT" ;;
    nginx) echo "$SHOP_PORT" ;;
  esac
}

ready_url() {  # what answers once the process is ready to serve
  case $1 in
    rasa*) echo "http://127.0.0.1:$(port_of "$1")/status?token=$SHOPBOT_INTERNAL_TOKEN" ;;
    actions*|web) echo "http://127.0.0.1:$(port_of "$1")/health" ;;
    model) echo "http://127.0.0.1:$MODEL_PORT/v1/models" ;;
    chroma) echo "http://127.0.0.1:$CHROMA_SERVER_PORT/api/v2/heartbeat" ;;
    nginx) echo "http://127.0.0.1:$CHROMA_PORT/" ;;  # its token check answers by itself
  esac
}

command_of() {  # CMD: the command line of one process
  case $1 in
    rasa1|rasa2)
      CMD=("$ROOT/.venv-rasa/bin/rasa" run --interface 127.0.0.1 --port "$(port_of "$1")" --enable-api
           --auth-token "$SHOPBOT_INTERNAL_TOKEN" --model "$MODEL_FILE" --credentials credentials.yml
           --endpoints endpoints.servers.yml) ;;
    actions1|actions2) CMD=("$PY" -m bot.action_server --host 127.0.0.1 --port "$(port_of "$1")") ;;
    web) CMD=("$PY" -m bot.web --host 127.0.0.1 --port "$WEB_PORT") ;;
    model) CMD=(bash scripts/model_server.sh) ;;  # in the foreground it execs the server: the PID stays the server's
    chroma) CMD=("$ROOT/.venv-actions/bin/chroma" run --path "$DIR/chroma" --host 127.0.0.1 --port "$CHROMA_SERVER_PORT") ;;
    nginx) CMD=("$NGINX" -p "$NGINX_DIR" -c "$NGINX_DIR/nginx.conf" -e "$NGINX_DIR/logs/error.log") ;;
  esac
}

started_at() {  # the start time of a live (not zombie) process: tells our PID from a reused one
  local stat fields
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
  read -r -a fields <<<"${stat##*) }"  # after "(comm)", which may hold spaces
  [[ ${fields[0]} != Z ]] && echo "${fields[19]}"
  return 0
}

pid_of() {  # the PID of a process we started and that still runs; empty otherwise
  local file=$RUN/$1.pid pid start
  [[ -s $file ]] || return 0
  read -r pid start <"$file"
  [[ -n $pid && "$(started_at "$pid")" == "$start" ]] && echo "$pid"
  return 0
}

redact() { sed "s#$SHOPBOT_INTERNAL_TOKEN#<token>#g"; }

# shellcheck source=scripts/lib.sh
source scripts/lib.sh  # port_free (the script runs from the repository root)

answers() {
  case $1 in
    model) curl -sf -o /dev/null -m 5 -H "Authorization: Bearer $SHOPBOT_INTERNAL_TOKEN" "$(ready_url model)" ;;
    nginx) [[ $(curl -s -o /dev/null -w '%{http_code}' -m 5 "$(ready_url nginx)") == 401 ]] ;;
    *) curl -sf -o /dev/null -m 5 "$(ready_url "$1")" ;;
  esac
}

launch() {  # name: start it in a session of its own (stop ends the whole group), PID recorded
  local name=$1 port pid
  [[ -n $(pid_of "$name") ]] && return 0
  port=$(port_of "$name")
  port_free "$port" || die "port $port for $name is taken (see the CLUSTER_*_PORT settings)"
  command_of "$name"
  echo "=== $(date -Is) start: ${CMD[*]//$SHOPBOT_INTERNAL_TOKEN/<token>}" >>"$LOGS/$name.log"
  setsid "${CMD[@]}" >>"$LOGS/$name.log" 2>&1 </dev/null &
  pid=$!
  echo "$pid $(started_at "$pid")" >"$RUN/$name.pid"
}

wait_ready() {  # names...: wait until each answers; one that exits or stays silent fails the start
  local deadline=$((SECONDS + WAIT_S)) name pending=("$@") left
  while ((${#pending[@]})); do
    left=()
    for name in "${pending[@]}"; do
      answers "$name" && continue
      if [[ -z $(pid_of "$name") ]]; then
        fail_start "$name exited"
      fi
      left+=("$name")
    done
    pending=("${left[@]}")
    ((${#pending[@]})) || break
    ((SECONDS < deadline)) || fail_start "${pending[*]} did not answer within ${WAIT_S} s" "${pending[0]}"
    sleep 0.5  # polling interval while waiting for the state
  done
}

fail_start() {  # message [name whose log to show]
  local name=${2:-${1%% *}}
  {
    echo "cluster: $1; the last lines of $LOGS/$name.log:"
    tail -n 25 "$LOGS/$name.log" 2>/dev/null | redact
  } >&2
  exit 1
}

on_failure() {  # command: run it when the script fails from here on (an error, die, fail_start)
  trap "status=\$?; ((status == 0)) || { echo 'cluster: stopping what was started' >&2; $1 >&2; }" EXIT
}

group_alive() {  # pgid: a member of the process group still runs (zombies wait for init to reap them)
  ps -e -o pgid=,stat= | awk -v g="$1" '$1 == g && $2 !~ /^Z/ {found = 1} END {exit !found}'
}

group_of() {  # the process group we started for NAME, while any of it runs (its leader may be gone: killed)
  local file=$RUN/$1.pid pid start
  [[ -s $file ]] || return 0
  read -r pid start <"$file"
  if [[ -n $(pid_of "$1") ]]; then
    echo "$pid"
  elif [[ -z $(started_at "$pid") ]] && group_alive "$pid"; then  # a PID can't be reused while its group lives
    echo "$pid"
  fi
  return 0
}

halt() {  # names...: TERM each one's process group at once, KILL what is left after 30 s
  local name pid pids=() deadline=$((SECONDS + 30))
  for name in "$@"; do
    pid=$(group_of "$name")
    [[ -z $pid ]] || { kill -TERM -- "-$pid" 2>/dev/null || true; pids+=("$pid"); }
  done
  for pid in "${pids[@]}"; do
    while group_alive "$pid"; do
      if ((SECONDS >= deadline)); then
        kill -KILL -- "-$pid" 2>/dev/null || true
        break
      fi
      sleep 0.1
    done
  done
  for name in "$@"; do rm -f "$RUN/$name.pid"; done
}

# --- configuration ---------------------------------------------------------------------------------------

servers() {  # scripts/servers.sh with the cluster's own folder and ports
  SHOPBOT_SERVERS_DIR=$DIR/servers SHOPBOT_PG_PORT=${CLUSTER_PG_PORT:-55442} SHOPBOT_REDIS_PORT=${CLUSTER_REDIS_PORT:-56389} \
    SHOPBOT_PG_DB=shopbot_$STORE_KEY SHOPBOT_TRACKER_PG_DB=rasa_$STORE_KEY bash scripts/servers.sh "$@"
}

configure() {  # the environment every process of the cluster shares
  eval "$("$PY" -m bot.settings)"  # SHOPBOT_INTERNAL_TOKEN (yours, or the kept one)
  [[ $SHOPBOT_INTERNAL_TOKEN =~ ^[A-Za-z0-9._~+/=-]{16,}$ ]] \
    || die "SHOPBOT_INTERNAL_TOKEN: at least 16 characters of A-Z a-z 0-9 . _ ~ + / = -"
  STORE_KEY=$("$PY" -c 'from bot.settings import get_settings; print(get_settings().store_key().lower())')
  MODEL_FILE=$(ls -t "$ROOT"/models/*.tar.gz 2>/dev/null | head -n 1)  # one model for both Rasa instances
  export SHOPBOT_INTERNAL_TOKEN
  export SHOPBOT_INDEX_DIR=$DIR/index  # the ingest record manager of the Chroma server
  export SHOPBOT_CHROMA_URL=http://127.0.0.1:$CHROMA_PORT
  export SHOPBOT_LLM_URL=http://127.0.0.1:$MODEL_PORT
  export SHOPBOT_RASA_URL=http://127.0.0.1:$RASA_PORT
  export ACTIONS_PORT  # endpoints.servers.yml: Rasa calls its actions through nginx
  export MODEL_PORT    # scripts/model_server.sh
}

servers_env() {  # PostgreSQL and Redis: started (start) or only named (the rest)
  local exports
  exports=$(servers "$1") || die "PostgreSQL/Redis: scripts/servers.sh $1 failed (logs in $DIR/servers)"
  eval "$exports"
}

render_nginx() {
  [[ -x $NGINX ]] || die "nginx not found (bash scripts/install_servers.sh installs it)"
  (umask 077; sed -e "s#@@DIR@@#$NGINX_DIR#g" -e "s#@@TOKEN@@#$SHOPBOT_INTERNAL_TOKEN#g" \
    -e "s/@@SHOP_PORT@@/$SHOP_PORT/g" -e "s/@@RASA_PORT@@/$RASA_PORT/g" -e "s/@@ACTIONS_PORT@@/$ACTIONS_PORT/g" \
    -e "s/@@CHROMA_PORT@@/$CHROMA_PORT/g" -e "s/@@RASA1_PORT@@/$RASA1_PORT/g" -e "s/@@RASA2_PORT@@/$RASA2_PORT/g" \
    -e "s/@@ACTIONS1_PORT@@/$ACTIONS1_PORT/g" -e "s/@@ACTIONS2_PORT@@/$ACTIONS2_PORT/g" \
    -e "s/@@CHROMA_SERVER_PORT@@/$CHROMA_SERVER_PORT/g" -e "s/@@WEB_APP_PORT@@/$WEB_PORT/g" \
    scripts/nginx.conf.template >"$NGINX_DIR/nginx.conf")
  "$NGINX" -q -t -p "$NGINX_DIR" -c "$NGINX_DIR/nginx.conf" -e "$NGINX_DIR/logs/error.log" >"$LOGS/nginx-check.log" 2>&1 \
    || die "the nginx config is invalid: $(redact <"$LOGS/nginx-check.log")"
  for port in "$RASA_PORT" "$ACTIONS_PORT" "$CHROMA_PORT"; do  # the shop's port is checked by launch
    [[ -n $(pid_of nginx) ]] || port_free "$port" || die "port $port for nginx is taken (see the CLUSTER_*_PORT settings)"
  done
}

# --- commands --------------------------------------------------------------------------------------------

start_all() {
  [[ -n $MODEL_FILE ]] || die "no trained Rasa model in models/ (make train)"
  mkdir -p "$RUN" "$LOGS" "$NGINX_DIR/logs" "$NGINX_DIR/tmp"
  servers_env start
  render_nginx
  local began=$SECONDS
  # Rasa loads its model while the rest starts and the store is embedded into the Chroma server.
  launch rasa1; launch rasa2; launch chroma; launch model; launch nginx
  wait_ready chroma nginx
  "$PY" -m bot.knowledge.ingest >"$LOGS/ingest.log" 2>&1 || fail_start "ingest into the Chroma server failed" ingest
  wait_ready model  # the action servers warm the model up through it
  launch actions1; launch actions2; launch web
  wait_ready actions1 actions2 web rasa1 rasa2
  curl -sf -o /dev/null -m 10 "http://127.0.0.1:$SHOP_PORT/health" || fail_start "nginx does not reach the web app" nginx
  cat <<MSG
shopbot cluster is up in $((SECONDS - began)) s (store: ${SHOPBOT_STORE_DIR:-knowledge/demo_store})
  shop:      http://localhost:$SHOP_PORT  (staff: /staff)  <- nginx -> web app 127.0.0.1:$WEB_PORT
  Rasa:      nginx 127.0.0.1:$RASA_PORT -> $RASA1_PORT, $RASA2_PORT (internal token required)
  actions:   nginx 127.0.0.1:$ACTIONS_PORT -> $ACTIONS1_PORT, $ACTIONS2_PORT
  Chroma:    nginx 127.0.0.1:$CHROMA_PORT (token checked) -> $CHROMA_SERVER_PORT; model server 127.0.0.1:$MODEL_PORT
  state:     PostgreSQL 127.0.0.1:${CLUSTER_PG_PORT:-55442}, Redis 127.0.0.1:${CLUSTER_REDIS_PORT:-56389}
  logs:      $LOGS    stop: make stop-cluster
MSG
}

stop_all() {
  halt web actions1 actions2 rasa1 rasa2  # the door stays open while they finish their turns
  halt nginx model chroma
  [[ ! -d $DIR/servers ]] || servers stop
}

status_all() {
  local up=0 name pid
  for name in "${NAMES[@]}"; do
    pid=$(pid_of "$name")
    if [[ -n $pid ]] && answers "$name"; then
      echo "$name: up (pid $pid, 127.0.0.1:$(port_of "$name"))"
    else
      echo "$name: ${pid:+not answering (pid $pid)}${pid:-down}"; up=1
    fi
  done
  if [[ -d $DIR/servers ]]; then servers status || up=1; else echo "PostgreSQL, Redis: down"; up=1; fi
  return $up
}

case "${1:-}" in
  start)
    configure
    on_failure stop_all
    start_all
    ;;
  stop)
    STORE_KEY=x  # servers.sh stop needs no database names
    [[ ! -d $DIR ]] || stop_all
    ;;
  status)
    configure
    status_all
    ;;
  env)
    configure
    servers env
    echo "export SHOPBOT_INDEX_DIR=$SHOPBOT_INDEX_DIR SHOPBOT_CHROMA_URL=$SHOPBOT_CHROMA_URL"
    echo "export SHOPBOT_LLM_URL=$SHOPBOT_LLM_URL SHOPBOT_RASA_URL=$SHOPBOT_RASA_URL"
    ;;
  restart)
    name=${2:-}
    [[ " ${NAMES[*]} " == *" $name "* ]] || die "restart what? one of: ${NAMES[*]}"
    configure
    servers_env env
    [[ $name != nginx ]] || render_nginx
    on_failure "halt $name"
    halt "$name"
    launch "$name"
    wait_ready "$name"
    echo "$name: up (pid $(pid_of "$name"))"
    ;;
  *)
    echo "usage: scripts/cluster.sh start|stop|status|env|restart NAME" >&2
    exit 2
    ;;
esac
