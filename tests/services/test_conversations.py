"""Conversations on a real SQLite file with a fake assistant: storage, restarts, ownership, feedback."""
from __future__ import annotations

import pytest

from bot.adapters.rasa_rest import merge_rest_messages
from bot.adapters.sql.conversations import SqlConversationStore
from bot.services.conversations import ChatService


class FakeAssistant:
    def __init__(self):
        self.calls: list[tuple[str, str]] = []

    async def reply(self, sender_id, text):
        self.calls.append((sender_id, text))
        return [{"text": f"echo: {text}", "buttons": [{"title": "Yes", "payload": "/affirm"}],
                 "metadata": {"kind": "test"}}]


@pytest.fixture
def url(tmp_path):
    return f"sqlite:///{tmp_path / 'chat.db'}"


async def test_every_message_is_stored_and_survives_a_restart(url):
    chat = ChatService(SqlConversationStore(url), FakeAssistant())
    session_id, history = chat.open(None)
    assert len(session_id) == 32 and history == []
    chat.record_shopper(session_id, "hello")
    [reply] = await chat.answer(session_id, "hello")
    assert reply["text"] == "echo: hello" and reply["buttons"] == [{"title": "Yes", "payload": "/affirm"}]

    restarted = ChatService(SqlConversationStore(url), FakeAssistant())
    same, history = restarted.open(session_id)
    assert same == session_id
    assert [(m["author"], m["text"]) for m in history] == [("shopper", "hello"), ("bot", "echo: hello")]
    assert history[1]["metadata"] == {"kind": "test"} and history[0]["at"]


@pytest.mark.parametrize("bad", ["", "../etc/passwd", "A" * 32, "x" * 5000, None])
def test_malformed_session_ids_get_a_fresh_session(url, bad):
    session_id, history = ChatService(SqlConversationStore(url), FakeAssistant()).open(bad)
    assert session_id != bad and len(session_id) == 32 and history == []


async def test_the_bot_stays_silent_while_a_person_owns_the_conversation(url):
    store = SqlConversationStore(url)
    assistant = FakeAssistant()
    chat = ChatService(store, assistant)
    session_id, _ = chat.open(None)
    with store._session() as session, session.begin():
        from bot.adapters.sql.conversations import Conversation

        session.get(Conversation, session_id).state = "human"
    chat.record_shopper(session_id, "are you there?")
    assert await chat.answer(session_id, "are you there?") == [] and assistant.calls == []
    assert [m["author"] for m in store.history(session_id)] == ["shopper"]  # still stored


async def test_feedback_only_on_this_conversations_bot_messages(url):
    chat = ChatService(SqlConversationStore(url), FakeAssistant())
    mine, _ = chat.open(None)
    other, _ = chat.open(None)
    shopper = chat.record_shopper(mine, "hi")
    [bot] = await chat.answer(mine, "hi")
    assert chat.feedback(mine, bot["message_id"], "up") is True
    assert chat.feedback(other, bot["message_id"], "down") is False  # not that session's message
    assert chat.feedback(mine, shopper["message_id"], "up") is False  # not a bot message
    assert chat.feedback(mine, bot["message_id"], "meh") is False
    assert chat.store.history(mine)[1]["feedback"] == "up"


def test_rest_text_and_custom_metadata_are_joined():
    merged = merge_rest_messages([
        {"recipient_id": "s", "text": "The tent costs $10.", "buttons": [{"title": "More", "payload": "/more"}]},
        {"recipient_id": "s", "custom": {"shopbot": {"kind": "product_fact", "sources": []}}},
        {"recipient_id": "s", "text": "Anything else?"},
    ])
    assert merged == [
        {"text": "The tent costs $10.", "buttons": [{"title": "More", "payload": "/more"}],
         "metadata": {"kind": "product_fact", "sources": []}},
        {"text": "Anything else?", "buttons": [], "metadata": {}},
    ]
