"""Requests handled by saying what the policy pages say and what can't be done here; shop reviews."""
from __future__ import annotations

import asyncio

from rasa_sdk import Action
from rasa_sdk.events import SlotSet

from actions.base import ServiceAction, ShopAction, send
from bot.domain.clarify import clarifying_question, readings, rephrase
from bot.domain.support import review_in, review_prompt, review_recorded


class ActionSupportRequest(ShopAction):
    """Accounts, newsletter, payment problems, placing an order."""

    def name(self) -> str:
        return "action_support_request"

    async def answer(self, tracker, text):
        intent = tracker.latest_message.get("intent", {}).get("name", "")
        return await asyncio.to_thread(self.services.support.answer, intent, text), []


class ActionLeaveReview(Action):
    """Keeps the review when the message holds one; otherwise the review form asks for it."""

    def name(self) -> str:
        return "action_leave_review"

    async def run(self, dispatcher, tracker, domain):
        review = review_in(tracker.latest_message.get("text") or "")
        return [SlotSet("review_text", review)]


class ActionAskReviewText(Action):
    def name(self) -> str:
        return "action_ask_review_text"

    async def run(self, dispatcher, tracker, domain):
        send(dispatcher, review_prompt(), citations=False)
        return []


class ActionRecordReview(Action):
    """The review goes back in the reply's metadata: the web app stores it and the staff console lists it."""

    def name(self) -> str:
        return "action_record_review"

    async def run(self, dispatcher, tracker, domain):
        review = (tracker.get_slot("review_text") or "").strip()
        if review:
            send(dispatcher, review_recorded(review), citations=False)
        else:  # never silence
            dispatcher.utter_message(response="utter_anything_else")
        return [SlotSet("review_text", None)]


class ActionClarify(ServiceAction):
    """The NLU was unsure: ask which of its likeliest readings was meant, or fall back to the knowledge."""

    def name(self) -> str:
        return "action_clarify"

    async def run(self, dispatcher, tracker, domain):
        from actions.orders import redirect_to_order_form  # late: orders imports actions.base

        # The shopper's own verb and order ("exchange the kettle from order #W…") need no question.
        redirect = await asyncio.to_thread(redirect_to_order_form, tracker, lambda: self.services.orders)
        if redirect:
            events, messages = redirect
            for message in messages:
                send(dispatcher, message, False)
            return events
        choices = readings(tracker.latest_message.get("intent_ranking") or [])
        if len(choices) < 2:
            from actions.knowledge import ActionKnowledgeFallback

            return await ActionKnowledgeFallback(self._container).run(dispatcher, tracker, domain)
        send(dispatcher, clarifying_question(choices), citations=False)
        return [SlotSet("clarified_text", tracker.latest_message.get("text"))]


class ActionRephrase(Action):
    def name(self) -> str:
        return "action_rephrase"

    async def run(self, dispatcher, tracker, domain):
        send(dispatcher, rephrase(), citations=False)
        return [SlotSet("clarified_text", None)]
