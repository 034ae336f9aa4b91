"""Policy questions and the NLU fallback, answered from retrieved store knowledge."""
from __future__ import annotations

import asyncio

from actions.base import ShopAction


class ActionPolicyAnswer(ShopAction):
    def name(self) -> str:
        return "action_policy_answer"

    async def answer(self, tracker, text):
        intent = tracker.latest_message.get("intent", {}).get("name", "")
        return await asyncio.to_thread(self.services.knowledge.policy, text, intent), []


class ActionKnowledgeFallback(ShopAction):
    def name(self) -> str:
        return "action_knowledge_fallback"

    async def answer(self, tracker, text):
        return await asyncio.to_thread(self.services.knowledge.fallback, text, tracker.get_slot("product_id")), []
