"""The seven write operations of the tau-bench retail world, as pure functions. No I/O.

`apply_operation` checks an operation against the records it touches and returns their new state as
deep copies; the SQL store writes that state, and its dry run (`check`) throws it away. Checks and
arithmetic follow tau-bench's tools step by step, floats and list positions included, so the data
that results is the same as tau-bench's (its "Error: ..." answers become `OrderRuleError`).
"""
from __future__ import annotations

import copy
import json
from dataclasses import dataclass

CANCEL_REASONS = ("no longer needed", "ordered by mistake")
ADDRESS_FIELDS = ("address1", "address2", "city", "state", "country", "zip")

# Operation name -> argument names, exactly as in tau-bench's tools_schema.json.
WRITE_OPERATIONS: dict[str, tuple[str, ...]] = {
    "cancel_pending_order": ("order_id", "reason"),
    "modify_pending_order_address": ("order_id", *ADDRESS_FIELDS),
    "modify_pending_order_payment": ("order_id", "payment_method_id"),
    "modify_pending_order_items": ("order_id", "item_ids", "new_item_ids", "payment_method_id"),
    "return_delivered_order_items": ("order_id", "item_ids", "payment_method_id"),
    "exchange_delivered_order_items": ("order_id", "item_ids", "new_item_ids", "payment_method_id"),
    "modify_user_address": ("user_id", *ADDRESS_FIELDS),
}

# How a refused order's status reads in "That order ..., so it can't be ...".
_STATUS_PHRASES = {
    "pending": "hasn't been delivered yet",
    "processed": "is already being processed",
    "delivered": "is already delivered",
    "cancelled": "is already cancelled",
    "pending (item modified)": "has already had its items changed",
    "return requested": "already has a return requested",
    "exchange requested": "already has an exchange requested",
}


class OrderRuleError(Exception):
    """The shop's rules refuse an operation. `str(error)` is a polite sentence for the shopper;
    `code` is a stable name for the rule, for dialogue logic and tests."""

    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass(frozen=True)
class Operation:
    name: str  # one of WRITE_OPERATIONS
    kwargs: dict  # tau-bench's argument names

    def __post_init__(self):
        expected = WRITE_OPERATIONS.get(self.name)
        if expected is None:
            raise ValueError(f"unknown write operation {self.name!r}")
        if set(self.kwargs) != set(expected):
            raise ValueError(f"{self.name} takes {', '.join(expected)}; got {', '.join(sorted(self.kwargs))}")

    @property
    def targets_user(self) -> bool:
        """True when the operation names a user rather than an order."""
        return "user_id" in self.kwargs


@dataclass(frozen=True)
class Effect:
    """New state of the records an operation changes; None where a record stays as it was."""

    order: dict | None
    user: dict | None

    @property
    def result(self) -> dict:
        """What tau-bench's tool answers with: the order, or the user for modify_user_address."""
        return self.order if self.order is not None else self.user


def apply_operation(op: Operation, user: dict | None, order: dict | None, products: dict) -> Effect:
    """Checks `op` and returns the new state. `user` is the order's owner (or the named user),
    `products` at least the products of the order's items. The arguments are left unchanged."""
    new_user, new_order = copy.deepcopy(user), copy.deepcopy(order)
    if op.targets_user:
        _require(new_user is not None, "I couldn't find that customer account.", "user_not_found")
        new_user["address"] = _address(op.kwargs)
        return Effect(order=None, user=new_user)
    _require(new_order is not None, "I couldn't find an order with that number.", "order_not_found")
    _require(new_user is not None, "I couldn't find the customer of that order.", "user_not_found")
    _OPERATIONS[op.name](new_user, new_order, products, op.kwargs)
    return Effect(order=new_order, user=None if _same_json(new_user, user) else new_user)


def price_difference(order: dict, item_ids: list[str], new_item_ids: list[str], products: dict) -> float:
    """What swapping `item_ids` for `new_item_ids` costs (negative: a refund), rounded to cents."""
    return round(_price_difference(order, item_ids, new_item_ids, products), 2)


