"""Sentiment: the labels and cut-offs, VADER through our adapter, and the measurement's own arithmetic."""
from __future__ import annotations

import io
import os
import tarfile
import threading

import pytest

from bot.adapters.vader_sentiment import VaderSentiment
from bot.domain.sentiment import STRONGLY_NEGATIVE_AT, label, strongly_negative
from eval import sentiment as evaluation


@pytest.mark.parametrize("score, expected", [
    (0.05, "positive"),   # VADER's cut-offs are inclusive
    (0.0499, "neutral"),
    (0.0, "neutral"),
    (-0.0499, "neutral"),
    (-0.05, "negative"),
    (-1.0, "negative"),
    (1.0, "positive"),
])
def test_labels_follow_vaders_cut_offs(score, expected):
    assert label(score) == expected


def test_strongly_negative_is_at_or_below_the_measured_cut_off():
    assert -1 < STRONGLY_NEGATIVE_AT < -0.05  # stricter than merely negative
    assert strongly_negative(STRONGLY_NEGATIVE_AT) and strongly_negative(-0.9)
    assert not strongly_negative(STRONGLY_NEGATIVE_AT + 0.01) and not strongly_negative(-0.06)
    assert not strongly_negative(None)  # a message nobody scored


@pytest.fixture(scope="module")
def vader():
    return VaderSentiment()


@pytest.mark.parametrize("text, expected", [
    ("I love these boots, they fit perfectly. Thank you!", "positive"),
    ("Great service, the parcel arrived a day early.", "positive"),
    ("The jacket arrived torn and nobody answered my emails. Very disappointing.", "negative"),
    ("this is the worst experience, I am so disappointed and upset", "negative"),
    ("Where is my order? It was supposed to arrive on Monday.", "neutral"),
    ("Can I return a jacket I bought last week?", "neutral"),
    ("What sizes does the rain jacket come in?", "neutral"),
])
def test_vader_reads_shop_messages(vader, text, expected):
    assert label(vader.score(text)) == expected


def test_vader_strongly_negative_only_for_strong_words(vader):
    assert strongly_negative(vader.score("this is the worst experience, I am so disappointed and upset"))
    assert not strongly_negative(vader.score("My order is late."))


@pytest.mark.parametrize("text", [
    "", "   \n\t", "\x00\x01\x02\xff" * 300, os.urandom(5000).decode("latin-1"),
    "Das ist schrecklich, ich bin sehr enttäuscht", "这个产品太差了", "🙂🙂🙂", "bad " * 50_000,
])
def test_vader_never_raises_and_stays_in_range(vader, text):
    score = vader.score(text)
    assert isinstance(score, float) and -1.0 <= score <= 1.0


def test_vader_on_unreadable_input_is_neutral(vader):
    assert vader.score("") == 0.0 and vader.score(None) == 0.0  # type: ignore[arg-type]
    assert label(vader.score("\x00\x01\x02\xff" * 300)) == "neutral"


def test_vader_cuts_huge_messages(vader):
    text = "Order 12345 / 67890 " + "awful, terrible, horrible"
    # The anger sits past the first 20 characters, so the cut text is neutral.
    assert VaderSentiment(max_chars=20).score(text) == 0.0
    assert vader.score(text) < -0.5


