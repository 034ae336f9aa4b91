"""Similarity by meaning between a shopper's words and product names ("the bike" ~ Bicycle), for the
order desk when no name's words are in the message. MiniLM vectors are normalised: the dot product is
the cosine. Names are embedded once each."""
from __future__ import annotations

from typing import Callable

from bot.domain.item_mentions import Resemble
from bot.ports import Embedder


def embedding_resemblance(embedder: Callable[[], Embedder]) -> Resemble:
    """`embedder` is called on first use, so building the desk never loads the model."""
    vectors: dict[str, list[float]] = {}

    def vector(text: str) -> list[float]:
        if text not in vectors:
            vectors[text] = embedder().embed_query(text)
        return vectors[text]

    def resemble(text: str, names: list[str]) -> list[float]:
        query = embedder().embed_query(text)
        return [sum(a * b for a, b in zip(query, vector(name))) for name in names]

    return resemble
