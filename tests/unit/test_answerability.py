"""The answerability scorer: its signals, its likelihood, the fitted model shipped with the bot, and the
fitting script's measures."""
import pytest

from bot.knowledge.answerability import FEATURES, Model, features
from bot.knowledge.answerability_model import MODEL
from bot.knowledge.ranking import rank
from bot.services.knowledge import CONFIDENT, TENTATIVE
from eval.answerability import auc, fit, tiers

TEXTS = ["Returns: You can return items within 30 days of delivery.",
         "Shipping: Standard shipping takes 3-7 business days.",
         "Payment: We accept Visa and PayPal."]
ANSWERS = [t.split(": ", 1)[1] for t in TEXTS]


def signals(question, dense):
    ranked = rank(question, TEXTS, dense, ANSWERS, dense, dense, [0.0, 0.0, 0.0])
    return features(question, TEXTS, ANSWERS, dense, dense, dense, [0.0, 0.0, 0.0], ranked)


def test_the_signals_describe_the_best_passage():
    got = signals("how many days do I have to return an item", [0.7, 0.3, 0.1])
    assert set(got) == set(FEATURES)
    assert got["agree_dense"] == got["agree_lexical"] == 1.0 and got["dense"] == 0.7
    assert got["margin"] > 0 and 0 < got["cover"] <= 1
    assert got["unknown_terms"] < 1.0


def test_words_the_store_never_uses_are_counted():
    known = signals("how many days do I have to return an item", [0.5, 0.4, 0.3])["unknown_terms"]
    unknown = signals("do you price match loyalty points", [0.5, 0.4, 0.3])["unknown_terms"]
    assert unknown == 1.0 and known < unknown


def test_the_likelihood_rises_with_a_feature_of_positive_weight():
    n = len(FEATURES)
    model = Model((0.0,) * n, (1.0,) * n, (1.0,) + (0.0,) * (n - 1), 0.0)  # only the fused score counts
    low, high = ({name: 0.0 for name in FEATURES} | {"score": s} for s in (-1.0, 2.0))
    assert 0 < model.probability(low) < 0.5 < model.probability(high) < 1


def test_the_shipped_model_has_a_weight_for_every_feature_and_favours_a_clear_match():
    assert len(MODEL.means) == len(MODEL.scales) == len(MODEL.weights) == len(FEATURES)
    assert all(s > 0 for s in MODEL.scales)
    clear = signals("how many days do I have to return an item", [0.8, 0.2, 0.1]) | {"score": 2.6, "cover": 1.0}
    vague = signals("do you price match loyalty points", [0.3, 0.29, 0.28]) | {"score": 1.0, "cover": 0.0}
    vaguer = vague | {"score": 0.8}
    # a clear match is answered; a vague one never as sure (at most "not sure"); a vaguer one is "don't know"
    assert MODEL.probability(clear) > CONFIDENT > MODEL.probability(vague) > MODEL.probability(vaguer)
    assert TENTATIVE > MODEL.probability(vaguer)


def rows(pairs, store="s"):
    return [{"store": store, "answerable": True, "label": label, "features": {f: x for f in FEATURES}}
            for x, label in pairs]


def test_fitting_learns_which_way_the_signals_point():
    model = fit(rows([(0.1, False), (0.2, False), (0.3, False), (0.7, True), (0.8, True), (0.9, True)]))
    assert model.probability({f: 0.9 for f in FEATURES}) > 0.5 > model.probability({f: 0.1 for f in FEATURES})


def test_auc_and_tiers():
    assert auc([0.9, 0.8, 0.1], [True, True, False]) == 1.0
    assert auc([0.1, 0.9], [True, False]) == 0.0
    assert auc([0.5], [True]) is None
    data = rows([(0, True), (0, True), (0, False), (0, False)])
    got = tiers(data, [0.9, 0.5, 0.9, 0.1], confident=0.8, tentative=0.2)
    assert got == pytest.approx({"stated": 0.5, "stated_confidently": 0.25, "confident_wrong": 0.25,
                                 "tentative_wrong": 0.0, "dont_know": 0.25})
