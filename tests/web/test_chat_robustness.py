"""Malformed socket payloads and rapid messages (security test findings): never silence, never a crash,
and one conversation's messages are stored and answered in the order they were sent."""
from __future__ import annotations

import asyncio

import pytest

from bot.adapters.sql.conversations import SqlConversationStore
from bot.container import Container
from bot.services.conversations import ChatService
from bot.settings import Settings
from bot.web.app import create_app
from tests.conftest import DEMO_STORE
from tests.serving import served
from tests.web.test_chat_api import Shopper


class SlowFirstAssistant:
    """Answers message n after (10 - n % 10) ms: without ordering, later messages would overtake earlier ones."""

    def __init__(self):
        self.calls: list[str] = []

    async def reply(self, sender_id, text, client=""):
        self.calls.append(text)
        number = int(text.split()[-1]) if text.split() and text.split()[-1].isdigit() else 0
        await asyncio.sleep((10 - number % 10) / 1000)
        return [{"text": f"answer to {text}", "buttons": [], "metadata": {"kind": "test"}}]


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("robust")
    settings = Settings(store_dir=DEMO_STORE, database_url=f"sqlite:///{tmp / 'shop.db'}", llm_enabled=False)
    container = Container(settings)
    container.__dict__["chat"] = ChatService(SqlConversationStore(settings.resolved_database_url()),
                                             SlowFirstAssistant())
    with served(create_app(container)) as url:
        yield {"url": url, "container": container}


async def test_a_session_request_without_payload_gets_a_session(app):
    shopper = Shopper(app["url"])
    await shopper.client.connect(app["url"], transports=["websocket"])
    await shopper.client.emit("session_request")  # no payload at all (was a TypeError)
    assert len(await shopper.wait("session_confirm")) == 32
    await shopper.client.emit("user_uttered")  # no payload: refused politely
    assert "reload" in (await shopper.wait("notice"))["text"]
    await shopper.close()


@pytest.mark.parametrize("payload", [["a", "list"], "just a string", 42, None, {"message": {"nested": 1}},
                                     {"message": 12345}])
async def test_malformed_messages_get_a_polite_answer_or_notice(app, payload):
    shopper = Shopper(app["url"])
    await shopper.open()
    await shopper.client.emit("user_uttered", payload)
    event = await shopper.wait("bot_uttered") if isinstance(payload, dict) else await shopper.wait("notice")
    assert event["text"]
    await shopper.close()


async def test_a_lone_surrogate_is_stored_and_answered(app):
    shopper = Shopper(app["url"])
    session_id = await shopper.open()
    await shopper.client.emit("user_uttered", {"session_id": session_id, "message": "hello \ud800 there"})
    reply = await shopper.wait("bot_uttered")
    assert reply["text"].startswith("answer to hello")
    stored = app["container"].chat.store.history(session_id)
    assert stored[0]["author"] == "shopper" and stored[0]["text"] == "hello \ufffd there"
    await shopper.close()


async def test_fifty_rapid_messages_are_stored_and_answered_in_order(app):
    shopper = Shopper(app["url"])
    session_id = await shopper.open()
    sent = [f"message {n}" for n in range(50)]
    for text in sent:  # no waiting between them
        await shopper.client.emit("user_uttered", {"session_id": session_id, "message": text})
    await shopper.wait("bot_uttered", count=50, timeout=30)
    answers = [d["text"] for e, d in shopper.events if e == "bot_uttered"]
    assert answers == [f"answer to {text}" for text in sent]
    history = app["container"].chat.store.history(session_id)
    assert [m["text"] for m in history if m["author"] == "shopper"] == sent
    assert [m["text"] for m in history if m["author"] == "bot"] == answers  # stored as soon as they arrive
    await shopper.close()
