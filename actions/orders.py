"""Order help as a Rasa form: start a request, read each answer, ask the next thing, submit.

The form `order_form` has dynamic required slots (they depend on the kind of request); this module
only moves slots between the tracker and the order desk service, which holds the logic.
"""
from __future__ import annotations

import asyncio
import logging
from abc import ABC, abstractmethod
from typing import Any, Callable

from rasa_sdk import Tracker
from rasa_sdk.events import ActiveLoop, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.base import ServiceAction, send
from bot.domain.inputs import screen_message
from bot.domain.order_parsing import FAREWELL, find_order_ids, order_question
from bot.domain.order_requests import corrected_kind, order_request_intent, request_kind, stated_kind
from bot.domain.replies import input_problem
from bot.services.order_desk import IDENTIFY_PROMPT as IDENTIFY_HINT, KIND_NOUNS, REQUEST_SLOTS, next_slot

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
    "order_exchange", "order_list", "account_info", "nlu_fallback", "deny", "invoice",
    "account_help", "newsletter", "payment_problem", "place_order",
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
        events, messages = await asyncio.to_thread(start_request, tracker, intent_of(tracker), lambda: self.desk)
        for message in messages:
            send(dispatcher, message, False)
        return events


def start_request(tracker: Tracker, intent: str, desk: Callable[[], Any] | None = None
                  ) -> tuple[list[dict[str, Any]], list]:
    """A fresh request of the kind the message asks for; an order id in it is kept for the form to check.

    The shopper's own verb beats an NLU intent swayed by product words ("I'd like to send back the
    keyboard", "Can I return …?" are returns), and a negated one never counts ("I don't want to exchange
    it, I want to return it"). A question about their own orders ("the tracking number of #W…?") is a
    question request. Identity given earlier ("Hello, this is Yusuf Rossi from 19122") is used now.
    Returns the events and the messages to send.
    """
    text = tracker.latest_message.get("text") or ""
    stated = stated_kind(text)
    said = order_request_intent(text)
    facts = order_question(text, bool(tracker.get_slot("customer_id")))
    if intent == "invoice" and not said:
        kind = "question"  # an invoice or receipt: answered from the verified customer's orders
    elif facts and not said and (intent not in ORDER_INTENTS - READ_INTENTS or not stated) \
            and (intent != "order_status" or not set(facts) <= {"status", "tracking"}):
        # (the status read already lists status and tracking numbers of the order it asks for)
        kind = "question"
    elif intent in ORDER_INTENTS - READ_INTENTS:
        kind = request_kind(KIND_INTENTS[stated] if stated else said or intent, text)
    elif said:  # "my order #W… should go to my new address": NLU read a status, the words ask for a change
        kind = request_kind(said, text)
    else:
        kind = request_kind(intent, text)
    kind = kind or "list"
    log.info("order request %s started by %s", kind, tracker.sender_id)
    events = [*reset_request(), SlotSet("order_request", kind), SlotSet("order_opening", text)]
    messages = []
    verified = tracker.get_slot("customer_id")
    if not verified and desk is not None:
        turn = desk().recall_identity(identity_texts(tracker), tracker.sender_id, client_of(tracker))
        verified = turn.updates.get("customer_id")
        if verified:
            events.append(SlotSet("customer_id", verified))
            messages = turn.messages
    # Before the shopper is verified the id is only remembered (checked right after verification);
    # afterwards the form reads it from this same message and checks it at once.
    ids = [] if verified else find_order_ids(text)
    return [*events, SlotSet("order_id", ids[0] if ids else None)], messages


KIND_INTENTS = {"cancel": "order_cancel", "return": "order_return", "exchange": "order_exchange"}


def identity_texts(tracker: Tracker, limit: int = 6) -> list[str]:
    """This session's shopper messages that were never used as an identity attempt, newest first: the
    current one and earlier small talk ("Hello, this is Yusuf Rossi from 19122"). Messages the bot
    already checked (the identify intent, answers while it asked who they are) are left out, so no
    attempt is counted twice."""
    texts, asked = [], None
    for event in tracker.events:
        kind = event.get("event")
        if kind == "session_started":
            texts, asked = [], None
        elif kind == "slot" and event.get("name") == "requested_slot":
            asked = event.get("value")
        elif kind == "user":
            intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
            if intent != "identify" and asked not in ("customer_id", "order_step"):
                texts.append(event.get("text") or "")
    current = tracker.latest_message.get("text") or ""
    if not texts or texts[-1] != current:
        texts.append(current)
    return list(reversed(texts))[:limit]


def redirect_to_order_form(tracker: Tracker, desk: Callable[[], Any] | None = None
                           ) -> tuple[list[dict[str, Any]], list] | None:
    """A request to act on an order (or a question about one's own orders) that NLU took for a policy or
    product question starts the order form."""
    text = tracker.latest_message.get("text") or ""
    asks = order_question(text, bool(tracker.get_slot("customer_id")))
    intent = order_request_intent(text) or ("order_status" if asks else None) or about_own_order(tracker, text)
    if not intent or tracker.active_loop.get("name"):
        return None
    events, messages = start_request(tracker, intent if intent != "order_status" else "", desk)
    return [*events, FollowupAction("order_form")], messages


