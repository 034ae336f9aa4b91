"""A bare yes or no: its meaning depends on what the bot just offered (a person, or a product)."""
from __future__ import annotations

import asyncio

from rasa_sdk.events import SlotSet

from actions.base import ShopAction
from bot.domain.facts import Answer
from bot.domain.handoff import HANDOFF_TEXT, handoff_summary



class ActionYesNo(ShopAction):
    def name(self) -> str:
        return "action_yes_no"

    async def answer(self, tracker, text):
        yes = tracker.latest_message.get("intent", {}).get("name", "") == "affirm"
        offered = tracker.get_slot("upsell_product_id")
        if tracker.get_slot("handoff_offered"):
            if yes:
                said = [e.get("text") or "" for e in tracker.events if e.get("event") == "user"]
                slots = {s: tracker.get_slot(s) for s in ("customer_id", "order_request", "order_id")}
                summary = {"handoff": {"summary": handoff_summary(slots, said), "customer_id": slots["customer_id"]}}
                return Answer(HANDOFF_TEXT, "handoff", extra=summary), [SlotSet("handoff_offered", False)]
            return Answer("Okay. What else can I help you with?", "acknowledge"), [SlotSet("handoff_offered", False)]
        if offered and not yes:
            reply = Answer("No problem, I won't suggest more products. What else can I help you with?", "upsell_declined")
            return reply, [SlotSet("upsell_declined", True), SlotSet("upsell_product_id", None)]
        if offered:
            answer = await asyncio.to_thread(self.services.products.describe, "", [], offered)
            return answer, [SlotSet("product_id", offered), SlotSet("upsell_product_id", None)]
        return Answer("Okay! What else can I help you with?", "acknowledge"), []
