"""Order help as a Rasa form: start a request, read each answer, ask the next thing, submit.

The form `order_form` has dynamic required slots (they depend on the kind of request); this module
only moves slots between the tracker and the order desk service, which holds the logic.
"""
from __future__ import annotations

import asyncio
import logging
from abc import ABC, abstractmethod
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import ActiveLoop, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.base import ServiceAction, send
from bot.domain.inputs import screen_message
from bot.domain.order_parsing import find_order_ids
from bot.domain.order_requests import order_request_intent, request_kind
from bot.domain.replies import input_problem
from bot.services.order_desk import IDENTIFY_PROMPT as IDENTIFY_HINT, REQUEST_SLOTS, next_slot

log = logging.getLogger(__name__)

STATE_SLOTS = ("customer_id", *REQUEST_SLOTS)
ASKED_SLOTS = ("customer_id", "order_id", "cancel_reason", "order_item_ids", "new_item_ids", "payment_method_id",
               "shipping_address", "order_confirmed")
# Messages with these intents that fill nothing are something else (a product question, a new request...):
# the form steps aside, a rule answers, and the form asks its question again.
INTERRUPTIONS = {
    "product_price", "product_availability", "product_options", "product_info", "product_describe",
    "recommendation", "policy_shipping", "policy_returns", "policy_exchanges", "policy_cancellation",
    "policy_warranty", "policy_payment", "policy_privacy", "human_handoff", "bot_challenge", "greet", "goodbye",
    "thanks", "out_of_scope", "complaint", "order_status", "order_cancel", "order_modify", "order_return",
    "order_exchange", "order_list", "account_info", "nlu_fallback", "deny",
}


class OrderAction(ServiceAction, ABC):
    """Shared plumbing of the order form's actions."""

    @property
    def desk(self):
        return self.services.orders

    def cite(self) -> bool:
        return self.services.settings.citations_visible


def state_of(tracker: Tracker) -> dict:
    return {slot: tracker.get_slot(slot) for slot in STATE_SLOTS}


def client_of(tracker: Tracker) -> str:
    """Who is asking, as the web app passed it in the message's metadata (identity-guess limits)."""
    client = (tracker.latest_message.get("metadata") or {}).get("client")
    return client if isinstance(client, str) else ""


def intent_of(tracker: Tracker) -> str:
    return (tracker.latest_message.get("intent") or {}).get("name", "")


def reset_request() -> list[dict[str, Any]]:
    return [SlotSet(slot, None) for slot in REQUEST_SLOTS] + [SlotSet("requested_slot", None)]


class ActionStartOrderRequest(OrderAction):
    def name(self) -> str:
        return "action_start_order_request"

    async def run(self, dispatcher, tracker, domain):
        return start_request(tracker, intent_of(tracker))


def start_request(tracker: Tracker, intent: str) -> list[dict[str, Any]]:
    """A fresh request of the kind the message asks for; an order id in it is kept for the form to check.

    "I want to return the keyboard" names its verb: that beats an NLU intent swayed by product words.
    """
    text = tracker.latest_message.get("text") or ""
    said = order_request_intent(text)
    kind = request_kind(said if said and intent in ORDER_INTENTS - READ_INTENTS else intent, text) or "list"
    log.info("order request %s started by %s", kind, tracker.sender_id)
    # Before the shopper is verified the id is only remembered (checked right after verification);
    # afterwards the form reads it from this same message and checks it at once.
    ids = [] if tracker.get_slot("customer_id") else find_order_ids(text)
    return [*reset_request(), SlotSet("order_request", kind), SlotSet("order_id", ids[0] if ids else None)]


def redirect_to_order_form(tracker: Tracker) -> list[dict[str, Any]] | None:
    """A request to act on an order that NLU took for a policy or product question starts the order form."""
    intent = order_request_intent(tracker.latest_message.get("text") or "")
    if not intent or tracker.active_loop.get("name"):
        return None
    return [*start_request(tracker, intent), FollowupAction("order_form")]


ORDER_INTENTS = {"order_status", "order_cancel", "order_modify", "order_return", "order_exchange", "order_list",
                 "account_info"}
READ_INTENTS = {"order_status", "order_list", "account_info"}
SAME_REQUEST = {"exchange": "modify_items", "modify_items": "exchange"}


def is_new_request(tracker: Tracker, state: dict) -> bool:
    """'And I'd like to cancel order #W…' in the middle of an exchange starts a new request."""
    intent = intent_of(tracker)
    if intent not in ORDER_INTENTS - READ_INTENTS:
        return False
    text = tracker.latest_message.get("text") or ""
    kind = request_kind(order_request_intent(text) or intent, text)
    current = state.get("order_request")
    return bool(kind) and kind != current and SAME_REQUEST.get(kind) != current and bool(order_request_intent(text))


