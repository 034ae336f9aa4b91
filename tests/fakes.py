"""Honest fakes: deterministic, record their calls, no models, no network."""
from __future__ import annotations

import hashlib
import math
import re
from collections import deque

from bot.container import Container
from bot.domain.catalogue import Catalogue
from bot.ports import Passage
from bot.settings import Settings


class FakeChatModel:
    """Returns queued answers in order (the last one repeats) and records every call."""

    def __init__(self, *answers: str, error: Exception | None = None):
        self.answers = deque(answers or ['{"intro": "Here you go", "facts": [1]}'])
        self.calls: list[dict] = []
        self.error = error

    def complete(self, messages, grammar, max_tokens):
        self.calls.append({"messages": messages, "grammar": grammar, "max_tokens": max_tokens})
        if self.error:
            raise self.error
        return self.answers.popleft() if len(self.answers) > 1 else self.answers[0]


_STOP = {"a", "an", "the", "is", "it", "are", "of", "to", "in", "do", "does", "you", "and", "what", "how"}


class FakeEmbedder:
    """Bag-of-words hashed into 64 dims: similar wording gives similar vectors."""

    def __init__(self):
        self.calls = 0

    def _vector(self, text: str) -> list[float]:
        vec = [0.0] * 64
        for word in re.findall(r"[a-z0-9]+", text.lower()):
            if word in _STOP:
                continue
            vec[int(hashlib.md5(word.encode()).hexdigest(), 16) % 64] += 1.0
        norm = math.sqrt(sum(v * v for v in vec)) or 1.0
        return [v / norm for v in vec]

    def embed_documents(self, texts):
        self.calls += len(texts)
        return [self._vector(t) for t in texts]

    def embed_query(self, text):
        return self._vector(text)


class FakeRetriever:
    """Scores passages by shared words (Jaccard), so tests can steer relevance with wording."""

    def __init__(self, passages: list[Passage]):
        self.passages = passages
        self.queries: list[str] = []

    def search(self, query, k, doc_type=None):
        self.queries.append(query)
        words = set(re.findall(r"[a-z0-9]+", query.lower()))
        scored = []
        for p in self.passages:
            if doc_type and p.metadata.get("doc_type") != doc_type:
                continue
            other = set(re.findall(r"[a-z0-9]+", p.text.lower()))
            score = len(words & other) / max(1, len(words | other)) * 3
            scored.append(Passage(p.text, round(min(score, 1.0), 4), p.metadata))
        return sorted(scored, key=lambda p: -p.score)[:k]


def fake_container(store, llm=None, retriever=None, embedder=None, reader=None, **settings) -> Container:
    """A real Container whose adapters are replaced by fakes (cached_property slots pre-filled)."""
    container = Container(Settings(store_dir=store.root, **settings))
    container.__dict__.update(store=store, llm=llm, retriever=retriever or FakeRetriever([]), embeddings=embedder,
                              reader=reader)
    return container


def tiny_catalogue() -> Catalogue:
    products = {
        "100": {"name": "T-Shirt", "product_id": "100", "variants": {
            "1001": {"item_id": "1001", "options": {"color": "blue", "size": "M"}, "available": True, "price": 20.0},
            "1002": {"item_id": "1002", "options": {"color": "blue", "size": "L"}, "available": False, "price": 21.5},
            "1003": {"item_id": "1003", "options": {"color": "red", "size": "M"}, "available": True, "price": 19.0},
        }},
        "200": {"name": "Action Camera", "product_id": "200", "variants": {
            "2001": {"item_id": "2001", "options": {"resolution": "4K"}, "available": True, "price": 300.0}}},
        "300": {"name": "Digital Camera", "product_id": "300", "variants": {
            "3001": {"item_id": "3001", "options": {"zoom": "10x"}, "available": True, "price": 450.0}}},
        "400": {"name": "Wool Socks", "product_id": "400", "variants": {
            "4001": {"item_id": "4001", "options": {"size": "M"}, "available": True, "price": 12.0}}},
    }
    descriptions = {
        "100": {"description": "A soft everyday tee. It is machine washable.", "specs": {"weight": "150 g"},
                "complements": ["400"]},
    }
    orders = [{"items": [{"product_id": "200"}, {"product_id": "300"}]}] * 2
    return Catalogue.from_records(products, descriptions, orders)


TEST_SOURCE = {"kind": "policy", "id": "t", "title": "Test page", "section": ""}


class EchoAssistant:
    """Stands in for Rasa behind the web app: one reply per message, from a template; records calls."""

    def __init__(self, template: str = "You said: {text}\n(Source: Test page)", metadata: dict | None = None):
        self.template = template
        self.metadata = metadata if metadata is not None else {"kind": "test", "sources": [TEST_SOURCE]}
        self.calls: list[tuple[str, str]] = []

    async def reply(self, sender_id, text, client=""):
        self.calls.append((sender_id, text))
        return [{"text": self.template.format(text=text), "buttons": [{"title": "Yes", "payload": "/affirm"}],
                 "metadata": dict(self.metadata)}]


class ScriptedAssistant:
    """Stands in for Rasa behind the web app: the replies for a message are looked up by its exact text, anything
    else is echoed (EchoAssistant); records calls."""

    def __init__(self, script: dict[str, list[dict]]):
        self.script = script
        self.echo = EchoAssistant()
        self.calls: list[tuple[str, str]] = []

    async def reply(self, sender_id, text, client=""):
        self.calls.append((sender_id, text))
        if text in self.script:
            return [{**r, "metadata": dict(r.get("metadata") or {})} for r in self.script[text]]
        return await self.echo.reply(sender_id, text, client)


def answerability(likelihood: float):
    """An answerability scorer that judges every best passage equally likely to answer (0 < likelihood < 1)."""
    import math

    from bot.knowledge.answerability import FEATURES, Model

    n = len(FEATURES)
    return Model((0.0,) * n, (1.0,) * n, (0.0,) * n, math.log(likelihood / (1 - likelihood)))
