"""The order desk on a real SQLite copy of the tau store: verification, refusals, summaries, and
the rule that nothing is written without an explicit yes."""
from __future__ import annotations

import shutil

import pytest

from bot.adapters.sql import SqlCommerceStore
from bot.services.order_desk import OrderDesk, next_slot
from tests.conftest import TAU_STORE

OLIVIA = "olivia_ito_3591"  # pending #W5442520 (paid by Visa), delivered #W5866402, processed #W5353646


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    path = tmp_path_factory.mktemp("desk") / "template.db"
    store = SqlCommerceStore(f"sqlite:///{path}")
    store.seed_from_store_dir(TAU_STORE)
    store.close()
    return path


@pytest.fixture
def store(template, tmp_path):
    shutil.copy(template, tmp_path / "shop.db")
    store = SqlCommerceStore(f"sqlite:///{tmp_path / 'shop.db'}")
    yield store
    store.close()


@pytest.fixture
def desk(store):
    return OrderDesk(store)


def state(**slots):
    base = {"customer_id": None, "order_request": "cancel", "order_id": None, "order_item_ids": None,
            "new_item_ids": None, "new_item_draft": None, "payment_method_id": None, "cancel_reason": None,
            "shipping_address": None, "order_confirmed": None, "confirmation_shown": None}
    return {**base, **slots}


def shown(desk, s: dict) -> dict:
    """The state after the bot showed its summary (the id a yes refers to is remembered)."""
    return {**s, "confirmation_shown": desk.ask(s, "order_confirmed").extra["confirmation_id"]}


@pytest.mark.parametrize("text", ["olivia.ito5204@example.com", "I'm Olivia Ito, zip code 80218",
                                  "my name is olivia ito and my zip is 80218"])
def test_verification_by_email_or_name_and_zip(desk, text):
    turn = desk.understand(state(), text, "customer_id")
    assert turn.updates["customer_id"] == OLIVIA


def test_failed_verification_reveals_nothing(desk):
    unknown = desk.understand(state(), "nobody@example.com", "customer_id")
    wrong_zip = desk.understand(state(), "Olivia Ito, zip 99999", "customer_id")
    assert unknown.updates == wrong_zip.updates == {"customer_id": None}
    assert unknown.messages[0].text == wrong_zip.messages[0].text


def test_someone_elses_order_is_refused_like_a_missing_one(desk):
    other = desk.understand(state(customer_id=OLIVIA), "#W3942868", "order_id")  # Harper Moore's order
    missing = desk.understand(state(customer_id=OLIVIA), "#W0000000", "order_id")
    assert other.updates.get("order_id") is None and missing.updates.get("order_id") is None
    assert other.messages[0].text.replace("#W3942868", "X") == missing.messages[0].text.replace("#W0000000", "X")


def test_one_customer_per_conversation(desk):
    turn = desk.understand(state(customer_id=OLIVIA), "now check harper.moore2816@example.com", "order_id")
    assert turn.messages[0].kind == "order_refused"


def test_wrong_status_is_explained_and_not_taken(desk):
    turn = desk.understand(state(customer_id=OLIVIA), "#W5866402", "order_id")  # delivered: can't cancel
    assert turn.updates["order_id"] is None
    assert "delivered" in turn.messages[0].text and "pending" in turn.messages[0].text


def test_exchange_of_a_pending_order_becomes_an_item_change(desk):
    turn = desk.understand(state(customer_id=OLIVIA, order_request="exchange"), "#W5442520", "order_id")
    assert turn.updates["order_request"] == "modify_items" and turn.updates["order_id"] == "#W5442520"


def _cancel_ready(desk):
    s = state(customer_id=OLIVIA, order_id="#W5442520", cancel_reason="no longer needed")
    assert next_slot(s) == "order_confirmed"
    return s


