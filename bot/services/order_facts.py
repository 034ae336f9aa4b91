"""What an order request means in the store's terms: the operation, its money, its summary."""
from __future__ import annotations

import hashlib
from typing import Any

from bot.domain.catalogue import money
from bot.domain.order_wording import (
    address_args,
    address_text,
    item_text,
    options_text,
    refund_timing,
)
from bot.domain.orders import Operation, describe_payment_method, items_total, price_difference
from bot.ports import CommerceStore

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


class OrderFacts:
    """Shared by the questions and the outcomes: reads the store, never writes."""

    def __init__(self, store: CommerceStore):
        self.store = store

    def operation(self, state: dict) -> Operation:
        kind = state["order_request"]
        name = TOOL_NAMES[kind]
        if kind == "change_default_address":
            return Operation(name, {"user_id": state["customer_id"], **address_args(state["shipping_address"])})
        args: dict[str, Any] = {"order_id": state["order_id"]}
        if kind == "cancel":
            args["reason"] = state["cancel_reason"]
        elif kind == "modify_address":
            args.update(address_args(state["shipping_address"]))
        elif kind == "modify_payment":
            args["payment_method_id"] = state["payment_method_id"]
        else:
            args["item_ids"] = list(state["order_item_ids"])
            if kind in NEW_ITEM_KINDS:
                args["new_item_ids"] = list(state["new_item_ids"])
            args["payment_method_id"] = state["payment_method_id"]
        return Operation(name, args)

    def summary_id(self, state: dict) -> str:
        """Names one exact summary: a yes (or its button) counts only for the summary it answers."""
        return hashlib.sha256(self.summary(state).encode()).hexdigest()[:16]

    def summary(self, state: dict) -> str:
        kind = state["order_request"]
        user = self.store.get_user(state["customer_id"])
        methods = user["payment_methods"]
        if kind == "change_default_address":
            return (f"Your default address will change from {address_text(user['address'])} to "
                    f"{address_text(state['shipping_address'])}.")
        order = self.store.get_order(state["order_id"])
        oid = state["order_id"]
        original = order["payment_history"][0]["payment_method_id"]
        if kind == "cancel":
            total = sum(p["amount"] for p in order["payment_history"] if p["transaction_type"] == "payment")
            return (f"Order {oid} will be cancelled (reason: {state['cancel_reason']}). Items: "
                    + "; ".join(item_text(i) for i in order["items"])
                    + f". The total of {money(total)} will be refunded to your {describe_payment_method(methods[original])}"
                    + f" {refund_timing(methods[original])}.")
        if kind == "modify_address":
            return (f"The shipping address of order {oid} will change from {address_text(order['address'])} to "
                    f"{address_text(state['shipping_address'])}.")
        if kind == "modify_payment":
            amount = order["payment_history"][0]["amount"]
            return (f"Order {oid} ({money(amount)}) will be paid with your {describe_payment_method(methods[state['payment_method_id']])} "
                    f"instead of your {describe_payment_method(methods[original])}, which will be refunded "
                    f"{refund_timing(methods[original])}.")
        method = describe_payment_method(methods[state["payment_method_id"]])
        if kind == "return":
            items = [i for i in order["items"] if i["item_id"] in state["order_item_ids"]]
            return (f"From order {oid} you'll return: " + "; ".join(item_text(i) for i in items)
                    + f". The refund of {money(self._return_total(state))} goes to your {method}. The order status becomes "
                    "'return requested', and you'll get an email explaining how to send the items back.")
        lines = []
        for old_id, new_id in zip(state["order_item_ids"], state["new_item_ids"]):
            old = next(i for i in order["items"] if i["item_id"] == old_id)
            new = self.store.get_product(old["product_id"])["variants"][new_id]
            lines.append(f"{old['name']}: {options_text(old['options'])} ({money(old['price'])}) -> "
                         f"{options_text(new['options'])} ({money(new['price'])})")
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
        return items_total(self.store.get_order(state["order_id"]), list(state["order_item_ids"]))
