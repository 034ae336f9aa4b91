"""What a sentiment score means: labels and the "strongly negative" line. Pure: no I/O.

Scores are VADER-style compound scores in [-1, 1] (bot/adapters/vader_sentiment.py).

- POSITIVE_AT / NEGATIVE_AT: VADER's own documented cut-offs for positive, neutral and negative.
- STRONGLY_NEGATIVE_AT: at or below it a shopper message counts towards the frustration handoff
  (bot/domain/handoff.py). Chosen by `eval/sentiment.py` on one human-rated set only, VADER's 4,200 tweets
  (short, informal, like chat messages): the cut-off in steps of 0.05 with the best F1 at finding the tweets
  people rated -1.5 or lower on VADER's -4..4 scale (precision 0.57, recall 0.77 there). Its precision and
  recall on the other sets, held out, are in reports/sentiment.md.
"""
from __future__ import annotations

from typing import Literal

POSITIVE_AT = 0.05
NEGATIVE_AT = -0.05
STRONGLY_NEGATIVE_AT = -0.45

Label = Literal["positive", "neutral", "negative"]


def label(score: float) -> Label:
    if score >= POSITIVE_AT:
        return "positive"
    if score <= NEGATIVE_AT:
        return "negative"
    return "neutral"


def strongly_negative(score: float | None) -> bool:
    """None (a message nobody scored) is never strongly negative."""
    return score is not None and score <= STRONGLY_NEGATIVE_AT


def in_shoppers_words(text: str) -> bool:
    """Text worth scoring: something said, and not a button's payload ("/deny", which VADER reads as negative)."""
    return bool(text.strip()) and not text.startswith("/")
