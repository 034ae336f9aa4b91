"""Order actions with real rasa-sdk trackers, on a SQLite copy of the demo store's orders."""
import json

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.knowledge import ActionPolicyAnswer
from actions.products import ActionProductQuestion
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


# --- order requests in shoppers' words (issue 14, item 5), on the tau store ------------------------------
from actions.knowledge import ActionKnowledgeFallback  # noqa: E402
from actions.orders import identity_texts  # noqa: E402
from tests.conftest import TAU_STORE  # noqa: E402

YUSUF = "yusuf_rossi_9620"  # delivered #W2378156 holds a Mechanical Keyboard (item 1151293680)


@pytest.fixture()
def tau(tmp_path):
    commerce = SqlCommerceStore(f"sqlite:///{tmp_path / 'tau.db'}")
    commerce.seed_from_store_dir(TAU_STORE)
    container = fake_container(StoreData(tmp_path, tiny_catalogue(), [], {}, {}), llm=FakeChatModel(),
                               retriever=FakeRetriever([]), embedder=FakeEmbedder())
    container.__dict__.update(commerce=commerce, orders=OrderDesk(commerce))
    yield container
    commerce.close()


def conversation(history, text, intent, slots=None, active_loop=None):
    """A tracker whose earlier shopper messages are `history` [(text, intent)], then `text`."""
    t = tracker(text, intent, slots, active_loop)
    t.events = [{"event": "user", "text": h, "parse_data": {"intent": {"name": i}}} for h, i in history] + t.events
    return t


@pytest.mark.parametrize("text, intent, kind", [
    ("I'd like to send back the keyboard from order W2378156", "order_exchange", "return"),  # NLU swayed
    ("Can I return the keyboard?", "order_exchange", "return"),  # a question, still the shopper's verb
    ("No, I don't want to exchange anything, I want to return it", "order_exchange", "return"),  # negated verb
    ("I want to exchange it, not return it", "order_return", "exchange"),
    ("How much was order #W2378156 in total?", "order_status", "question"),
    ("how much did I pay in total for the keyboard?", "product_price", "question"),
    ("Could you tell me the tracking number of order #W2378156?", "order_status", "status"),  # the status read has it
    ("where is my order?", "order_status", "status"),
    ("For order #W8557584, I want to change the payment method to my credit card.", "order_modify", "modify_payment"),
])
async def test_start_reads_the_kind_from_the_shoppers_own_verb(tau, text, intent, kind):
    _, events = await run(ActionStartOrderRequest(tau), tracker(text, intent))
    assert slots_of(events)["order_request"] == kind and slots_of(events)["order_opening"] == text


async def test_identity_in_the_opening_message_is_used_without_asking_again(tau):
    t = conversation([("Hello, this is Yusuf Rossi from 19122", "greet")],
                     "I'd like to send back the keyboard from order W2378156", "order_return")
    messages, events = await run(ActionStartOrderRequest(tau), t)
    slots = slots_of(events)
    assert slots["customer_id"] == YUSUF and "found your account" in messages[0]["text"]
    assert slots["order_id"] is None  # the form reads and checks it now that the shopper is known
    form = {k: v for k, v in slots.items() if v is not None}
    messages, events = await run(ValidateOrderForm(tau), tracker(t.latest_message["text"], "order_return", form, "order_form"))
    after = slots_of(events)
    assert after["order_id"] == "#W2378156" and after["order_item_ids"] == ["1151293680"]
    assert after["requested_slot"] == "payment_method_id"


def test_identity_attempts_already_checked_are_not_replayed():
    t = conversation([("it's raj@example.com", "identify"), ("hello, Yusuf Rossi 19122 here", "greet")],
                     "I want to return something", "order_return")
    assert identity_texts(t) == ["I want to return something", "hello, Yusuf Rossi 19122 here"]


async def test_a_return_question_naming_an_order_is_an_order_request(container):
    order = next(o for o in ORDERS.values() if o["status"] == "delivered")
    text = f"Can I return the water bottle? It was order {order['order_id']}"
    _, events = await run(ActionPolicyAnswer(container), tracker(text, "product_availability"))
    assert slots_of(events)["order_request"] == "return"
    assert {"event": "followup", "name": "order_form", "timestamp": None} in events


