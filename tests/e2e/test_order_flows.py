"""Order flows over REST on the real stack (tau store): reads, a profile write, refusals, interruptions."""
from __future__ import annotations

import pytest

from tests.e2e.conftest import kinds, say, texts

OLIVIA = "My name is Olivia Ito and my zip code is 80218"


@pytest.fixture(autouse=True)
def fresh_database(stack):
    stack.reset_database()


def test_order_status_with_items_tracking_and_payment(stack):
    say("Where is my order #W5866402?", "status")
    replies = say(OLIVIA, "status")
    answer = texts(replies)
    assert "Order #W5866402 is delivered." in answer and "Espresso Machine" in answer
    assert "Tracking number" in answer and "$3,203.78" in answer and "order_status" in kinds(replies)


def test_list_orders_and_profile_after_verifying_first(stack):
    assert "found your account" in texts(say(OLIVIA, "reads"))
    listing = texts(say("what are my orders?", "reads"))
    assert "You have 5 orders" in listing and "#W3657213 (pending)" in listing
    profile = texts(say("what payment methods do i have?", "reads"))
    assert "Visa credit card ending 9182" in profile and "PayPal" in profile


def test_default_address_change_needs_the_yes(stack):
    say("I moved, please update my default address", "address")
    say(OLIVIA, "address")
    summary = texts(say("12 Oak Street, Apt 3, Denver, CO 80202", "address"))
    assert "12 Oak Street" in summary and "Shall I go ahead?" in summary
    assert stack.store.get_user("olivia_ito_3591")["address"]["address1"] != "12 Oak Street"
    assert "Done: your default address is now 12 Oak Street, Apt 3, Denver, CO 80202" in texts(say("yes", "address"))
    assert stack.store.get_user("olivia_ito_3591")["address"] == {
        "address1": "12 Oak Street", "address2": "Apt 3", "city": "Denver", "state": "CO", "country": "USA", "zip": "80202"}


def test_someone_elses_order_is_refused_without_saying_whether_it_exists(stack):
    say("I want to cancel an order", "other")
    say(OLIVIA, "other")
    someone_elses = texts(say("#W3942868", "other"))  # Harper Moore's pending order
    missing = texts(say("#W0000001", "other"))
    assert "I can't find order #W3942868 on your account" in someone_elses
    assert someone_elses.replace("#W3942868", "X")[:80] == missing.replace("#W0000001", "X")[:80]
    assert stack.store.get_order("#W3942868")["status"] == "pending"


def test_a_product_question_mid_flow_then_back_to_the_flow(stack):
    say("I'd like to return an item", "detour")
    say(OLIVIA, "detour")
    detour = say("How much is the blue M cotton crew neck t-shirt?", "detour")
    assert "$" in texts(detour) and "order_ask_order" in kinds(detour)  # answered, then asked again
    assert "Which items of order #W5866402" in texts(say("#W5866402", "detour"))


def test_a_person_mid_flow_gets_a_summary(stack):
    say("cancel my order #W5442520", "human")
    say(OLIVIA, "human")
    replies = say("I want to talk to a human", "human")
    handoff = [m["custom"]["shopbot"]["handoff"] for m in replies if "handoff" in m.get("custom", {}).get("shopbot", {})]
    assert handoff and "olivia_ito_3591" in handoff[0]["summary"] and "#W5442520" in handoff[0]["summary"]
    assert stack.store.get_order("#W5442520")["status"] == "pending"
