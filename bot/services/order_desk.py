"""Order help under the store policy: who the shopper is, which order, what changes, and only then a write.

The dialogue (Rasa form) calls three entry points: `understand` reads one shopper message into slot
updates, `ask` words the next question, `submit` answers a read or performs a confirmed write. Every
fact the bot states comes from the commerce store; every write goes through `store.apply` with an
explicit yes already recorded in the slots.
"""
from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from bot.domain import order_parsing as parse
from bot.domain.catalogue import money
from bot.domain.facts import Answer
from bot.domain.order_requests import required_slots, status_problem
from bot.domain.order_wording import item_label, options_text
from bot.domain.orders import describe_payment_method
from bot.domain.replies import HUMAN_BUTTON
from bot.ports import AttemptLog, CommerceStore
from bot.services.identity_guard import IdentityGuard, MemoryAttemptLog
from bot.services.order_facts import NEW_ITEM_KINDS
from bot.services.order_outcomes import OrderOutcomes
from bot.services.order_questions import IDENTIFY_PROMPT, OrderQuestions, next_unmapped

log = logging.getLogger(__name__)

REQUEST_SLOTS = (
    "order_request", "order_id", "order_item_ids", "new_item_ids", "new_item_draft", "payment_method_id",
    "cancel_reason", "shipping_address", "order_confirmed", "confirmation_shown",
)
ITEM_KINDS = ("return", "exchange", "modify_items")
__all__ = ["IDENTIFY_PROMPT", "OrderDesk", "REQUEST_SLOTS", "Turn", "next_slot"]


@dataclass
class Turn:
    """What one shopper message did to the order request."""

    updates: dict[str, Any] = field(default_factory=dict)
    messages: list[Answer] = field(default_factory=list)

    def say(self, text: str, kind: str = "order_info", **extra) -> None:
        self.messages.append(Answer(text, kind, **extra))


def next_slot(state: dict) -> str | None:
    for slot in required_slots(state.get("order_request")):
        if state.get(slot) in (None, [], {}):
            return slot
    return None


