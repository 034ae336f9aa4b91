"""Converts between tau-bench's JSON records and table rows, both ways, so that a dump of the tables
gives back the JSON it was seeded from. Rows are read by attribute (ORM objects or Core rows)."""
from __future__ import annotations

ADDRESS_KEYS = ("address1", "address2", "city", "country", "state", "zip")
# Keys the write operations add to an order; a null column means the key is absent.
ORDER_OUTCOME_KEYS = ("cancel_reason", "return_items", "return_payment_method_id", "exchange_items",
                      "exchange_new_items", "exchange_payment_method_id", "exchange_price_difference")
_USER_KEYS = {"name", "address", "email", "payment_methods", "orders"}
_ORDER_KEYS = {"order_id", "user_id", "address", "items", "fulfillments", "status", "payment_history",
               *ORDER_OUTCOME_KEYS}
_PAYMENT_METHOD_KEYS = {"source", "brand", "last_four", "balance", "id"}


def customer_rows(user_id: str, user: dict, position: int) -> tuple[dict, list[dict]]:
    customer = {"id": user_id, "position": position, "first_name": user["name"]["first_name"],
                "last_name": user["name"]["last_name"], "email": user["email"],
                **_address_columns(user["address"]), "extra": _extra(user, _USER_KEYS)}
    methods = [_payment_method_row(user_id, method, i) for i, method in enumerate(user["payment_methods"].values())]
    return customer, methods


def _payment_method_row(user_id: str, method: dict, position: int) -> dict:
    balance = method.get("balance")
    return {"id": method["id"], "customer_id": user_id, "position": position, "source": method["source"],
            "brand": method.get("brand"), "last_four": method.get("last_four"), "balance": balance,
            "balance_is_int": isinstance(balance, int), "extra": _extra(method, _PAYMENT_METHOD_KEYS)}


def order_rows(order: dict, position: int) -> tuple[dict, list[dict], list[dict], list[dict]]:
    order_id = order["order_id"]
    row = {"id": order_id, "customer_id": order["user_id"], "position": position, "status": order["status"],
           **_address_columns(order["address"]), **{key: order.get(key) for key in ORDER_OUTCOME_KEYS},
           "extra": _extra(order, _ORDER_KEYS)}
    items = [{"order_id": order_id, "position": i, **item} for i, item in enumerate(order["items"])]
    fulfilments = [{"order_id": order_id, "position": i, "tracking_ids": f["tracking_id"], "item_ids": f["item_ids"]}
                   for i, f in enumerate(order["fulfillments"])]
    transactions = [{"order_id": order_id, "position": i, **payment}
                    for i, payment in enumerate(order["payment_history"])]
    return row, items, fulfilments, transactions


def product_rows(product: dict, position: int) -> tuple[dict, list[dict]]:
    row = {"id": product["product_id"], "position": position, "name": product["name"]}
    variants = [{"id": v["item_id"], "product_id": product["product_id"], "position": i, "options": v["options"],
                 "available": v["available"], "price": v["price"]}
                for i, v in enumerate(product["variants"].values())]
    return row, variants


def user_record(customer, payment_methods, order_ids: list[str]) -> dict:
    return {"name": {"first_name": customer.first_name, "last_name": customer.last_name},
            "address": _address(customer), "email": customer.email,
            "payment_methods": {m.id: _payment_method(m) for m in payment_methods},
            "orders": list(order_ids), **(customer.extra or {})}


def _payment_method(row) -> dict:
    method = {"source": row.source}
    if row.brand is not None:
        method["brand"] = row.brand
    if row.last_four is not None:
        method["last_four"] = row.last_four
    if row.balance is not None:
        method["balance"] = int(row.balance) if row.balance_is_int else row.balance
    return {**method, "id": row.id, **(row.extra or {})}


def order_record(order, items, fulfilments, transactions) -> dict:
    record = {
        "order_id": order.id, "user_id": order.customer_id, "address": _address(order),
        "items": [{"name": i.name, "product_id": i.product_id, "item_id": i.item_id, "price": i.price,
                   "options": i.options} for i in items],
        "fulfillments": [{"tracking_id": f.tracking_ids, "item_ids": f.item_ids} for f in fulfilments],
        "status": order.status,
        "payment_history": [{"transaction_type": t.transaction_type, "amount": t.amount,
                             "payment_method_id": t.payment_method_id} for t in transactions],
    }
    record.update({key: getattr(order, key) for key in ORDER_OUTCOME_KEYS if getattr(order, key) is not None})
    return {**record, **(order.extra or {})}


def product_record(product, variants) -> dict:
    return {"name": product.name, "product_id": product.id,
            "variants": {v.id: {"item_id": v.id, "options": v.options, "available": v.available, "price": v.price}
                         for v in variants}}


def _address_columns(address: dict) -> dict:
    return {key: address[key] for key in ADDRESS_KEYS}


def _address(row) -> dict:
    return {key: getattr(row, key) for key in ADDRESS_KEYS}


def _extra(record: dict, known: set[str]) -> dict | None:
    extra = {key: value for key, value in record.items() if key not in known}
    return extra or None
