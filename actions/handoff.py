"""Handing the conversation to a person, with a summary for them in the message metadata."""
from __future__ import annotations

import logging

from rasa_sdk import Action
from rasa_sdk.events import ActiveLoop, SlotSet

from bot.domain.handoff import HANDOFF_TEXT, handoff_summary

log = logging.getLogger(__name__)
SUMMARY_SLOTS = ("customer_id", "order_request", "order_id")


class ActionHandoff(Action):
    def name(self) -> str:
        return "action_handoff"

    async def run(self, dispatcher, tracker, domain):
        said = [e.get("text") or "" for e in tracker.events if e.get("event") == "user"]
        summary = handoff_summary({s: tracker.get_slot(s) for s in SUMMARY_SLOTS}, said)
        log.info("handoff requested by %s: %s", tracker.sender_id, summary)
        dispatcher.utter_message(text=HANDOFF_TEXT, json_message={"shopbot": {
            "kind": "handoff", "sources": [], "grounding": "composed", "handoff_offered": False,
            "handoff": {"summary": summary, "customer_id": tracker.get_slot("customer_id")}}})
        events = [SlotSet("handoff_offered", False)]
        if tracker.active_loop.get("name"):  # an open order request ends here, unchanged
            from actions.orders import reset_request

            events += [*reset_request(), ActiveLoop(None)]
        return events


class ActionOrderHandoff(ActionHandoff):
    """The same handoff from inside the order form (Rasa rules need a distinct action that ends the loop)."""

    def name(self) -> str:
        return "action_order_handoff"