def _cancel(user: dict, order: dict, products: dict, kw: dict) -> None:
    _require_status(order, "pending", "cancelled any more")
    _require(kw["reason"] in CANCEL_REASONS,
             "I can cancel an order when it is no longer needed or was ordered by mistake.", "invalid_reason")
    # Every entry of the history is refunded, earlier refunds included: that is what tau-bench does.
    refunds = [{"transaction_type": "refund", "amount": p["amount"], "payment_method_id": p["payment_method_id"]}
               for p in order["payment_history"]]
    for payment in order["payment_history"]:
        if _is_gift_card_id(payment["payment_method_id"]):  # gift cards are refunded at once
            _add_to_balance(_payment_method(user, payment["payment_method_id"]), payment["amount"])
    order["status"] = "cancelled"
    order["cancel_reason"] = kw["reason"]
    order["payment_history"].extend(refunds)


def _modify_address(user: dict, order: dict, products: dict, kw: dict) -> None:
    _require_status(order, "pending", "changed any more")
    order["address"] = _address(kw)


def _modify_payment(user: dict, order: dict, products: dict, kw: dict) -> None:
    _require_status(order, "pending", "changed any more")
    new_method = _payment_method(user, kw["payment_method_id"])
    history = order["payment_history"]
    _require(len(history) == 1 and history[0]["transaction_type"] == "payment",
             "The payment of that order has already been changed, so it can't be changed again.",
             "payment_not_single")
    old_id, amount = history[0]["payment_method_id"], history[0]["amount"]
    _require(old_id != kw["payment_method_id"], "That order is already paid with that payment method.",
             "same_payment_method")
    _require_gift_card_covers(new_method, amount)
    old_method = _payment_method(user, old_id) if _is_gift_card_id(old_id) else None
    history.append({"transaction_type": "payment", "amount": amount, "payment_method_id": kw["payment_method_id"]})
    history.append({"transaction_type": "refund", "amount": amount, "payment_method_id": old_id})
    if new_method["source"] == "gift_card":
        _add_to_balance(new_method, -amount)
    if old_method is not None:
        _add_to_balance(old_method, amount)


def _modify_items(user: dict, order: dict, products: dict, kw: dict) -> None:
    _require_status(order, "pending", "changed any more")
    difference = _price_difference(order, kw["item_ids"], kw["new_item_ids"], products)  # not rounded, as in tau
    method = _payment_method(user, kw["payment_method_id"])
    _require_gift_card_covers(method, difference)
    order["payment_history"].append({"transaction_type": "payment" if difference > 0 else "refund",
                                     "amount": abs(difference), "payment_method_id": kw["payment_method_id"]})
    if method["source"] == "gift_card":
        _add_to_balance(method, -difference)
    for old_id, new_id in zip(kw["item_ids"], kw["new_item_ids"]):
        # Searched again in the items as changed so far, so a swapped item can match a later pair.
        item = _first_item(order, old_id)
        variant = products[item["product_id"]]["variants"][new_id]
        item.update(item_id=new_id, price=variant["price"], options=copy.deepcopy(variant["options"]))
    order["status"] = "pending (item modified)"


def _return(user: dict, order: dict, products: dict, kw: dict) -> None:
    _require_status(order, "delivered", "returned")
    method_id = kw["payment_method_id"]
    _payment_method(user, method_id)
    original_id = order["payment_history"][0]["payment_method_id"] if order["payment_history"] else None
    _require(_is_gift_card_id(method_id) or method_id == original_id,
             "A refund can only go to the original payment method or to a gift card.", "refund_method_not_allowed")
    _require_items_in_order(order, kw["item_ids"])
    order["status"] = "return requested"
    order["return_items"] = sorted(kw["item_ids"])
    order["return_payment_method_id"] = method_id


def _exchange(user: dict, order: dict, products: dict, kw: dict) -> None:
    _require_status(order, "delivered", "exchanged")
    difference = price_difference(order, kw["item_ids"], kw["new_item_ids"], products)
    _require_gift_card_covers(_payment_method(user, kw["payment_method_id"]), difference)
    order["status"] = "exchange requested"
    order["exchange_items"] = sorted(kw["item_ids"])
    order["exchange_new_items"] = sorted(kw["new_item_ids"])
    order["exchange_payment_method_id"] = kw["payment_method_id"]
    order["exchange_price_difference"] = difference


