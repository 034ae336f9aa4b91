#!/usr/bin/env bash
# Starts the action server and the Rasa server, waits until both answer, prints where to talk.
# Usage: scripts/run.sh [--background]   (foreground: Ctrl-C stops both)
set -euo pipefail
cd "$(dirname "$0")/.."
export RASA_TELEMETRY_ENABLED=false PYTHONPATH=$PWD
export RASA_PORT=${RASA_PORT:-5005} ACTIONS_PORT=${ACTIONS_PORT:-5055}
WEB_PORT=${WEB_PORT:-8000}
# Rasa and the action server are internal: loopback only, and every call carries the internal token.
# Only the web app (WEB_HOST, default loopback too; put a TLS proxy in front) may face the internet.
WEB_HOST=${WEB_HOST:-127.0.0.1}
mkdir -p var/log var/run
eval "$(.venv-actions/bin/python -m bot.settings)"  # SHOPBOT_INTERNAL_TOKEN, SHOPBOT_TRACKER_DB
ENDPOINTS=endpoints.yml
# SHOPBOT_SERVERS=local: conversations and orders in PostgreSQL, Rasa's locks in Redis (scripts/servers.sh
# starts throwaway ones); =external: your own servers, named by SHOPBOT_PG_* / SHOPBOT_REDIS_* /
# SHOPBOT_DATABASE_URL. Empty (the default): SQLite files, as above.
case "${SHOPBOT_SERVERS:-}" in
  "") ;;
  local)
    key=$(.venv-actions/bin/python -c 'from bot.settings import get_settings; print(get_settings().store_key().lower())')
    db_url=${SHOPBOT_DATABASE_URL:-}  # one you set wins over the local server's
    servers=$(SHOPBOT_PG_DB=${SHOPBOT_PG_DB:-shopbot_$key} SHOPBOT_TRACKER_PG_DB=${SHOPBOT_TRACKER_PG_DB:-rasa_$key} \
      bash scripts/servers.sh start) || { echo "run: PostgreSQL/Redis did not start"; exit 1; }
    eval "$servers"
    [[ -z $db_url ]] || export SHOPBOT_DATABASE_URL=$db_url
    ENDPOINTS=endpoints.servers.yml ;;
  external) ENDPOINTS=endpoints.servers.yml ;;
  *) echo "run: SHOPBOT_SERVERS must be empty, local or external"; exit 1 ;;
esac

.venv-actions/bin/python -m bot.action_server --host 127.0.0.1 --port "$ACTIONS_PORT" >var/log/actions.log 2>&1 &
echo $! > var/run/actions.pid
.venv-rasa/bin/rasa run --interface 127.0.0.1 --port "$RASA_PORT" --enable-api \
  --auth-token "$SHOPBOT_INTERNAL_TOKEN" --model models --credentials credentials.yml --endpoints "$ENDPOINTS" \
  >var/log/rasa.log 2>&1 &
echo $! > var/run/rasa.pid
SHOPBOT_RASA_URL=${SHOPBOT_RASA_URL:-http://127.0.0.1:$RASA_PORT} \
  .venv-actions/bin/python -m bot.web --host "$WEB_HOST" --port "$WEB_PORT" >var/log/web.log 2>&1 &
echo $! > var/run/web.pid

stop() { kill "$(cat var/run/actions.pid)" "$(cat var/run/rasa.pid)" "$(cat var/run/web.pid)" 2>/dev/null || true; }
wait_for() {  # url name pid
  for _ in $(seq 1 180); do
    curl -sf "$1" >/dev/null 2>&1 && return 0
    kill -0 "$3" 2>/dev/null || { echo "run: $2 exited; see var/log/"; stop; exit 1; }
    sleep 1
  done
  echo "run: $2 did not come up in 180 s; see var/log/"; stop; exit 1
}
wait_for "http://127.0.0.1:$ACTIONS_PORT/health" "action server" "$(cat var/run/actions.pid)"
wait_for "http://127.0.0.1:$RASA_PORT/status?token=$SHOPBOT_INTERNAL_TOKEN" "Rasa server" "$(cat var/run/rasa.pid)"
wait_for "http://127.0.0.1:$WEB_PORT/health" "web app" "$(cat var/run/web.pid)"

cat <<MSG
shopbot is up (store: ${SHOPBOT_STORE_DIR:-knowledge/demo_store})
  shop:      http://localhost:$WEB_PORT  (the chat widget is bottom right; socket.io at /socket.io)
  staff:     http://localhost:$WEB_PORT/staff
  REST:      curl -s localhost:$RASA_PORT/webhooks/rest/webhook -H "Authorization: Bearer \$(cat var/internal-token)" \\
               -d '{"sender":"me","message":"hi"}'   (internal: loopback only, token required)
  terminal:  make chat
  logs:      var/log/rasa.log, var/log/actions.log, var/log/web.log
MSG

if [[ "${1:-}" != "--background" ]]; then
  trap 'stop; exit 0' INT TERM
  wait
fi
