"""Sentence splitting: a full stop inside an abbreviation, a clock time or a name does not end a sentence."""
import pytest

from bot.domain.facts import split_sentences


@pytest.mark.parametrize("text", [
    "If you order before 1 p.m. Eastern, it leaves the same day.",
    "Orders received before 11:00 a.m. Atlantic Time on a business day are dispatched that day.",
    "We pick up at 9 a.m. Monday to Friday.",
    "We accept most cards, e.g. Visa and Mastercard.",
    "Parcels go by U.S. Postal Service First Class.",
    "Store No. 5 is closed on Sundays.",
])
def test_one_sentence_stays_whole(text):
    assert split_sentences(text) == [text]


def test_sentences_still_split_after_times_and_short_answers():
    assert split_sentences("We close at 5 p.m. Orders after that wait. Can I? No. We never do.") == [
        "We close at 5 p.m.", "Orders after that wait.", "Can I?", "No.", "We never do."]
    assert split_sentences("We ship to the U.S. Orders abroad take longer.") == [
        "We ship to the U.S.", "Orders abroad take longer."]