_OPERATIONS = {
    "cancel_pending_order": _cancel,
    "modify_pending_order_address": _modify_address,
    "modify_pending_order_payment": _modify_payment,
    "modify_pending_order_items": _modify_items,
    "return_delivered_order_items": _return,
    "exchange_delivered_order_items": _exchange,
}


def items_total(order: dict, item_ids: list[str]) -> float:
    """What the order's items with these ids cost (an id named twice counts two of its items)."""
    remaining, total = list(item_ids), 0.0
    for item in order["items"]:
        if item["item_id"] in remaining:
            remaining.remove(item["item_id"])
            total += item["price"]
    return round(total, 2)


def describe_payment_method(method: dict) -> str:
    """How the bot names a payment method to the shopper."""
    source = method.get("source", "")
    if source == "gift_card":
        return f"gift card (balance ${method.get('balance', 0):.2f})"
    if source == "paypal":
        return "PayPal"
    if source == "credit_card":
        return f"{method.get('brand', 'credit').title()} credit card ending {method.get('last_four', '')}".strip()
    return source.replace("_", " ") or "payment method"


def _is_gift_card_id(method_id: str) -> bool:
    # tau-bench tells gift cards by their id ("gift_card_..."), not by the source field, when refunding.
    return "gift_card" in method_id


def _price_difference(order: dict, item_ids: list[str], new_item_ids: list[str], products: dict) -> float:
    _require_items_in_order(order, item_ids)
    _require(len(item_ids) == len(new_item_ids), "Please pick one new item for each item you want to change.",
             "item_count_mismatch")
    difference = 0  # summed pair by pair in this order, as tau does, so the floats come out the same
    for old_id, new_id in zip(item_ids, new_item_ids):
        item = _first_item(order, old_id)
        difference += _available_variant(products, item, new_id)["price"] - item["price"]
    return difference


def _require_items_in_order(order: dict, item_ids: list[str]) -> None:
    in_order = [item["item_id"] for item in order["items"]]
    for item_id in item_ids:
        if item_ids.count(item_id) > in_order.count(item_id):
            extra = " that many times" if item_id in in_order else ""
            raise OrderRuleError(f"That order doesn't contain item {item_id}{extra}.", "item_not_in_order")


def _available_variant(products: dict, item: dict, new_id: str) -> dict:
    product = products.get(item["product_id"])
    _require(product is not None, f"I can't find the product of item {item['item_id']} any more.",
             "product_not_found")
    variant = product["variants"].get(new_id)
    _require(variant is not None, f"Item {new_id} isn't an option of the {product['name']}; an item can only be "
             "swapped for another option of the same product.", "new_item_wrong_product")
    _require(variant["available"], f"Sorry, item {new_id} ({product['name']}) is out of stock.",
             "new_item_unavailable")
    return variant


def _first_item(order: dict, item_id: str) -> dict:
    return next(item for item in order["items"] if item["item_id"] == item_id)


def _payment_method(user: dict, method_id: str) -> dict:
    method = user["payment_methods"].get(method_id)
    _require(method is not None, "That payment method isn't on your account.", "payment_method_not_found")
    return method


def _require_gift_card_covers(method: dict, amount: float) -> None:
    if method["source"] == "gift_card" and method["balance"] < amount:
        raise OrderRuleError(f"That gift card has ${method['balance']:.2f} left, which doesn't cover "
                             f"${amount:.2f}.", "insufficient_gift_card_balance")


def _add_to_balance(method: dict, amount: float) -> None:
    method["balance"] = round(method["balance"] + amount, 2)


def _require_status(order: dict, status: str, refused: str) -> None:
    if order["status"] != status:
        phrase = _STATUS_PHRASES.get(order["status"], f"is {order['status']}")
        raise OrderRuleError(f"That order {phrase}, so it can't be {refused}.", f"not_{status}")


def _address(kw: dict) -> dict:
    return {name: kw[name] for name in ADDRESS_FIELDS}


def _same_json(a: dict, b: dict) -> bool:
    # Not ==: a gift card balance of 9 that became 9.0 is a change in the data (and in tau's hash).
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def _require(condition: bool, message: str, code: str) -> None:
    if not condition:
        raise OrderRuleError(message, code)
