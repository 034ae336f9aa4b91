"""What the bot says when a request is done: read answers, and the result of a confirmed write."""
from __future__ import annotations

import logging

from bot.domain.catalogue import money
from bot.domain.facts import Answer
from bot.domain.order_requests import READ_KINDS
from bot.domain.order_wording import address_text, item_label, item_text, refund_timing
from bot.domain.orders import OrderRuleError, describe_payment_method
from bot.domain.replies import HUMAN_BUTTON
from bot.services.order_facts import OrderFacts

log = logging.getLogger(__name__)


class OrderOutcomes(OrderFacts):
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
            return f"Done: your default address is now {address_text(state['shipping_address'])}."
        if kind == "modify_address":
            return f"Done: order {oid} will now be shipped to {address_text(state['shipping_address'])}."
        user = self.store.get_user(state["customer_id"])
        order = self.store.get_order(oid)
        methods = user["payment_methods"]
        original = methods[order["payment_history"][0]["payment_method_id"]]
        if kind == "cancel":
            total = sum(p["amount"] for p in order["payment_history"] if p["transaction_type"] == "payment")
            return (f"Done: order {oid} is cancelled. The refund of {money(total)} goes to your "
                    f"{describe_payment_method(original)} {refund_timing(original)}.")
        method = methods[state["payment_method_id"]]
        if kind == "modify_payment":
            return (f"Done: order {oid} is now paid with your {describe_payment_method(method)}; your "
                    f"{describe_payment_method(original)} will be refunded {refund_timing(original)}.")
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
        lines += [f"- {item_text(i)}" for i in order["items"]]
        for f in order.get("fulfillments", []):
            names = ", ".join(item_label(order, i) for i in f.get("item_ids", []))
            lines.append(f"Tracking number {', '.join(f.get('tracking_id', []))} covers: {names}.")
        for p in order.get("payment_history", []):
            method = user["payment_methods"].get(p["payment_method_id"])
            label = describe_payment_method(method) if method else p["payment_method_id"]
            lines.append(f"{p['transaction_type'].capitalize()} of {money(p['amount'])} with your {label}.")
        lines.append(f"Shipping address: {address_text(order['address'])}.")
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
            f"Default address: {address_text(user['address'])}.\nPayment methods: {methods}.", "order_profile")
