"""What a shopper's order request is and which details it needs. Pure: no I/O.

The kinds mirror the store policy: reads need only an authenticated customer; every write needs an
explicit yes after the bot has listed exactly what will happen.
"""
from __future__ import annotations

import re

READ_KINDS = ("status", "list", "profile", "question")
WRITE_KINDS = (
    "cancel", "modify_address", "modify_payment", "modify_items", "return", "exchange", "change_default_address",
)

# Slots of the order form, in the order the bot asks for them.
REQUIRED_SLOTS = {
    "status": ["customer_id", "order_id"],
    "list": ["customer_id"],
    "question": ["customer_id"],  # a question about the shopper's own orders (order_parsing.order_question)
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
# The verbs that say what a shopper wants done, in their own words ("send back the keyboard" is a return).
_KIND_VERBS = {
    "cancel": r"cancel(?:l?ing|l?ed|lation)?",
    "return": r"(?:return(?:ing|ed)?|refund(?:ed)?|send(?:ing)?(?: \S+){0,4}? back|sent(?: \S+){0,4}? back|"
              r"give(?: \S+){0,3}? back|take(?: \S+){0,3}? back|money back)",
    "exchange": r"(?:exchang(?:e|ed|ing)|swap(?:ped|ping)?|trade(?: \S+){0,3}? for)",
}
_KIND_INTENTS = {"cancel": "order_cancel", "return": "order_return", "exchange": "order_exchange"}
# A verb is negated when its clause says so before it: "I don't want to exchange", "rather than exchanging".
_NEGATION = re.compile(r"\b(don'?t|do not|doesn'?t|not|no|never|rather than|instead of|without|won'?t|wouldn'?t|"
                       r"didn'?t|no need to)\b(?!\s+(?:only|just)\b)[^,.;!?]*$", re.I)
_DESIRE = re.compile(r"\b(want|wanna|would like|'d like|like to|need|prefer|rather|meant|mean|can i|could i|may i|"
                     r"can you|could you|please|let me|let's|i'll|i will|i'm going to|actually|instead|help me)\b", re.I)
_CORRECTION_START = re.compile(r"^\W*(no|nope|not|actually|sorry|wait|oh|i meant|i mean)\b", re.I)


def stated_kinds(text: str) -> list[tuple[int, str, bool]]:
    """(position, kind, negated) for every cancel / return / exchange verb in the message, in order."""
    found = []
    for kind, verb in _KIND_VERBS.items():
        for match in re.finditer(rf"\b{verb}\b", text, re.I):
            if re.fullmatch(r"\w+(ed|ation)", match.group(0), re.I):
                continue  # "was #W… cancelled?", "the cancellation fee": about a state or a rule, not a wish
            clause = re.split(r"[,.;!?]", text[: match.start()])[-1]
            found.append((match.start(), kind, bool(_NEGATION.search(clause))))
    return sorted(found)


def stated_kind(text: str) -> str | None:
    """The first cancel / return / exchange the message asks for and does not negate:
    "No, I don't want to exchange anything, I want to return it" -> 'return'."""
    return next((kind for _, kind, negated in stated_kinds(text) if not negated), None)


def corrected_kind(text: str) -> str | None:
    """A message that changes what the request is ("no, I want to return it, not exchange it"): the new
    kind when a not-negated verb comes with a wish or a correction, else None. Answers to the bot's
    questions ("refund it to my card", "the gaming mouse") never count: refund alone is not a switch."""
    if text.rstrip().endswith("?") and not re.search(r"\b(instead|rather)\b", text, re.I):
        return None  # "can I still cancel it?" asks about the rules; "can I return it instead?" switches
    for position, kind, negated in stated_kinds(text):
        if negated:
            continue
        verb_text = text[position:position + 12].lower()
        if verb_text.startswith("refund") or verb_text.startswith("money"):
            continue
        clause = re.split(r"[.;!?]", text[:position])[-1]
        if _DESIRE.search(clause) or _CORRECTION_START.search(text) or not clause.strip():
            return kind
    return None


_QUESTION_START = re.compile(r"^\s*(how|what|when|why|where|which|do|does|is|are|can|could|will|would)\b", re.I)
_ORDER_ID_IN_TEXT = re.compile(r"(?<![\w])#?\s?[Ww]\s?\d{7}(?!\d)")


def order_request_intent(text: str) -> str | None:
    """'I want to cancel my order' is a request, not a policy question: which order intent it is, if any.

    A safety net under NLU: policy questions ('how do returns work?', 'can I still cancel it?') start
    with a question word and are left alone, unless they name one of the shopper's orders ('Can I
    return the water bottle? It was order #W…'): an order id with a return verb is a request.
    """
    if len(text) > 400:
        return None
    has_id = bool(_ORDER_ID_IN_TEXT.search(text))
    if _QUESTION_START.search(text) and not has_id:
        return None
    for position, kind, negated in stated_kinds(text):
        if negated:
            continue
        sentence = re.split(r"[.?!]", text[:position])[-1]
        if has_id or re.search(_WANT + r"$", sentence, re.I):
            return _KIND_INTENTS[kind]
    match = re.search(_WANT + rf"\b{_CHANGE}", text, re.I) or re.search(rf"\b{_CHANGE}\b[^.?!]*#?W\d{{7}}", text, re.I)
    if match and re.search(r"\b(orders?|address|payment|items?)\b", text, re.I) and not _QUESTION_START.search(text):
        return "order_modify"
    if has_id and asks_to_act(text):  # "can order #W… be paid with my mastercard?", "could it be the 1500 one?"
        return "order_modify"
    return None


_CHANGE = r"(change|modify|update|switch|swap|adjust|alter|amend|tweak|replace|upgrade|downgrade)"
# A shopper asking the bot to do something to an order, in a question's clothes or not: a request, not a
# question about it ("could you change them to white?", "it should go to my new address", "... instead").
_ACT = re.compile(
    rf"\b(can|could|would|will)\s+(you|u|ya)\s+(please\s+|kindly\s+|just\s+)?({_CHANGE}|move|redirect|"
    r"make (it|them|that|this)|put (it|them|that|this)|charge (it|them|that|this)|"
    r"(ship|send|deliver) (it|them|that|this|the order) to)\b|"
    r"\b(can|could|may)\s+(it|this|that|they|these|those|the (order|items?)|(my )?order\s+#?W\d{7}|#?W\d{7})\s+"
    r"(please\s+)?(be (the|a|an|paid|charged|billed|changed|switched|swapped|moved|(sent|shipped|delivered) to)|"
    r"go to|get (changed|switched|swapped|moved))\b|"
    r"\b(should|needs? to|has to|must)\s+(go|ship|be (sent|shipped|delivered))\s+to\b|"
    r"\b(should|needs? to|has to|must)\s+be\s+(paid|charged|billed)\s+(with|on|to|by|using)\b|"
    r"\b(instead|rather than|in place of)\b", re.I)


def asks_to_act(text: str) -> bool:
    return bool(_ACT.search(text))
