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
from bot.domain.item_mentions import Resemble
from bot.domain.order_requests import READ_KINDS, corrected_kind, required_slots, status_problem
from bot.domain.order_wording import item_label, options_text
from bot.domain.orders import describe_payment_method
from bot.domain.replies import HUMAN_BUTTON
from bot.ports import AttemptLog, CommerceStore
from bot.services.identity_guard import IdentityGuard, MemoryAttemptLog
from bot.services.order_answers import OrderAnswers
from bot.services.order_facts import NEW_ITEM_KINDS
from bot.services.order_outcomes import OrderOutcomes
from bot.services.order_questions import IDENTIFY_PROMPT, OrderQuestions, next_unmapped

log = logging.getLogger(__name__)

REQUEST_SLOTS = (
    "order_request", "order_id", "order_item_ids", "new_item_ids", "new_item_draft", "payment_method_id",
    "cancel_reason", "shipping_address", "order_confirmed", "confirmation_shown", "order_opening",
)
ITEM_KINDS = ("return", "exchange", "modify_items")
__all__ = ["IDENTIFY_PROMPT", "OrderDesk", "REQUEST_SLOTS", "Turn", "next_slot"]


@dataclass
class Turn:
    """What one shopper message did to the order request."""

    updates: dict[str, Any] = field(default_factory=dict)
    messages: list[Answer] = field(default_factory=list)
    closing: bool = False  # the shopper thanked, said goodbye or let the request go: it is put aside
    answered: bool = False  # a question about their orders was answered; the request's question follows
    corrected: bool = False  # the message changed what the request is: it answered no question

    def say(self, text: str, kind: str = "order_info", **extra) -> None:
        self.messages.append(Answer(text, kind, **extra))


def next_slot(state: dict) -> str | None:
    for slot in required_slots(state.get("order_request")):
        if state.get(slot) in (None, [], {}):
            return slot
    return None


