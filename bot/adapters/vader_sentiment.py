"""Sentiment of shopper text with VADER (vaderSentiment, MIT): a rule-based lexicon, no model, no network.

The score is VADER's compound score in [-1, 1]. How well it agrees with people is measured by
eval/sentiment.py on VADER's own human-rated sets (reports/sentiment.md).
"""
from __future__ import annotations

import logging
import threading

log = logging.getLogger(__name__)

# VADER's time grows with the text; a message's tone shows long before this many characters.
MAX_CHARS = 4000


class VaderSentiment:
    def __init__(self, max_chars: int = MAX_CHARS):
        self.max_chars = max_chars
        self._analyzer = None
        self._lock = threading.Lock()

    def _analyzer_once(self):
        """Reads the lexicon (about 0.1 s) on first use, once, whichever thread gets here first."""
        with self._lock:
            if self._analyzer is None:
                from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

                self._analyzer = SentimentIntensityAnalyzer()
            return self._analyzer

    def score(self, text: str) -> float:
        if not isinstance(text, str) or not text.strip():
            return 0.0
        try:
            analyzer = self._analyzer or self._analyzer_once()
            return float(analyzer.polarity_scores(text[: self.max_chars])["compound"])
        except Exception:  # a score is an extra: a shopper's message must never fail because of it
            log.warning("sentiment: could not score a message of %d characters", len(text), exc_info=True)
            return 0.0
