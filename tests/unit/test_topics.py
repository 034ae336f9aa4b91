"""Unanswered questions grouped by topic: the grouping itself on fixed vectors, and on real MiniLM vectors of
questions a shop's assistant could not answer (worded unlike each other)."""
from __future__ import annotations

import pytest

from bot.domain.topics import Question, cluster_labels, topics


def q(text: str, kind: str = "unknown", conversation: str = "c1") -> Question:
    return Question(text, kind, conversation, "2026-03-01T10:00:00+00:00")


def test_nothing_and_one_question():
    assert cluster_labels([]) == [] and topics([], []) == []
    [only] = topics([q("do you price match?")], [[1.0, 0.0]])
    assert (only.label, only.count, only.examples) == ("do you price match?", 1, ("do you price match?",))


def test_groups_follow_directions_and_the_biggest_comes_first():
    questions = [q("a1", conversation="x"), q("b1"), q("a2", "out_of_scope", "y"), q("a3", conversation="x"),
                 q("A1", conversation="z")]
    vectors = [[1, 0], [0, 1], [0.99, 0.14], [0.98, 0.2], [1, 0]]
    first, second = topics(questions, vectors)
    assert first.count == 4 and first.kinds == {"out_of_scope": 1, "unknown": 3} and first.conversations == 3
    assert "A1" not in first.examples or "a1" not in first.examples  # the same text twice is one example
    assert second.label == "b1" and second.count == 1


@pytest.fixture(scope="module")
def embed():
    from bot.adapters.embeddings import build_embeddings

    model = build_embeddings()
    return model.embed_documents


def test_real_questions_fall_into_their_topics(embed):
    asked = {
        "price": ["do you price match?", "will you match a lower price from another store",
                  "can you beat a competitor's price"],
        "loyalty": ["do you have a loyalty programme", "how do I earn reward points",
                    "is there a rewards scheme for regular customers"],
        "weather": ["what's the weather like tomorrow", "is it going to rain today"],
    }
    questions = [q(text) for texts in asked.values() for text in texts]
    found = topics(questions, embed([x.text for x in questions]))
    groups = sorted(sorted(t.examples) for t in found)
    assert groups == sorted(sorted(texts) for texts in asked.values())