def test_confirmation_lists_the_exact_effect(desk):
    question = desk.ask(_cancel_ready(desk), "order_confirmed")
    assert "#W5442520" in question.text and "$663.85" in question.text
    assert "Visa credit card ending 9182" in question.text and "5 to 7 business days" in question.text
    assert "Hiking Boots" in question.text and "no longer needed" in question.text


@pytest.mark.parametrize("reply", ["no", "maybe later", "what does that mean?", "yes but wait"])
def test_anything_but_a_clear_yes_writes_nothing(desk, store, reply):
    s = _cancel_ready(desk)
    turn = desk.understand(s, reply, "order_confirmed")
    answer = desk.submit({**s, **turn.updates}, "conv-no")
    assert turn.updates.get("order_confirmed") is not True
    assert "haven't changed anything" in answer.text
    assert store.audit_entries("conv-no") == []
    assert store.get_order("#W5442520")["status"] == "pending"


def test_a_clear_yes_writes_once_with_an_audit_entry(desk, store):
    s = shown(desk, _cancel_ready(desk))
    turn = desk.understand(s, "yes", "order_confirmed")
    answer = desk.submit({**s, **turn.updates}, "conv-yes")
    assert answer.kind == "order_done"
    assert store.get_order("#W5442520")["status"] == "cancelled"
    [entry] = store.audit_entries("conv-yes")
    assert entry["operation"] == "cancel_pending_order" and entry["actor"] == "assistant"


def test_items_added_at_confirmation_are_asked_again(desk):
    s = state(customer_id="mohamed_khan_3010", order_request="return", order_id="#W4887592",
              order_item_ids=["2343503231"], payment_method_id="paypal_1249653")
    turn = desk.understand(s, "I also want to return the desk lamp", "order_confirmed")
    assert turn.updates["order_item_ids"] == ["2343503231", "4447749792"]
    assert turn.updates["order_confirmed"] is None  # a new summary and a new yes are needed


def test_gift_card_must_cover_a_payment_change(desk):
    s = state(customer_id=OLIVIA, order_request="modify_payment", order_id="#W5442520")
    turn = desk.understand(s, "my gift card", "payment_method_id")  # $56 balance, $663.85 order
    assert turn.updates["payment_method_id"] is None and "balance" in turn.messages[0].text


def test_reads_show_only_the_store_facts(desk):
    status = desk.submit(state(customer_id=OLIVIA, order_request="status", order_id="#W5866402"), "c")
    assert "delivered" in status.text and "$2,996.03" in status.text and "Tracking number" in status.text
    orders = desk.submit(state(customer_id=OLIVIA, order_request="list"), "c")
    assert orders.text.startswith("You have 5 orders") and "#W3657213" in orders.text
    profile = desk.submit(state(customer_id=OLIVIA, order_request="profile"), "c")
    assert "gift card (balance $56" in profile.text.lower() or "gift card" in profile.text.lower()


# One complete request per write the store can make (data: tau dev tasks; the default address is made up).
READY = {
    "cancel": dict(customer_id=OLIVIA, order_id="#W5442520", cancel_reason="ordered by mistake"),
    "modify_address": dict(customer_id=OLIVIA, order_id="#W5442520", shipping_address={
        "address1": "1 Main St", "address2": "", "city": "Denver", "state": "CO", "country": "USA", "zip": "80202"}),
    "modify_payment": dict(customer_id=OLIVIA, order_id="#W5442520", payment_method_id="paypal_8049766"),
    "modify_items": dict(customer_id=OLIVIA, order_id="#W5442520", order_item_ids=["3111466194"],
                         new_item_ids=["2001307871"], payment_method_id="paypal_8049766"),
    "return": dict(customer_id=OLIVIA, order_id="#W5866402", order_item_ids=["9727387530"],
                   payment_method_id="gift_card_7794233"),
    "exchange": dict(customer_id="raj_santos_9079", order_id="#W1630030", order_item_ids=["4458619711"],
                     new_item_ids=["9472539378"], payment_method_id="paypal_2417743"),
    "change_default_address": dict(customer_id=OLIVIA, shipping_address={
        "address1": "1 Main St", "address2": "Apt 2", "city": "Denver", "state": "CO", "country": "USA", "zip": "80202"}),
}


