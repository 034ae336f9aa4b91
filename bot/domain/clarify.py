"""Ask, don't guess: when the NLU is unsure, offer the likeliest readings as buttons. Pure.

The NLU's fallback fires when the top intent is below its threshold or the top two are close; there the
classifier is right only about half the time, so a short question beats answering the wrong one.
"""
from __future__ import annotations

from bot.domain.facts import Answer
from bot.domain.replies import HUMAN_BUTTON

# What each intent means, in the shopper's words (button titles).
READINGS = {
    "product_price": "The price of a product",
    "product_availability": "Whether a product is in stock",
    "product_options": "A product's options (colours, sizes, versions)",
    "product_info": "A detail about a product",
    "product_describe": "What a product is like",
    "recommendation": "A product suggestion",
    "policy_shipping": "Delivery options and times",
    "policy_returns": "Our returns and refunds rules",
    "policy_exchanges": "Our exchange rules",
    "policy_cancellation": "Our cancellation rules",
    "policy_warranty": "Warranty",
    "policy_payment": "Payment methods we accept",
    "policy_privacy": "Privacy and your data",
    "order_status": "Where my order is",
    "order_cancel": "Cancel an order of mine",
    "order_modify": "Change an order of mine",
    "order_return": "Return items from an order of mine",
    "order_exchange": "Exchange items from an order of mine",
    "order_list": "The orders I have placed",
    "account_info": "The details on my account",
    "invoice": "An invoice or receipt for an order",
    "account_help": "My account or password",
    "newsletter": "Newsletter and e-mails",
    "payment_problem": "A problem with a payment",
    "place_order": "How to buy something",
    "leave_review": "Leave a review or feedback",
    "complaint": "Make a complaint",
}
MIN_SCORE = 0.08  # readings below this are noise, not worth a button
MAX_CHOICES = 2


def readings(ranking: list[dict]) -> list[str]:
    """The intents worth offering, best first (fallback and intents with no shopper reading skipped)."""
    found = []
    for entry in ranking:
        name, score = entry.get("name"), float(entry.get("confidence") or 0.0)
        if name in READINGS and score >= MIN_SCORE and name not in found:
            found.append(name)
        if len(found) == MAX_CHOICES:
            break
    return found


def clarifying_question(choices: list[str]) -> Answer:
    """"Did you mean A or B?" with a button for each, for something else, and for a person."""
    buttons = [{"title": READINGS[intent], "payload": f"/{intent}"} for intent in choices]
    buttons.append({"title": "Something else", "payload": "/clarify_none"})
    buttons.append(HUMAN_BUTTON)
    return Answer(
        text="I want to be sure I answer the right question. Which of these do you mean?",
        kind="clarify", buttons=buttons,
    )


def rephrase() -> Answer:
    """The shopper said none of the readings fits."""
    return Answer(
        text="Sorry about that. Could you say it in other words? For example: \"what does shipping cost\", "
        "\"where is my order #W1234567\" or \"is the blue backpack in stock\". You can also ask for a person.",
        kind="clarify_rephrase", buttons=[HUMAN_BUTTON],
    )
