"""How orders, items, addresses and refunds are worded for the shopper. Pure: no I/O."""
from __future__ import annotations

from bot.domain.catalogue import money


def options_text(options: dict) -> str:
    return ", ".join(f"{k} {v}" for k, v in options.items())


def item_text(item: dict) -> str:
    return f"{item['name']} ({options_text(item['options'])}), {money(item['price'])}"


def item_label(order: dict, item_id: str) -> str:
    item = next((i for i in order["items"] if i["item_id"] == item_id), None)
    return f"{item['name']} ({options_text(item['options'])})" if item else item_id


def address_args(address: dict) -> dict:
    return {k: address.get(k, "") for k in ("address1", "address2", "city", "state", "country", "zip")}


def address_text(address: dict) -> str:
    parts = [address.get("address1"), address.get("address2"), address.get("city"),
             f"{address.get('state', '')} {address.get('zip', '')}".strip(), address.get("country")]
    return ", ".join(p for p in parts if p)


def refund_timing(method: dict) -> str:
    return "right away" if method.get("source") == "gift_card" else "within 5 to 7 business days"
