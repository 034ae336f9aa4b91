"""Fault injection: the action server and Rasa die in the middle of conversations. The shopper always
gets a polite reply within 3 s, no message is lost, and after the restart the conversation goes on
where it was (Rasa's SQL tracker store keeps the verified customer and the half-finished request)."""
from __future__ import annotations

import asyncio
import time

import pytest

from bot.adapters.sql.conversations import SqlConversationStore

from tests.e2e.conftest import kinds, run_async, say, texts
from tests.web.test_chat_api import Shopper

OLIVIA_EMAIL = "olivia.ito5204@example.com"
POLITE_WITHIN_S = 3.0


@pytest.fixture
def restarts(stack):
    """Whatever a test kills is running again afterwards, and the shop is back to its seed data."""
    yield stack
    for name in ("actions", "rasa"):
        if stack.procs[name].poll() is not None:
            stack.start(name)
    stack.reset_database()


def test_a_dead_action_server_gets_an_apology_and_the_conversation_goes_on(restarts):
    stack = restarts
    say("show me my orders", sender="fault-actions")
    assert "Thank you, Olivia" in texts(say(OLIVIA_EMAIL, sender="fault-actions"))
    stack.stop("actions", kill=True)
    started = time.monotonic()
    replies = say("what is the status of order #W5866402?", sender="fault-actions")
    assert time.monotonic() - started < POLITE_WITHIN_S
    assert "problem on our side" in texts(replies) and "technical_problem" in kinds(replies)
    stack.start("actions")
    again = texts(say("what is the status of order #W5866402?", sender="fault-actions"))
    assert "delivered" in again and "verify who you are" not in again  # still verified


def test_a_dead_rasa_loses_nothing_and_the_order_request_resumes(restarts, shop):
    run_async(dead_rasa_scenario, restarts, shop)


async def dead_rasa_scenario(stack, shop):
    shopper = Shopper(shop)
    session_id = await shopper.open()

    async def turn(text: str, expect: str) -> str:
        """Send, then wait until this turn's replies contain `expect` (they arrive one by one)."""
        before = len(shopper.events)
        await shopper.client.emit("user_uttered", {"session_id": session_id, "message": text})
        for _ in range(6000):
            said = "\n".join(d["text"] for e, d in shopper.events[before:] if e == "bot_uttered")
            if expect in said:
                return said
            await asyncio.sleep(0.02)
        raise AssertionError(f"no {expect!r} after {text!r}: {said!r}")

    await turn("I want to cancel an order", "verify who you are")
    await turn(OLIVIA_EMAIL, "Which order")
    await turn("#W5442520", "Why would you like to cancel")
    stack.stop("rasa", kill=True)
    started = time.monotonic()
    await turn("no longer needed", "your message is saved")
    assert time.monotonic() - started < POLITE_WITHIN_S
    await asyncio.to_thread(stack.start, "rasa")  # the socket client keeps answering pings meanwhile
    summary = await turn("no longer needed", "Shall I go ahead?")  # the same request, from where it was
    assert "#W5442520" in summary
    await turn("yes", "Is there anything else")
    assert stack.store.get_order("#W5442520")["status"] == "cancelled"
    said = [m["text"] for m in SqlConversationStore(f"sqlite:///{stack.live}").history(session_id)
            if m["author"] == "shopper"]
    assert said == ["I want to cancel an order", OLIVIA_EMAIL, "#W5442520", "no longer needed", "no longer needed",
                    "yes"]
    await shopper.close()
