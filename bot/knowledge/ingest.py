"""Ingest job: store directory -> Chroma collection, through LangChain's indexing API.

The record manager remembers a hash of every chunk, so a re-run embeds only new or changed chunks
and deletes chunks whose source disappeared (cleanup="full"). It belongs to one collection: the one on disk
and the one on a Chroma server (SHOPBOT_CHROMA_URL) each have their own.
Run: python -m bot.knowledge.ingest [--store DIR]
"""
from __future__ import annotations

import argparse
import logging
import time
from pathlib import Path

from tqdm import tqdm

from bot.settings import Settings, get_settings

log = logging.getLogger(__name__)


def record_manager(index_dir: Path, chroma_url: str = ""):
    from langchain_classic.indexes import SQLRecordManager

    from bot.adapters.chroma_store import ChromaServer

    index_dir.mkdir(parents=True, exist_ok=True)
    name = f"records-{ChromaServer.parse(chroma_url).key()}.sqlite" if chroma_url else "records.sqlite"
    manager = SQLRecordManager("chroma/shop_knowledge", db_url=f"sqlite:///{index_dir / name}")
    manager.create_schema()
    return manager


def forget_if_emptied(records, vector_store) -> None:
    """A collection found empty (a new server, or its data removed) gets everything again: records of
    chunks it no longer holds would make the indexer skip them."""
    from bot.adapters.chroma_store import is_empty

    if is_empty(vector_store):
        while keys := records.list_keys(limit=1000):
            records.delete_keys(keys)


def ingest(settings: Settings, embeddings=None, progress: bool = True) -> dict:
    from langchain_core.indexing import index

    from bot.adapters.chroma_store import open_vector_store
    from bot.adapters.embeddings import build_embeddings
    from bot.adapters.store_dir import load_store
    from bot.knowledge.documents import index_documents

    started = time.perf_counter()
    store = load_store(settings.store_dir)
    docs = index_documents(store, settings.chunk_size, settings.chunk_overlap)
    index_dir = settings.index_dir / settings.store_key()
    token = settings.internal_secret() if settings.chroma_url else ""
    vector_store = open_vector_store(index_dir, embeddings or build_embeddings(settings.embedding_model),
                                     settings.chroma_url, token)
    records = record_manager(index_dir, settings.chroma_url)
    forget_if_emptied(records, vector_store)
    stream = tqdm(docs, desc="embedding chunks", unit="chunk", disable=not progress)
    result = dict(index(stream, records, vector_store, cleanup="full", source_id_key="source", key_encoder="sha256"))
    result["chunks"] = len(docs)
    result["seconds"] = round(time.perf_counter() - started, 2)
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, help="store directory (default: SHOPBOT_STORE_DIR)")
    args = parser.parse_args(argv)
    settings = get_settings() if not args.store else Settings(store_dir=args.store)
    result = ingest(settings)
    target = settings.chroma_url or settings.index_dir / settings.store_key()
    print(
        f"ingest: {result['chunks']} chunks from {settings.store_dir} into {target} -> added {result['num_added']}, "
        f"updated {result['num_updated']}, skipped {result['num_skipped']}, deleted {result['num_deleted']} "
        f"in {result['seconds']} s"
    )


if __name__ == "__main__":
    main()
