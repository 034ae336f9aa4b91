"""The model-server adapter against an in-test HTTP server on loopback (no network, no model): what it
sends, how it reads a streamed completion, and that every failure becomes ModelBusy or an error the
phraser turns into a reply from the facts."""
from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bot.adapters.openai_model import ModelServerError, OpenAIChatModel, base_url, stream_event
from bot.ports import ModelBusy
from bot.services.phrasing import Phraser
from bot.services.turns import begin_turn, end_turn

FACTS = ["Returns are accepted within 30 days of delivery.", "Refunds take 5 to 10 business days."]
MESSAGES = [{"role": "user", "content": "hi"}]


class FakeServer:
    """Answers /v1/chat/completions with a scripted stream; records every request."""

    def __init__(self):
        self.requests: list[dict] = []
        self.pieces = ['{"intro": "Sure", ', '"facts": [1]}']
        self.status = 200
        self.raw_lines: list[str] | None = None
        self.release = threading.Event()
        self.release.set()
        self.waiting = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                self._send(200, b'{"object": "list", "data": []}', "application/json")

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                server.requests.append({"path": self.path, "body": body, "auth": self.headers.get("Authorization")})
                if server.status != 200:
                    return self._send(server.status, b'{"error": {"message": "bad grammar"}}', "application/json")
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.end_headers()
                lines = server.raw_lines if server.raw_lines is not None else (
                    [": ping"] + [f"data: {json.dumps(_chunk(p))}" for p in server.pieces]
                    + [f"data: {json.dumps(_chunk('', 'stop'))}", "data: [DONE]"])
                for n, line in enumerate(lines):
                    if n == 1 and not server.release.is_set():  # a slow model: stalls after the first line
                        server.waiting.set()
                        server.release.wait(10)
                    try:
                        self.wfile.write((line + "\n\n").encode())
                        self.wfile.flush()
                    except OSError:  # the client went away (it ran out of time)
                        return

            def _send(self, status, payload, content_type):
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
        self.thread.start()

    def close(self):
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()


def _chunk(piece: str, finish: str | None = None) -> dict:
    return {"choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": finish}]}


@pytest.fixture()
def server():
    fake = FakeServer()
    yield fake
    fake.close()


@pytest.fixture()
def model(server):
    client = OpenAIChatModel(server.url + "/v1", model="smollm2", temperature=0.1, seed=7, token="t0k", slots=2)
    yield client
    client.close()


def test_the_request_carries_the_grammar_sampling_and_token(server, model):
    assert model.complete(MESSAGES, 'root ::= "x"', 32) == '{"intro": "Sure", "facts": [1]}'
    sent = server.requests[0]
    assert sent["path"] == "/v1/chat/completions" and sent["auth"] == "Bearer t0k"
    assert sent["body"] == {"messages": MESSAGES, "max_tokens": 32, "temperature": 0.1, "seed": 7, "stream": True,
                            "model": "smollm2", "grammar": 'root ::= "x"'}


def test_free_mode_sends_no_grammar(server, model):
    model.complete(MESSAGES, None, 32)
    assert "grammar" not in server.requests[0]["body"]


def test_select_mode_through_the_server_is_grounded_like_in_process(server, model):
    out = Phraser(model, []).phrase("policy", "how long to return?", FACTS)
    assert out.grounding == "llm" and out.text.endswith(FACTS[0])
    assert 'idx ::= "1" | "2"' in server.requests[0]["body"]["grammar"]


def test_a_server_error_is_an_error_and_the_reply_falls_back_to_the_facts(server, model):
    server.status = 500
    with pytest.raises(ModelServerError, match="500"):
        model.complete(MESSAGES, None, 32)
    out = Phraser(model, []).phrase("policy", "q", FACTS, max_facts=1)
    assert (out.text, out.grounding) == (FACTS[0], "replaced")


@pytest.mark.parametrize("lines", [
    ["data: {not json"],  # garbage
    ['data: {"error": {"message": "context overflow"}}'],  # an error inside the stream
    ['data: {"choices": [{"delta": {"content": 7}}]}'],  # content that is not text
])
def test_a_broken_stream_is_an_error(server, model, lines):
    server.raw_lines = lines
    with pytest.raises(ModelServerError):
        model.complete(MESSAGES, None, 32)


def test_a_finished_stream_closed_without_done_gives_what_came(server, model):
    server.raw_lines = [f"data: {json.dumps(_chunk('Hello'))}", f"data: {json.dumps(_chunk('!', 'length'))}"]
    assert model.complete(MESSAGES, None, 32) == "Hello!"


@pytest.mark.parametrize("lines", [
    # llama-cpp-python's server cuts a stream short with [DONE] when another request arrives
    ["data: " + json.dumps(_chunk('{"intro": "Su')), "data: [DONE]"],
    [f"data: {json.dumps(_chunk('Hel'))}"],  # the connection closed mid-reply
])
def test_a_reply_cut_off_before_it_finished_is_an_error(server, model, lines):
    server.raw_lines = lines
    with pytest.raises(ModelServerError, match="before the completion finished"):
        model.complete(MESSAGES, None, 32)


def test_a_slow_server_is_left_at_the_deadline(server, model):
    server.release.clear()  # the server stalls after its first line until released
    with pytest.raises(ModelBusy):
        model.complete_by(MESSAGES, None, 32, time.monotonic() + 0.3)
    assert server.waiting.is_set()
    server.release.set()
    assert model.complete(MESSAGES, None, 32)  # the client still works afterwards


def test_no_time_left_means_no_request(server, model):
    with pytest.raises(ModelBusy):
        model.complete_by(MESSAGES, None, 32, time.monotonic() - 1)
    assert server.requests == []


def test_an_unreachable_server_gives_replies_from_the_facts():
    with UnusedPort() as url:
        model = OpenAIChatModel(url)
        model.load()  # logs, never raises
        token = begin_turn(5.0)
        try:
            out = Phraser(model, []).phrase("policy", "q", FACTS, max_facts=1)
        finally:
            end_turn(token)
        assert (out.text, out.grounding) == (FACTS[0], "replaced")


class UnusedPort:
    """A loopback port nothing listens on."""

    def __enter__(self):
        import socket

        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        sock.close()
        return f"http://127.0.0.1:{self.port}"

    def __exit__(self, *exc):
        return False


@pytest.mark.parametrize("url, expected", [
    ("http://127.0.0.1:8765", "http://127.0.0.1:8765"),
    ("http://127.0.0.1:8765/", "http://127.0.0.1:8765"),
    ("http://127.0.0.1:8765/v1/", "http://127.0.0.1:8765"),
    ("https://models.internal/llm/v1", "https://models.internal/llm"),
])
def test_base_url_accepts_the_usual_spellings(url, expected):
    assert base_url(url) == expected


@pytest.mark.parametrize("url", ["127.0.0.1:8765", "file:///etc/passwd", "ftp://x", "http://"])
def test_base_url_refuses_what_is_not_http(url):
    with pytest.raises(ValueError):
        base_url(url)


@pytest.mark.parametrize("line, expected", [
    (": ping - 2026-01-01", (False, "", None)),
    ("", (False, "", None)),
    ("data: [DONE]", (True, "", None)),
    ('data: {"choices": []}', (False, "", None)),
    ('data: {"choices": [{"delta": {"role": "assistant"}}]}', (False, "", None)),
    ('data: {"choices": [{"delta": {"content": "Hi"}}]}', (False, "Hi", None)),
    ('data: {"choices": [{"delta": {}, "finish_reason": "stop"}]}', (False, "", "stop")),
])
def test_stream_events(line, expected):
    assert stream_event(line) == expected
