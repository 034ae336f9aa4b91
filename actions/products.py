"""Product questions: exact facts, descriptions, descriptive questions, recommendations (+ upsell)."""
from __future__ import annotations

import asyncio
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet

from actions.base import ShopAction, entity_hints, intents_so_far
from bot.domain.facts import Answer


UPSELL_AFTER = {"product_fact", "product_describe", "product_product"}


class ProductAction(ShopAction):
    """Answers about one product, then maybe one upsell suggestion in a second message."""

    async def follow_up(self, tracker: Tracker, answer: Answer):
        if answer.kind not in UPSELL_AFTER or not answer.product_id:
            return None
        offered = set(tracker.get_slot("upsell_offered") or [])
        suggestion = await asyncio.to_thread(
            self.services.upsell.suggest, answer.product_id, intents_so_far(tracker),
            bool(tracker.get_slot("upsell_declined")), offered, bool(tracker.get_slot("upsell_product_id")),
        )
        if not suggestion:
            return None
        events = [SlotSet("upsell_product_id", suggestion.product_id),
                  SlotSet("upsell_offered", sorted(offered | {suggestion.product_id}))]
        return suggestion, events

    @staticmethod
    def _events(answer: Answer) -> list[dict[str, Any]]:
        return [SlotSet("product_id", answer.product_id)] if answer.product_id else []


class ActionProductFact(ProductAction):
    def name(self) -> str:
        return "action_product_fact"

    async def answer(self, tracker, text):
        entities = {e.get("entity"): e.get("value") for e in tracker.latest_message.get("entities", [])}
        intent = tracker.latest_message.get("intent", {}).get("name", "")
        current = entities.get("product_id") or tracker.get_slot("product_id")
        answer = await asyncio.to_thread(
            self.services.products.fact_answer, intent, text, entity_hints(tracker), current, entities.get("item_id"),
        )
        return answer, self._events(answer)


class ActionProductQuestion(ProductAction):
    def name(self) -> str:
        return "action_product_question"

    async def answer(self, tracker, text):
        intent = tracker.latest_message.get("intent", {}).get("name", "")
        service = self.services.products
        method = service.describe if intent == "product_describe" else service.question
        answer = await asyncio.to_thread(method, text, entity_hints(tracker), tracker.get_slot("product_id"))
        return answer, self._events(answer)


class ActionRecommend(ShopAction):
    def name(self) -> str:
        return "action_recommend"

    async def answer(self, tracker, text):
        answer = await asyncio.to_thread(self.services.products.recommend, text)
        return answer, [SlotSet("product_id", answer.product_id)] if answer.product_id else []
