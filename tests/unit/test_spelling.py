"""Typos mended against the shop's words; real words, British spellings and inflections left alone."""
import random
from collections import Counter

from bot.knowledge.spelling import Speller, edits, vocabulary
from eval.typos import with_typo

ENGLISH = {"the": 900, "how": 800, "long": 700, "is": 900, "warranty": 50, "subscribe": 60, "espresso": 40,
           "tree": 300, "color": 200, "program": 150, "cafe": 30, "organize": 40, "sole": 60, "months": 5000,
           "month": 500, "hasn't": 100, "shopping": 900, "moth": 20, "center": 90}
SHOP = vocabulary(["How long is the warranty? The warranty lasts two years.", "Shipping takes 3 days.",
                   "You can unsubscribe at any time.", "Refunds go to your card.", "We ship express."])


def test_edits_counts_swaps_as_one_and_gives_up_past_the_limit():
    assert edits("warrnaty", "warranty", 2) == 1
    assert edits("shpping", "shipping", 1) == 1
    assert edits("refunds", "return", 1) == 2  # past the limit: limit + 1


def test_a_typo_is_mended_to_the_shops_word():
    speller = Speller(ENGLISH)
    assert speller.mend_typos("how long is the warrnaty?", SHOP) == "how long is the warranty?"
    assert speller.mend_typos("Shpping time", SHOP) == "shipping time"


def test_real_words_are_never_mended_into_shop_words():
    speller = Speller(ENGLISH)
    for text in ("can I subscribe", "espresso machine", "three weeks ago, a tree", "hasn't arrived"):
        assert speller.mend_typos(text, SHOP) == text


def test_inflections_and_british_spellings_of_known_words_are_words():
    speller = Speller(ENGLISH)
    for text in ("worn soles", "what colour", "loyalty programme", "for cafes", "organised", "the centre"):
        assert speller.mend_typos(text, SHOP) == text


def test_a_typo_of_a_word_the_shop_does_not_use_goes_to_the_commonest_english_word():
    assert Speller(ENGLISH).mend_typos("in three motnhs", SHOP) == "in three months"


def test_without_a_word_list_nothing_is_mended():
    assert Speller({}).mend_typos("how long is the warrnaty?", SHOP) == "how long is the warrnaty?"


def test_short_words_and_curly_apostrophes_are_left_as_typed():
    speller = Speller(ENGLISH)
    assert speller.mend_typos("it hasn’t, ok", SHOP) == "it hasn’t, ok"
    assert speller.mend("shp", SHOP) == "shp"


def test_the_eval_typo_changes_one_longer_word_by_one_edit():
    rng = random.Random(1)
    for text in ("How long does standard shipping take?", "Can I return clearance items?"):
        typo = with_typo(text, rng)
        changed = [(a, b) for a, b in zip(text.split(), typo.split()) if a != b]
        assert len(changed) == 1 and edits(changed[0][0], changed[0][1], 2) == 1
    assert with_typo("is it ok", rng) == "is it ok"


def test_vocabulary_counts_lower_case_words():
    assert vocabulary(["Ship it, ship it"]) == Counter({"ship": 2, "it": 2})
