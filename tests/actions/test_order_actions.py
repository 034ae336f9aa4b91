"""Order actions with real rasa-sdk trackers, on a SQLite copy of the demo store's orders."""
import json

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.knowledge import ActionPolicyAnswer
from actions.orders import (ActionIdentify, ActionStartOrderRequest, ActionStopOrderRequest, ActionSubmitOrderRequest,
                            ValidateOrderForm)
from bot.adapters.sql import SqlCommerceStore
from bot.adapters.store_dir import StoreData
from bot.services.order_desk import OrderDesk
from tests.conftest import DEMO_STORE
from tests.fakes import FakeChatModel, FakeEmbedder, FakeRetriever, fake_container, tiny_catalogue

USERS = json.loads((DEMO_STORE / "users.json").read_text())
ORDERS = json.loads((DEMO_STORE / "orders.json").read_text())
PENDING = next(o for o in ORDERS.values() if o["status"] == "pending")
OWNER = USERS[PENDING["user_id"]]


@pytest.fixture()
def container(tmp_path):
    commerce = SqlCommerceStore(f"sqlite:///{tmp_path / 'shop.db'}")
    commerce.seed_from_store_dir(DEMO_STORE)
    container = fake_container(StoreData(tmp_path, tiny_catalogue(), [], {}, {}), llm=FakeChatModel(),
                               retriever=FakeRetriever([]), embedder=FakeEmbedder())
    container.__dict__.update(commerce=commerce, orders=OrderDesk(commerce))
    yield container
    commerce.close()


def tracker(text, intent, slots=None, active_loop=None):
    return Tracker.from_dict({
        "sender_id": "shopper-7",
        "slots": slots or {},
        "latest_message": {"text": text, "intent": {"name": intent}, "entities": []},
        "events": [{"event": "user", "text": text, "parse_data": {"intent": {"name": intent}}}],
        "paused": False, "followup_action": None, "active_loop": {"name": active_loop} if active_loop else {},
        "latest_action_name": None,
    })


async def run(action, t):
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, t, {})
    return dispatcher.messages, events


def slots_of(events):
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


async def test_start_remembers_the_kind_and_an_order_id_named_before_verification(container):
    _, events = await run(ActionStartOrderRequest(container), tracker(f"cancel order {PENDING['order_id']}", "order_cancel"))
    slots = slots_of(events)
    assert slots["order_request"] == "cancel" and slots["order_id"] == PENDING["order_id"]


async def test_verification_then_the_next_question(container):
    slots = {"order_request": "cancel", "requested_slot": "customer_id"}
    messages, events = await run(ValidateOrderForm(container), tracker(OWNER["email"], "identify", slots, "order_form"))
    assert slots_of(events)["customer_id"] == PENDING["user_id"]
    assert slots_of(events)["requested_slot"] == "order_id"
    assert "found your account" in messages[0]["text"]


async def test_an_interruption_is_rejected_so_rules_can_answer(container):
    slots = {"order_request": "cancel", "customer_id": PENDING["user_id"], "requested_slot": "order_id"}
    messages, events = await run(ValidateOrderForm(container),
                                 tracker("what is your shipping policy?", "policy_shipping", slots, "order_form"))
    assert events == [] and messages == []


async def test_binary_input_in_the_form_gets_a_polite_reply(container):
    slots = {"order_request": "cancel", "customer_id": PENDING["user_id"], "requested_slot": "order_id"}
    messages, events = await run(ValidateOrderForm(container), tracker("\x00\x01\xff", "nlu_fallback", slots, "order_form"))
    assert "couldn't read" in messages[0]["text"] and slots_of(events).get("order_id") is None


async def test_submit_without_yes_changes_nothing_and_resets_the_request(container):
    slots = {"order_request": "cancel", "customer_id": PENDING["user_id"], "order_id": PENDING["order_id"],
             "cancel_reason": "no longer needed", "order_confirmed": False}
    messages, events = await run(ActionSubmitOrderRequest(container), tracker("no", "deny", slots))
    assert "haven't changed anything" in messages[0]["text"]
    assert container.commerce.get_order(PENDING["order_id"])["status"] == "pending"
    assert slots_of(events)["order_request"] is None and "customer_id" not in slots_of(events)


async def test_submit_with_yes_writes_and_reports(container):
    slots = {"order_request": "cancel", "customer_id": PENDING["user_id"], "order_id": PENDING["order_id"],
             "cancel_reason": "no longer needed", "order_confirmed": True}
    messages, _ = await run(ActionSubmitOrderRequest(container), tracker("yes", "affirm", slots))
    assert messages[0]["text"].startswith(f"Done: order {PENDING['order_id']} is cancelled.")
    assert messages[0]["custom"]["shopbot"]["operation"] == "cancel_pending_order"
    assert [e["conversation_id"] for e in container.commerce.audit_entries()] == ["shopper-7"]


async def test_stop_deactivates_the_form(container):
    _, events = await run(ActionStopOrderRequest(container), tracker("no", "deny", {}, "order_form"))
    assert {"event": "active_loop", "name": None, "timestamp": None} in events


async def test_identify_outside_the_form(container):
    messages, events = await run(ActionIdentify(container), tracker(f"hi, it's {OWNER['email']}", "identify"))
    assert slots_of(events)["customer_id"] == PENDING["user_id"]
    assert "How can I help" in messages[-1]["text"]


async def test_an_order_request_mistaken_for_a_policy_question_starts_the_form(container):
    _, events = await run(ActionPolicyAnswer(container), tracker("I want to cancel my order, I don't need it", "policy_cancellation"))
    assert slots_of(events)["order_request"] == "cancel"
    assert {"event": "followup", "name": "order_form", "timestamp": None} in events


async def test_handoff_in_an_order_request_carries_a_summary_and_ends_the_form(container):
    from actions.handoff import ActionHandoff

    slots = {"customer_id": PENDING["user_id"], "order_request": "cancel", "order_id": PENDING["order_id"]}
    messages, events = await run(ActionHandoff(), tracker("I want a person", "human_handoff", slots, "order_form"))
    handoff = messages[0]["custom"]["shopbot"]["handoff"]
    assert f"Verified customer: {PENDING['user_id']}" in handoff["summary"] and PENDING["order_id"] in handoff["summary"]
    assert {"event": "active_loop", "name": None, "timestamp": None} in events