class OrderDesk(OrderQuestions, OrderOutcomes):
    """The one service the order actions call: understand a message, ask, submit."""

    def __init__(self, store: CommerceStore, attempts: AttemptLog | None = None,
                 clock: Callable[[], float] = time.time):
        super().__init__(store)
        self.identity = IdentityGuard(store, attempts or MemoryAttemptLog(), clock)

    def understand(self, state: dict, text: str, requested: str | None, conversation_id: str = "",
                   client: str = "") -> Turn:
        """Slot updates from one message. Slots the message does not touch are left out, so the form
        can tell 'nothing here for me' (an interruption) from an answer."""
        turn = Turn()
        state = dict(state)
        if not state.get("customer_id"):
            self._identify(state, text, requested, turn, conversation_id, client)
            return turn
        self._refuse_other_customer(state, text, turn)
        if requested != "shipping_address":  # there an order id names where to copy the address from
            self._order(state, text, requested, turn)
        state.update(turn.updates)
        kind = state.get("order_request")
        switched = "order_id" in turn.updates  # another order named: its own questions and summary follow
        if state.get("order_id") and not turn.messages and not switched:
            if requested == "cancel_reason":
                self._cancel_reason(text, turn)
            elif requested == "order_item_ids":
                self._items(state, text, turn)
            elif requested == "new_item_ids":
                self._new_items(state, text, turn)
            elif requested == "payment_method_id":
                self._payment(state, text, turn)
            elif requested == "order_confirmed":
                self._confirmation(state, text, turn)
        if requested == "shipping_address" and (state.get("order_id") or kind == "change_default_address"):
            self._address(state, text, turn)
        elif requested == "order_confirmed" and kind in ("change_default_address",):
            self._confirmation(state, text, turn)
        return turn

    def _identify(self, state: dict, text: str, requested: str | None, turn: Turn, conversation_id: str,
                  client: str) -> None:
        check = self.identity.verify(conversation_id, text, client)
        if check.outcome == "verified":
            user = self.store.get_user(check.user_id)
            turn.updates["customer_id"] = check.user_id
            turn.say(f"Thank you, {user['name']['first_name']}, I've found your account.", "order_verified")
            if state.get("order_id"):  # named before we knew who was asking: check it now
                mentioned, state["order_id"] = state["order_id"], None
                self._order({**state, "customer_id": check.user_id}, mentioned, "order_id", turn)
            return
        if check.outcome == "none":
            return
        turn.updates["customer_id"] = None
        person = {"buttons": [HUMAN_BUTTON], "handoff_offered": True} if check.needs_person else {}
        if check.outcome == "locked":
            minutes = max(1, math.ceil(check.retry_after_s / 60))
            turn.say(f"For your security I can't check more account details in this conversation for about "
                     f"{minutes} minute{'s' if minutes > 1 else ''}. A person from our team can verify you instead.",
                     "order_not_verified", buttons=[HUMAN_BUTTON], handoff_offered=True)
        elif check.outcome == "several":
            turn.say("Please give the details of one account only: its email address, or the first name, last "
                     "name and zip code of the account holder.", "order_not_verified", **person)
        else:  # same words whether or not the account exists: nothing leaks about other people
            turn.say(
                "Sorry, I couldn't find an account with those details. Please check the email address, or "
                "give your first name, last name and zip code together."
                + (" If you'd rather, a person from our team can verify you." if check.needs_person else ""),
                "order_not_verified", **person,
            )

    def _refuse_other_customer(self, state: dict, text: str, turn: Turn) -> None:
        user = self.store.get_user(state["customer_id"]) or {}
        others = [e for e in parse.find_emails(text) if e != str(user.get("email", "")).lower()]
        if others:
            turn.say(
                "I can help with one account per conversation, and you're verified as the account holder "
                "here, so I can't look up or change anything for another account.", "order_refused",
            )

    def _order(self, state: dict, text: str, requested: str | None, turn: Turn) -> None:
        user = self.store.get_user(state["customer_id"]) or {}
        own = list(user.get("orders", []))
        ids = parse.find_order_ids(text)
        picked = ids[0] if ids else None
        if not picked and requested == "order_id":
            picked = parse.order_by_suffix(text, own) or self._order_by_product(text, own, state)
        if not picked or picked == state.get("order_id"):
            if requested == "order_id" and not picked and _looks_like_answer(text):
                turn.updates["order_id"] = None
                turn.say("I couldn't tell which order you mean. Please pick one below or type its number (like #W1234567).")
            return
        if picked not in own:
            turn.updates["order_id"] = None
            turn.say(f"I can't find order {picked} on your account, so I can't help with it here.", "order_refused")
            return
        order = self.store.get_order(picked)
        kind = _fitting_kind(state.get("order_request") or "", order["status"])
        if kind != state.get("order_request"):
            turn.updates["order_request"] = kind
            state["order_request"] = kind
            turn.say(SWITCH_NOTES[kind].format(order=picked), "order_noted")
        problem = status_problem(kind, order["status"])
        if problem:
            turn.updates["order_id"] = None
            turn.say(problem + " Is there another order I can help with?", "order_rule")
            return
        turn.updates.update({s: None for s in REQUEST_SLOTS if s not in ("order_request", "shipping_address")})
        turn.updates["order_id"] = picked
        if state.get("order_id") and requested == "order_confirmed":
            turn.say(f"Okay, order {picked} instead. Nothing has been changed on order {state['order_id']}.",
                     "order_noted")

    def _order_by_product(self, text: str, own: list[str], state: dict) -> str | None:
        hits = []
        for oid in own:
            order = self.store.get_order(oid)
            if order and parse.match_order_items(text, order["items"]) and not parse.wants_all_items(text):
                if not status_problem(state.get("order_request") or "", order["status"]):
                    hits.append(oid)
        return hits[0] if len(hits) == 1 else None

    def _cancel_reason(self, text: str, turn: Turn) -> None:
        reason = parse.cancel_reason(text)
        if reason:
            turn.updates["cancel_reason"] = reason
        elif _looks_like_answer(text):
            turn.updates["cancel_reason"] = None
            turn.say("For a cancellation I need one of the two reasons: no longer needed, or ordered by mistake.")

    def _items(self, state: dict, text: str, turn: Turn) -> None:
        order = self.store.get_order(state["order_id"])
        picked = parse.match_order_items(text, order["items"])
        if picked:
            turn.updates["order_item_ids"] = picked
            turn.updates["new_item_draft"] = None
        elif _looks_like_answer(text):
            turn.updates["order_item_ids"] = None
            turn.say("I couldn't match that to an item in this order. Please name the items, or say 'all items'.")

    def _new_items(self, state: dict, text: str, turn: Turn) -> None:
        old_id = next_unmapped(state)
        if not old_id:
            return
        order = self.store.get_order(state["order_id"])
        old = next(i for i in order["items"] if i["item_id"] == old_id)
        product = self.store.get_product(old["product_id"])
        choice = parse.choose_new_variant(text, old["options"], product["variants"], old_id)
        picked = text.strip()
        if not choice.item_id and picked.isdigit() and picked in product["variants"]:  # a button's item id
            variant = product["variants"][picked]
            if not variant.get("available"):
                turn.updates["new_item_ids"] = None
                turn.say(f"Sorry, the {old['name']} ({options_text(variant['options'])}) is out of stock, so I "
                         "can't use it. Please pick one of the available options.", "order_rule")
                return
            choice = parse.VariantChoice(picked, [variant], {})
        if choice.item_id:
            draft = dict(state.get("new_item_draft") or {})
            draft[old_id] = choice.item_id
            turn.updates["new_item_draft"] = draft
            variant = product["variants"][choice.item_id]
            turn.say(f"Noted: {old['name']} ({options_text(variant['options'])}) at {money(variant['price'])}.", "order_noted")
            if all(i in draft for i in state["order_item_ids"]):
                turn.updates["new_item_ids"] = [draft[i] for i in state["order_item_ids"]]
            else:
                turn.updates["new_item_ids"] = None
            return
        turn.updates["new_item_ids"] = None
        if choice.mentioned and not choice.candidates:
            turn.say(f"Sorry, there's no available {old['name']} with {options_text(choice.mentioned)}.")
        elif choice.candidates:
            turn.say(f"There are {len(choice.candidates)} available {old['name']} options that fit. Which one would you like?")
        else:
            turn.say("Which options would you like instead? Tell me the ones to change, like a colour or size.")

    def _payment(self, state: dict, text: str, turn: Turn) -> None:
        user = self.store.get_user(state["customer_id"])
        order = self.store.get_order(state["order_id"])
        original = order["payment_history"][0]["payment_method_id"] if order["payment_history"] else None
        hits = parse.choose_payment_method(text, user["payment_methods"], original)
        if len(hits) != 1:
            if hits or _looks_like_answer(text):
                turn.updates["payment_method_id"] = None
                turn.say("Which of your payment methods should I use? Please pick one below.")
            return
        problem = self._payment_problem(state, user, order, hits[0])
        if problem:
            turn.updates["payment_method_id"] = None
            turn.say(problem, "order_rule")
        else:
            turn.updates["payment_method_id"] = hits[0]

    def _payment_problem(self, state: dict, user: dict, order: dict, method_id: str) -> str | None:
        method = user["payment_methods"][method_id]
        kind = state["order_request"]
        original = order["payment_history"][0]["payment_method_id"]
        if kind == "return" and method_id != original and method["source"] != "gift_card":
            return ("A refund can go to the original payment method "
                    f"({describe_payment_method(user['payment_methods'][original])}) or to a gift card.")
        if kind == "modify_payment":
            if method_id == original:
                return "That's already the payment method of this order. Which other one would you like?"
            amount = order["payment_history"][0]["amount"]
            if method["source"] == "gift_card" and method.get("balance", 0) < amount:
                return f"That gift card's balance ({money(method['balance'])}) doesn't cover the order total ({money(amount)})."
        if kind in NEW_ITEM_KINDS and method["source"] == "gift_card":
            diff = self._difference(state)
            if diff > 0 and method.get("balance", 0) < diff:
                return f"That gift card's balance ({money(method['balance'])}) doesn't cover the difference ({money(diff)})."
        return None

    def _address(self, state: dict, text: str, turn: Turn) -> None:
        address = self._address_from(state, text)
        if address:
            turn.updates["shipping_address"] = address
        elif _looks_like_answer(text):
            turn.updates["shipping_address"] = None
            turn.say("I couldn't read a full address there. Please write: street, apartment or suite (if any), "
                     "city, state, zip code.")

    def _address_from(self, state: dict, text: str) -> dict | None:
        user = self.store.get_user(state["customer_id"])
        ids = [oid for oid in parse.find_order_ids(text) if oid != state.get("order_id")]
        if ids and ids[0] in user.get("orders", []):
            return dict(self.store.get_order(ids[0])["address"])
        if state.get("order_request") == "modify_address" and parse.means_default_address(text):
            return dict(user["address"])
        return parse.parse_address(text)

    def _confirmation(self, state: dict, text: str, turn: Turn) -> None:
        """Only a plain yes to the summary just shown writes; corrections change the summary; a plain no
        stops; anything else changes nothing and the summary is shown again."""
        answer = parse.consent(text, state.get("confirmation_shown"))
        if answer == "yes":
            if state.get("confirmation_shown") and state["confirmation_shown"] == self.summary_id(state):
                turn.updates["order_confirmed"] = True
            else:  # what they said yes to is not what would be done now
                turn.updates["order_confirmed"] = None
                turn.say("Something changed since that summary, so here it is again. Nothing has been changed yet.",
                         "order_noted")
            return
        if state.get("order_request") in ITEM_KINDS:
            order = self.store.get_order(state["order_id"])
            extra = [i for i in parse.match_order_items(text, order["items"]) if i not in state["order_item_ids"]]
            if extra and (parse.wants_more(text) or not parse.NO_WORDS.search(text.split(",")[0])):
                items = list(state["order_item_ids"]) + extra
                turn.updates.update(order_item_ids=items, order_confirmed=None)
                if state["order_request"] in NEW_ITEM_KINDS:
                    turn.updates["new_item_ids"] = None
                turn.say("Okay, I've added " + ", ".join(item_label(order, i) for i in extra) + ".", "order_noted")
                return
        if state.get("order_request") in NEW_ITEM_KINDS and self._new_item_correction(state, text, turn):
            return
        if state.get("order_id"):
            user = self.store.get_user(state["customer_id"])
            order = self.store.get_order(state["order_id"])
            hits = parse.choose_payment_method(text, user["payment_methods"], None)
            if len(hits) == 1 and hits[0] != state.get("payment_method_id") and "payment_method_id" in required_slots(state["order_request"]):
                problem = self._payment_problem(state, user, order, hits[0])
                if not problem:
                    turn.updates.update(payment_method_id=hits[0], order_confirmed=None)
                    turn.say(f"Okay, I'll use your {describe_payment_method(user['payment_methods'][hits[0]])} instead.", "order_noted")
                    return
        if answer == "no":
            turn.updates["order_confirmed"] = False
            return
        turn.updates["order_confirmed"] = None
        turn.say("Nothing has been changed. I go ahead only on a plain “yes” to the summary; “no” leaves "
                 "everything as it is.", "order_unclear")

    def _new_item_correction(self, state: dict, text: str, turn: Turn) -> bool:
        """'No wait, the 1.5L glass one instead': a different new variant for one of the items."""
        order = self.store.get_order(state["order_id"])
        named = [i for i in parse.match_order_items(text, order["items"]) if i in state["order_item_ids"]]
        targets = named or (list(state["order_item_ids"]) if len(state["order_item_ids"]) == 1 else [])
        new_ids = list(state["new_item_ids"])
        changed = []
        for old_id in targets:
            old = next(i for i in order["items"] if i["item_id"] == old_id)
            product = self.store.get_product(old["product_id"])
            choice = parse.choose_new_variant(text, old["options"], product["variants"], old_id)
            position = state["order_item_ids"].index(old_id)
            if choice.item_id and choice.item_id != new_ids[position]:
                new_ids[position] = choice.item_id
                changed.append(f"{old['name']} ({options_text(product['variants'][choice.item_id]['options'])})")
        if not changed:
            return False
        draft = dict(zip(state["order_item_ids"], new_ids))
        turn.updates.update(new_item_ids=new_ids, new_item_draft=draft, order_confirmed=None)
        turn.say("Okay, I've changed that to " + ", ".join(changed) + ".", "order_noted")
        return True


SWITCH_NOTES = {
    "modify_items": "Order {order} hasn't shipped yet, so instead of an exchange I can change the items in the order.",
    "exchange": "Order {order} has been delivered, so I can exchange the items for you.",
}


def _fitting_kind(kind: str, status: str) -> str:
    """'Exchange' on a pending order means changing its items, and vice versa (same policy, other tool)."""
    if kind == "exchange" and status == "pending":
        return "modify_items"
    if kind == "modify_items" and status == "delivered":
        return "exchange"
    return kind


def _looks_like_answer(text: str) -> bool:
    """Short replies are answers to the question asked; questions are probably something else."""
    return not text.rstrip().endswith("?")
