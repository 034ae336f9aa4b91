"""Requests the bot can't carry out here: what the store's policy pages say about them, then the limit."""
from __future__ import annotations

from bot.domain.facts import Answer
from bot.domain.support import CANNOT_DO_HERE, cannot_do_here

# Where the shop's own pages may say how it works (signing up, unsubscribing, ordering). A payment that
# failed is about one shopper's charge, which no policy page answers: straight to the limit and a person.
ASK_THE_POLICY_PAGES = {"account_help", "newsletter", "place_order"}


class SupportAnswers:
    def __init__(self, knowledge):
        self.knowledge = knowledge

    def answer(self, intent: str, text: str) -> Answer:
        if intent not in CANNOT_DO_HERE:
            raise ValueError(f"no support flow for {intent!r}")
        if intent in ASK_THE_POLICY_PAGES:
            found = self.knowledge.policy(text, intent)
            if found.kind == "policy":
                answer = cannot_do_here(intent, found.text)
                answer.sources, answer.grounding = found.sources, found.grounding
                return answer
        return cannot_do_here(intent)
