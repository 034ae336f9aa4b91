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