class OrderDesk(OrderQuestions, OrderOutcomes, OrderAnswers):
    """The one service the order actions call: understand a message, ask, submit."""

    def __init__(self, store: CommerceStore, attempts: AttemptLog | None = None,
                 clock: Callable[[], float] = time.time, resemble: Resemble | None = None):
        super().__init__(store)
        self.identity = IdentityGuard(store, attempts or MemoryAttemptLog(), clock)
        self.resemble = resemble  # "the bike" for the Bicycle: product names matched by meaning

    def understand(self, state: dict, text: str, requested: str | None, conversation_id: str = "",
                   client: str = "") -> Turn:
        """Slot updates from one message. Slots the message does not touch are left out, so the form
        can tell 'nothing here for me' (an interruption) from an answer."""
        turn = Turn()
        state = dict(state)
        if parse.is_closing(text) and not (
                requested == "order_confirmed" and parse.consent(text, state.get("confirmation_shown")) == "yes"):
            turn.closing = True  # "ok thanks", "bye", "never mind": honoured, never taken as an answer
            return turn
        self._correct_kind(state, text, turn)
        state.update(turn.updates)
        if not state.get("customer_id"):
            self._identify(state, text, requested, turn, conversation_id, client)
            return turn
        self._refuse_other_customer(state, text, turn)
        if not turn.messages and self._asks_about_orders(state, text, requested):
            turn.say(self.answer_question(state["customer_id"], text, state.get("order_id")).text, "order_fact")
            turn.answered = True  # "what's the tracking number of #W…?" in the middle: answered, nothing changes
            return turn
        if state.get("order_request") == "question":
            return turn  # the answer reads (and checks) any order id itself, once, at submit
        if requested != "shipping_address":  # there an order id names where to copy the address from
            self._order(state, text, requested, turn)
        elif turn.corrected and state.get("order_id"):
            self._check_status(state, turn)
        state.update(turn.updates)
        kind = state.get("order_request")
        switched = "order_id" in turn.updates or turn.corrected  # its own questions and summary follow
        if requested is None and not turn.corrected and kind in ITEM_KINDS and state.get("order_id"):
            self._items_named(state, text, turn)  # "I'd like to send back the keyboard from #W…": read at once
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
        if turn.corrected:
            return turn
        if requested == "shipping_address" and (state.get("order_id") or kind == "change_default_address"):
            self._address(state, text, turn)
        elif requested == "order_confirmed" and kind in ("change_default_address",):
            self._confirmation(state, text, turn)
        return turn

    @staticmethod
    def _asks_about_orders(state: dict, text: str, requested: str | None) -> bool:
        """A question about the shopper's orders as they are now, in the middle of a request. Not at the
        summary, and not about the refund of a write being prepared: there the summary is the answer."""
        facts = parse.order_question(text, True)
        if not facts or state.get("order_request") == "question" or requested == "order_confirmed":
            return False
        return not ("refund" in facts and state.get("order_request") in ("return", "cancel", "exchange", "modify_items"))

    def _correct_kind(self, state: dict, text: str, turn: Turn) -> None:
        """"No, I don't want to exchange anything, I want to return it": the request becomes a return. The
        verified customer, the order and (between item requests) the chosen items stay; what belonged to
        the old kind (reason, replacements, payment, a shown summary) is dropped, so a new summary and a
        new yes are needed."""
        new, kind = corrected_kind(text), state.get("order_request")
        if not new or not kind or new == kind or {new, kind} == {"exchange", "modify_items"}:
            return
        keep_items = new in ITEM_KINDS and kind in ITEM_KINDS
        turn.updates.update({slot: None for slot in ("cancel_reason", "new_item_ids", "new_item_draft",
                                                     "payment_method_id", "order_confirmed", "confirmation_shown")})
        if not keep_items:
            turn.updates["order_item_ids"] = None
        turn.updates["order_request"] = new
        turn.corrected = True
        was = f" instead of {KIND_NOUNS[kind]}" if kind in KIND_NOUNS else ""  # (never None: checked above)
        turn.say(f"Okay, {KIND_NOUNS[new]}{was}; nothing changes until you say yes to its summary.", "order_noted")

    def _check_status(self, state: dict, turn: Turn) -> None:
        """After a change of kind: does the order still fit it (an exchange of a pending order is an
        item change; a return of a pending order is not possible)?"""
        order = self.store.get_order(state["order_id"])
        self._fit_order(state, order, turn)

    def _fit_order(self, state: dict, order: dict, turn: Turn) -> bool:
        kind = _fitting_kind(state.get("order_request") or "", order["status"])
        if kind != state.get("order_request"):
            turn.updates["order_request"] = kind
            state["order_request"] = kind
            turn.say(SWITCH_NOTES[kind].format(order=order["order_id"]), "order_noted")
        problem = status_problem(kind, order["status"])
        if problem:
            turn.updates["order_id"] = None
            turn.say(problem + " Is there another order I can help with?", "order_rule")
            return False
        return True

    def _items_named(self, state: dict, text: str, turn: Turn) -> None:
        """Items the opening message names are taken (silently: if it names none, the bot asks)."""
        order = self.store.get_order(state["order_id"])
        picked = parse.match_order_items(text, order["items"], resemble=self.resemble) if order else []
        names = [i["name"] for i in order["items"] if i["item_id"] in picked] if order else []
        if any(names.count(n) > 1 for n in names):
            return  # "the earbuds" in an order with three different ones: ask, listing them, never take all
        if picked and not parse.wants_all_items(text):
            turn.updates["order_item_ids"] = picked
            turn.updates["new_item_draft"] = None

    def _identify(self, state: dict, text: str, requested: str | None, turn: Turn, conversation_id: str,
                  client: str) -> None:
        check = self.identity.verify(conversation_id, text, client)
        if check.outcome == "verified":
            user = self.store.get_user(check.user_id)
            turn.updates["customer_id"] = check.user_id
            turn.say(f"Thank you, {user['name']['first_name']}, I've found your account.", "order_verified")
            if state.get("order_id") and state.get("order_request") != "question":  # named before: check it now
                mentioned, state["order_id"] = state["order_id"], None
                state["customer_id"] = check.user_id
                self._order(state, mentioned, "order_id", turn)
                state.update(turn.updates)
                if state.get("order_id") and state.get("order_request") in ITEM_KINDS and state.get("order_opening"):
                    self._items_named(state, state["order_opening"], turn)  # named in the opening message
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

    def recall_identity(self, texts: list[str], conversation_id: str = "", client: str = "") -> Turn:
        """'Hello, this is Yusuf Rossi from 19122' said before any request: used (not asked again) once a
        request needs it. Each message is one attempt, counted like any other; the first that verifies wins."""
        turn = Turn()
        for text in texts:
            if not (parse.find_emails(text) or parse.find_zip(text)):
                continue
            self._identify({"customer_id": None}, text, "customer_id", turn, conversation_id, client)
            if turn.updates.get("customer_id"):
                turn.messages = [m for m in turn.messages if m.kind == "order_verified"]
                return turn
        return Turn()  # nothing usable: the form asks as usual (failed attempts were still counted)

    def pause_note(self, state: dict, text: str, farewell: bool = False) -> Answer:
        """What the shopper hears when they leave a request: nothing changed, and how to pick it up again."""
        kind = state.get("order_request")
        lead = "You're welcome! " if parse.THANKS.search(text) else "Okay. "
        if kind in RESUME_HINTS:
            body = (f"I've put your {KIND_NOUNS[kind].split(' ', 1)[1]} "
                    f"aside. Nothing has been changed. To pick it up again, just say “{RESUME_HINTS[kind]}”"
                    + (" (you stay verified in this conversation)." if state.get("customer_id") else "."))
        else:
            body = "Nothing has been changed."
        tail = " Goodbye!" if farewell else " What else can I help you with?"
        return Answer(lead + body + tail, "order_paused")

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
            if turn.corrected and state.get("order_id"):
                self._check_status(state, turn)
            if requested == "order_id" and not picked and _looks_like_answer(text):
                turn.updates["order_id"] = None
                turn.say("I couldn't tell which order you mean. Please pick one below or type its number (like #W1234567).")
            return
        if picked not in own:
            turn.updates["order_id"] = None
            turn.say(f"I can't find order {picked} on your account, so I can't help with it here.", "order_refused")
            return
        order = self.store.get_order(picked)
        if not self._fit_order(state, order, turn):
            return
        turn.updates.update({s: None for s in REQUEST_SLOTS
                             if s not in ("order_request", "shipping_address", "order_opening")})
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
        picked = parse.match_order_items(text, order["items"], options_alone=True, resemble=self.resemble)
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
        choice = parse.choose_new_variant(text, old["options"], product["variants"], old_id, product.get("name", ""))
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
        if answer == "no":  # a plain no, or "no, that's not right": declined, nothing changes
            turn.updates["order_confirmed"] = False
            return
        if state.get("order_request") in ITEM_KINDS and self._selection_change(state, text, turn):
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
        turn.updates["order_confirmed"] = None
        turn.say("Nothing has been changed. I go ahead only on a plain “yes” to the summary; “no” leaves "
                 "everything as it is.", "order_unclear")

    def _selection_change(self, state: dict, text: str, turn: Turn) -> bool:
        """"Only the blue IPX7 one" / "not the bookshelf" at the confirmation: fewer (or other) items of the
        same order, never a change of variant. A new summary and a new yes follow."""
        order = self.store.get_order(state["order_id"])
        selected = list(state["order_item_ids"])
        change = parse.selection_change(text, order["items"], selected)
        if not change:
            return False
        how, ids = change
        chosen = list(dict.fromkeys(ids)) if how == "only" else [i for i in selected if i not in ids]
        if not chosen:
            turn.updates["order_confirmed"] = None
            turn.say("That would leave no items in the request, so I've kept it as it is; say “no” to stop, or "
                     "tell me which items to keep.", "order_noted")
            return True
        if chosen == selected:
            return False
        turn.updates.update(order_item_ids=chosen, order_confirmed=None)
        if state["order_request"] in NEW_ITEM_KINDS:
            draft = {k: v for k, v in (state.get("new_item_draft") or {}).items() if k in chosen}
            turn.updates["new_item_draft"] = draft
            turn.updates["new_item_ids"] = [draft[i] for i in chosen] if all(i in draft for i in chosen) else None
        turn.say("Okay, only " + ", ".join(item_label(order, i) for i in chosen) + ".", "order_noted")
        return True

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
            choice = parse.choose_new_variant(text, old["options"], product["variants"], old_id, product.get("name", ""))
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


KIND_NOUNS = {"cancel": "a cancellation", "return": "a return", "exchange": "an exchange",
              "modify_items": "a change of items", "modify_address": "a change of address",
              "modify_payment": "a change of payment method", "status": "a status check",
              "question": "a question about your orders", "change_default_address": "a change of default address"}
RESUME_HINTS = {
    "cancel": "I'd like to cancel an order", "return": "I'd like to return an item",
    "exchange": "I'd like to exchange an item", "modify_items": "I'd like to change an item in my order",
    "modify_address": "I'd like to change the shipping address of my order",
    "modify_payment": "I'd like to change the payment method of my order",
    "change_default_address": "I'd like to change my default address",
}

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
