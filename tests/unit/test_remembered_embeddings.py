"""The embedder the services get remembers recent texts: a question asked of both Chroma searches and of the
ranking is embedded once, documents too, and the memory stays bounded (least recently used leave)."""
from __future__ import annotations

from langchain_core.embeddings import Embeddings

from bot.adapters.embeddings import remembering
from bot.adapters.recent_store import RecentStore


class CountingEmbeddings(Embeddings):
    def __init__(self):
        self.queries: list[str] = []
        self.documents: list[str] = []

    def embed_query(self, text: str) -> list[float]:
        self.queries.append(text)
        return [float(len(text)), 1.0]

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        self.documents += texts
        return [[float(len(t)), 0.0] for t in texts]


def test_a_question_is_embedded_once_however_often_it_is_searched():
    inner = CountingEmbeddings()
    embeddings = remembering(inner, size=10)
    vectors = [embeddings.embed_query("how long do refunds take?") for _ in range(3)]
    assert inner.queries == ["how long do refunds take?"]
    assert vectors == [[25.0, 1.0]] * 3
    assert embeddings.embed_query("and exchanges?") == [14.0, 1.0]
    assert inner.queries == ["how long do refunds take?", "and exchanges?"]


def test_documents_already_seen_are_not_embedded_again():
    inner = CountingEmbeddings()
    embeddings = remembering(inner, size=10)
    assert embeddings.embed_documents(["a", "bb"]) == [[1.0, 0.0], [2.0, 0.0]]
    assert embeddings.embed_documents(["bb", "ccc"]) == [[2.0, 0.0], [3.0, 0.0]]
    assert inner.documents == ["a", "bb", "ccc"]


def test_the_store_keeps_only_the_most_recently_used():
    store = RecentStore(2)
    store.mset([("a", [1.0]), ("b", [2.0])])
    assert store.mget(["a"]) == [[1.0]]  # "a" used: "b" is the oldest now
    store.mset([("c", [3.0])])
    assert store.mget(["a", "b", "c"]) == [[1.0], None, [3.0]]
    assert sorted(store.yield_keys()) == ["a", "c"]
    store.mdelete(["a"])
    assert list(store.yield_keys(prefix="c")) == ["c"]