@pytest.mark.parametrize("kind", sorted(READY))
@pytest.mark.parametrize("reply", ["no", "hmm, not sure", "/deny", "yes, but first tell me the total?", "do it later",
                                   "ok let me ask my wife", "sure, what is the refund amount", "/affirm"])
def test_no_write_of_any_kind_without_an_explicit_yes(desk, store, kind, reply):
    s = shown(desk, state(order_request=kind, **READY[kind]))
    assert next_slot(s) == "order_confirmed" and desk.precheck(s) is None
    before = store.dump_hash()
    turn = desk.understand(s, reply, "order_confirmed")
    desk.submit({**s, **turn.updates}, f"no-{kind}")
    assert store.dump_hash() == before and store.audit_entries(f"no-{kind}") == []


@pytest.mark.parametrize("kind", sorted(READY))
def test_every_write_happens_once_after_a_yes(desk, store, kind):
    s = state(order_request=kind, **READY[kind])
    assert "Shall I go ahead?" in desk.ask(s, "order_confirmed").text
    s = shown(desk, s)
    turn = desk.understand(s, "yes", "order_confirmed")
    answer = desk.submit({**s, **turn.updates}, f"yes-{kind}")
    assert answer.kind == "order_done", answer.text
    [entry] = store.audit_entries(f"yes-{kind}")
    assert entry["operation"] == desk.operation(s).name


# --- consent belongs to the summary shown (security test findings) ----------------------------------
def test_a_yes_counts_only_for_the_summary_shown(desk, store):
    ready = _cancel_ready(desk)
    never_shown = desk.understand(ready, "yes", "order_confirmed")
    assert never_shown.updates["order_confirmed"] is None  # no summary was shown: show it first
    s = shown(desk, ready)
    changed = {**s, "cancel_reason": "ordered by mistake"}  # the request changed after the summary
    stale = desk.understand(changed, "yes", "order_confirmed")
    assert stale.updates["order_confirmed"] is None and "here it is again" in stale.messages[0].text
    desk.submit({**changed, **stale.updates}, "conv-stale")
    assert store.audit_entries("conv-stale") == []


def test_the_summary_button_carries_its_own_id(desk, store):
    s = shown(desk, _cancel_ready(desk))
    button = desk.ask(s, "order_confirmed").buttons[0]["payload"]
    assert s["confirmation_shown"] in button
    assert desk.understand(s, button, "order_confirmed").updates["order_confirmed"] is True
    forged = button.replace(s["confirmation_shown"], "0" * 16)
    assert desk.understand(s, forged, "order_confirmed").updates["order_confirmed"] is None


def test_a_yes_naming_another_order_starts_that_orders_own_summary(desk, store):
    s = shown(desk, _cancel_ready(desk))  # cancel #W5442520: summary shown
    turn = desk.understand(s, "yes, cancel #W7941031 instead", "order_confirmed")  # Olivia's other pending order
    assert turn.updates["order_id"] == "#W7941031" and turn.updates["order_confirmed"] is None
    assert turn.updates["cancel_reason"] is None and "Nothing has been changed" in turn.messages[0].text
    desk.submit({**s, **turn.updates}, "conv-other")
    assert store.audit_entries("conv-other") == []
    assert store.get_order("#W5442520")["status"] == store.get_order("#W7941031")["status"] == "pending"


# --- identity guessing ----------------------------------------------------------------------------------
class Clock:
    def __init__(self):
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize("text", [
    "nobody@example.com, olivia.ito5204@example.com",  # a list of addresses: one message, one identity
    "Noah Brown, Ava Lee, Olivia Ito, zip 80218",
    "noah brown, ava lee, olivia ito 80218",
    "Noah Brown Ava Lee Olivia Ito 80218",
])
def test_one_identity_per_message(store, text):
    desk = OrderDesk(store, clock=Clock())
    turn = desk.understand(state(), text, "customer_id", "conv-list")
    assert turn.updates == {"customer_id": None} and "one account only" in turn.messages[0].text


