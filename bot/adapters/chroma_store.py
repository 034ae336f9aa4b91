"""Chroma on disk through LangChain: the vector store and the retriever port."""
from __future__ import annotations

from pathlib import Path

from bot.ports import Passage

COLLECTION = "shop_knowledge"


def open_vector_store(index_dir: Path, embeddings):
    import chromadb
    from chromadb.config import Settings as ChromaSettings
    from langchain_chroma import Chroma

    index_dir.mkdir(parents=True, exist_ok=True)
    client = chromadb.PersistentClient(
        path=str(index_dir / "chroma"), settings=ChromaSettings(anonymized_telemetry=False)
    )
    return Chroma(
        client=client,
        collection_name=COLLECTION,
        embedding_function=embeddings,
        collection_metadata={"hnsw:space": "cosine"},
    )


class ChromaRetriever:
    def __init__(self, vector_store):
        self._store = vector_store

    def search(self, query: str, k: int, doc_type: str | None = None) -> list[Passage]:
        # no type named: chunks only (the answer-sized policy passages are searched by name)
        where = {"doc_type": doc_type} if doc_type else {"doc_type": {"$in": ["product", "policy"]}}
        hits = self._store.similarity_search_with_score(query, k=k, filter=where)
        # Cosine distance in [0, 2] -> similarity in [-1, 1].
        return [Passage(doc.page_content, round(1.0 - dist, 4), dict(doc.metadata)) for doc, dist in hits]
