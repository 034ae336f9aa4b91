"""A bare yes or no: its meaning depends on what the bot just offered (a person, or a product)."""
from __future__ import annotations

import asyncio

from rasa_sdk.events import SlotSet

from actions.base import ShopAction
from bot.domain.facts import Answer
from actions.handoff import handoff_details
from bot.domain.handoff import HANDOFF_TEXT



class ActionYesNo(ShopAction):
    def name(self) -> str:
        return "action_yes_no"

    async def answer(self, tracker, text):
        yes = tracker.latest_message.get("intent", {}).get("name", "") == "affirm"
        offered = tracker.get_slot("upsell_product_id")
        if tracker.get_slot("handoff_offered"):
            if yes:
                details = handoff_details(tracker)
                return Answer(HANDOFF_TEXT, "handoff", extra=details), [SlotSet("handoff_offered", False)]
            return Answer("Okay. What else can I help you with?", "acknowledge"), [SlotSet("handoff_offered", False)]
        if offered and not yes:
            reply = Answer("No problem, I won't suggest more products. What else can I help you with?", "upsell_declined")
            return reply, [SlotSet("upsell_declined", True), SlotSet("upsell_product_id", None)]
        if offered:
            answer = await asyncio.to_thread(self.services.products.describe, "", [], offered)
            return answer, [SlotSet("product_id", offered), SlotSet("upsell_product_id", None)]
        return Answer("Okay! What else can I help you with?", "acknowledge"), []
