"""Conversations behind the widget: who a session is, what was said, and who answers it.

Every message is stored before anything else happens, so a crash or restart loses nothing. States:
bot -> waiting (for a person) -> human -> bot again, or resolved. The assistant answers only while
the conversation is the bot's; staff actions are allowed only from the right state, and only one
staff member owns a conversation at a time.
"""
from __future__ import annotations

import re
import uuid

from bot.domain.feedback import checked_reason
from bot.domain.handoff import handoff_reason, wait_notice
from bot.domain.inputs import clean_text
from bot.domain.sentiment import in_shoppers_words
from bot.ports import SentimentScorer

_SESSION_ID = re.compile(r"^[a-f0-9]{32}$")
MAX_STORED_CHARS = 20_000
JOINED = "{name} from our team has joined the conversation."
BACK_TO_BOT = "You're back with the assistant. Ask me anything, or ask for a person again at any time."
RESOLVED = "This conversation was marked as resolved. Write again any time if you need more help."


class ChatService:
    def __init__(self, store, assistant, minutes_per_conversation: int = 5, sentiment: SentimentScorer | None = None):
        self.store = store
        self.assistant = assistant
        self.minutes_per_conversation = minutes_per_conversation
        self.sentiment = sentiment  # None: messages are not scored, frustration is read from words alone

    # ---- shopper side -----------------------------------------------------------------------
    def open(self, session_id: str | None) -> tuple[str, list[dict]]:
        """The shopper's session (a fresh one for a missing or malformed id) and its history."""
        if not session_id or not _SESSION_ID.match(session_id):
            session_id = uuid.uuid4().hex
        self.store.ensure(session_id)
        return session_id, self.store.history(session_id)

    def record_shopper(self, session_id: str, text: str) -> dict:
        self.store.move(session_id, "bot", allowed_from=("resolved",))  # a new question reopens it
        text = clean_text(text[:MAX_STORED_CHARS])
        scored = self.sentiment and in_shoppers_words(text)
        metadata = {"sentiment": round(self.sentiment.score(text), 4)} if scored else None
        return self.store.add(session_id, "shopper", text, metadata=metadata)

    async def answer(self, session_id: str, text: str, message_id: int | None = None, client: str = "") -> list[dict]:
        """The bot's replies (stored), or while a person is awaited, a note on the wait."""
        state = self.store.state(session_id)
        if state != "bot":
            await self._annotate(message_id, text)
            return [self._wait_notice(session_id)] if state == "waiting" else []
        replies = await self.assistant.reply(session_id, text, client)
        stored = [self.store.add(session_id, "bot", r["text"], r.get("buttons"), r.get("metadata")) for r in replies]
        self._learn(session_id, stored)
        reason = self._reason_for_a_person(session_id)
        if reason and self.store.move(session_id, "waiting", allowed_from=("bot",), reason=reason):
            stored.append(self._wait_notice(session_id, reason))
        return stored

    async def _annotate(self, message_id: int | None, text: str) -> None:
        """The bot stays silent, but its NLU still labels the message for the staff member."""
        annotate = getattr(self.assistant, "annotate", None)
        if message_id is not None and annotate:
            nlu = await annotate(text)
            if nlu:
                self.store.annotate(message_id, nlu)

    def _learn(self, session_id: str, replies: list[dict]) -> None:
        for reply in replies:
            handoff = (reply.get("metadata") or {}).get("handoff")
            if handoff:
                self.store.remember(session_id, summary=handoff.get("summary"),
                                    **({"customer_id": handoff["customer_id"]} if handoff.get("customer_id") else {}))

    def _reason_for_a_person(self, session_id: str) -> str | None:
        history = self.store.history(session_id)
        turns: list[list[str]] = []
        for message in history:
            if message["author"] == "shopper":
                turns.append([])
            elif message["author"] == "bot" and turns:
                turns[-1].append((message.get("metadata") or {}).get("kind", ""))
        shopper = [m for m in history if m["author"] == "shopper"]
        scores = [(m.get("metadata") or {}).get("sentiment") for m in shopper]
        return handoff_reason([t for t in turns if t], [m["text"] for m in shopper], scores)

    def _wait_notice(self, session_id: str, reason: str | None = None) -> dict:
        """`reason`: why this handoff began (kept with its first notice, for the insights page)."""
        waiting = self.store.waiting_ids()
        position = waiting.index(session_id) + 1 if session_id in waiting else 1
        return self.store.add(session_id, "system", wait_notice(position, self.minutes_per_conversation),
                              metadata={"handoff_reason": reason} if reason else None)

    def feedback(self, session_id: str, message_id: int, value: str) -> bool:
        return self.store.set_feedback(session_id, message_id, value)

    def feedback_reason(self, session_id: str, message_id: int, reason: object, comment: object) -> bool:
        """The optional "what went wrong?" after a thumbs-down; False for an unknown reason or a reply
        of another conversation, or one without a thumbs-down."""
        checked = checked_reason(reason, comment)
        if checked is None:
            return False
        return self.store.set_feedback_reason(session_id, message_id, *checked)

    # ---- staff side --------------------------------------------------------------------------
    def take_over(self, session_id: str, staff: str) -> dict | None:
        """The notice for the shopper, or None when someone else owns it already."""
        if not self.store.move(session_id, "human", allowed_from=("waiting", "bot"), owner=staff):
            return None
        return self.store.add(session_id, "system", JOINED.format(name=staff))

    def staff_reply(self, session_id: str, staff: str, text: str) -> dict | None:
        conversation = self.store.conversation(session_id)
        if not conversation or conversation["state"] != "human" or conversation["owner"] != staff or not text.strip():
            return None
        return self.store.add(session_id, "staff", text.strip()[:MAX_STORED_CHARS], metadata={"staff": staff})

    def hand_back(self, session_id: str, staff: str) -> dict | None:
        if not self.store.move(session_id, "bot", allowed_from=("human",), only_owner=staff):
            return None
        return self.store.add(session_id, "system", BACK_TO_BOT)

    def resolve(self, session_id: str, staff: str) -> dict | None:
        conversation = self.store.conversation(session_id) or {}
        only_owner = staff if conversation.get("state") == "human" else None
        if not self.store.move(session_id, "resolved", allowed_from=("human", "waiting", "bot"), only_owner=only_owner):
            return None
        return self.store.add(session_id, "system", RESOLVED)
