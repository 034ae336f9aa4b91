"""Ports: what the services need from the outside world. Adapters implement them; tests fake them."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk with its cosine similarity to the query (0..1, higher is closer)."""

    text: str
    score: float
    metadata: dict = field(default_factory=dict)


class Retriever(Protocol):
    def search(self, query: str, k: int, doc_type: str | None = None) -> list[Passage]: ...


class ModelBusy(RuntimeError):
    """The chat model stayed busy with other shoppers' replies for longer than a reply may wait."""


class ChatModel(Protocol):
    def complete(self, messages: list[dict], grammar: str | None, max_tokens: int) -> str:
        """May raise ModelBusy; the caller then answers without the model."""


class DeadlineChatModel(ChatModel, Protocol):
    """A chat model that can stop at a deadline. `slots`: how many calls it serves at once (a model
    server's parallel slots; 1 in process)."""

    slots: int

    def complete_by(self, messages: list[dict], grammar: str | None, max_tokens: int, deadline: float) -> str:
        """Like `complete`, but raises ModelBusy once `deadline` (on `time.monotonic()`'s clock) has passed."""


class ServingMetrics(Protocol):
    """What the phrasing service reports while serving (an adapter turns it into Prometheus metrics)."""

    def llm_queue(self, waiting: int, running: int) -> None:
        """Calls waiting for the model and calls it is serving, after every change."""

    def llm_call(self, task: str, seconds: float, waited_s: float) -> None:
        """One model call: how long it ran, and how long it queued first."""

    def reply(self, task: str, grounding: str, reason: str) -> None:
        """One reply: its grounding (llm, replaced, composed) and why (phrased, over_budget, busy, error, ...)."""


class SentimentScorer(Protocol):
    def score(self, text: str) -> float:
        """How positive the text sounds: -1 (very negative) .. 1 (very positive); about 0 for neutral or
        unreadable text. Never raises."""


class Embedder(Protocol):
    def embed_documents(self, texts: list[str]) -> list[list[float]]: ...

    def embed_query(self, text: str) -> list[float]: ...


class CommerceStore(Protocol):
    """Customers, orders and products as tau-bench-shaped dicts; writes go through `apply` only."""

    def find_user_id_by_email(self, email: str) -> str | None: ...

    def find_user_id_by_name_zip(self, first_name: str, last_name: str, zip: str) -> str | None: ...

    def find_user_ids_by_name(self, first_name: str, last_name: str) -> list[str]: ...

    def get_user(self, user_id: str) -> dict | None: ...

    def get_order(self, order_id: str) -> dict | None: ...

    def get_product(self, product_id: str) -> dict | None: ...

    def check(self, op) -> None:
        """Dry run of a write: raises OrderRuleError, changes nothing."""

    def apply(self, op, actor: str, conversation_id: str) -> dict:
        """The write, in one transaction with its audit-log row."""


class AttemptLog(Protocol):
    """Failed identity checks per key, shared by every process."""

    def status(self, key: str) -> tuple[int, float]:
        """(failures so far, locked until as epoch seconds)."""

    def record_failure(self, key: str, locked_until: float) -> int:
        """Count one more failure; returns the new count."""

    def reset(self, key: str) -> None: ...
