"""Requests the bot cannot carry out itself (accounts, newsletter, payment problems, placing an order)
and shop reviews: what it says it can't do here, what the shopper can do, and a person. Pure."""
from __future__ import annotations

import re

from bot.domain.facts import Answer
from bot.domain.replies import HUMAN_BUTTON

# Said after what the store's policy pages say about it (if anything): honest about the limits here.
CANNOT_DO_HERE = {
    "account_help": "I can't create, change, switch or delete accounts or reset passwords from this chat, "
    "and I never need your password. A person from our team can help you with your account.",
    "newsletter": "I can't change newsletter or e-mail subscriptions from this chat. A person from our team "
    "can do it for you.",
    "payment_problem": "I'm sorry your payment gave you trouble. I can't see card or bank transactions from "
    "here, and nobody should ask for your card number in this chat. A person from our team can check it with you.",
    "place_order": "I can't place orders in this chat, but I can help you choose: ask me about any product's "
    "price, stock or options. A person from our team can also help you with an order.",
}
SUPPORT_INTENTS = frozenset(CANNOT_DO_HERE)

REVIEW_PROMPT = ("I'd be glad to pass your review on to the shop. What would you like to tell us? Write it in "
                 "one message (which product, what you liked or didn't).")
REVIEW_THANKS = "Thank you! I've recorded your review for the shop's team: \"{review}\""
REVIEW_PREVIEW_CHARS = 160

_REQUEST_WORDS = re.compile(
    r"\b(i|i'd|id|i'm|im|me|my|you|your|we|want|wanna|would|like|love|to|can|could|may|how|do|does|where|"
    r"please|pls|let|leave|write|give|post|submit|add|send|share|make|rate|rating|review|reviews|feedback|"
    r"comment|comments|testimonial|opinion|thoughts|some|a|an|the|for|of|on|about|with|this|that|it|is|"
    r"here|there|go|just|wanted|say|tell|so|and|or|product|products|order|purchase|item|shop|store|service|"
    r"experience|site|website|what|think|submitting|leaving|writing|giving)\b", re.IGNORECASE)
_OPINION = re.compile(
    r"\b(great|good|love|loved|excellent|fantastic|amazing|perfect|awesome|happy|bad|poor|terrible|awful|"
    r"broke|broken|slow|fast|disappoint\w*|recommend\w*|stars?|\d+\s*/\s*\d+|worst|best|nice|comfortable|"
    r"cheap|flimsy|sturdy|quality)\b", re.IGNORECASE)


def cannot_do_here(intent: str, policy_text: str | None = None) -> Answer:
    """The policy pages' answer (when they cover it) followed by the honest limit and a person."""
    limit = CANNOT_DO_HERE[intent]
    text = f"{policy_text}\n\n{limit}" if policy_text else limit
    return Answer(text=text, kind=intent, buttons=[HUMAN_BUTTON], handoff_offered=True)


def review_in(text: str) -> str | None:
    """The review itself when the message carries one ("the boots are great, 5 stars"), else None
    ("I want to leave a review": the bot asks for it)."""
    cleaned = " ".join(text.split())
    if not cleaned:
        return None
    if _OPINION.search(cleaned):
        return cleaned
    leftover = [w for w in re.findall(r"[\w']+", _REQUEST_WORDS.sub(" ", cleaned))]
    return cleaned if len(leftover) >= 4 else None


def review_recorded(review: str) -> Answer:
    preview = review if len(review) <= REVIEW_PREVIEW_CHARS else review[: REVIEW_PREVIEW_CHARS - 1] + "…"
    return Answer(text=REVIEW_THANKS.format(review=preview), kind="review_recorded", extra={"review": {"text": review}})


def review_prompt() -> Answer:
    return Answer(text=REVIEW_PROMPT, kind="review_prompt")
