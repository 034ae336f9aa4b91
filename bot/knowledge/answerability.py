"""How likely the best policy passage answers the question: a logistic regression over what the ranking
already measured. Pure: no I/O.

The fused score alone mixes "answers it" with "is written like it": casual questions about a store with
formal terms and conditions score low even when the passage is right, and a question no page answers
("do you price match?") can score high against a passage that shares its words. Over the ranking's own
signals (the similarities, the key terms the passage holds, the question's words the store never uses,
how far ahead of the next passage it is, whether dense and lexical ranking agree) a scorer fitted on
labelled questions of the fitting stores separates the two better than the fused score on a store it never saw
(eval/answerability.py fits it and measures it store by store; the weights are in answerability_model.py).
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bot.knowledge.ranking import Ranked, bm25, coverage, terms

FEATURES = ("score", "dense", "alone", "section", "heading", "lexical", "cover", "kind", "margin", "agree_dense",
            "agree_alone", "agree_lexical", "max_dense", "max_alone", "question_terms", "unknown_terms")


@dataclass(frozen=True)
class Model:
    """A fitted logistic regression over standardised FEATURES."""

    means: Sequence[float]
    scales: Sequence[float]
    weights: Sequence[float]
    intercept: float

    def probability(self, features: Mapping[str, float]) -> float:
        z = self.intercept + sum(w * (features[name] - m) / s for name, m, s, w
                                 in zip(FEATURES, self.means, self.scales, self.weights))
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


def _argmax(values: Sequence[float]) -> int:
    return max(range(len(values)), key=lambda i: (values[i], -i)) if values else -1


def features(question: str, texts: Sequence[str], answers: Sequence[str], dense: Sequence[float],
             section: Sequence[float], alone: Sequence[float], heading: Sequence[float],
             ranked: Sequence[Ranked]) -> dict[str, float]:
    """The signals of the best-ranked passage (ranked[0]) for the question, as the ranking saw them:
    `texts` are what retrieval read (headings + passage), `answers` the passages alone."""
    best = ranked[0]
    i = best.index
    query = terms(question)
    docs = [terms(t) for t in texts]
    lexical = bm25(query, docs)
    store_words = {t for d in docs for t in d}
    # the next passage that says something else (a list and its own item are the same answer)
    other = next((r for r in ranked[1:] if answers[r.index] != answers[i]), None)
    asked = set(query)
    return {
        "score": best.score, "dense": dense[i], "alone": alone[i], "section": section[i], "heading": heading[i],
        "lexical": best.lexical, "cover": coverage(query, docs)[i], "kind": float(best.kind),
        "margin": best.score - other.score if other else 1.0,
        "agree_dense": float(_argmax(dense) == i), "agree_alone": float(_argmax(alone) == i),
        "agree_lexical": float(_argmax(lexical) == i),
        "max_dense": max(dense, default=0.0), "max_alone": max(alone, default=0.0),
        "question_terms": float(len(query)),
        "unknown_terms": len(asked - store_words) / len(asked) if asked else 0.0,
    }
