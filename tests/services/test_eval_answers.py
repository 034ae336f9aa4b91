"""Grounded-answer evaluation through the real services with fakes: the draft is what the model wrote,
the reply is what passed the check, and unsupported claims are judged against the shop's data."""
from __future__ import annotations

from bot.ports import Passage
from bot.settings import Settings
from eval.answers import EvalContainer, answer, summarise
from eval.questions import build_question_set
from eval.report import render
from tests.fakes import FakeChatModel

SHIPPING = Passage("Express shipping is always $19.95, whatever the order total.", 0.9,
                   {"doc_type": "policy", "source": "policies/shipping.md", "title": "Shipping Policy"})


class FixedRetriever:
    def search(self, query, k, doc_type=None):
        return [SHIPPING]


def container_for(store, llm, mode="free") -> EvalContainer:
    container = EvalContainer(Settings(store_dir=store.root, llm_mode=mode))
    container.__dict__.update(store=store, llm=llm, retriever=FixedRetriever(), embeddings=None)
    return container


def express_question(store):
    return next(q for q in build_question_set(store) if q.item == "policy:express-cost")


def test_an_invented_number_counts_without_the_check_but_never_reaches_the_shopper(demo_store):
    llm = FakeChatModel("Express shipping costs $4.99 and arrives tomorrow.")
    outcome = answer(container_for(demo_store, llm), express_question(demo_store))
    names = demo_store.catalogue.names()
    assert outcome.grounding == "replaced"
    assert outcome.draft == "Express shipping costs $4.99 and arrives tomorrow."
    assert "4.99" in outcome.unsupported(names, checked=False)
    assert outcome.unsupported(names, checked=True) == []
    assert "4.99" not in outcome.reply


def test_a_faithful_draft_is_the_reply_and_is_graded_on_the_expected_fact(demo_store):
    text = "Express shipping is always $19.95, whatever the order total."
    outcome = answer(container_for(demo_store, FakeChatModel(text)), express_question(demo_store))
    assert outcome.grounding == "llm" and outcome.reply == outcome.draft == text
    assert outcome.correct() and outcome.correct(checked=False)


def test_fact_questions_are_answered_from_the_catalogue_without_the_model(demo_store):
    llm = FakeChatModel("should not be used")
    fact = next(q for q in build_question_set(demo_store) if q.route == "fact")
    outcome = answer(container_for(demo_store, llm), fact)
    assert outcome.correct() and outcome.grounding == "" and llm.calls == []


def test_summary_and_report_count_what_they_should(demo_store, tmp_path):
    q = express_question(demo_store)
    container = container_for(demo_store, FakeChatModel("Express shipping costs $4.99."))
    outcomes = [answer(container, q)]
    summary = summarise(outcomes, demo_store.catalogue.names())
    assert summary["with_check"]["unsupported_rate"] == 0 and summary["without_check"]["unsupported_rate"] == 1
    part = {"store": "demo_store", "questions": 1, "items": 1,
            "retrieval": {form: {"all": {"recall@1": 1.0, "recall@3": 1.0, "recall@5": 1.0, "mrr": 1.0, "n": 1}}
                          for form in ("raw", "bot")} | {"misses": []},
            "answers": {"free": {"all": summary, "by_route": {"policy": summary}, "seconds": 1, "llm": True}}}
    text = render({"knowledge": [part]}, tmp_path)
    assert "policy facts stated 100.0%; replies with unsupported claims 0.0% with the check, 100.0% without" in text
    assert (tmp_path / "eval_answers.png").stat().st_size > 1000


def test_version_counts_computed_from_the_catalogue_are_not_unsupported_but_other_prices_are(demo_store):
    from eval.answers import Outcome

    q = next(q for q in build_question_set(demo_store) if q.route == "fact")
    names = demo_store.catalogue.names()
    assert Outcome(q, "2 of 7 matching versions are in stock.", "", "").unsupported(names) == []
    assert Outcome(q, "It costs $9,999.00.", "", "").unsupported(names) == ["9,999.00"]


