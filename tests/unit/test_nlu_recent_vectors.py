"""The NLU encodes each distinct message once per process: repeats reuse the vector, in the caller's order,
and the least recently used vectors leave when the cache is full."""
from __future__ import annotations

import numpy as np
import pytest

from bot.nlu import encoder


@pytest.fixture
def counted(monkeypatch):
    calls: list[list[str]] = []

    def fake_encode(texts, batch_size=64):
        calls.append(list(texts))
        return np.array([[float(len(t)), float(sum(map(ord, t)))] for t in texts], dtype=np.float32).reshape(-1, 2)

    monkeypatch.setattr(encoder, "encode", fake_encode)
    monkeypatch.setattr(encoder, "_recent", encoder._RecentVectors(3))
    return calls


def test_repeated_messages_are_encoded_once_and_keep_their_order(counted):
    first = encoder.encode_messages(["yes", "no", "yes"])
    again = encoder.encode_messages(["no", "thanks", "yes"])
    assert counted == [["yes", "no"], ["thanks"]]
    assert first[0].tolist() == first[2].tolist() == again[2].tolist()
    assert again[0].tolist() == first[1].tolist()
    assert again.shape == (3, 2)


def test_the_least_recently_used_vector_leaves_first(counted):
    encoder.encode_messages(["a", "b", "c"])
    encoder.encode_messages(["a"])  # "a" used again: "b" is now the oldest
    encoder.encode_messages(["d"])  # full: "b" leaves
    encoder.encode_messages(["a", "c", "b"])
    assert counted == [["a", "b", "c"], ["d"], ["b"]]


def test_no_messages_gives_an_empty_matrix(counted):
    assert encoder.encode_messages([]).shape[0] == 0
