"""Reads stored conversations for the insights page, and keeps staff's tags on conversations.

The tags table is on the conversations' declarative base (a foreign key to `conversations`), in the
same database; it is created on first use here, or with the other chat tables once this module is loaded.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text, func, select
from sqlalchemy.orm import Mapped, mapped_column

from bot.adapters.sql.conversations import ChatBase, Conversation, FeedbackReason, Message
from bot.adapters.sql.store import SchemaSessions
from bot.domain.insights import StoredConversation, StoredMessage, Tag


class ConversationTag(ChatBase):
    """One tag per conversation and kind; tagging again replaces who, when, which reply and the note."""
    __tablename__ = "conversation_tags"

    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"), primary_key=True)
    tag: Mapped[str] = mapped_column(String(32), primary_key=True)
    staff: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    message_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")


def _aware(moment: datetime) -> datetime:
    """SQLite returns naive datetimes; every stored one is UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


class SqlInsightsReader:
    def __init__(self, url: str):
        self.url = url
        self._session = SchemaSessions(url, ChatBase.metadata)

    def conversations_started(self, first: date, last: date) -> list[StoredConversation]:
        """Conversations whose first shopper message falls on `first`..`last` (UTC, both included)."""
        start = datetime.combine(first, time(), UTC)
        end = datetime.combine(last + timedelta(days=1), time(), UTC)
        started = (select(Message.conversation_id).where(Message.author == "shopper")
                   .group_by(Message.conversation_id)
                   .having(func.min(Message.at) >= start, func.min(Message.at) < end))
        return self._load(started)

    def conversation(self, conversation_id: str) -> StoredConversation | None:
        found = self._load([conversation_id])
        return found[0] if found else None

    def _load(self, ids) -> list[StoredConversation]:
        with self._session() as session:
            rows = list(session.scalars(select(Conversation).where(Conversation.id.in_(ids)).order_by(Conversation.id)))
            messages = defaultdict(list)
            reasons = {r.message_id: r for r in session.scalars(
                select(FeedbackReason).where(FeedbackReason.conversation_id.in_(ids)))}
            query = select(Message).where(Message.conversation_id.in_(ids)).order_by(Message.id)
            for m in session.scalars(query):
                why = reasons.get(m.id)
                messages[m.conversation_id].append(StoredMessage(
                    m.id, m.author, m.text or "", _aware(m.at), dict(m.meta or {}), m.feedback,
                    why.reason if why else None, (why.comment or "") if why else ""))
            return [StoredConversation(c.id, c.state, c.reason, tuple(messages[c.id])) for c in rows]

    def exists(self, conversation_id: str) -> bool:
        with self._session() as session:
            return session.get(Conversation, conversation_id) is not None

    def set_tag(self, tag: Tag) -> None:
        with self._session() as session, session.begin():
            row = session.get(ConversationTag, (tag.conversation_id, tag.tag))
            if row is None:
                row = ConversationTag(conversation_id=tag.conversation_id, tag=tag.tag)
                session.add(row)
            row.staff, row.at, row.message_id, row.note = tag.staff, tag.at, tag.message_id, tag.note

    def remove_tag(self, conversation_id: str, tag: str) -> bool:
        with self._session() as session, session.begin():
            row = session.get(ConversationTag, (conversation_id, tag))
            if row is None:
                return False
            session.delete(row)
            return True

    def tags(self, conversation_ids: list[str] | None = None, tag: str | None = None) -> list[Tag]:
        with self._session() as session:
            query = select(ConversationTag).order_by(ConversationTag.at, ConversationTag.conversation_id)
            if conversation_ids is not None:
                query = query.where(ConversationTag.conversation_id.in_(conversation_ids))
            if tag is not None:
                query = query.where(ConversationTag.tag == tag)
            return [Tag(t.conversation_id, t.tag, t.staff, _aware(t.at), t.message_id, t.note or "")
                    for t in session.scalars(query)]