def test_dont_know_and_confident_wrong_policy_answers_are_counted_apart(demo_store):
    from eval.answers import Outcome, honesty

    policy = [q for q in build_question_set(demo_store) if q.route == "policy"]
    express = express_question(demo_store)
    unanswerable = next(q for q in policy if not q.answerable)
    outcomes = [
        Outcome(express, "Express shipping is always $19.95.", "", "llm"),  # right
        Outcome(express, "Standard shipping takes 3–7 business days.", "", "llm"),  # answered, wrong fact
        Outcome(express, "I couldn't find that, so I won't guess.", "", "", declined=True),  # don't know
        Outcome(unanswerable, "We accept PayPal.", "", "llm"),  # answered what the pages don't say
        Outcome(unanswerable, "I don't know.", "", "", declined=True),  # the honest reply
        Outcome(express, "I'm not sure... The closest I found: Express is $19.95.", "", "", tentative=True),
        Outcome(unanswerable, "I'm not sure... The closest I found: We accept PayPal.", "", "", tentative=True),
    ]
    got = honesty(outcomes)
    assert (got["policy_answerable"], got["policy_unanswerable"]) == (4, 3)
    assert got["dont_know_rate"] == got["answered_wrong_rate"] == 1 / 4
    assert got["stated_confidently_rate"] == got["stated_tentatively_rate"] == 1 / 4
    assert got["unanswerable_declined_rate"] == got["unanswerable_tentative_rate"] == 1 / 3
    assert got["confident_wrong_rate"] == 2 / 7  # a "not sure" reply is never counted as a confident one
    assert got["tentative_wrong_rate"] == 1 / 7
    assert [w["question"] for w in got["confident_wrong"]] == [express.text, unanswerable.text]


def test_the_report_shows_the_heldout_store_and_the_policy_honesty_table(demo_store, tmp_path):
    outcomes = [answer(container_for(demo_store, None, "select"), express_question(demo_store))]
    summary = summarise(outcomes, demo_store.catalogue.names())
    scores = {"all": {"recall@1": 1.0, "recall@3": 1.0, "recall@5": 1.0, "mrr": 1.0, "n": 1}}
    part = {"store": "leaf_and_kettle", "held_out": True, "questions": 1, "items": 1,
            "retrieval": {form: scores for form in ("raw", "chunks", "bot")} | {"misses": []},
            "answers": {"select": {"all": summary, "by_route": {"policy": summary}, "seconds": 1, "llm": False}}}
    text = render({"knowledge": [part]}, tmp_path)
    assert "| leaf_and_kettle (held-out) | chunks all | 1 | 100.0%" in text
    assert ("| leaf_and_kettle (held-out) | select | 100.0% of 1 | 0.0% | 0.0% | 0.0% | n/a of 0 | n/a | 0.0% | 0.0% |"
            in text)


def test_the_report_shows_page_layouts_and_typos(tmp_path):
    layouts = [{"store": "tea", "layout": layout, "stated": stated, "policy_answerable": 66, "dont_know_rate": 0.0,
                "confident_wrong_rate": 0.04} for layout, stated in (("markdown", 0.97), ("bold_faq", 0.80))]
    typos = {"stores": [{"store": "tea", "questions": 66, "with_typos": 118, "clean_changed": ["x"],
                         "stated": {"clean": 0.97, "typos_as_typed": 0.83, "typos_mended": 0.966,
                                    "small_talk_as_sent": 0.94, "small_talk_trimmed": 0.97}}],
             "heldout_intents": {"utterances": 975, "changed": [["helo", "help"]]}}
    text = render({"page_formats": layouts, "typos": typos, "knowledge": []}, tmp_path)
    assert "tea 97.0% as written, at worst 80.0% rewritten" in text
    assert "| tea | bold_faq | 80.0% of 66 |" in text
    assert "| tea | 118 | 97.0% | 83.0% | 96.6% | 94.0% | 97.0% | 1 of 66 |" in text
    assert '1 of 975 changed: "helo" -> "help"' in text
