"""Handing the conversation to a person, with a summary for them in the message metadata."""
from __future__ import annotations

import logging

from rasa_sdk import Action
from rasa_sdk.events import ActiveLoop, SlotSet

from actions.base import send
from bot.domain.facts import Answer
from bot.domain.handoff import HANDOFF_TEXT, handoff_summary

log = logging.getLogger(__name__)
SUMMARY_SLOTS = ("customer_id", "order_request", "order_id")


def handoff_details(tracker) -> dict:
    """What the person taking over gets in the message metadata: a summary and the verified customer."""
    said = [e.get("text") or "" for e in tracker.events if e.get("event") == "user"]
    slots = {s: tracker.get_slot(s) for s in SUMMARY_SLOTS}
    return {"handoff": {"summary": handoff_summary(slots, said), "customer_id": slots["customer_id"]}}


class ActionHandoff(Action):
    def name(self) -> str:
        return "action_handoff"

    async def run(self, dispatcher, tracker, domain):
        details = handoff_details(tracker)
        log.info("handoff requested by %s: %s", tracker.sender_id, details["handoff"]["summary"])
        send(dispatcher, Answer(HANDOFF_TEXT, "handoff", extra=details), citations=False)
        events = [SlotSet("handoff_offered", False)]
        if tracker.active_loop.get("name"):  # an open order request ends here, unchanged
            from actions.orders import reset_request

            events += [*reset_request(), ActiveLoop(None)]
        return events


class ActionOrderHandoff(ActionHandoff):
    """The same handoff from inside the order form (Rasa rules need a distinct action that ends the loop)."""

    def name(self) -> str:
        return "action_order_handoff"
