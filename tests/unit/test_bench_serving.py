"""The bench's model-serving comparison without a model: commands stay on loopback, throughput counts
calls and parseable outputs, the report renders rows, failures and the missing llama-server."""
from __future__ import annotations

import threading

from bench.llm import Prompt
from bench.report import render_markdown
from bench.serving import llama_server_binary, llama_server_cmd, python_server_cmd, throughput
from tests.unit.test_bench import _results


def test_servers_listen_on_loopback_with_a_token_and_a_context_per_slot():
    py = python_server_cmd(8765, "m.gguf", 1)
    assert py[py.index("--host") + 1] == "127.0.0.1" and "--api_key" in py
    cpp = llama_server_cmd("/opt/llama-server", 8766, "m.gguf", 1, 4)
    assert cpp[cpp.index("--host") + 1] == "127.0.0.1" and cpp[cpp.index("--parallel") + 1] == "4"
    assert cpp[cpp.index("-c") + 1] == str(4 * 2048) and "--api-key" in cpp


def test_llama_server_is_only_used_when_it_is_an_executable_file(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setenv("SHOPBOT_LLAMA_SERVER", str(tmp_path / "missing"))
    assert llama_server_binary() is None
    binary = tmp_path / "llama-server"
    binary.write_text("#!/bin/sh\n")
    binary.chmod(0o755)
    monkeypatch.setenv("SHOPBOT_LLAMA_SERVER", str(binary))
    assert llama_server_binary() == str(binary)


class CountingModel:
    def __init__(self):
        self.lock = threading.Lock()
        self.calls = 0

    def complete(self, messages, grammar, max_tokens):
        assert grammar and "idx ::=" in grammar  # production's select mode
        with self.lock:
            self.calls += 1
            n = self.calls
        return '{"intro": "Sure", "facts": [1]}' if n % 2 else "garbage"


def test_throughput_runs_every_call_and_counts_parseable_outputs():
    prompts = [Prompt("q", ["Fact one.", "Fact two."], [{"role": "user", "content": "q"}])]
    model = CountingModel()
    out = throughput(model, prompts, max_tokens=32, calls=6, concurrency=3)
    assert model.calls == 7  # one warm-up call per prompt, then the measured ones
    assert out["calls"] == 6 and out["n"] == 6 and out["parsed"] == 3 and out["calls_per_s"] > 0


def test_the_report_shows_each_backend_and_says_when_llama_server_is_missing():
    results = _results()
    results["serving"] = {"threads": 1, "llama_server": None, "note": "llama.cpp's llama-server was not found",
                          "rows": [{"backend": "in process (llama-cpp-python)", "slots": 1, "calls": 4,
                                    "concurrency": 4, "calls_per_s": 1.5, "p50_s": 2.0, "p95_s": 2.5, "parsed": 4},
                                   {"backend": "llama-cpp-python server", "slots": 1, "error": "RuntimeError: no"}]}
    text = render_markdown(results)
    assert "## 2b. The model in process vs behind a model server" in text
    assert "| in process (llama-cpp-python) | 1 | 4 | 1.50 |" in text and "**failed**: RuntimeError: no" in text
    assert "llama-server was not found." in text
