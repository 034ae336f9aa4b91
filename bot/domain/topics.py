"""Questions grouped by topic: what the assistant could not answer, so a shop owner sees which facts are
missing. Pure: vectors in, groups out (the caller embeds the questions, e.g. with MiniLM).

Average-linkage agglomerative clustering on cosine distance (scikit-learn): two groups merge while the
mean distance between their questions stays under `DISTANCE`. No number of topics is fixed in advance,
and one odd question stays on its own instead of pulling a group apart. `DISTANCE` was chosen on our
own frozen held-out paraphrases and checked on Bitext (`eval/topics.py`, `reports/topics.md`).
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

DISTANCE = 0.75
MAX_QUESTIONS = 2000  # the most recent ones; the clustering is quadratic in memory
EXAMPLES = 5


@dataclass(frozen=True)
class Question:
    text: str
    kind: str  # the reply's kind: "unknown" (don't know) or "out_of_scope"
    conversation_id: str
    at: str  # ISO time of the reply


@dataclass(frozen=True)
class Topic:
    label: str  # the question closest to the topic's centre
    count: int
    examples: tuple[str, ...]  # distinct texts, closest to the centre first
    kinds: dict[str, int]
    conversations: int


def cluster_labels(vectors, distance: float = DISTANCE) -> list[int]:
    """A group number per vector (unit-length rows); same number = same topic."""
    import numpy as np

    rows = np.asarray(vectors, dtype=float)
    if len(rows) < 2:
        return [0] * len(rows)
    from sklearn.cluster import AgglomerativeClustering

    model = AgglomerativeClustering(n_clusters=None, metric="cosine", linkage="average",
                                    distance_threshold=distance)
    return [int(label) for label in model.fit_predict(rows)]


def topics(questions: list[Question], vectors, distance: float = DISTANCE) -> list[Topic]:
    """Topics, the biggest first (ties: the label's alphabetical order)."""
    import numpy as np

    rows = np.asarray(vectors, dtype=float)
    groups: dict[int, list[int]] = {}
    for index, label in enumerate(cluster_labels(rows, distance)):
        groups.setdefault(label, []).append(index)
    found = [_topic([questions[i] for i in members], rows[members]) for members in groups.values()]
    return sorted(found, key=lambda t: (-t.count, t.label))


def _topic(members: list[Question], rows) -> Topic:
    import numpy as np

    centre = rows.mean(axis=0)
    order = np.argsort(-(rows @ centre), kind="stable")
    examples: list[str] = []
    for i in order:
        text = " ".join(members[i].text.split())
        if text.lower() not in {e.lower() for e in examples}:
            examples.append(text)
        if len(examples) == EXAMPLES:
            break
    return Topic(label=examples[0], count=len(members), examples=tuple(examples),
                 kinds=dict(sorted(Counter(m.kind for m in members).items())),
                 conversations=len({m.conversation_id for m in members}))
