"""One identity per message, and the lockout policy (pure)."""
from __future__ import annotations

import pytest

from bot.domain.identity import CONVERSATION_POLICY, AttemptPolicy, read_claim


@pytest.mark.parametrize("text", [
    "olivia.ito5204@example.com", "I'm Olivia Ito, zip code 80218", "my name is olivia ito and my zip is 80218",
    "Hi I'm Mei Kovacs, zip 28236, I bought a keyboard last week and want to return it",
    "I am Sofia Rossi from Denver, 80218", "Yusuf Rossi, 19122, cancel order #W1234567",
    "Hi, I want to return my order. My name is Omar Anderson and zip is 19031",
])
def test_one_person_is_one_identity(text):
    claim = read_claim(text)
    assert claim.present and not claim.several


@pytest.mark.parametrize("text", [
    "a@example.com b@example.com", "try a@example.com, then b@example.com",
    "Olivia Ito, Mei Kovacs, Yusuf Rossi, 80218", "olivia ito, mei kovacs; yusuf rossi 80218",
    "Olivia Ito Mei Kovacs Yusuf Rossi 80218", "my zip is 80218 or 80219", "Olivia Ito / Mei Kovacs 80218",
])
def test_several_identities_in_one_message(text):
    assert read_claim(text).several


def test_no_details_is_no_claim():
    assert not read_claim("I want to cancel my order").present


def test_lockout_doubles_after_the_free_failures_and_is_capped():
    policy = AttemptPolicy(free_failures=3, base_lock_s=30, max_lock_s=100)
    assert [policy.lock_seconds(n) for n in range(1, 7)] == [0, 0, 30, 60, 100, 100]
    assert CONVERSATION_POLICY.lock_seconds(1) == 0
