"""Order requests in shoppers' own words (issue 14, item 5), on a real SQLite copy of the tau store:
a correction of the request kind, one of several items of the same product, a declined summary,
questions about the shopper's own orders, and leaving a request. Nothing is written without a yes."""
from __future__ import annotations

import json

import pytest

from bot.domain.catalogue import money
from bot.services.order_desk import OrderDesk, next_slot
from tests.conftest import TAU_STORE
from tests.services.test_order_desk import shown, state, store, template  # noqa: F401 - fixtures

YUSUF = "yusuf_rossi_9620"  # delivered #W2378156 (headphones, vacuum, mechanical keyboard, thermostat, watch)
KEYBOARD = "1151293680"
AARAV = "aarav_anderson_8794"  # delivered #W3470184: three blue Wireless Earbuds, a water bottle, a bookshelf
EARBUDS = {"4h IPX4": "6452271382", "6h IPX4": "1646531091", "4h IPX7": "2757705742"}
SOFIA = "sofia_hernandez_5364"  # a Grill in pending #W3561391 and another in delivered #W6876713


@pytest.fixture
def desk(store):  # noqa: F811 - the fixture imported above
    return OrderDesk(store)


def reply(turn) -> str:
    return "\n".join(m.text for m in turn.messages)


# --- a correction of the request kind switches it ------------------------------------------------------
@pytest.mark.parametrize("correction", [
    "No, I don't want to exchange anything, I want to return it",
    "not an exchange, I'd like to return it",
    "actually I'd rather send it back than exchange it",
])
def test_a_correction_of_the_kind_switches_the_request_and_keeps_the_details(desk, correction):
    s = state(customer_id=YUSUF, order_request="exchange", order_id="#W2378156", order_item_ids=[KEYBOARD])
    assert next_slot(s) == "new_item_ids"  # the bot is asking what the keyboard should become
    turn = desk.understand(s, correction, "new_item_ids")
    after = {**s, **turn.updates}
    assert after["order_request"] == "return" and after["order_id"] == "#W2378156"
    assert after["order_item_ids"] == [KEYBOARD] and after["new_item_ids"] is None
    assert next_slot(after) == "payment_method_id"  # the return's own next question, not a new variant
    assert "a return instead of an exchange" in reply(turn)


def test_a_correction_before_verification_switches_the_kind_too(desk):
    s = state(order_request="exchange", order_id="#W2378156")
    turn = desk.understand(s, "No, I don't want to exchange anything, I want to return it", "customer_id")
    assert turn.updates["order_request"] == "return" and "customer_id" not in turn.updates  # no identity attempt


def test_a_correction_at_the_confirmation_needs_a_new_summary_and_yes(desk, store):  # noqa: F811
    s = shown(desk, state(customer_id="raj_santos_9079", order_request="exchange", order_id="#W1630030",
                          order_item_ids=["4458619711"], new_item_ids=["9472539378"], payment_method_id="paypal_2417743"))
    turn = desk.understand(s, "no wait, I don't want an exchange, I want to return it", "order_confirmed")
    after = {**s, **turn.updates}
    assert after["order_request"] == "return" and after["confirmation_shown"] is None
    assert after["order_confirmed"] is None and next_slot(after) == "payment_method_id"
    stale_yes = desk.understand({**after, "confirmation_shown": s["confirmation_shown"],
                                 "payment_method_id": "paypal_2417743"}, "yes", "order_confirmed")
    assert stale_yes.updates["order_confirmed"] is None  # the exchange's summary is not the return's
    assert store.audit_entries() == []


def test_an_answer_with_a_verb_is_not_a_correction(desk):
    """'refund it to my paypal' answers where a return's refund goes; it never switches the request."""
    s = state(customer_id=YUSUF, order_request="return", order_id="#W2378156", order_item_ids=[KEYBOARD])
    turn = desk.understand(s, "refund it to my credit card please", "payment_method_id")
    assert "order_request" not in turn.updates and turn.updates["payment_method_id"] == "credit_card_9513926"


def test_items_named_in_the_opening_message_are_taken(desk):
    s = state(customer_id=YUSUF, order_request="return")
    turn = desk.understand(s, "I'd like to send back the keyboard from order W2378156", None)
    assert turn.updates["order_id"] == "#W2378156" and turn.updates["order_item_ids"] == [KEYBOARD]
    assert next_slot({**s, **turn.updates}) == "payment_method_id"


def test_items_named_before_verification_are_taken_after_it(desk):
    opening = "Can I return the keyboard? It was order #W2378156"
    s = state(order_request="return", order_id="#W2378156", order_opening=opening)
    turn = desk.understand(s, "yusuf.rossi7301@example.com", "customer_id")
    assert turn.updates["customer_id"] == YUSUF and turn.updates["order_item_ids"] == [KEYBOARD]


# --- several items of the same product ---------------------------------------------------------------
def _aarav(**slots):
    return state(customer_id=AARAV, order_request="return", order_id="#W3470184", **slots)