async def test_a_question_about_own_orders_taken_for_something_else_is_answered_from_them(tau):
    text = "Could you tell me the tracking number of order #W2378156?"
    _, events = await run(ActionKnowledgeFallback(tau), tracker(text, "nlu_fallback"))
    slots = slots_of(events)
    assert slots["order_request"] == "question" and slots["order_opening"] == text
    verified = {"order_request": "question", "order_opening": text, "customer_id": YUSUF}
    messages, _ = await run(ActionSubmitOrderRequest(tau), tracker("yes", "affirm", verified))
    assert "843053632392" in messages[0]["text"]  # the tracking id in the store's orders.json


@pytest.mark.parametrize("text, intent", [("ok thanks", "thanks"), ("ok thanks", "affirm"), ("never mind", "deny"),
                                          ("thanks, bye", "goodbye")])
async def test_thanks_or_never_mind_leave_the_request_whatever_the_intent(tau, text, intent):
    slots = {"order_request": "return", "requested_slot": "customer_id"}
    messages, events = await run(ValidateOrderForm(tau), tracker(text, intent, slots, "order_form"))
    assert "I'd like to return an item" in messages[0]["text"] and "verify" not in messages[0]["text"]
    assert {"event": "active_loop", "name": None, "timestamp": None} in events
    assert slots_of(events)["order_request"] is None and slots_of(events)["requested_slot"] is None
    messages, _ = await run(ActionSubmitOrderRequest(tau), tracker(text, intent, {}))
    assert messages == []  # the put-aside request is not submitted


async def test_stopping_says_how_to_pick_the_request_up_again(tau):
    messages, _ = await run(ActionStopOrderRequest(tau), tracker("no", "deny", {"order_request": "cancel",
                                                                                "customer_id": YUSUF}, "order_form"))
    assert "I'd like to cancel an order" in messages[0]["text"] and "stay verified" in messages[0]["text"]


async def test_a_correction_of_the_kind_mid_form_switches_it_in_place(tau):
    slots = {"order_request": "exchange", "customer_id": YUSUF, "order_id": "#W2378156",
             "order_item_ids": ["1151293680"], "requested_slot": "new_item_ids"}
    text = "No, I don't want to exchange anything, I want to return it"
    messages, events = await run(ValidateOrderForm(tau), tracker(text, "order_return", slots, "order_form"))
    after = slots_of(events)
    assert after["order_request"] == "return" and after["requested_slot"] == "payment_method_id"
    assert "order_id" not in after and "a return instead of an exchange" in messages[0]["text"]


async def test_a_question_about_the_order_mid_form_is_answered_then_the_form_goes_on(tau):
    slots = {"order_request": "return", "customer_id": YUSUF, "order_id": "#W2378156",
             "order_item_ids": ["1151293680"], "requested_slot": "payment_method_id"}
    messages, events = await run(ValidateOrderForm(tau), tracker("what's the tracking number of this order?",
                                                                 "order_status", slots, "order_form"))
    assert "843053632392" in messages[0]["text"] and slots_of(events)["requested_slot"] == "payment_method_id"


async def test_identity_and_a_request_in_one_message_go_straight_on(tau):
    text = "Hi, I'm Yusuf Rossi from 19122 and I'd like to send back the keyboard from order #W2378156"
    messages, events = await run(ActionIdentify(tau), tracker(text, "identify"))
    slots = slots_of(events)
    assert slots["customer_id"] == YUSUF and slots["order_request"] == "return"
    assert slots["order_id"] is None  # read and checked by the form, now that the shopper is known
    assert {"event": "followup", "name": "order_form", "timestamp": None} in events
    assert "found your account" in messages[0]["text"]


