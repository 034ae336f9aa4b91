"""What a person taking over needs to know, from the conversation's own record. Pure: no I/O.

The summary only restates slots the bot verified and the shopper's own words (shortened), so it can't
contain anything that wasn't said or looked up.
"""
from __future__ import annotations

HANDOFF_TEXT = ("Okay, I'm passing your conversation to a person from our team. They will reply here as soon as "
                "they can, and they'll see what we've talked about so far.")
REQUEST_WORDS = {
    "status": "order status", "list": "list of orders", "profile": "account details", "cancel": "cancel an order",
    "modify_address": "change an order's shipping address", "modify_payment": "change an order's payment method",
    "modify_items": "change items in a pending order", "return": "return delivered items",
    "exchange": "exchange delivered items", "change_default_address": "change the default address",
}


def handoff_summary(slots: dict, shopper_messages: list[str], max_quotes: int = 3) -> str:
    parts = []
    customer = slots.get("customer_id")
    parts.append(f"Verified customer: {customer}." if customer else "Customer not verified.")
    request = slots.get("order_request")
    if request:
        detail = f" (order {slots['order_id']})" if slots.get("order_id") else ""
        parts.append(f"Open request: {REQUEST_WORDS.get(request, request)}{detail}; nothing was changed for it.")
    quotes = [_short(m) for m in shopper_messages if m and not m.startswith("/")][-max_quotes:]
    if quotes:
        parts.append("Shopper's last messages: " + " | ".join(f'"{q}"' for q in quotes))
    return " ".join(parts)


def _short(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
