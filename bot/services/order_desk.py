"""Order help under the store policy: who the shopper is, which order, what changes, and only then a write.

The dialogue (Rasa form) calls three entry points: `understand` reads one shopper message into slot
updates, `ask` words the next question, `submit` answers a read or performs a confirmed write. Every
fact the bot states comes from the commerce store; every write goes through `store.apply` with an
explicit yes already recorded in the slots.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from bot.domain import order_parsing as parse
from bot.domain.catalogue import money
from bot.domain.facts import Answer, Source
from bot.domain.order_requests import READ_KINDS, required_slots, status_problem
from bot.domain.orders import Operation, OrderRuleError, describe_payment_method, price_difference
from bot.domain.replies import HUMAN_BUTTON
from bot.ports import CommerceStore

log = logging.getLogger(__name__)

REQUEST_SLOTS = (
    "order_request", "order_id", "order_item_ids", "new_item_ids", "new_item_draft", "payment_method_id",
    "cancel_reason", "shipping_address", "order_confirmed",
)
ITEM_KINDS = ("return", "exchange", "modify_items")
NEW_ITEM_KINDS = ("exchange", "modify_items")
TOOL_NAMES = {
    "cancel": "cancel_pending_order",
    "modify_address": "modify_pending_order_address",
    "modify_payment": "modify_pending_order_payment",
    "modify_items": "modify_pending_order_items",
    "return": "return_delivered_order_items",
    "exchange": "exchange_delivered_order_items",
    "change_default_address": "modify_user_address",
}
IDENTIFY_PROMPT = (
    "First I need to verify who you are: please give me the email address on your account, or your first "
    "name, last name and zip code."
)


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


class OrderDesk:
    def __init__(self, store: CommerceStore):
        self.store = store

    # ---- reading one message -------------------------------------------------------------
    def understand(self, state: dict, text: str, requested: str | None) -> Turn:
        """Slot updates from one message. Slots the message does not touch are left out, so the form
        can tell 'nothing here for me' (an interruption) from an answer."""
        turn = Turn()
        state = dict(state)
        if not state.get("customer_id"):
            self._identify(state, text, requested, turn)
            return turn
        self._refuse_other_customer(state, text, turn)
        if requested != "shipping_address":  # there an order id names where to copy the address from
            self._order(state, text, requested, turn)
        state.update(turn.updates)
        kind = state.get("order_request")
        if state.get("order_id") and not turn.messages:
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

    def _identify(self, state: dict, text: str, requested: str | None, turn: Turn) -> None:
        emails, zip_code = parse.find_emails(text), parse.find_zip(text)
        user_id = None
        for email in emails:
            user_id = user_id or self.store.find_user_id_by_email(email)
        if not user_id and zip_code:
            for first, last in parse.name_candidates(text):
                user_id = user_id or self.store.find_user_id_by_name_zip(first, last, zip_code)
        if user_id:
            user = self.store.get_user(user_id)
            turn.updates["customer_id"] = user_id
            turn.say(f"Thank you, {user['name']['first_name']}, I've found your account.", "order_verified")
            if state.get("order_id"):  # named before we knew who was asking: check it now
                mentioned, state["order_id"] = state["order_id"], None
                self._order({**state, "customer_id": user_id}, mentioned, "order_id", turn)
        elif emails or zip_code:
            # Same words whether or not the account exists: nothing leaks about other people.
            turn.updates["customer_id"] = None
            turn.say(
                "Sorry, I couldn't find an account with those details. Please check the email address, or "
                "give your first name, last name and zip code together.", "order_not_verified",
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
        old_id = _next_unmapped(state)
        if not old_id:
            return
        order = self.store.get_order(state["order_id"])
        old = next(i for i in order["items"] if i["item_id"] == old_id)
        product = self.store.get_product(old["product_id"])
        choice = parse.choose_new_variant(text, old["options"], product["variants"], old_id)
        if not choice.item_id and text.strip().isdigit() and text.strip() in product["variants"]:
            choice = parse.VariantChoice(text.strip(), [], {})
        if choice.item_id:
            draft = dict(state.get("new_item_draft") or {})
            draft[old_id] = choice.item_id
            turn.updates["new_item_draft"] = draft
            variant = product["variants"][choice.item_id]
            turn.say(f"Noted: {old['name']} ({_options(variant['options'])}) at {money(variant['price'])}.", "order_noted")
            if all(i in draft for i in state["order_item_ids"]):
                turn.updates["new_item_ids"] = [draft[i] for i in state["order_item_ids"]]
            else:
                turn.updates["new_item_ids"] = None
            return
        turn.updates["new_item_ids"] = None
        if choice.mentioned and not choice.candidates:
            turn.say(f"Sorry, there's no available {old['name']} with {_options(choice.mentioned)}.")
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
        if state.get("order_request") == "modify_address" and parse.re.search(r"\b(default|profile|account|home)\b", text, parse.re.I):
            return dict(user["address"])
        return parse.parse_address(text)

    def _confirmation(self, state: dict, text: str, turn: Turn) -> None:
        if parse.is_explicit_yes(text):
            turn.updates["order_confirmed"] = True
            return
        if state.get("order_request") in ITEM_KINDS:
            order = self.store.get_order(state["order_id"])
            extra = [i for i in parse.match_order_items(text, order["items"]) if i not in state["order_item_ids"]]
            if extra and not parse.NO_WORDS.search(text.split(",")[0]) or extra and "also" in text.lower():
                items = list(state["order_item_ids"]) + extra
                turn.updates.update(order_item_ids=items, order_confirmed=None)
                if state["order_request"] in NEW_ITEM_KINDS:
                    turn.updates["new_item_ids"] = None
                turn.say("Okay, I've added " + ", ".join(_item_label(order, i) for i in extra) + ".", "order_noted")
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
        turn.updates["order_confirmed"] = False

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
                changed.append(f"{old['name']} ({_options(product['variants'][choice.item_id]['options'])})")
        if not changed:
            return False
        draft = dict(zip(state["order_item_ids"], new_ids))
        turn.updates.update(new_item_ids=new_ids, new_item_draft=draft, order_confirmed=None)
        turn.say("Okay, I've changed that to " + ", ".join(changed) + ".", "order_noted")
        return True

    # ---- asking ---------------------------------------------------------------------------
    def ask(self, state: dict, slot: str) -> Answer:
        return getattr(self, f"_ask_{slot}")(state)

    def _ask_customer_id(self, state: dict) -> Answer:
        return Answer(IDENTIFY_PROMPT, "order_ask_identity")

    def _ask_order_id(self, state: dict) -> Answer:
        user = self.store.get_user(state["customer_id"])
        buttons = []
        for oid in user.get("orders", [])[:10]:
            order = self.store.get_order(oid)
            names = ", ".join(dict.fromkeys(i["name"] for i in order["items"]))
            buttons.append({"title": f"{oid} ({order['status']}): {names}"[:80], "payload": f'/inform{{"order_id":"{oid}"}}'})
        if not buttons:
            return Answer("I can't see any orders on your account.", "order_none", buttons=[HUMAN_BUTTON], handoff_offered=True)
        return Answer("Which order is it about? Here are the orders on your account:", "order_ask_order", buttons=buttons)

    def _ask_cancel_reason(self, state: dict) -> Answer:
        buttons = [{"title": r.capitalize(), "payload": r} for r in ("no longer needed", "ordered by mistake")]
        return Answer(f"Why would you like to cancel order {state['order_id']}: is it no longer needed, or was it "
                      "ordered by mistake?", "order_ask_reason", buttons=buttons)

    def _ask_order_item_ids(self, state: dict) -> Answer:
        order = self.store.get_order(state["order_id"])
        verb = {"return": "return", "exchange": "exchange", "modify_items": "change"}[state["order_request"]]
        lines = [f"- {_item_text(i)}" for i in order["items"]]
        buttons = [{"title": _item_text(i)[:80], "payload": i["name"] + " " + " ".join(map(str, i["options"].values()))}
                   for i in order["items"][:8]]
        buttons.append({"title": "All items", "payload": "all items"})
        return Answer(f"Which items of order {state['order_id']} would you like to {verb}? It has:\n" + "\n".join(lines)
                      + "\nPlease name every item at once (or say 'all items').", "order_ask_items", buttons=buttons)

    def _ask_new_item_ids(self, state: dict) -> Answer:
        old_id = _next_unmapped(state)
        order = self.store.get_order(state["order_id"])
        old = next(i for i in order["items"] if i["item_id"] == old_id)
        product = self.store.get_product(old["product_id"])
        pool = [v for iid, v in product["variants"].items() if v["available"] and iid != old_id]
        if not pool:
            return Answer(f"Sorry, there's no other available {old['name']} to change to right now.", "order_no_variant",
                          buttons=[HUMAN_BUTTON], handoff_offered=True)
        pool.sort(key=lambda v: v["price"])
        values = {}
        for v in pool:
            for name, value in v["options"].items():
                values.setdefault(name, [])
                if value not in values[name]:
                    values[name].append(value)
        summary = "; ".join(f"{n}: {', '.join(map(str, vals))}" for n, vals in values.items())
        buttons = [{"title": f"{_options(v['options'])} - {money(v['price'])}"[:80], "payload": v["item_id"]} for v in pool[:8]]
        return Answer(f"What would you like instead of the {old['name']} ({_options(old['options'])}, {money(old['price'])})? "
                      f"Tell me the options to change. Available: {summary}.", "order_ask_new_item",
                      sources=[Source("product", product["product_id"], product["name"])], buttons=buttons)

    def _ask_payment_method_id(self, state: dict) -> Answer:
        user = self.store.get_user(state["customer_id"])
        order = self.store.get_order(state["order_id"])
        original = order["payment_history"][0]["payment_method_id"]
        methods = user["payment_methods"]
        kind = state["order_request"]
        if kind == "return":
            choices = [m for m in methods if m == original or methods[m]["source"] == "gift_card"]
            text = (f"Where should the refund of {money(self._return_total(state))} go? It can go to the original payment "
                    f"method ({describe_payment_method(methods[original])}) or to a gift card.")
        elif kind == "modify_payment":
            choices = [m for m in methods if m != original]
            text = (f"Order {state['order_id']} was paid with {describe_payment_method(methods[original])}. "
                    "Which payment method would you like to use instead?")
        else:
            diff = self._difference(state)
            choices = list(methods)
            if diff > 0:
                text = f"The new items cost {money(diff)} more. Which payment method should pay the difference?"
            elif diff < 0:
                text = f"The new items cost {money(-diff)} less. Which payment method should receive the refund?"
            else:
                text = "The new items cost the same. Which payment method should be kept on file for this change?"
        buttons = [{"title": describe_payment_method(methods[m])[:80], "payload": f'/inform{{"payment_method_id":"{m}"}}'}
                   for m in choices]
        return Answer(text, "order_ask_payment", buttons=buttons)

    def _ask_shipping_address(self, state: dict) -> Answer:
        whose = f"order {state['order_id']}" if state.get("order_id") else "your account"
        return Answer(f"What's the new address for {whose}? Please write it as: street, apartment or suite (if any), "
                      "city, state, zip code.", "order_ask_address")

    def precheck(self, state: dict) -> Answer | None:
        """Before asking for a yes: would the store accept this? (Dry run; writes nothing.)"""
        try:
            self.store.check(self.operation(state))
        except OrderRuleError as err:
            return Answer(f"I can't do that: {err}", "order_rule", buttons=[HUMAN_BUTTON], handoff_offered=True)
        return None

    def _ask_order_confirmed(self, state: dict) -> Answer:
        text = self.summary(state) + "\n\nShall I go ahead? Please reply yes to confirm, or no to leave everything as it is."
        return Answer(text, "order_confirm", buttons=[{"title": "Yes, go ahead", "payload": "/affirm"},
                                                      {"title": "No", "payload": "/deny"}])

    # ---- operations and summaries ---------------------------------------------------------
    def operation(self, state: dict) -> Operation:
        kind = state["order_request"]
        name = TOOL_NAMES[kind]
        if kind == "change_default_address":
            return Operation(name, {"user_id": state["customer_id"], **_address_args(state["shipping_address"])})
        args: dict[str, Any] = {"order_id": state["order_id"]}
        if kind == "cancel":
            args["reason"] = state["cancel_reason"]
        elif kind == "modify_address":
            args.update(_address_args(state["shipping_address"]))
        elif kind == "modify_payment":
            args["payment_method_id"] = state["payment_method_id"]
        else:
            args["item_ids"] = list(state["order_item_ids"])
            if kind in NEW_ITEM_KINDS:
                args["new_item_ids"] = list(state["new_item_ids"])
            args["payment_method_id"] = state["payment_method_id"]
        return Operation(name, args)

    def summary(self, state: dict) -> str:
        kind = state["order_request"]
        user = self.store.get_user(state["customer_id"])
        methods = user["payment_methods"]
        if kind == "change_default_address":
            return (f"Your default address will change from {_address_text(user['address'])} to "
                    f"{_address_text(state['shipping_address'])}.")
        order = self.store.get_order(state["order_id"])
        oid = state["order_id"]
        original = order["payment_history"][0]["payment_method_id"]
        if kind == "cancel":
            total = sum(p["amount"] for p in order["payment_history"] if p["transaction_type"] == "payment")
            return (f"Order {oid} will be cancelled (reason: {state['cancel_reason']}). Items: "
                    + "; ".join(_item_text(i) for i in order["items"])
                    + f". The total of {money(total)} will be refunded to your {describe_payment_method(methods[original])}"
                    + f" {_refund_timing(methods[original])}.")
        if kind == "modify_address":
            return (f"The shipping address of order {oid} will change from {_address_text(order['address'])} to "
                    f"{_address_text(state['shipping_address'])}.")
        if kind == "modify_payment":
            amount = order["payment_history"][0]["amount"]
            return (f"Order {oid} ({money(amount)}) will be paid with your {describe_payment_method(methods[state['payment_method_id']])} "
                    f"instead of your {describe_payment_method(methods[original])}, which will be refunded "
                    f"{_refund_timing(methods[original])}.")
        method = describe_payment_method(methods[state["payment_method_id"]])
        if kind == "return":
            items = [i for i in order["items"] if i["item_id"] in state["order_item_ids"]]
            return (f"From order {oid} you'll return: " + "; ".join(_item_text(i) for i in items)
                    + f". The refund of {money(self._return_total(state))} goes to your {method}. The order status becomes "
                    "'return requested', and you'll get an email explaining how to send the items back.")
        lines = []
        for old_id, new_id in zip(state["order_item_ids"], state["new_item_ids"]):
            old = next(i for i in order["items"] if i["item_id"] == old_id)
            new = self.store.get_product(old["product_id"])["variants"][new_id]
            lines.append(f"{old['name']}: {_options(old['options'])} ({money(old['price'])}) -> "
                         f"{_options(new['options'])} ({money(new['price'])})")
        diff = self._difference(state)
        money_line = ("There is no price difference" if abs(diff) < 0.005 else
                      f"You'll pay {money(diff)} more with your {method}" if diff > 0 else
                      f"You'll get {money(-diff)} back to your {method}")
        after = ("The order status becomes 'exchange requested', and you'll get an email explaining how to send the old "
                 "items back; there's no need to place a new order." if kind == "exchange" else
                 "The order status becomes 'pending (item modified)', and after that the order can't be changed or "
                 "cancelled any more.")
        return (f"In order {oid}:\n" + "\n".join(f"- {line}" for line in lines) + f"\n{money_line}. {after} "
                f"Please check this lists every item you want to {'exchange' if kind == 'exchange' else 'change'}: "
                "it can only be done once for this order.")

    def _difference(self, state: dict) -> float:
        order = self.store.get_order(state["order_id"])
        products = {i["product_id"]: self.store.get_product(i["product_id"]) for i in order["items"]}
        return price_difference(order, list(state["order_item_ids"]), list(state["new_item_ids"]), products)

    def _return_total(self, state: dict) -> float:
        order = self.store.get_order(state["order_id"])
        remaining = list(state["order_item_ids"])
        total = 0.0
        for item in order["items"]:
            if item["item_id"] in remaining:
                remaining.remove(item["item_id"])
                total += item["price"]
        return round(total, 2)

    # ---- submitting -----------------------------------------------------------------------
    def submit(self, state: dict, conversation_id: str) -> Answer:
        kind = state.get("order_request")
        if kind in READ_KINDS:
            return getattr(self, f"_read_{kind}")(state)
        if state.get("order_confirmed") is not True:
            return Answer("Okay, I haven't changed anything. What else can I help you with?", "order_not_confirmed")
        op = self.operation(state)
        after = self._after_effects(state)  # worded before the write changes what the store says
        try:
            self.store.apply(op, actor="assistant", conversation_id=conversation_id)
        except OrderRuleError as err:
            return Answer(f"I couldn't do that: {err} Nothing has been changed.", "order_rule",
                          buttons=[HUMAN_BUTTON], handoff_offered=True)
        log.info("order write %s done for %s in %s", op.name, state.get("customer_id"), conversation_id)
        return Answer(f"{after}\nIs there anything else I can help with?", "order_done",
                      extra={"operation": op.name, "arguments": op.kwargs})

    def _after_effects(self, state: dict) -> str:
        kind, oid = state["order_request"], state.get("order_id")
        if kind == "change_default_address":
            return f"Done: your default address is now {_address_text(state['shipping_address'])}."
        if kind == "modify_address":
            return f"Done: order {oid} will now be shipped to {_address_text(state['shipping_address'])}."
        user = self.store.get_user(state["customer_id"])
        order = self.store.get_order(oid)
        methods = user["payment_methods"]
        original = methods[order["payment_history"][0]["payment_method_id"]]
        if kind == "cancel":
            total = sum(p["amount"] for p in order["payment_history"] if p["transaction_type"] == "payment")
            return (f"Done: order {oid} is cancelled. The refund of {money(total)} goes to your "
                    f"{describe_payment_method(original)} {_refund_timing(original)}.")
        method = methods[state["payment_method_id"]]
        if kind == "modify_payment":
            return (f"Done: order {oid} is now paid with your {describe_payment_method(method)}; your "
                    f"{describe_payment_method(original)} will be refunded {_refund_timing(original)}.")
        if kind == "return":
            return (f"Done: the return for order {oid} is requested (status 'return requested'). The refund of "
                    f"{money(self._return_total(state))} goes to your {describe_payment_method(method)}, and you'll get an "
                    "email explaining how to send the items back.")
        diff = self._difference(state)
        settle = ("" if abs(diff) < 0.005 else f" You pay {money(diff)} more with your {describe_payment_method(method)}."
                  if diff > 0 else f" {money(-diff)} goes back to your {describe_payment_method(method)}.")
        if kind == "exchange":
            return (f"Done: the exchange for order {oid} is requested (status 'exchange requested').{settle} You'll get "
                    "an email explaining how to send the old items back; there's no need to place a new order.")
        return f"Done: the items in order {oid} are changed (status 'pending (item modified)').{settle}"

    def _read_status(self, state: dict) -> Answer:
        order = self.store.get_order(state["order_id"])
        user = self.store.get_user(state["customer_id"])
        lines = [f"Order {order['order_id']} is {order['status']}."]
        lines += [f"- {_item_text(i)}" for i in order["items"]]
        for f in order.get("fulfillments", []):
            names = ", ".join(_item_label(order, i) for i in f.get("item_ids", []))
            lines.append(f"Tracking number {', '.join(f.get('tracking_id', []))} covers: {names}.")
        for p in order.get("payment_history", []):
            method = user["payment_methods"].get(p["payment_method_id"])
            label = describe_payment_method(method) if method else p["payment_method_id"]
            lines.append(f"{p['transaction_type'].capitalize()} of {money(p['amount'])} with your {label}.")
        lines.append(f"Shipping address: {_address_text(order['address'])}.")
        return Answer("\n".join(lines), "order_status")

    def _read_list(self, state: dict) -> Answer:
        user = self.store.get_user(state["customer_id"])
        orders = [self.store.get_order(oid) for oid in user.get("orders", [])]
        if not orders:
            return Answer("There are no orders on your account yet.", "order_list")
        lines = [f"- {o['order_id']} ({o['status']}): " + ", ".join(i["name"] for i in o["items"]) for o in orders]
        return Answer(f"You have {len(orders)} order{'s' if len(orders) != 1 else ''}:\n" + "\n".join(lines), "order_list")

    def _read_profile(self, state: dict) -> Answer:
        user = self.store.get_user(state["customer_id"])
        methods = "; ".join(describe_payment_method(m) for m in user["payment_methods"].values())
        return Answer(
            f"Your account: {user['name']['first_name']} {user['name']['last_name']}, {user['email']}.\n"
            f"Default address: {_address_text(user['address'])}.\nPayment methods: {methods}.", "order_profile")


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


def _next_unmapped(state: dict) -> str | None:
    draft = state.get("new_item_draft") or {}
    return next((i for i in state.get("order_item_ids") or [] if i not in draft), None)


def _options(options: dict) -> str:
    return ", ".join(f"{k} {v}" for k, v in options.items())


def _item_text(item: dict) -> str:
    return f"{item['name']} ({_options(item['options'])}), {money(item['price'])}"


def _item_label(order: dict, item_id: str) -> str:
    item = next((i for i in order["items"] if i["item_id"] == item_id), None)
    return f"{item['name']} ({_options(item['options'])})" if item else item_id


def _address_args(address: dict) -> dict:
    return {k: address.get(k, "") for k in ("address1", "address2", "city", "state", "country", "zip")}


def _address_text(address: dict) -> str:
    parts = [address.get("address1"), address.get("address2"), address.get("city"),
             f"{address.get('state', '')} {address.get('zip', '')}".strip(), address.get("country")]
    return ", ".join(p for p in parts if p)


def _refund_timing(method: dict) -> str:
    return "right away" if method.get("source") == "gift_card" else "within 5 to 7 business days"