class ValidateOrderForm(OrderAction):
    """Reads each shopper message into slots; rejecting (no slot set) lets rules handle interruptions."""

    def name(self) -> str:
        return "validate_order_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[dict[str, Any]]:
        text = tracker.latest_message.get("text") or ""
        state = state_of(tracker)
        requested = tracker.get_slot("requested_slot")
        if requested == "order_step":  # Rasa asked on its own: the question was the request's next slot
            requested = next_slot(state)
        problem = screen_message(text, self.services.settings.max_message_chars)
        if problem:
            send(dispatcher, input_problem(problem.reason, self.services.settings.max_message_chars), False)
            return [SlotSet(requested or "order_request", state.get(requested or "order_request"))]
        if requested and is_new_request(tracker, state):
            return []  # the rule for a new request takes over
        try:
            turn = await asyncio.to_thread(self.desk.understand, state, text, requested, tracker.sender_id,
                                           client_of(tracker))
        except Exception:  # never a stack trace to the shopper; nothing was written
            log.exception("order form failed for %s", tracker.sender_id)
            dispatcher.utter_message(response="utter_technical_problem")
            return [*reset_request(), ActiveLoop(None)]
        filled = {k: v for k, v in turn.updates.items() if v is not None}
        interrupted = intent_of(tracker) in (INTERRUPTIONS - {"deny"} if requested == "order_confirmed" else INTERRUPTIONS)
        if requested and not filled and interrupted:
            return []  # not an answer: step aside (on activation there is nothing to step aside from)
        state.update(turn.updates)
        events = [SlotSet(k, v) for k, v in turn.updates.items()]
        following = next_slot(state)
        if following == "order_confirmed":
            blocked = await asyncio.to_thread(self.desk.precheck, state)
            if blocked:
                turn.messages.append(blocked)
                events.append(SlotSet("order_confirmed", False))
                following = None
        for message in turn.messages:
            send(dispatcher, message, self.cite())
        if not events:  # nothing filled and nothing to correct: ask again rather than reject
            events.append(SlotSet(requested or "order_request", state.get(requested or "order_request")))
        return [*events, SlotSet("requested_slot", following)]


class ActionAskOrderStep(OrderAction):
    """Rasa's own pick after an interruption: ask whatever this request needs next."""

    def name(self) -> str:
        return "action_ask_order_step"

    async def run(self, dispatcher, tracker, domain):
        slot = next_slot(state_of(tracker)) or "order_confirmed"
        asker = globals()[f"ActionAsk_{slot}"](self._container)
        return [*await asker.run(dispatcher, tracker, domain), SlotSet("requested_slot", slot)]


class AskOrderSlot(OrderAction, ABC):
    @property
    @abstractmethod
    def slot(self) -> str: ...

    def name(self) -> str:
        return f"action_ask_{self.slot}"

    async def run(self, dispatcher, tracker, domain):
        try:
            answer = await asyncio.to_thread(self.desk.ask, state_of(tracker), self.slot)
        except Exception:
            log.exception("asking for %s failed for %s", self.slot, tracker.sender_id)
            dispatcher.utter_message(response="utter_technical_problem")
            return [*reset_request(), ActiveLoop(None)]
        send(dispatcher, answer, self.cite())
        events = [SlotSet("handoff_offered", answer.handoff_offered)]
        if "confirmation_id" in answer.extra:  # the summary a yes will refer to
            events.append(SlotSet("confirmation_shown", answer.extra["confirmation_id"]))
        return events


# rasa-sdk registers every concrete Action subclass: one ask action per slot of the order form.
for _slot in ASKED_SLOTS:
    globals()[f"ActionAsk_{_slot}"] = type(f"ActionAsk_{_slot}", (AskOrderSlot,), {"slot": _slot})


class ActionSubmitOrderRequest(OrderAction):
    def name(self) -> str:
        return "action_submit_order_request"

    async def run(self, dispatcher, tracker, domain):
        try:
            answer = await asyncio.to_thread(self.desk.submit, state_of(tracker), tracker.sender_id)
        except Exception:
            log.exception("order request failed for %s", tracker.sender_id)
            dispatcher.utter_message(response="utter_technical_problem")
            return reset_request()
        send(dispatcher, answer, self.cite())
        return [*reset_request(), SlotSet("handoff_offered", answer.handoff_offered)]


class ActionStopOrderRequest(OrderAction):
    def name(self) -> str:
        return "action_stop_order_request"

    async def run(self, dispatcher, tracker, domain):
        dispatcher.utter_message(response="utter_order_stopped")
        return [*reset_request(), ActiveLoop(None)]


class ActionIdentify(OrderAction):
    """'I'm Olivia Ito, zip 80218' before any request: verify now, ask what they need."""

    def name(self) -> str:
        return "action_identify"

    async def run(self, dispatcher, tracker, domain):
        text = tracker.latest_message.get("text") or ""
        if tracker.get_slot("customer_id"):
            turn = await asyncio.to_thread(self.desk.understand, state_of(tracker), text, None, tracker.sender_id,
                                           client_of(tracker))
            for message in turn.messages:
                send(dispatcher, message, False)
            if not turn.messages:
                dispatcher.utter_message(response="utter_anything_else")
            return []
        turn = await asyncio.to_thread(self.desk.understand, {"customer_id": None}, text, "customer_id",
                                       tracker.sender_id, client_of(tracker))
        for message in turn.messages:
            send(dispatcher, message, False)
        if turn.updates.get("customer_id"):
            dispatcher.utter_message(text="How can I help with your orders or account today?")
        elif not turn.messages:
            dispatcher.utter_message(text=IDENTIFY_HINT)
        return [SlotSet("customer_id", turn.updates.get("customer_id") or tracker.get_slot("customer_id"))]
