"""Conversations on a real SQLite file with a fake assistant: storage, restarts, ownership, feedback."""
from __future__ import annotations

import pytest

from bot.adapters.rasa_rest import merge_rest_messages
from bot.adapters.sql.conversations import SqlConversationStore
from bot.services.conversations import ChatService
from tests.fakes import EchoAssistant


def FakeAssistant():  # noqa: N802 - reads like the class it stands for
    return EchoAssistant("echo: {text}", {"kind": "test"})


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


class ScriptedAssistant:
    """Replies with the given kinds in order (one reply per message); labels messages it doesn't answer."""

    def __init__(self, *kinds):
        self.kinds = list(kinds)
        self.calls = 0

    async def annotate(self, text):
        return {"intent": "greet" if "hello" in text else "other", "confidence": 0.9}

    async def reply(self, sender_id, text, client=""):
        self.calls += 1
        kind = self.kinds.pop(0) if self.kinds else "policy"
        meta = {"kind": kind}
        if kind == "handoff":
            meta["handoff"] = {"summary": "Verified customer: olivia_ito_3591.", "customer_id": "olivia_ito_3591"}
        return [{"text": f"[{kind}]", "buttons": [], "metadata": meta}]


async def _say(chat, session_id, text):
    stored = chat.record_shopper(session_id, text)
    return await chat.answer(session_id, text, stored["message_id"])


async def test_asking_for_a_person_queues_the_conversation_and_silences_the_bot(url):
    assistant = ScriptedAssistant("handoff")
    chat = ChatService(SqlConversationStore(url), assistant, minutes_per_conversation=4)
    session_id, _ = chat.open(None)
    replies = await _say(chat, session_id, "a person please")
    assert [r["author"] for r in replies] == ["bot", "system"]
    assert "expected wait about 4 minutes" in replies[-1]["text"]
    assert replies[-1]["metadata"] == {"handoff_reason": "The shopper asked for a person."}  # for the insights
    conversation = chat.store.conversation(session_id)
    assert conversation["state"] == "waiting" and conversation["customer_id"] == "olivia_ito_3591"
    assert conversation["summary"] == "Verified customer: olivia_ito_3591."
    waiting = await _say(chat, session_id, "hello? anyone?")
    assert [r["author"] for r in waiting] == ["system"] and assistant.calls == 1  # the bot stays out
    assert not waiting[0]["metadata"]  # a reminder of the wait, not a new handoff
    asked = [m for m in chat.store.history(session_id) if m["text"] == "hello? anyone?"][0]
    assert asked["metadata"]["nlu"] == {"intent": "greet", "confidence": 0.9}  # but its NLU still labels it


async def test_two_failures_in_a_row_bring_a_person(url):
    chat = ChatService(SqlConversationStore(url), ScriptedAssistant("unknown", "product_fact", "unknown", "unknown"))
    session_id, _ = chat.open(None)
    for text in ("a", "b", "c"):
        await _say(chat, session_id, text)
    assert chat.store.state(session_id) == "bot"  # unknown, fact, unknown: never twice in a row
    await _say(chat, session_id, "d")
    assert chat.store.conversation(session_id)["reason"] == "The assistant could not help twice in a row."


async def test_frustration_brings_a_person(url):
    chat = ChatService(SqlConversationStore(url), ScriptedAssistant())
    session_id, _ = chat.open(None)
    await _say(chat, session_id, "this is ridiculous")
    assert chat.store.state(session_id) == "bot"
    await _say(chat, session_id, "WORST SERVICE EVER")
    assert chat.store.state(session_id) == "waiting"


async def test_one_owner_hand_back_and_resolve(url):
    assistant = ScriptedAssistant("handoff")
    chat = ChatService(SqlConversationStore(url), assistant)
    session_id, _ = chat.open(None)
    await _say(chat, session_id, "a person please")
    assert chat.take_over(session_id, "alice")["text"] == "alice from our team has joined the conversation."
    assert chat.take_over(session_id, "bob") is None  # one owner
    assert chat.staff_reply(session_id, "bob", "hi") is None  # not bob's
    assert chat.staff_reply(session_id, "alice", "Hi, I'm Alice.")["author"] == "staff"
    assert await _say(chat, session_id, "thanks alice") == [] and assistant.calls == 1
    assert chat.hand_back(session_id, "bob") is None
    assert "back with the assistant" in chat.hand_back(session_id, "alice")["text"]
    assert [r["text"] for r in await _say(chat, session_id, "price of a tent?")] == ["[policy]"]
    assert chat.resolve(session_id, "bob")["text"].startswith("This conversation was marked as resolved")
    await _say(chat, session_id, "one more question")
    assert chat.store.state(session_id) == "bot"  # writing again reopens it
    authors = [m["author"] for m in chat.store.history(session_id)]
    assert authors.count("staff") == 1 and authors.count("system") >= 4  # nothing lost, all in order


