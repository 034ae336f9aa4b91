"""A chat model behind an OpenAI-compatible endpoint (`POST {url}/v1/chat/completions`): llama-cpp-python's
server (`scripts/model_server.sh`) or llama.cpp's `llama-server` (parallel slots, continuous batching).
The select mode's GBNF grammar goes in the request's `grammar` field, which both servers accept."""
from __future__ import annotations

import json
import logging
import time
from urllib.parse import urlsplit

from bot.ports import ModelBusy

log = logging.getLogger(__name__)


class ModelServerError(RuntimeError):
    """The server answered, but not with a usable completion."""


def base_url(url: str) -> str:
    """`http://host:port`, `http://host:port/` and `http://host:port/v1` all name the same server."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"SHOPBOT_LLM_URL must be an http(s) URL, not {url!r}")
    path = parts.path.rstrip("/")
    if path.endswith("/v1"):
        path = path[: -len("/v1")]
    return f"{parts.scheme}://{parts.netloc}{path}"


def stream_event(line: str) -> tuple[bool, str, str | None]:
    """One line of a server-sent chat completion stream: (the stream is done, the text piece it carries, the
    finish reason it announces). Comments (`: ping`), blank lines and chunks without content carry nothing."""
    if not line.startswith("data:"):
        return False, "", None
    data = line[len("data:"):].strip()
    if data == "[DONE]":
        return True, "", None
    try:
        chunk = json.loads(data)
    except ValueError as error:
        raise ModelServerError(f"not JSON: {data[:200]}") from error
    if isinstance(chunk, dict) and "error" in chunk:
        raise ModelServerError(f"model server error: {str(chunk['error'])[:200]}")
    try:
        choices = chunk["choices"]
        if not choices:  # e.g. a closing usage chunk
            return False, "", None
        content = (choices[0].get("delta") or {}).get("content")
        finish = choices[0].get("finish_reason")
    except (KeyError, IndexError, TypeError, AttributeError) as error:
        raise ModelServerError(f"not a chat completion chunk: {data[:200]}") from error
    if content is not None and not isinstance(content, str):
        raise ModelServerError(f"content is not text: {content!r}"[:200])
    return False, content or "", finish if isinstance(finish, str) else None


class OpenAIChatModel:
    """`slots`: how many requests the server works on at once (llama-server's `--parallel`; 1 for
    llama-cpp-python's server, which serves one at a time). `token` is sent as a bearer token."""

    def __init__(self, url: str, model: str = "", temperature: float = 0.1, seed: int = 7, token: str = "",
                 slots: int = 1, timeout_s: float = 120.0, connect_timeout_s: float = 2.0):
        self.url = base_url(url)
        self.model_path = model  # what the bench reports as the model
        self.slots = max(1, slots)
        self._model = model
        self._temperature = temperature
        self._seed = seed
        self._token = token
        self._timeout_s = timeout_s
        self._connect_timeout_s = connect_timeout_s
        self._client = None

    @property
    def sampling(self) -> tuple[int, float]:
        return self._seed, self._temperature

    def _http(self):
        if self._client is None:
            import httpx

            headers = {"Authorization": f"Bearer {self._token}"} if self._token else {}
            limits = httpx.Limits(max_connections=self.slots * 2 + 2, max_keepalive_connections=self.slots * 2 + 2)
            self._client = httpx.Client(base_url=self.url, headers=headers, limits=limits, trust_env=False)
        return self._client

    def load(self) -> "OpenAIChatModel":
        """Checks the server answers (it may still be starting: calls fall back to the facts until it does)."""
        try:
            response = self._http().get("/v1/models", timeout=self._connect_timeout_s)
            log.info("model server %s answers %s", self.url, response.status_code)
        except Exception as error:  # noqa: BLE001 - a log line, never a crash at start-up
            log.warning("model server %s does not answer yet: %s", self.url, error)
        return self

    def complete(self, messages: list[dict], grammar: str | None, max_tokens: int) -> str:
        return self._stream(messages, grammar, max_tokens, time.monotonic() + self._timeout_s)

    def complete_by(self, messages: list[dict], grammar: str | None, max_tokens: int, deadline: float) -> str:
        return self._stream(messages, grammar, max_tokens, deadline)

    def _stream(self, messages: list[dict], grammar: str | None, max_tokens: int, deadline: float) -> str:
        """Streams the completion, so that a reply out of time closes the connection and the server stops
        generating for it (both servers stop a stream whose client went away)."""
        import httpx

        left = deadline - time.monotonic()
        if left <= 0:
            raise ModelBusy("no time left before the deadline")
        body: dict = {"messages": messages, "max_tokens": max_tokens, "temperature": self._temperature,
                      "seed": self._seed, "stream": True}
        if self._model:
            body["model"] = self._model
        if grammar:
            body["grammar"] = grammar
        pieces: list[str] = []
        finish: str | None = None
        try:
            timeout = httpx.Timeout(left, connect=min(self._connect_timeout_s, left))
            with self._http().stream("POST", "/v1/chat/completions", json=body, timeout=timeout) as response:
                if response.status_code != 200:
                    raise ModelServerError(f"model server answered {response.status_code}: "
                                           f"{response.read().decode(errors='replace')[:200]}")
                for line in response.iter_lines():
                    done, piece, reason = stream_event(line)
                    pieces.append(piece)
                    finish = reason or finish
                    if done:
                        break
                    if finish is None and time.monotonic() > deadline:
                        raise ModelBusy(f"stopped at the deadline after {len(pieces)} pieces")
        except httpx.TimeoutException as error:
            raise ModelBusy(f"no completion within {left:.2f} s") from error
        if finish is None:
            # llama-cpp-python's server ends a stream early with [DONE] when another request arrives (unless
            # started with --interrupt_requests false): a cut-off reply is no reply.
            raise ModelServerError(f"the stream ended before the completion finished ({len(pieces)} pieces)")
        return "".join(pieces)

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
