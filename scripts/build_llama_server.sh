#!/usr/bin/env bash
# Builds llama.cpp's own server (`llama-server`: parallel slots, continuous batching) from the llama.cpp sources
# that the installed llama-cpp-python's source package carries (downloaded from PyPI, nothing else), into
# var/llama-server/bin/llama-server. Optional: the default model server is llama-cpp-python's
# (scripts/model_server.sh); `make bench` measures llama-server's 1, 2 and 4 slots when this binary exists.
# Usage: scripts/build_llama_server.sh   (about 10 minutes on 2 cores; runs at low CPU priority)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv-actions/bin/python
OUT=var/llama-server
BIN=$OUT/bin/llama-server
if [[ -x $BIN ]]; then
  echo "llama-server already built: $BIN"
  exit 0
fi
VERSION=$($PY -c 'import llama_cpp; print(llama_cpp.__version__)')
mkdir -p "$OUT/src" "$OUT/bin"
if [[ ! -d $OUT/src/llama_cpp_python-$VERSION ]]; then
  $PY -m pip download --quiet --no-deps --no-binary :all: "llama-cpp-python==$VERSION" -d "$OUT/src"
  tar xzf "$OUT/src/llama_cpp_python-$VERSION.tar.gz" -C "$OUT/src"
fi
SRC=$OUT/src/llama_cpp_python-$VERSION/vendor/llama.cpp
# No web UI (it would be fetched from the network) and no HTTPS (the server listens on loopback only).
# Not -march=native: on a virtual machine that reports AMX and AVX-512 the native build died with "Illegal
# instruction" as its threads started; AVX2/FMA/F16C (ggml's portable default) runs on any x86-64-v3 CPU.
nice -n 19 cmake -S "$SRC" -B "$OUT/build" -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=OFF -DGGML_NATIVE=OFF \
  -DLLAMA_BUILD_UI=OFF -DLLAMA_USE_PREBUILT_UI=OFF -DLLAMA_OPENSSL=OFF -DLLAMA_BUILD_TESTS=OFF \
  -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_TOOLS=ON -DLLAMA_BUILD_SERVER=ON >"$OUT/build.log"
nice -n 19 cmake --build "$OUT/build" --target llama-server -j "$(nproc)" >>"$OUT/build.log"
cp "$OUT/build/bin/llama-server" "$BIN"
echo "built $BIN (llama.cpp from llama-cpp-python $VERSION); the bench finds it there"
