"""MiniLM sentence vectors for the NLU, loaded once per process, offline, from the PyPI model package."""
from __future__ import annotations

import functools
import os

import numpy as np

from bot.adapters.embeddings import default_model_path


@functools.lru_cache(maxsize=1)
def _model():
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import torch
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()  # the load report lists an unused buffer on every start
    hf_logging.disable_progress_bar()
    # One short message is fastest on one thread; Rasa's own work runs beside it.
    torch.set_num_threads(max(1, (os.cpu_count() or 1) - 1))
    return SentenceTransformer(default_model_path(), device="cpu")


def encode(texts: list[str], batch_size: int = 64) -> np.ndarray:
    """Unit-length sentence vectors, one row per text (empty texts give a zero row)."""
    if not texts:
        return np.zeros((0, 384), dtype=np.float32)
    vectors = _model().encode(list(texts), batch_size=batch_size, normalize_embeddings=True,
                              show_progress_bar=False, convert_to_numpy=True)
    return vectors.astype(np.float32)
