"""Clarifying questions, the honest limits of the chat, and telling a review from a request for one."""
import pytest

from bot.domain.clarify import READINGS, clarifying_question, readings
from bot.domain.support import CANNOT_DO_HERE, cannot_do_here, review_in, review_recorded


def test_readings_skip_the_fallback_and_noise_and_keep_the_best_two():
    ranking = [{"name": "nlu_fallback", "confidence": 0.3}, {"name": "order_status", "confidence": 0.28},
               {"name": "policy_shipping", "confidence": 0.25}, {"name": "policy_returns", "confidence": 0.2}]
    assert readings(ranking) == ["order_status", "policy_shipping"]
    assert readings([{"name": "order_status", "confidence": 0.5}, {"name": "greet", "confidence": 0.4},
                     {"name": "policy_returns", "confidence": 0.01}]) == ["order_status"]


def test_the_clarifying_question_offers_each_reading_something_else_and_a_person():
    answer = clarifying_question(["order_status", "policy_shipping"])
    payloads = [b["payload"] for b in answer.buttons]
    assert payloads == ["/order_status", "/policy_shipping", "/clarify_none", "/human_handoff"]
    assert answer.buttons[0]["title"] == READINGS["order_status"]


@pytest.mark.parametrize("intent", sorted(CANNOT_DO_HERE))
def test_every_limit_offers_a_person_and_keeps_what_the_policy_pages_said(intent):
    bare = cannot_do_here(intent)
    assert bare.handoff_offered and bare.buttons[0]["payload"] == "/human_handoff"
    with_policy = cannot_do_here(intent, "You can unsubscribe with the link in any e-mail.")
    assert with_policy.text.startswith("You can unsubscribe") and CANNOT_DO_HERE[intent] in with_policy.text


@pytest.mark.parametrize("text", [
    "I want to leave a review", "how can I write a review for a product", "I'd like to give some feedback",
    "where can I rate the product I bought", "can I post a review of my order?", "feedback", "",
])
def test_a_request_to_review_is_not_the_review(text):
    assert review_in(text) is None


@pytest.mark.parametrize("text", [
    "just wanted to say the boots are fantastic", "I'd give the desk lamp 5 stars",
    "review: the zipper broke after two weeks", "feedback - delivery took ages and the box was crushed open",
])
def test_a_message_holding_an_opinion_is_the_review(text):
    assert review_in(text) == text


def test_a_recorded_review_is_quoted_back_and_travels_in_the_metadata():
    long = "The backpack is great. " * 20
    answer = review_recorded(long.strip())
    assert answer.kind == "review_recorded" and answer.metadata()["review"]["text"] == long.strip()
    assert answer.text.endswith('…"') and len(answer.text) < 260
