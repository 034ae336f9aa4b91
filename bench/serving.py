"""Phrasing throughput of the model in process vs behind a model server: llama-cpp-python's server (one
request at a time) and, when its binary is found (SHOPBOT_LLAMA_SERVER or `llama-server` on PATH), llama.cpp's
llama-server with 1, 2 and 4 parallel slots. Every configuration gets the same production select-mode calls
(policy prompts with their grammar) from 4 concurrent callers; servers listen on loopback only."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from bench.turns import latency_summary

CONCURRENCY = 4
TOKEN = "bench-model-server-token"
PER_SLOT_CTX = 2048


# where scripts/build_llama_server.sh puts it
BUILT = Path(__file__).resolve().parent.parent / "var" / "llama-server" / "bin" / "llama-server"


def llama_server_binary() -> str | None:
    found = os.environ.get("SHOPBOT_LLAMA_SERVER") or shutil.which("llama-server") or str(BUILT)
    return found if found and Path(found).is_file() and os.access(found, os.X_OK) else None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def python_server_cmd(port: int, gguf: str, threads: int) -> list[str]:
    return [sys.executable, "-m", "llama_cpp.server", "--model", gguf, "--host", "127.0.0.1", "--port", str(port),
            "--n_ctx", str(PER_SLOT_CTX), "--n_threads", str(threads), "--n_threads_batch", str(threads),
            "--api_key", TOKEN, "--interrupt_requests", "false", "--verbose", "false"]


def llama_server_cmd(binary: str, port: int, gguf: str, threads: int, slots: int) -> list[str]:
    # llama-server splits its context between the slots: give each slot the context one call needs.
    return [binary, "-m", gguf, "--host", "127.0.0.1", "--port", str(port), "--parallel", str(slots),
            "-c", str(PER_SLOT_CTX * slots), "-t", str(threads), "-tb", str(threads), "--api-key", TOKEN]


@contextmanager
def running_server(cmd: list[str], url: str, log: Path, timeout_s: float = 180) -> Iterator[None]:
    with log.open("w") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        give_up = time.monotonic() + timeout_s
        while not _answers(url):
            if proc.poll() is not None or time.monotonic() > give_up:
                raise RuntimeError(f"model server did not start: {log.read_text(errors='replace')[-1500:]}")
            time.sleep(0.2)
        yield
    finally:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


def _answers(url: str) -> bool:
    request = urllib.request.Request(url + "/v1/models", headers={"Authorization": f"Bearer {TOKEN}"})
    try:
        with urllib.request.urlopen(request, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def throughput(model, prompts, max_tokens: int, calls: int, concurrency: int = CONCURRENCY) -> dict:
    """`calls` select-mode calls (prompts in turn) from `concurrency` threads: calls/s, latency per call and
    how many outputs the grammar made parseable."""
    from bot.domain.prompts import parse_selection, select_grammar

    def one(j: int) -> tuple[float, bool]:
        prompt = prompts[j % len(prompts)]
        started = time.perf_counter()
        raw = model.complete(prompt.messages, select_grammar(len(prompt.facts), 3), max_tokens)
        return time.perf_counter() - started, parse_selection(raw, len(prompt.facts)) is not None

    for j in range(len(prompts)):  # warm: every prompt's fixed prefix in the cache
        one(j)
    began = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        results = list(pool.map(one, range(calls)))
    wall = time.perf_counter() - began
    return {"calls": calls, "concurrency": concurrency, "wall_s": round(wall, 2),
            "calls_per_s": round(calls / wall, 3) if wall > 0 else None,
            "parsed": sum(ok for _, ok in results), **latency_summary([s for s, _ in results])}


def measure(container, prompts, calls: int, work_dir: Path) -> dict:
    """Every configuration this machine can run; a server that cannot start is recorded, not raised."""
    from bot.adapters.llama_cpp_model import LlamaCppChatModel
    from bot.adapters.openai_model import OpenAIChatModel

    s = container.settings
    work_dir.mkdir(parents=True, exist_ok=True)
    in_process = container.llm
    if not isinstance(in_process, LlamaCppChatModel):
        raise RuntimeError("needs the in-process model (SHOPBOT_LLM_URL is set)")
    gguf, threads = in_process.model_path, in_process.threads[0]
    # Its own copy without the serving wait limit: callers queue as long as it takes, as against a server
    # (with the limit, a busy machine turned a queued call into ModelBusy and the section failed).
    unbounded = LlamaCppChatModel(gguf, s.llm_n_ctx, s.llm_n_threads, s.llm_n_gpu_layers, s.llm_temperature)
    rows = [{"backend": "in process (llama-cpp-python)", "slots": 1,
             **throughput(unbounded, prompts, s.llm_max_tokens, calls)}]
    configs = [("llama-cpp-python server", 1, python_server_cmd)]
    binary = llama_server_binary()
    if binary:
        configs += [("llama.cpp llama-server", n, lambda port, g, t, n=n: llama_server_cmd(binary, port, g, t, n))
                    for n in (1, 2, 4)]
    for backend, slots, build in configs:
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        log = work_dir / f"{backend.split()[0]}-{slots}.log"
        try:
            with running_server(build(port, gguf, threads), url, log):
                client = OpenAIChatModel(url, temperature=s.llm_temperature, token=TOKEN, slots=slots)
                try:
                    rows.append({"backend": backend, "slots": slots,
                                 **throughput(client, prompts, s.llm_max_tokens, calls)})
                finally:
                    client.close()
        except Exception as error:  # noqa: BLE001 - one configuration failing is a result
            rows.append({"backend": backend, "slots": slots, "error": f"{type(error).__name__}: {error}"[:500]})
    return {"rows": rows, "threads": threads, "llama_server": binary,
            "note": None if binary else "llama.cpp's llama-server was not found (scripts/build_llama_server.sh "
                                        "builds it; or set SHOPBOT_LLAMA_SERVER): parallel slots not measured"}