@pytest.mark.parametrize("text, picked", [
    ("the blue IPX7 one", ["4h IPX7"]),  # options alone, one of them shared by all three
    ("the earbuds with IPX7", ["4h IPX7"]),
    ("the wireless earbuds with 6 hours battery", ["6h IPX4"]),
    ("the IPX4 earbuds", ["4h IPX4", "6h IPX4"]),
    ("the earbuds with 4 hours battery and IPX7", ["4h IPX7"]),
])
def test_one_of_several_items_of_a_product_is_named_by_its_options(desk, text, picked):
    turn = desk.understand(_aarav(), text, "order_item_ids")
    assert turn.updates["order_item_ids"] == [EARBUDS[p] for p in picked]


def test_options_that_fit_none_of_them_are_asked_again(desk):
    turn = desk.understand(_aarav(), "the earbuds with 6 hours and IPX7", "order_item_ids")  # there is none
    assert turn.updates["order_item_ids"] is None and "couldn't match" in reply(turn)


@pytest.mark.parametrize("kind", ["return", "exchange"])
def test_only_one_of_them_at_the_confirmation_narrows_the_selection(desk, store, kind):  # noqa: F811
    all_three = list(EARBUDS.values())
    extra = {} if kind == "return" else {"new_item_ids": ["8555936349"] * 3}  # placeholder replacements
    s = {**_aarav(order_item_ids=all_three, payment_method_id="gift_card_7245904", **extra), "order_request": kind}
    if kind == "exchange":
        s["new_item_draft"] = dict(zip(all_three, s["new_item_ids"]))
    s["confirmation_shown"] = "0" * 16
    turn = desk.understand(s, "only the blue IPX7 one", "order_confirmed")
    assert turn.updates["order_item_ids"] == [EARBUDS["4h IPX7"]] and turn.updates["order_confirmed"] is None
    if kind == "exchange":  # the replacement chosen for it stays; none was chosen as a variant change
        assert turn.updates["new_item_ids"] == ["8555936349"]
    assert "only" in reply(turn).lower() and store.audit_entries() == []


def test_leaving_some_out_at_the_confirmation(desk):
    s = _aarav(order_item_ids=list(EARBUDS.values()), payment_method_id="gift_card_7245904", confirmation_shown="x")
    turn = desk.understand(s, "not the IPX4 ones", "order_confirmed")
    assert turn.updates["order_item_ids"] == [EARBUDS["4h IPX7"]]


# --- a declined summary --------------------------------------------------------------------------------
@pytest.mark.parametrize("text", ["no, that's not right", "No that is not what I wanted", "that's wrong", "nope, not correct"])
def test_no_thats_not_right_declines_instead_of_changing_the_variant(desk, store, text):  # noqa: F811
    s = shown(desk, state(customer_id="raj_santos_9079", order_request="exchange", order_id="#W1630030",
                          order_item_ids=["4458619711"], new_item_ids=["9472539378"],
                          new_item_draft={"4458619711": "9472539378"}, payment_method_id="paypal_2417743"))
    before = store.dump_hash()
    turn = desk.understand(s, text, "order_confirmed")
    assert turn.updates == {"order_confirmed": False}  # the chosen variant is untouched
    desk.submit({**s, **turn.updates}, "conv-decline")
    assert store.dump_hash() == before and store.audit_entries("conv-decline") == []


# --- identity given before any request -----------------------------------------------------------------
@pytest.mark.parametrize("texts", [
    ["I'd like to send back the keyboard", "Hello, this is Yusuf Rossi from 19122"],
    ["hi there", "Hi, it's yusuf.rossi7301@example.com"],
])
def test_identity_said_earlier_is_used(desk, texts):
    turn = desk.recall_identity(texts, "conv-recall")
    assert turn.updates["customer_id"] == YUSUF and "Yusuf" in reply(turn)


def test_identity_recall_counts_its_attempts(store):  # noqa: F811
    desk = OrderDesk(store)
    for i in range(5):
        assert desk.recall_identity([f"this is Olivia Ito from {90000 + i}"], "conv-guessing").updates == {}
    right = desk.understand(state(), "Olivia Ito, zip 80218", "customer_id", "conv-guessing")
    assert right.updates == {"customer_id": None} and "For your security" in reply(right)


# --- questions about the shopper's own orders ----------------------------------------------------------
def _order(oid):
    return json.loads((TAU_STORE / "orders.json").read_text())[oid]


def test_tracking_number_of_an_order(desk):
    answer = desk.answer_question(YUSUF, "Could you tell me the tracking number of order #W2378156?")
    assert _order("#W2378156")["fulfillments"][0]["tracking_id"][0] in answer.text


def test_total_of_an_order(desk):
    answer = desk.answer_question(YUSUF, "How much was order #W4776164 in total?")
    items_total = round(sum(i["price"] for i in _order("#W4776164")["items"]), 2)
    assert money(items_total) in answer.text and "#W4776164" in answer.text
    assert "#W6247578" not in answer.text  # only the order asked about