async def test_back_from_another_topic_the_way_out_is_said(tau):
    from actions.orders import ActionAskOrderStep

    slots = {"order_request": "return", "customer_id": YUSUF, "order_id": "#W2378156"}
    t = tracker("how much is the blue t-shirt?", "product_price", slots, "order_form")
    t.latest_action_name = "action_product_fact"
    messages, events = await run(ActionAskOrderStep(tau), t)
    assert messages[0]["text"].startswith("Back to your return") and "never mind" in messages[0]["text"]
    assert "Which items" in messages[1]["text"] and slots_of(events)["requested_slot"] == "order_item_ids"
    t.latest_action_name = "action_start_order_request"  # on activation: just the question
    messages, _ = await run(ActionAskOrderStep(tau), t)
    assert messages[0]["text"].startswith("Which items")


async def test_the_refund_total_asked_after_a_return_is_answered_from_the_order(tau):
    slots = {"order_request": "return", "customer_id": YUSUF, "order_id": "#W2378156",
             "order_item_ids": ["1151293680"], "payment_method_id": "credit_card_9513926", "order_confirmed": True}
    done, _ = await run(ActionSubmitOrderRequest(tau), tracker("yes", "affirm", slots))
    assert done[0]["text"].startswith("Done: the return")
    question = "what's the total refund?"
    _, events = await run(ActionPolicyAnswer(tau), tracker(question, "policy_returns", {"customer_id": YUSUF}))
    started = slots_of(events)
    assert started["order_request"] == "question" and started["order_opening"] == question
    messages, _ = await run(ActionSubmitOrderRequest(tau), tracker(question, "policy_returns", {**started, "customer_id": YUSUF}))
    paid = next(i["price"] for i in tau.commerce.get_order("#W2378156")["items"] if i["item_id"] == "1151293680")
    assert f"${paid:,.2f}" in messages[0]["text"] and "#W2378156" in messages[0]["text"]


async def test_an_invoice_request_is_a_question_about_the_shoppers_orders(tau):
    _, events = await run(ActionStartOrderRequest(tau), tracker("I need an invoice for my last purchase", "invoice"))
    assert slots_of(events)["order_request"] == "question"


@pytest.mark.parametrize("text, intent", [
    ("The espresso machine in {order} (not shipped yet) - I'd prefer a capsule one with the 1L tank.", "product_options"),
    ("the security camera in my order {order} - upgrade it to 4K please", "nlu_fallback"),
])
async def test_a_message_about_one_of_my_orders_read_as_a_product_question_starts_the_order_form(container, text, intent):
    order = PENDING["order_id"]
    _, events = await run(ActionProductQuestion(container), tracker(text.format(order=order), intent))
    assert slots_of(events)["order_request"] in ("modify_items", "exchange")
    assert {"event": "followup", "name": "order_form", "timestamp": None} in events


async def test_a_policy_question_naming_an_order_without_a_verb_stays_a_policy_question(container):
    text = f"how long does standard shipping usually take, e.g. for {PENDING['order_id']}?"
    _, events = await run(ActionPolicyAnswer(container), tracker(text, "policy_shipping"))
    assert "order_request" not in slots_of(events)


async def test_status_read_by_nlu_but_words_asking_for_a_change_start_the_change(container):
    text = f"my order {PENDING['order_id']} should go to my new address, not the one on it"
    _, events = await run(ActionStartOrderRequest(container), tracker(text, "order_status"))
    assert slots_of(events)["order_request"] == "modify_address"


def ranked(text, ranking):
    t = tracker(text, ranking[0][0])
    t.latest_message["intent_ranking"] = [{"name": n, "confidence": c} for n, c in ranking]
    return t


@pytest.mark.parametrize("ranking, kind", [
    ([("nlu_fallback", 0.3), ("order_status", 0.14), ("order_return", 0.05)], "modify_items"),  # noise: a change
    ([("nlu_fallback", 0.3), ("order_return", 0.25), ("order_status", 0.1)], "return"),  # some weight: NLU's
])
async def test_an_unsure_message_naming_an_order_trusts_only_a_weighty_ranked_intent(container, ranking, kind):
    text = f"the headphones and the vacuum from {PENDING['order_id']}"
    _, events = await run(ActionPolicyAnswer(container), ranked(text, ranking))
    assert slots_of(events)["order_request"] == kind
