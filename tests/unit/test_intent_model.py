"""The sentence-space intent model: ranking, the scope gate, and the stored char n-gram features."""
import numpy as np
import pytest

from bot.nlu import intent_model
from bot.nlu.intent_model import IntentModelConfig, fit


def unit(*values):
    vector = np.array(values, dtype=np.float32)
    return vector / np.linalg.norm(vector)


TEXTS = ["where is my parcel", "track my order", "what does shipping cost", "delivery fees", "tell me a joke", "weather today"]
LABELS = ["order_status", "order_status", "policy_shipping", "policy_shipping", "out_of_scope", "out_of_scope"]
VECTORS = np.stack([unit(1, 0.1, 0), unit(0.9, 0.2, 0), unit(0.1, 1, 0), unit(0.2, 0.9, 0), unit(0, 0.1, 1), unit(0.1, 0, 1)])


def test_ranks_by_the_nearest_intent_and_sums_to_one():
    model = fit(TEXTS, LABELS, VECTORS, IntentModelConfig(char_ngrams=False))
    ranking = model.rank(np.stack([unit(1, 0.15, 0)]), ["parcel where"])[0]
    assert ranking[0][0] == "order_status"
    assert sum(score for _, score in ranking) == pytest.approx(1.0, abs=1e-5)


def test_the_scope_gate_puts_out_of_scope_first_for_a_message_far_from_every_example():
    far = np.stack([unit(0, 0, 1)])  # close only to the out-of-scope examples
    gated = fit(TEXTS, LABELS, VECTORS, IntentModelConfig(char_ngrams=False, scope_threshold=0.6, neighbours=1))
    assert gated.scope_similarity(far)[0] < 0.6
    assert gated.rank(far, ["?"])[0][0][0] == intent_model.OUT_OF_SCOPE
    near = np.stack([unit(0.1, 1, 0.05)])
    assert gated.rank(near, ["shipping"])[0][0][0] == "policy_shipping"


def test_char_ngrams_stored_and_recomputed_give_the_training_features():
    model = fit(TEXTS * 2, LABELS * 2, np.vstack([VECTORS, VECTORS]), IntentModelConfig(char_ngrams=True))
    from sklearn.feature_extraction.text import TfidfVectorizer

    reference = TfidfVectorizer(min_df=2, **intent_model._CHAR_TFIDF).fit(TEXTS * 2)
    assert model.vocabulary == {k: int(v) for k, v in reference.vocabulary_.items()}
    again = intent_model._char_tfidf(["track my parcel"], model.vocabulary, model.idf)
    assert np.allclose(again, reference.transform(["track my parcel"]).toarray(), atol=1e-6)
    # A typo still shares n-grams with the right intent's examples.
    ranking = model.rank(np.stack([unit(0.6, 0.6, 0)]), ["shiping cost"])[0]
    assert ranking[0][0] == "policy_shipping"


def test_the_nearest_example_vote_follows_the_most_similar_training_example():
    vote_only = fit(TEXTS, LABELS, VECTORS, IntentModelConfig(char_ngrams=False, knn_weight=1.0, knn_temperature=0.05))
    probe = np.stack([VECTORS[2] * 0.98 + VECTORS[0] * 0.02])  # nearly "what does shipping cost"
    ranking = vote_only.rank(probe / np.linalg.norm(probe), ["x"])[0]
    assert ranking[0][0] == "policy_shipping" and ranking[0][1] > 0.5
    blended = fit(TEXTS, LABELS, VECTORS, IntentModelConfig(char_ngrams=False, knn_weight=0.2))
    assert sum(score for _, score in blended.rank(probe, ["x"])[0]) == pytest.approx(1.0, abs=1e-5)


def test_the_sparse_scoring_equals_the_regression_on_the_full_feature_row():
    model = fit(TEXTS * 2, LABELS * 2, np.vstack([VECTORS, VECTORS]),
                IntentModelConfig(char_ngrams=True, knn_weight=0.0))
    probe, text = np.stack([unit(0.5, 0.7, 0.1)]), ["shiping for my parcel"]
    row = np.hstack([probe, intent_model._char_tfidf(text, model.vocabulary, model.idf) * model.config.char_weight])
    expected = intent_model._softmax(row @ model.coef.T + model.intercept)[0]
    ranked = dict(model.rank(probe, text)[0])
    assert [ranked[label] for label in model.labels] == pytest.approx(expected.tolist(), abs=1e-6)
    in_scope = np.vstack([VECTORS[:4], VECTORS[:4]])  # the training rows that are not out of scope
    assert model.scope_similarity(probe)[0] == pytest.approx(np.sort(in_scope @ probe[0])[-3:].mean(), abs=1e-6)
