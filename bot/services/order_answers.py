"""Answers to a verified shopper's questions about their own orders: tracking numbers, totals, the price
paid for an item, payment methods, refunds, addresses, status. Every fact comes from the store, and only
from this customer's orders."""
from __future__ import annotations

import re

from bot.domain import order_parsing as parse
from bot.domain.catalogue import money
from bot.domain.facts import Answer
from bot.domain.order_wording import address_text, item_label, item_text
from bot.domain.orders import describe_payment_method, items_total
from bot.services.order_facts import OrderFacts


class OrderAnswers(OrderFacts):
    def answer_question(self, customer_id: str, text: str, order_id: str | None = None,
                        kind: str = "order_fact") -> Answer:
        """The facts `text` asks for, about the orders it names (by id or by product), else all of them."""
        user = self.store.get_user(customer_id) or {}
        own = list(user.get("orders", []))
        named = parse.find_order_ids(text)
        foreign = [oid for oid in named if oid not in own]
        if foreign:  # the same words as for an order that does not exist: nothing leaks
            return Answer(f"I can't find order {foreign[0]} on your account, so I can't help with it here.",
                          "order_refused")
        ids = named or ([order_id] if order_id and order_id in own else own)
        orders = [o for o in (self.store.get_order(oid) for oid in ids) if o]
        if not orders:
            return Answer("There are no orders on your account yet.", kind)
        picked = {} if named else {o["order_id"]: parse.match_order_items(text, o["items"]) for o in orders}
        if any(picked.values()) and not parse.wants_all_items(text):  # "the grills": only orders holding them
            orders = [o for o in orders if picked[o["order_id"]]]
        else:
            picked = {}
        facts = parse.order_question(text, known_customer=True) or (
            ["invoice"] if re.search(r"\b(invoice|receipt)s?\b", text, re.I) else ["status"])
        methods = user.get("payment_methods", {})
        lines: list[str] = []
        for fact in facts:
            lines += getattr(self, f"_fact_{fact}")(orders, picked, methods)
        return Answer("\n".join(dict.fromkeys(lines)), kind)

    def _read_question(self, state: dict) -> Answer:
        """The submitted question request: asked in the message that opened it, answered once verified."""
        return self.answer_question(state["customer_id"], state.get("order_opening") or "", state.get("order_id"),
                                    kind="order_status")

    def _fact_invoice(self, orders, picked, methods) -> list[str]:
        """What an invoice of each order says: its items with the prices paid, the total, the payments."""
        lines = []
        for o in orders:
            total = round(sum(i["price"] for i in o["items"]), 2)
            lines.append(f"Order {o['order_id']} ({o['status']}): " + "; ".join(item_text(i) for i in o["items"])
                         + f". Total {money(total)}.")
            lines += self._payments(o, methods)
        return lines

    def _fact_status(self, orders, picked, methods) -> list[str]:
        return [f"Order {o['order_id']} is {o['status']}." for o in orders]

    def _fact_items(self, orders, picked, methods) -> list[str]:
        return [f"Order {o['order_id']} ({o['status']}): " + "; ".join(item_text(i) for i in o["items"]) + "."
                for o in orders]

    def _fact_address(self, orders, picked, methods) -> list[str]:
        return [f"Order {o['order_id']} ships to {address_text(o['address'])}." for o in orders]

    def _fact_tracking(self, orders, picked, methods) -> list[str]:
        lines = []
        for o in orders:
            wanted = set(picked.get(o["order_id"]) or [i["item_id"] for i in o["items"]])
            found = [f for f in o.get("fulfillments", []) if wanted & set(f.get("item_ids", []))]
            for f in found:
                names = ", ".join(dict.fromkeys(item_label(o, i) for i in f.get("item_ids", []) if i in wanted))
                lines.append(f"Order {o['order_id']}: tracking number {', '.join(f.get('tracking_id', []))} ({names}).")
            if not found:
                lines.append(f"Order {o['order_id']} has no tracking number yet: it is {o['status']}.")
        return lines

    def _fact_total(self, orders, picked, methods) -> list[str]:
        lines, total = [], 0.0
        for o in orders:
            chosen = picked.get(o["order_id"])
            if chosen:
                remaining = list(chosen)
                for item in o["items"]:
                    if item["item_id"] in remaining:
                        remaining.remove(item["item_id"])
                        total += item["price"]
                        lines.append(f"You paid {money(item['price'])} for the {item_label(o, item['item_id'])} "
                                     f"in order {o['order_id']}.")
                continue
            items_total = round(sum(i["price"] for i in o["items"]), 2)
            total += items_total
            n = len(o["items"])
            lines.append(f"Order {o['order_id']} ({o['status']}) comes to {money(items_total)} for {n} item"
                         f"{'s' if n != 1 else ''}.")
            lines += self._payments(o, methods)
        if len(lines) > 1 and (len(orders) > 1 or any(picked.values())):
            lines.append(f"Altogether: {money(round(total, 2))}.")
        return lines

    def _fact_payment(self, orders, picked, methods) -> list[str]:
        return [line for o in orders for line in self._payments(o, methods, with_order=True)]

    def _payments(self, order: dict, methods: dict, with_order: bool = False) -> list[str]:
        where = f" for order {order['order_id']}" if with_order else ""
        return [f"{p['transaction_type'].capitalize()} of {money(p['amount'])} with your "
                f"{self._method(methods, p['payment_method_id'])}{where}." for p in order.get("payment_history", [])]

    def _fact_refund(self, orders, picked, methods) -> list[str]:
        lines, total = [], 0.0
        for o in orders:
            oid = o["order_id"]
            for p in o.get("payment_history", []):
                if p["transaction_type"] == "refund":
                    total += p["amount"]
                    lines.append(f"Order {oid}: a refund of {money(p['amount'])} to your "
                                 f"{self._method(methods, p['payment_method_id'])}.")
            if o.get("return_items"):
                amount = items_total(o, list(o["return_items"]))
                total += amount
                names = ", ".join(item_label(o, i) for i in o["return_items"])
                lines.append(f"Order {oid} ({o['status']}: {names}): the refund of "
                             f"{money(round(amount, 2))} goes to your "
                             f"{self._method(methods, o.get('return_payment_method_id'))}.")
            diff = o.get("exchange_price_difference")
            if diff is not None and diff < 0:
                total -= diff
                lines.append(f"Order {oid}: the exchange ({o['status']}) refunds the price difference of "
                             f"{money(-diff)} to your {self._method(methods, o.get('exchange_payment_method_id'))}.")
        if not lines:
            which = orders[0]["order_id"] if len(orders) == 1 else "your orders"
            lines.append(f"There is no refund on {which}.")
        elif len(lines) > 1:
            lines.append(f"Altogether: {money(round(total, 2))}.")
        return lines

    @staticmethod
    def _method(methods: dict, method_id: str | None) -> str:
        method = methods.get(method_id or "")
        return describe_payment_method(method) if method else str(method_id)
