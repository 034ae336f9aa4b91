"""The general English word list the speller protects real words with (pyspellchecker's, offline)."""
from bot.adapters.english_words import english_words


def test_common_words_are_in_typos_are_not_and_accents_are_folded():
    words = english_words()
    assert len(words) > 100_000
    assert words["shipping"] > words["espresso"] > 0
    assert "warrnaty" not in words and "shpping" not in words
    assert "cafe" in words  # from "café"
    assert english_words() is words  # loaded once