def test_wrong_zips_lock_the_conversation_then_a_person(store):
    clock = Clock()
    desk = OrderDesk(store, clock=clock)
    replies = [desk.understand(state(), f"Noah Brown, zip {90000 + i}", "customer_id", "conv-guess") for i in range(5)]
    assert all(r.updates == {"customer_id": None} for r in replies)
    right = desk.understand(state(), "Olivia Ito, zip 80218", "customer_id", "conv-guess")
    assert right.updates == {"customer_id": None} and "For your security" in right.messages[0].text
    clock.now += 31  # the first lockout (30 s) is over
    assert desk.understand(state(), "Olivia Ito, zip 80218", "customer_id", "conv-guess").updates["customer_id"] == OLIVIA


def test_a_guessed_account_locks_across_conversations(store):
    clock = Clock()
    desk = OrderDesk(store, clock=clock)
    for i in range(5):  # five conversations, one wrong zip each: no conversation is locked
        desk.understand(state(), f"Olivia Ito, zip {90000 + i}", "customer_id", f"conv-{i}")
    locked = desk.understand(state(), "Olivia Ito, zip 80218", "customer_id", "conv-new")
    unknown = desk.understand(state(), "Nobody Here, zip 80218", "customer_id", "conv-new2")
    assert locked.updates == unknown.updates == {"customer_id": None}
    assert locked.messages[0].text == unknown.messages[0].text  # the lock itself reveals nothing
    by_email = desk.understand(state(), "olivia.ito5204@example.com", "customer_id", "conv-mail")
    assert by_email.updates["customer_id"] == OLIVIA  # the e-mail still works for the real shopper


def test_five_failures_offer_a_person(store):
    clock = Clock()
    desk = OrderDesk(store, clock=clock)
    last = None
    for i in range(5):
        clock.now += 3600  # wait out every lockout
        last = desk.understand(state(), f"nobody{i}@example.com", "customer_id", "conv-person")
    assert last.messages[0].handoff_offered and last.messages[0].buttons[0]["payload"] == "/human_handoff"


def test_an_out_of_stock_variant_chosen_by_item_id_is_refused_at_once(desk, store):
    s = state(customer_id="raj_santos_9079", order_request="exchange", order_id="#W1630030",
              order_item_ids=["4458619711"])
    old = next(i for i in store.get_order("#W1630030")["items"] if i["item_id"] == "4458619711")
    variants = store.get_product(old["product_id"])["variants"]
    sold_out = next(v for v in variants.values() if not v["available"])
    turn = desk.understand(s, sold_out["item_id"], "new_item_ids")  # what a stale button sends
    assert turn.updates["new_item_ids"] is None and "out of stock" in turn.messages[0].text
    assert not any(m.text.startswith("Noted") for m in turn.messages)
    in_stock = next(v for v in variants.values() if v["available"] and v["item_id"] != "4458619711")
    chosen = desk.understand(s, in_stock["item_id"], "new_item_ids")
    assert chosen.updates["new_item_ids"] == [in_stock["item_id"]]


def test_guessing_in_fresh_conversations_is_limited_per_client(store):
    clock = Clock()
    desk = OrderDesk(store, clock=clock)
    for i in range(12):  # four wrong e-mails in each of three fresh conversations, from one client
        desk.understand(state(), f"liam.lee{2000 + i}@example.com", "customer_id", f"conv-{i // 4}", "203.0.113.7")
    right = desk.understand(state(), "olivia.ito5204@example.com", "customer_id", "conv-fresh", "203.0.113.7")
    assert right.updates == {"customer_id": None} and "For your security" in right.messages[0].text
    other = desk.understand(state(), "olivia.ito5204@example.com", "customer_id", "conv-other", "198.51.100.1")
    assert other.updates["customer_id"] == OLIVIA  # another shopper is not locked out