def test_vader_builds_its_analyzer_once_across_threads():
    scorer = VaderSentiment()
    seen = []
    threads = [threading.Thread(target=lambda: seen.append(scorer._analyzer_once())) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(seen) == 8 and len({id(a) for a in seen}) == 1


def test_a_broken_analyzer_gives_zero_not_an_error():
    class Broken:
        def polarity_scores(self, text):
            raise RuntimeError("boom")

    scorer = VaderSentiment()
    scorer._analyzer = Broken()
    assert scorer.score("anything at all") == 0.0


# -- the measurement (eval/sentiment.py), on fabricated items, not the real data -------------------------
def test_parse_ratings_skips_malformed_lines():
    text = "1\t2.5\tLovely.\r\n2\t-3.0\tAwful, broken.\r\nbroken line\n3\tnot-a-number\tx\n4\t0.1\t\n5\t-0.1\tfine\ttabbed\n"
    assert evaluation.parse_ratings(text) == [(2.5, "Lovely."), (-3.0, "Awful, broken."), (-0.1, "fine\ttabbed")]


def test_human_labels_use_the_normalised_mean():
    assert [evaluation.human_label(m) for m in (0.2, 0.19, -0.19, -0.2, 4, -4)] == \
        ["positive", "neutral", "neutral", "negative", "positive", "negative"]


def test_macro_f1_and_detection_by_hand():
    gold = ["positive", "positive", "neutral", "negative"]
    predicted = ["positive", "neutral", "neutral", "positive"]
    # positive: tp 1, fp 1, fn 1 -> 0.5; neutral: tp 1, fp 1 -> 2/3; negative: 0
    assert evaluation.macro_f1(gold, predicted) == pytest.approx((0.5 + 2 / 3 + 0) / 3)
    got = evaluation.detection([True, True, False, False], [True, False, True, False])
    assert got["precision"] == 0.5 and got["recall"] == 0.5 and got["f1"] == 0.5
    assert evaluation.detection([False, False], [True, False])["precision"] is None


def test_measure_set_on_a_tiny_sample():
    items = [(3.0, "a"), (2.0, "b"), (0.1, "c"), (-2.0, "d"), (-3.0, "e")]
    scores = [0.8, -0.6, 0.0, -0.3, -0.9]  # b is wrong (and falsely strongly negative); d is weakly negative
    got = evaluation.measure_set(items, scores, threshold=-0.45)
    assert got["n"] == 5 and got["accuracy"] == pytest.approx(4 / 5)
    assert got["n_polar"] == 4 and got["binary_accuracy"] == pytest.approx(3 / 4)
    sn = got["strongly_negative"]
    assert sn["positives"] == 2 and sn["flagged"] == 2 and sn["precision"] == 0.5 and sn["recall"] == 0.5
    assert 0 < got["pearson"] <= 1 and got["majority_accuracy"] == pytest.approx(2 / 5)


def test_choose_threshold_picks_the_best_f1_and_the_stricter_on_ties():
    means = [-3.0, -2.0, -1.0, 1.0]
    scores = [-0.9, -0.62, -0.3, 0.5]  # a cut-off from -0.35 to -0.6 flags exactly the two people's negatives
    chosen, curve = evaluation.choose_threshold(scores, means)
    assert chosen == -0.6
    assert next(r for r in curve if r["threshold"] == -0.6)["f1"] == 1.0


def test_bitext_firing_rates_by_group():
    rows = [("where is my damn invoice", "BLW"), ("this is the worst, I am so disappointed and upset", "BW"),
            ("I want to cancel my order", "BL"), ("I HATE THIS USELESS SHOP", "BL")]
    got = evaluation.measure_bitext(rows, [-0.7, -0.9, -0.1, -0.8])
    offensive, rest = got["offensive (W)"], got["the rest"]
    assert offensive["n"] == 2 and offensive["old_rule"] == 0.5  # "worst" is an anger word, "damn" is not
    assert offensive["with_sentiment"] == 1.0 and offensive["sentiment_adds"] == ["where is my damn invoice"]
    assert rest["old_rule"] == 0.5 and rest["with_sentiment"] == 0.5 and rest["sentiment_adds"] == []


def test_ground_truth_is_read_from_the_sdist_in_memory(tmp_path):
    """A fabricated sdist of the published layout: an archive inside the archive."""
    inner = io.BytesIO()
    with tarfile.open(fileobj=inner, mode="w:gz") as tar:
        for name in evaluation.SETS.values():
            data = b"1\t1.5\tGood.\r\n2\t-2.0\tBad.\r\n"
            info = tarfile.TarInfo(f"hutto_ICWSM_2014/{name}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    sdist = tmp_path / "sdist.tar.gz"
    with tarfile.open(sdist, "w:gz") as tar:
        info = tarfile.TarInfo(f"vaderSentiment-3.3.2/{evaluation.RATINGS}")
        info.size = len(inner.getvalue())
        tar.addfile(info, io.BytesIO(inner.getvalue()))
    sets = evaluation.read_ground_truth(sdist)
    assert set(sets) == set(evaluation.SETS) and sets["tweets"] == [(1.5, "Good."), (-2.0, "Bad.")]


def test_without_the_cache_and_offline_the_run_is_skipped(tmp_path):
    assert evaluation.fetch_sdist(tmp_path / "empty", download=False) is None


def test_a_tampered_sdist_is_refused(tmp_path):
    (tmp_path / evaluation.SDIST).write_bytes(b"not the published file")
    with pytest.raises(SystemExit):
        evaluation.fetch_sdist(tmp_path, download=False)
