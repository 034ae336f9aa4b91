"""Conversations behind the widget: who a session is, what was said, and who answers it.

Every message is stored before anything else happens, so a crash or restart loses nothing; the
assistant answers only while the conversation is the bot's.
"""
from __future__ import annotations

import re
import uuid

_SESSION_ID = re.compile(r"^[a-f0-9]{32}$")
MAX_STORED_CHARS = 20_000


class ChatService:
    def __init__(self, store, assistant):
        self.store = store
        self.assistant = assistant

    def open(self, session_id: str | None) -> tuple[str, list[dict]]:
        """The shopper's session (a fresh one for a missing or malformed id) and its history."""
        if not session_id or not _SESSION_ID.match(session_id):
            session_id = uuid.uuid4().hex
        self.store.ensure(session_id)
        return session_id, self.store.history(session_id)

    def record_shopper(self, session_id: str, text: str) -> dict:
        return self.store.add(session_id, "shopper", text[:MAX_STORED_CHARS])

    async def answer(self, session_id: str, text: str) -> list[dict]:
        """The bot's replies, stored; none while a person owns the conversation."""
        if self.store.state(session_id) != "bot":
            return []
        replies = await self.assistant.reply(session_id, text)
        return [self.store.add(session_id, "bot", r["text"], r.get("buttons"), r.get("metadata")) for r in replies]

    def feedback(self, session_id: str, message_id: int, value: str) -> bool:
        return self.store.set_feedback(session_id, message_id, value)