def test_what_was_paid_for_a_product_across_orders(desk):
    answer = desk.answer_question(SOFIA, "how much did I pay in total for the grills?")
    grills = [i["price"] for oid in ("#W3561391", "#W6876713") for i in _order(oid)["items"] if i["name"] == "Grill"]
    assert all(money(p) in answer.text for p in grills) and money(round(sum(grills), 2)) in answer.text


def test_refund_total_after_a_return(desk, store):  # noqa: F811
    s = shown(desk, state(customer_id=YUSUF, order_request="return", order_id="#W2378156",
                          order_item_ids=[KEYBOARD, "4202497723"], payment_method_id="credit_card_9513926"))
    done = desk.submit({**s, **desk.understand(s, "yes", "order_confirmed").updates}, "conv-return")
    assert done.kind == "order_done"
    answer = desk.answer_question(YUSUF, "how much will I get back in total?")
    paid = sum(i["price"] for i in _order("#W2378156")["items"] if i["item_id"] in (KEYBOARD, "4202497723"))
    assert money(round(paid, 2)) in answer.text and "#W2378156" in answer.text
    assert money(281.48) in answer.text  # the refund of the cancelled #W9711842 is there too


def test_another_customers_order_is_refused_like_a_missing_one(desk):
    other = desk.answer_question(YUSUF, "what is the tracking number of order #W3470184?")  # Aarav's order
    missing = desk.answer_question(YUSUF, "what is the tracking number of order #W0000000?")
    assert other.kind == missing.kind == "order_refused"
    assert other.text.replace("#W3470184", "X") == missing.text.replace("#W0000000", "X")
    assert _order("#W3470184")["fulfillments"][0]["tracking_id"][0] not in other.text


def test_a_question_in_the_middle_of_a_request_is_answered_and_changes_nothing(desk):
    s = state(customer_id=YUSUF, order_request="return", order_id="#W2378156", order_item_ids=[KEYBOARD])
    turn = desk.understand(s, "wait, what's the tracking number of this order?", "payment_method_id")
    assert turn.answered and turn.updates == {}
    assert _order("#W2378156")["fulfillments"][0]["tracking_id"][0] in reply(turn)


def test_a_question_request_needs_verification_first(desk):
    s = state(order_request="question", order_opening="How much was order #W4776164 in total?")
    assert next_slot(s) == "customer_id"
    answer = desk.submit({**s, "customer_id": YUSUF}, "conv-q")
    assert money(round(sum(i["price"] for i in _order("#W4776164")["items"]), 2)) in answer.text


# --- leaving a request ---------------------------------------------------------------------------------
@pytest.mark.parametrize("text", ["ok thanks", "thank you, bye", "never mind", "forget it", "that's all for now"])
def test_thanks_bye_never_mind_leave_the_request(desk, text):
    turn = desk.understand(state(order_request="return"), text, "customer_id")
    assert turn.closing and turn.updates == {} and turn.messages == []
    note = desk.pause_note(state(order_request="return"), text)
    assert "Nothing has been changed" in note.text or "nothing has been changed" in note.text
    assert "I'd like to return an item" in note.text  # how to pick it up again


def test_ok_thanks_to_a_summary_is_still_a_yes(desk):
    s = shown(desk, state(customer_id=YUSUF, order_request="return", order_id="#W2378156",
                          order_item_ids=[KEYBOARD], payment_method_id="credit_card_9513926"))
    turn = desk.understand(s, "ok thanks", "order_confirmed")
    assert not turn.closing and turn.updates["order_confirmed"] is True


def test_an_opening_naming_a_product_held_several_times_asks_which(desk):
    """'the earbuds' in an order with three different ones is not taken as all three: the bot asks."""
    s = state(customer_id=AARAV, order_request="return")
    turn = desk.understand(s, "I want to return the earbuds from #W3470184", None)
    after = {**s, **turn.updates}
    assert after["order_id"] == "#W3470184" and after["order_item_ids"] is None
    question = desk.ask(after, next_slot(after))
    assert all(f"water resistance {w}" in question.text for w in ("IPX4", "IPX7"))


@pytest.mark.parametrize("text", ["I need the invoice for order #W4776164", "can I get a receipt for #W4776164?"])
def test_an_invoice_lists_the_items_total_and_payments_of_the_order(desk, text):
    answer = desk.answer_question(YUSUF, text)
    order = _order("#W4776164")
    assert all(money(i["price"]) in answer.text for i in order["items"])
    assert money(order["payment_history"][0]["amount"]) in answer.text and "#W6247578" not in answer.text


@pytest.mark.parametrize("text", ["sure, what is the refund amount?", "k, what's the tracking number?"])
def test_at_the_summary_a_question_is_not_answered_from_old_facts_and_writes_nothing(desk, store, text):  # noqa: F811
    s = shown(desk, state(customer_id=YUSUF, order_request="return", order_id="#W2378156",
                          order_item_ids=[KEYBOARD], payment_method_id="credit_card_9513926"))
    turn = desk.understand(s, text, "order_confirmed")
    assert not turn.answered and turn.updates["order_confirmed"] is None  # the summary is shown again
    desk.submit({**s, **turn.updates}, "conv-ask")
    assert store.audit_entries("conv-ask") == []