async def test_a_thumbs_down_reason_only_on_this_conversations_thumbed_down_bot_reply(url):
    chat = ChatService(SqlConversationStore(url), FakeAssistant())
    mine, _ = chat.open(None)
    other, _ = chat.open(None)
    shopper = chat.record_shopper(mine, "hi")
    [bot] = await chat.answer(mine, "hi")
    assert chat.feedback_reason(mine, bot["message_id"], "wrong", "") is False  # no thumb yet
    chat.feedback(mine, bot["message_id"], "up")
    assert chat.feedback_reason(mine, bot["message_id"], "wrong", "") is False  # thumbs up
    chat.feedback(mine, bot["message_id"], "down")
    assert chat.feedback_reason(other, bot["message_id"], "wrong", "") is False  # not that session's reply
    assert chat.feedback_reason(mine, shopper["message_id"], "wrong", "") is False  # not a bot reply
    assert chat.feedback_reason(mine, bot["message_id"], "rude", "") is False  # not one of the choices
    assert chat.feedback_reason(mine, 10_000, "wrong", "") is False  # no such message
    assert chat.store.history(mine)[1]["feedback_reason"] is None

    assert chat.feedback_reason(mine, bot["message_id"], "wrong", "said $10, it's $12") is True
    assert chat.feedback_reason(mine, bot["message_id"], "not_answered", "  I asked about sizes " + "x" * 5000)
    reason = chat.store.history(mine)[1]["feedback_reason"]  # the second one replaced the first
    assert reason["reason"] == "not_answered" and reason["label"] == "It didn't answer my question"
    assert reason["comment"].startswith("I asked about sizes x") and len(reason["comment"]) == 1000
    assert chat.store.history(other) == [] and chat.store.history(mine)[0]["feedback_reason"] is None

    chat.feedback(mine, bot["message_id"], "up")  # changed their mind: the reason goes
    assert chat.store.history(mine)[1]["feedback_reason"] is None
    chat.feedback(mine, bot["message_id"], "down")
    assert chat.store.history(mine)[1]["feedback_reason"] is None  # not brought back


class RecordingScorer:
    """Scores from a table (0.0 otherwise) and remembers what it was asked."""

    def __init__(self, scores: dict[str, float]):
        self.scores, self.asked = scores, []

    def score(self, text: str) -> float:
        self.asked.append(text)
        return self.scores.get(text, 0.0)


async def test_shopper_messages_carry_their_sentiment_score(url):
    scorer = RecordingScorer({"so disappointed": -0.612345})
    chat = ChatService(SqlConversationStore(url), ScriptedAssistant(), sentiment=scorer)
    session_id, _ = chat.open(None)
    await _say(chat, session_id, "so disappointed")
    await _say(chat, session_id, "/affirm")  # a button's payload, not the shopper's words
    history = chat.store.history(session_id)
    said = [m for m in history if m["author"] == "shopper"]
    assert said[0]["metadata"] == {"sentiment": -0.6123}
    assert "sentiment" not in (said[1]["metadata"] or {}) and scorer.asked == ["so disappointed"]
    assert all("sentiment" not in (m["metadata"] or {}) for m in history if m["author"] != "shopper")


async def test_strongly_negative_messages_bring_a_person_without_anger_words(url):
    from bot.adapters.vader_sentiment import VaderSentiment

    sad = ["I am so disappointed, the parcel still has not arrived", "Very sad and upset, nobody answers my emails"]
    words_only = ChatService(SqlConversationStore(url), ScriptedAssistant())
    session_id, _ = words_only.open(None)
    for text in sad:
        await _say(words_only, session_id, text)
    assert words_only.store.state(session_id) == "bot"  # no anger words, no shouting

    chat = ChatService(SqlConversationStore(url), ScriptedAssistant(), sentiment=VaderSentiment())
    session_id, _ = chat.open(None)
    await _say(chat, session_id, sad[0])
    assert chat.store.state(session_id) == "bot"  # one sad message is not enough
    await _say(chat, session_id, sad[1])
    conversation = chat.store.conversation(session_id)
    assert conversation["state"] == "waiting" and conversation["reason"] == "The shopper sounds frustrated."
    scores = [m["metadata"]["sentiment"] for m in chat.store.history(session_id) if m["author"] == "shopper"]
    assert len(scores) == 2 and all(s <= -0.45 for s in scores)


async def test_neutral_complaints_about_a_late_order_keep_the_bot(url):
    from bot.adapters.vader_sentiment import VaderSentiment

    chat = ChatService(SqlConversationStore(url), ScriptedAssistant("order_status", "order_status", "order_status"),
                       sentiment=VaderSentiment())
    session_id, _ = chat.open(None)
    for text in ("my order is late", "where is it? it was due on Monday", "still not here"):
        await _say(chat, session_id, text)
    assert chat.store.state(session_id) == "bot"