def about_own_order(tracker: Tracker, text: str) -> str | None:
    """A message naming one of the shopper's order ids that NLU read as a product question or could not
    place ("the espresso machine in W2598324 - I'd prefer a capsule one") is about that order: the likeliest
    order intent in NLU's ranking when NLU gives it some weight, else a change, which the form then fits
    to the order's status (a change of a delivered order is an exchange)."""
    if intent_of(tracker) not in UNSURE_OR_PRODUCT or not find_order_ids(text):
        return None
    ranking = tracker.latest_message.get("intent_ranking") or []
    return next((r["name"] for r in ranking if r.get("name") in ORDER_INTENTS - READ_INTENTS
                 and (r.get("confidence") or 0.0) >= RANKED_ORDER_INTENT_MIN), "order_modify")


RANKED_ORDER_INTENT_MIN = 0.15  # below it a ranked intent is noise ("adjust" ranked a return at 0.05)


UNSURE_OR_PRODUCT = {"nlu_fallback", "product_price", "product_availability", "product_options", "product_info",
                     "product_describe", "recommendation"}
ORDER_INTENTS = {"order_status", "order_cancel", "order_modify", "order_return", "order_exchange", "order_list",
                 "account_info"}
READ_INTENTS = {"order_status", "order_list", "account_info"}
SAME_REQUEST = {"exchange": "modify_items", "modify_items": "exchange"}


def is_new_request(tracker: Tracker, state: dict) -> bool:
    """'And I'd like to cancel order #W…' in the middle of an exchange starts a new request. A correction
    of this request's kind ("no, I want to return it") is not new: the desk switches it in place."""
    intent = intent_of(tracker)
    if intent not in ORDER_INTENTS - READ_INTENTS:
        return False
    text = tracker.latest_message.get("text") or ""
    if corrected_kind(text) and all(oid == state.get("order_id") for oid in find_order_ids(text)):
        return False
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
        if turn.closing:  # "ok thanks", "bye", "never mind": the request is put aside, whatever the intent
            farewell = bool(FAREWELL.search(text))
            send(dispatcher, self.desk.pause_note(state, text, farewell), False)
            return [*reset_request(), ActiveLoop(None)]
        filled = {k: v for k, v in turn.updates.items() if v is not None}
        interrupted = intent_of(tracker) in (INTERRUPTIONS - {"deny"} if requested == "order_confirmed" else INTERRUPTIONS)
        if requested and not filled and interrupted and not turn.answered:
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


# Actions that answer another topic in the middle of a request (data/rules/orders.yml); the form then resumes.
ANSWERED_ASIDE = {"action_product_fact", "action_product_question", "action_policy_answer", "action_knowledge_fallback",
                  "utter_sorry_to_hear", "utter_iamabot"}


def back_to_request(kind: str | None) -> str:
    noun = KIND_NOUNS.get(kind or "", "a request").split(" ", 1)[1]
    return f"Back to your {noun} (say “never mind” to leave it for now):"


class ActionAskOrderStep(OrderAction):
    """Rasa's own pick after an interruption: ask whatever this request needs next."""

    def name(self) -> str:
        return "action_ask_order_step"

    async def run(self, dispatcher, tracker, domain):
        slot = next_slot(state_of(tracker)) or "order_confirmed"
        if tracker.latest_action_name in ANSWERED_ASIDE:  # back after another topic: the way out is said
            dispatcher.utter_message(text=back_to_request(tracker.get_slot("order_request")))
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
        if not tracker.get_slot("order_request"):
            return reset_request()  # the request was put aside ("ok thanks"): nothing to submit or say
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
        """'no', 'thanks', 'bye' or a new topic during a request: nothing changes, and the shopper hears how
        to pick the request up again (a goodbye rule adds its own farewell)."""
        text = tracker.latest_message.get("text") or ""
        send(dispatcher, self.desk.pause_note(state_of(tracker), text), False)
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
        said = order_request_intent(text) or ("order_status" if order_question(text) else None)
        if turn.updates.get("customer_id") and said:
            # "Hi, I'm Yusuf Rossi from 19122 and I want to return the keyboard from #W…": the request goes on
            # at once; the form reads (and checks) the order id from this message now that they are known.
            events, _ = start_request(tracker, said if said != "order_status" else "", None)
            return [*events, SlotSet("customer_id", turn.updates["customer_id"]), SlotSet("order_id", None),
                    FollowupAction("order_form")]
        if turn.updates.get("customer_id"):
            dispatcher.utter_message(text="How can I help with your orders or account today?")
        elif not turn.messages:
            dispatcher.utter_message(text=IDENTIFY_HINT)
        return [SlotSet("customer_id", turn.updates.get("customer_id") or tracker.get_slot("customer_id"))]
