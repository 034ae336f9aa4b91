"""MiniLM sentence vectors for the NLU, loaded once per process, offline, from the PyPI model package."""
from __future__ import annotations

import functools
import os
import threading
from collections import OrderedDict

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
    # One short message is fastest on one thread; the Rasa launchers set OMP_NUM_THREADS (SHOPBOT_RASA_THREADS).
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS") or max(1, (os.cpu_count() or 1) - 1)))
    return SentenceTransformer(default_model_path(), device="cpu")


RECENT_MESSAGES = 4096  # "yes", "no", "thanks", "hi" recur in every conversation: each is encoded once


class _RecentVectors:
    """The vectors of the last RECENT_MESSAGES distinct messages (exact text), least recently used dropped."""

    def __init__(self, size: int):
        self.size = size
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, text: str) -> np.ndarray | None:
        with self._lock:
            vector = self._vectors.get(text)
            if vector is not None:
                self._vectors.move_to_end(text)
            return vector

    def put(self, text: str, vector: np.ndarray) -> None:
        with self._lock:
            self._vectors[text] = vector
            self._vectors.move_to_end(text)
            while len(self._vectors) > self.size:
                self._vectors.popitem(last=False)


_recent = _RecentVectors(RECENT_MESSAGES)


def encode_messages(texts: list[str]) -> np.ndarray:
    """`encode` for the messages of a conversation turn, each distinct text encoded once per process."""
    known = {t: v for t in dict.fromkeys(texts) if (v := _recent.get(t)) is not None}
    missing = [t for t in dict.fromkeys(texts) if t not in known]
    for text, vector in zip(missing, encode(missing) if missing else []):
        _recent.put(text, vector)
        known[text] = vector
    return np.stack([known[t] for t in texts]) if texts else encode([])


def encode(texts: list[str], batch_size: int = 64) -> np.ndarray:
    """Unit-length sentence vectors, one row per text (empty texts give a zero row)."""
    if not texts:
        return np.zeros((0, 384), dtype=np.float32)
    vectors = _model().encode(list(texts), batch_size=batch_size, normalize_embeddings=True,
                              show_progress_bar=False, convert_to_numpy=True)
    return vectors.astype(np.float32)
