"""Shared plumbing for every shop action: lazy services, input screening, sending answers."""
from __future__ import annotations

import asyncio
import logging
import re
from abc import ABC, abstractmethod
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.container import Container, get_container
from bot.domain.facts import Answer
from bot.domain.inputs import screen_message
from bot.domain.replies import input_problem, with_citation

log = logging.getLogger(__name__)

HINT_ENTITIES = ("product", "color", "size", "option")


class ServiceAction(Action, ABC):
    """rasa-sdk instantiates every concrete Action with no arguments: services resolve on first use,
    and tests pass a container of fakes. Abstract, so rasa-sdk never registers it."""

    def __init__(self, container: Container | None = None):
        self._container = container

    @property
    def services(self) -> Container:
        return self._container or get_container()

    @abstractmethod
    def name(self) -> str: ...


class ShopAction(ServiceAction, ABC):
    """An answer to one message: screened input, one service call, the reply with its metadata."""

    @abstractmethod
    async def answer(self, tracker: Tracker, text: str) -> tuple[Answer, list[dict[str, Any]]]:
        """The reply to send and the events (slot sets) to return."""

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[dict[str, Any]]:
        text = shopper_text(tracker)
        problem = screen_message(text, self.services.settings.max_message_chars)
        if problem:
            log.warning("input screened (%s): %d chars, sender %s", problem.reason, len(text), tracker.sender_id)
            answer = input_problem(problem.reason, self.services.settings.max_message_chars)
            send(dispatcher, answer, False)
            return [SlotSet("handoff_offered", answer.handoff_offered)]
        from actions.orders import redirect_to_order_form  # late: orders imports this module

        redirect = await asyncio.to_thread(redirect_to_order_form, tracker, lambda: self.services.orders)
        if redirect:
            events, messages = redirect
            for message in messages:  # "I've found your account" when an earlier message said who they are
                send(dispatcher, message, False)
            return events
        try:
            answer, events = await self.answer(tracker, text)
        except Exception:  # never a stack trace to the shopper; the log keeps it
            log.exception("%s failed for sender %s", self.name(), tracker.sender_id)
            dispatcher.utter_message(response="utter_technical_problem")
            return []
        send(dispatcher, answer, self.services.settings.citations_visible)
        events = [*events, SlotSet("handoff_offered", answer.handoff_offered), SlotSet("clarified_text", None)]
        follow = await self.follow_up(tracker, answer)
        if follow:
            send(dispatcher, follow[0], self.services.settings.citations_visible)
            events += follow[1]
        return events

    async def follow_up(self, tracker: Tracker, answer: Answer) -> tuple[Answer, list[dict[str, Any]]] | None:
        """An optional second message after the answer (e.g. an upsell suggestion)."""
        return None


def send(dispatcher: CollectingDispatcher, answer: Answer, citations: bool) -> None:
    text = with_citation(answer.text, answer.sources) if citations else answer.text
    dispatcher.utter_message(text=text, buttons=answer.buttons or None, json_message={"shopbot": answer.metadata()})


def shopper_text(tracker: Tracker) -> str:
    """What the shopper asked: after a clarifying question, their button ("/policy_shipping") stands for the
    message they typed before it, which the answer needs."""
    text = tracker.latest_message.get("text") or ""
    clarified = tracker.get_slot("clarified_text")
    if clarified and re.fullmatch(r"/[a-z_]+", text.strip()):
        return clarified
    return text


def entity_hints(tracker: Tracker) -> list[str]:
    return [str(e.get("value")) for e in tracker.latest_message.get("entities", []) if e.get("entity") in HINT_ENTITIES]


def intents_so_far(tracker: Tracker) -> list[str]:
    return [e.get("parse_data", {}).get("intent", {}).get("name", "") for e in tracker.events if e.get("event") == "user"]
