"""End to end: requests the bot serves without an order flow (accounts, newsletter, payment problems,
placing an order), shop reviews, and the NLU's generalisation to wording it was not trained on."""
from __future__ import annotations

import pytest

from tests.e2e.conftest import kinds, say, texts


@pytest.mark.parametrize("message, kind", [
    ("hey, I can't remember the password for my account", "account_help"),
    ("I'd like to stop getting your promotional e-mails", "newsletter"),
    ("my card got charged two times for the same thing", "payment_problem"),
    ("what do I do to buy something from your shop?", "place_order"),
])
def test_each_request_type_gets_its_flow_and_a_person_offered(stack, message, kind):
    replies = say(message, sender=f"support-{kind}")
    assert kind in kinds(replies), texts(replies)
    assert any(b.get("payload") == "/human_handoff" for r in replies for b in r.get("buttons") or [])


def test_a_review_is_asked_for_then_recorded_with_its_words(stack):
    asked = say("I would like to write a review", sender="review-1")
    assert "review_prompt" in kinds(asked), texts(asked)
    recorded = say("The trail shoes were comfy from day one but the laces frayed within a month", sender="review-1")
    assert "review_recorded" in kinds(recorded), texts(recorded)
    assert "laces frayed" in texts(recorded)


def test_a_review_in_the_first_message_is_recorded_at_once(stack):
    replies = say("leaving a review: the backpack is excellent, five stars", sender="review-2")
    assert "review_recorded" in kinds(replies), texts(replies)


def test_leaving_the_review_prompt_is_honoured(stack):
    say("can I leave some feedback?", sender="review-3")
    replies = say("no, forget it", sender="review-3")
    assert "review_recorded" not in kinds(replies) and texts(replies).strip()
