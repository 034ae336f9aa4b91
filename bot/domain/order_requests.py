"""What a shopper's order request is and which details it needs. Pure: no I/O.

The kinds mirror the store policy: reads need only an authenticated customer; every write needs an
explicit yes after the bot has listed exactly what will happen.
"""
from __future__ import annotations

import re

READ_KINDS = ("status", "list", "profile")
WRITE_KINDS = (
    "cancel", "modify_address", "modify_payment", "modify_items", "return", "exchange", "change_default_address",
)

# Slots of the order form, in the order the bot asks for them.
REQUIRED_SLOTS = {
    "status": ["customer_id", "order_id"],
    "list": ["customer_id"],
    "profile": ["customer_id"],
    "cancel": ["customer_id", "order_id", "cancel_reason", "order_confirmed"],
    "modify_address": ["customer_id", "order_id", "shipping_address", "order_confirmed"],
    "modify_payment": ["customer_id", "order_id", "payment_method_id", "order_confirmed"],
    "modify_items": ["customer_id", "order_id", "order_item_ids", "new_item_ids", "payment_method_id", "order_confirmed"],
    "return": ["customer_id", "order_id", "order_item_ids", "payment_method_id", "order_confirmed"],
    "exchange": ["customer_id", "order_id", "order_item_ids", "new_item_ids", "payment_method_id", "order_confirmed"],
    "change_default_address": ["customer_id", "shipping_address", "order_confirmed"],
}
# Which order statuses each kind may act on (the policy's "check the status before acting").
ALLOWED_STATUSES = {
    "cancel": ("pending",),
    "modify_address": ("pending",),
    "modify_payment": ("pending",),
    "modify_items": ("pending",),
    "return": ("delivered",),
    "exchange": ("delivered",),
}
VERBS = {
    "cancel": "cancel", "modify_address": "change the shipping address of",
    "modify_payment": "change the payment method of", "modify_items": "change items in",
    "return": "return items from", "exchange": "exchange items from", "status": "look up",
}
RULE_HINT = {
    "pending": "only while an order is still pending (not yet processed)",
    "delivered": "only once an order has been delivered",
}

INTENT_KINDS = {
    "order_status": "status",
    "order_list": "list",
    "account_info": "profile",
    "order_cancel": "cancel",
    "order_return": "return",
    "order_exchange": "exchange",
}
_DEFAULT_ADDRESS = re.compile(r"\b(default|profile|account|my address|home address|address on file)\b", re.I)
_ADDRESS = re.compile(r"\b(address|ship(ping)? to|deliver(y)? to|street|apartment|apt|suite)\b", re.I)
_PAYMENT = re.compile(r"\b(pay(ment|ing)?|card|paypal|gift ?card|charge|bill(ing)?)\b", re.I)
_ORDER = re.compile(r"\b(order|#?W\d{7})\b", re.I)


def request_kind(intent: str, text: str) -> str | None:
    """Map the NLU intent (plus a few keywords for 'modify') onto a request kind."""
    if intent in INTENT_KINDS:
        return INTENT_KINDS[intent]
    if intent != "order_modify":
        return None
    if _ADDRESS.search(text) and _DEFAULT_ADDRESS.search(text) and not _ORDER.search(text):
        return "change_default_address"
    if _ADDRESS.search(text):
        return "modify_address"
    if _PAYMENT.search(text) and not re.search(r"\b(size|colou?r|item|swap)\b", text, re.I):
        return "modify_payment"
    return "modify_items"


def required_slots(kind: str | None) -> list[str]:
    return list(REQUIRED_SLOTS.get(kind or "", ["customer_id"]))


def status_problem(kind: str, status: str) -> str | None:
    """Why an order in `status` can't have `kind` done to it, or None when it can."""
    allowed = ALLOWED_STATUSES.get(kind)
    if not allowed or status in allowed:
        return None
    hint = RULE_HINT[allowed[0]]
    extra = ""
    if status.startswith("pending (") and (kind.startswith("modify") or kind == "cancel"):
        extra = " Its items were already changed once, and an order can be changed only once."
    return f"That order is {status}, so I can't {VERBS[kind]} it: that's possible {hint}.{extra}"


_WANT = r"\b(i|we)\b[^.?!]*\b(want|wanna|would like|'d like|need|have to|must|wish)\b[^.?!]*"
_ACTS = {
    "order_cancel": r"cancel",
    "order_return": r"(return|refund|send (it|them|this) back|money back)",
    "order_exchange": r"(exchange|swap)",
    "order_modify": r"(change|modify|update|switch)",
}
_QUESTION_START = re.compile(r"^\s*(how|what|when|why|where|which|do|does|is|are|can|could|will|would)\b", re.I)


def order_request_intent(text: str) -> str | None:
    """'I want to cancel my order' is a request, not a policy question: which order intent it is, if any.

    A safety net under NLU: policy questions ('how do returns work?') start with a question word and
    are left alone.
    """
    if _QUESTION_START.search(text) or len(text) > 400:
        return None
    hits = []
    for intent, act in _ACTS.items():
        match = re.search(_WANT + rf"\b{act}", text, re.I) or re.search(rf"\b{act}\b[^.?!]*#?W\d{{7}}", text, re.I)
        if not match:
            continue
        if intent == "order_modify" and not re.search(r"\b(order|address|payment|item)\b", text, re.I):
            continue
        verb = re.search(rf"\b{act}", text[match.start():], re.I)
        hits.append((match.start() + verb.start(), intent))
    return min(hits)[1] if hits else None  # the first verb the shopper used
