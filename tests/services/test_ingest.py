"""The ingest job against a real on-disk Chroma, with counting fake embeddings."""
import shutil

from langchain_core.embeddings import DeterministicFakeEmbedding

from bot.adapters.chroma_store import ChromaRetriever, open_vector_store
from bot.knowledge.ingest import ingest
from bot.settings import Settings
from tests.conftest import DEMO_STORE


class CountingEmbedding(DeterministicFakeEmbedding):
    embedded: int = 0

    def embed_documents(self, texts):
        self.embedded += len(texts)
        return super().embed_documents(texts)


def test_rerun_embeds_only_what_changed(tmp_path):
    store = tmp_path / "store"
    shutil.copytree(DEMO_STORE, store)
    settings = Settings(store_dir=store, index_dir=tmp_path / "index")
    embedding = CountingEmbedding(size=32)

    first = ingest(settings, embedding, progress=False)
    assert first["num_added"] == first["chunks"] == embedding.embedded > 40

    embedding.embedded = 0
    second = ingest(settings, embedding, progress=False)
    assert (second["num_added"], second["num_skipped"], embedding.embedded) == (0, first["chunks"], 0)

    page = store / "policies" / "shipping.md"
    page.write_text(page.read_text() + "\n## Gift wrapping\nGift wrapping costs $4 per item.\n")
    third = ingest(settings, embedding, progress=False)
    shipping_chunks = sum(1 for _ in _chunks_of(settings, embedding, "policies/shipping.md"))
    assert third["num_added"] >= 1 and embedding.embedded <= shipping_chunks
    assert third["num_deleted"] <= shipping_chunks  # only the changed page's stale chunks go

    (store / "policies" / "privacy.md").unlink()
    fourth = ingest(settings, embedding, progress=False)
    assert fourth["num_deleted"] >= 1 and not list(_chunks_of(settings, embedding, "policies/privacy.md"))


def _chunks_of(settings, embedding, source):
    vector_store = open_vector_store(settings.index_dir / settings.store_key(), embedding)
    found = vector_store.get(where={"source": source})
    return found["ids"]


def test_retriever_filters_by_doc_type_and_returns_metadata(tmp_path):
    settings = Settings(store_dir=DEMO_STORE, index_dir=tmp_path / "index")
    embedding = DeterministicFakeEmbedding(size=32)
    ingest(settings, embedding, progress=False)
    retriever = ChromaRetriever(open_vector_store(settings.index_dir / settings.store_key(), embedding))
    hits = retriever.search("returns", k=3, doc_type="policy")
    assert len(hits) == 3 and all(h.metadata["doc_type"] == "policy" for h in hits)
    assert all(-1.0 <= h.score <= 1.0 and h.metadata["source"].startswith("policies/") for h in hits)
