"""Chroma through LangChain: the vector store (on disk, or a Chroma server) and the retriever port."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from bot.ports import Passage

COLLECTION = "shop_knowledge"


@dataclass(frozen=True)
class ChromaServer:
    """Where a Chroma server listens, from a base URL such as http://127.0.0.1:5603."""

    host: str
    port: int
    ssl: bool

    @classmethod
    def parse(cls, url: str) -> ChromaServer:
        try:
            parts = urlsplit(url.strip())
            port = parts.port
        except ValueError as error:  # a port that isn't a number or is out of range
            raise ValueError(f"Chroma URL {url!r}: {error}") from None
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.path.strip("/") or parts.query \
                or parts.fragment or parts.username or parts.password:
            raise ValueError(f"Chroma URL {url!r}: expected http(s)://host:port and nothing more")
        ssl = parts.scheme == "https"
        return cls(parts.hostname, port or (443 if ssl else 80), ssl)

    def key(self) -> str:
        """A filesystem-safe name of this server (the ingest record manager kept for it is named after it)."""
        return "".join(c if c.isalnum() or c in ".-" else "_" for c in f"{self.host}_{self.port}")


def open_vector_store(index_dir: Path, embeddings, chroma_url: str = "", token: str = ""):
    """The store's collection on the Chroma server at `chroma_url` (sent `token` as the bearer token), or on disk
    in `index_dir` (the store's index folder) when the URL is empty."""
    from langchain_chroma import Chroma

    client = _server_client(ChromaServer.parse(chroma_url), token or "") if chroma_url else _disk_client(index_dir)
    return Chroma(
        client=client,
        collection_name=server_collection(index_dir) if chroma_url else COLLECTION,
        embedding_function=embeddings,
        collection_metadata={"hnsw:space": "cosine"},
    )


def server_collection(index_dir: Path) -> str:
    """On disk each store has a folder of its own; a server holds every store's collection side by side, named
    after the store's index folder (its store key)."""
    key = re.sub(r"[^A-Za-z0-9_-]", "_", index_dir.name).strip("_-") or "default"
    return f"{COLLECTION}-{key}"[:512].rstrip("_-")


def is_empty(vector_store) -> bool:
    return not vector_store.get(limit=1, include=[])["ids"]


def _disk_client(index_dir: Path):
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    index_dir.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(index_dir / "chroma"), settings=ChromaSettings(anonymized_telemetry=False))


def _server_client(server: ChromaServer, token: str):
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    # Chroma's own server checks no token: the proxy in front of it does (scripts/nginx.conf.template).
    headers = {"Authorization": f"Bearer {token}"} if token else None
    return chromadb.HttpClient(host=server.host, port=server.port, ssl=server.ssl, headers=headers,
                               settings=ChromaSettings(anonymized_telemetry=False))


class ChromaRetriever:
    def __init__(self, vector_store):
        self._store = vector_store

    def search(self, query: str, k: int, doc_type: str | None = None) -> list[Passage]:
        # no type named: chunks only (the answer-sized policy passages are searched by name)
        where = {"doc_type": doc_type} if doc_type else {"doc_type": {"$in": ["product", "policy"]}}
        hits = self._store.similarity_search_with_score(query, k=k, filter=where)
        # Cosine distance in [0, 2] -> similarity in [-1, 1].
        return [Passage(doc.page_content, round(1.0 - dist, 4), dict(doc.metadata)) for doc, dist in hits]
