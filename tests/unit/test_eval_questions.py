"""The evaluation's question set and scoring: gold passages really exist, expectations are the shop's own
facts, and the retrieval / dialogue / cross-validation scores are computed correctly."""
from __future__ import annotations

import json

import pytest

from bot.domain.catalogue import money
from bot.ports import Passage
from eval.cross_validation import summarise as summarise_cross_validation
from eval.dialogues import story_results
from eval.questions import build_question_set, question_file_for, squash, states
from eval.retrieval import first_gold_rank, scores


@pytest.fixture(scope="session")
def heldout_store():
    from bot.adapters.store_dir import load_store
    from tests.conftest import ROOT

    return load_store(ROOT / "knowledge" / "leaf_and_kettle")


@pytest.fixture(params=["demo_store", "tau_store", "heldout_store"])
def store(request):
    return request.getfixturevalue(request.param)


def test_unanswerable_questions_have_no_gold_and_no_expected_fact(store):
    unanswerable = [q for q in build_question_set(store) if q.kind == "policy" and not q.answerable]
    assert len({q.item for q in unanswerable}) >= 3  # every store is also asked what its pages do not say
    assert all(q.item.startswith("unanswerable:") and not q.gold_phrase and not q.expect for q in unanswerable)


def test_the_heldout_question_file_says_it_was_frozen_before_tuning(heldout_store):
    assert "Frozen before tuning" in question_file_for(heldout_store).read_text().splitlines()[0]


def test_every_store_has_a_policy_question_file(store):
    assert question_file_for(store).exists()


def test_policy_gold_passages_and_expected_facts_are_in_the_stores_own_pages(store):
    policy_text = squash("\n".join(page.text for page in store.policies))
    policy = [q for q in build_question_set(store) if q.kind == "policy"]
    assert len({q.item for q in policy}) >= 10
    for q in policy:
        assert squash(q.gold_phrase) in policy_text, q.item
        assert all(squash(e) in policy_text for e in q.expect), q.item


def test_every_product_gets_three_wordings_of_a_description_and_of_a_fact_question(store):
    questions = build_question_set(store)
    for product_id, product in store.catalogue.products.items():
        mine = [q for q in questions if q.gold_product == product_id]
        assert [q.route for q in mine].count("describe") == 3
        facts = [q for q in mine if q.route == "fact"]
        assert len(facts) == 3 and [q.style for q in facts] == ["canonical", "paraphrase", "paraphrase"]
        variant = product.variant(facts[0].item.rsplit(":", 1)[1])
        assert money(variant.price) in facts[0].expect
        assert ("in stock" if variant.available else "out of stock") in facts[2].expect


def test_question_set_is_the_same_on_every_run(demo_store):
    assert build_question_set(demo_store) == build_question_set(demo_store)


def test_states_needs_every_expected_fact_and_no_forbidden_one(demo_store):
    q = next(q for q in build_question_set(demo_store) if q.route == "fact" and q.forbid)
    price, stock = q.expect
    assert states(f"The thing costs {price} and is {stock}.", q)
    assert not states(f"The thing is {stock}.", q)
    assert not states(f"The thing costs {price} and is out of stock.", q)


def test_gold_rank_is_the_first_passage_that_answers(demo_store):
    q = next(q for q in build_question_set(demo_store) if q.item == "policy:express-cost")
    passages = [Passage("Standard shipping is cheap.", 0.9), Passage("Express shipping is **always** $19.95.", 0.8)]
    assert first_gold_rank(passages, q) == 2
    assert first_gold_rank(passages[:1], q) is None


def test_recall_and_mrr():
    result = scores([1, 3, None, 2])
    assert result["recall@1"] == 0.25 and result["recall@3"] == 0.75 and result["recall@5"] == 0.75
    assert result["mrr"] == pytest.approx((1 + 1 / 3 + 0 + 1 / 2) / 4)


def test_story_pass_count_reads_rasas_failed_stories_file(tmp_path):
    stories = tmp_path / "stories.yml"
    stories.write_text('version: "3.1"\nstories:\n- story: a\n  steps: []\n- story: b\n  steps: []\n')
    results = tmp_path / "results"
    results.mkdir()
    (results / "story_report.json").write_text("{}")
    (results / "failed_test_stories.yml").write_text("# None of the test stories failed - all good!")
    assert story_results(stories, results) == {"available": True, "stories": 2, "passed": 2, "failed": []}
    (results / "failed_test_stories.yml").write_text(
        'version: "3.1"\nstories:\n- story: b (/tmp/x.yml)\n  steps: []\n')
    assert story_results(stories, results)["failed"] == ["b"]
    assert story_results(stories, tmp_path / "missing") == {"available": False}


def test_cross_validation_summary_reads_rasas_intent_report():
    report = {"greet": {"precision": 1, "recall": 1, "f1-score": 1.0, "support": 10},
              "thanks": {"precision": 0.5, "recall": 1, "f1-score": 0.6, "support": 5},
              "accuracy": 0.8,
              "macro avg": {"f1-score": 0.8, "support": 15}, "weighted avg": {"f1-score": 0.87, "support": 15}}
    summary = summarise_cross_validation(json.loads(json.dumps(report)))
    assert summary["accuracy"] == 0.8 and summary["examples"] == 15
    assert summary["f1"] == {"greet": 1.0, "thanks": 0.6}
