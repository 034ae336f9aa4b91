"""What a person taking over needs to know, from the conversation's own record. Pure: no I/O.

The summary only restates slots the bot verified and the shopper's own words (shortened), so it can't
contain anything that wasn't said or looked up.
"""
from __future__ import annotations

from bot.domain.sentiment import strongly_negative

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


# Reply kinds that mean the bot could not help with the last message.
# ("policy_tentative": not sure, only the closest passage quoted; the shopper may still lack the answer)
FAILED_KINDS = {"unknown", "unavailable", "technical_problem", "input_unreadable", "order_rule", "out_of_scope",
                "policy_tentative"}
_ANGRY = ("angry", "furious", "ridiculous", "terrible", "awful", "useless", "worst", "unacceptable", "disgusting",
          "pathetic", "scam", "fed up", "sick of", "waste of time", "not helpful", "stupid", "hate")


def sounds_frustrated(text: str) -> bool:
    """Anger words, or a shout (mostly capitals, or several exclamation marks)."""
    low = text.lower()
    letters = [c for c in text if c.isalpha()]
    shouting = len(letters) >= 8 and sum(c.isupper() for c in letters) / len(letters) > 0.7
    return any(w in low for w in _ANGRY) or shouting or "!!!" in text


def frustrated(text: str, score: float | None = None) -> bool:
    """One message towards the frustration handoff: anger words or a shout, or a strongly negative score."""
    return sounds_frustrated(text) or strongly_negative(score)


def handoff_reason(bot_turns: list[list[str]], shopper_texts: list[str],
                   shopper_scores: list[float | None] | None = None) -> str | None:
    """Why a person should take over now, or None.

    bot_turns: the reply kinds of each bot turn, oldest first (the last one just happened).
    shopper_texts: the shopper's messages, oldest first.
    shopper_scores: their sentiment scores, aligned with shopper_texts (None: not scored). A strongly
    negative message counts as frustrated even without anger words.
    """
    if bot_turns and "handoff" in bot_turns[-1]:
        return "The shopper asked for a person."
    failed = [any(k in FAILED_KINDS for k in turn) for turn in bot_turns[-2:]]
    if len(failed) == 2 and all(failed):
        return "The assistant could not help twice in a row."
    texts = shopper_texts[-3:]
    scores = list(shopper_scores or [])[-len(texts):] if texts else []
    scores = [None] * (len(texts) - len(scores)) + scores  # aligned from the newest message
    if sum(frustrated(text, score) for text, score in zip(texts, scores)) >= 2:
        return "The shopper sounds frustrated."
    return None


def wait_notice(position: int, minutes_per_conversation: int) -> str:
    minutes = max(1, position * minutes_per_conversation)
    ahead = ("You're next in line" if position <= 1 else "There is 1 person ahead of you" if position == 2
             else f"There are {position - 1} people ahead of you")
    return (f"A person from our team will take over this conversation. {ahead}; expected wait about {minutes} "
            "minute" + ("s" if minutes != 1 else "") + ". Your messages are saved and they'll see them.")
