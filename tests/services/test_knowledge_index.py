"""The passage index on a real on-disk Chroma: ingest writes the answer-sized policy passages beside the
chunks, and a search that names no type still sees the chunks only."""
from langchain_core.embeddings import DeterministicFakeEmbedding

from bot.adapters.chroma_store import ChromaRetriever, open_vector_store
from bot.knowledge.ingest import ingest
from bot.settings import Settings
from tests.conftest import DEMO_STORE


def test_passages_are_indexed_and_kept_apart_from_the_chunks(tmp_path):
    settings = Settings(store_dir=DEMO_STORE, index_dir=tmp_path / "index")
    embedding = DeterministicFakeEmbedding(size=32)
    first = ingest(settings, embedding, progress=False)
    retriever = ChromaRetriever(open_vector_store(settings.index_dir / settings.store_key(), embedding))

    passages = retriever.search("return window", k=200, doc_type="policy_passage")
    assert len(passages) > 60
    assert all(p.metadata["text"] and p.text.endswith(p.metadata["text"]) for p in passages)
    assert {p.metadata["doc_type"] for p in retriever.search("return window", k=400)} == {"product", "policy"}

    again = ingest(settings, embedding, progress=False)
    assert (again["num_added"], again["num_skipped"]) == (0, first["chunks"])  # re-run embeds nothing
