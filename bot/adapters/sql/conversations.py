"""Every message of every conversation, with author and time, in SQL: the widget's history and the
record staff read. Tables of their own (not the shop's): reseeding the shop never touches them."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Integer, String, Text, delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from bot.adapters.sql.store import SchemaSessions
from bot.domain.feedback import REASONS

AUTHORS = ("shopper", "bot", "staff", "system")


class ChatBase(DeclarativeBase):
    pass


def _now() -> datetime:
    return datetime.now(UTC)


class Conversation(ChatBase):
    __tablename__ = "conversations"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    # Who answers: "bot", "waiting" (for a person), "human", or "resolved".
    state: Mapped[str] = mapped_column(String(16), default="bot")
    owner: Mapped[str | None] = mapped_column(String(64), nullable=True)  # the staff member answering
    customer_id: Mapped[str | None] = mapped_column(String(64), nullable=True)  # verified by the bot
    reason: Mapped[str | None] = mapped_column(String(200), nullable=True)  # why a person was asked for
    summary: Mapped[str | None] = mapped_column(Text, nullable=True)
    waiting_since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


class StaffUser(ChatBase):
    __tablename__ = "staff_users"

    username: Mapped[str] = mapped_column(String(64), primary_key=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


class StaffLoginFailure(ChatBase):
    """Consecutive failed staff logins for one key ("user:<name>" or "ip:<address>")."""
    __tablename__ = "staff_login_failures"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class StaffSession(ChatBase):
    """A logged-in staff member. The cookie carries a random token; only its SHA-256 is stored here."""
    __tablename__ = "staff_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    username: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)


class Message(ChatBase):
    __tablename__ = "messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"), index=True)
    author: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text, default="")
    buttons: Mapped[list] = mapped_column(JSON, default=list)
    meta: Mapped[dict] = mapped_column("metadata", JSON, default=dict)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    feedback: Mapped[str | None] = mapped_column(String(8), nullable=True)


class FeedbackReason(ChatBase):
    """Why the shopper gave a bot reply a thumbs-down (optional; at most one per reply, replaced when given again)."""
    __tablename__ = "feedback_reasons"
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id"), primary_key=True)
    conversation_id: Mapped[str] = mapped_column(String(64), index=True)
    reason: Mapped[str] = mapped_column(String(32))
    comment: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


class SqlConversationStore:
    def __init__(self, url: str):
        self.url = url
        self._session = SchemaSessions(url, ChatBase.metadata)

    def ensure(self, conversation_id: str) -> bool:
        """Create the conversation if new; True when it was created."""
        with self._session() as session, session.begin():
            if session.get(Conversation, conversation_id):
                return False
            session.add(Conversation(id=conversation_id))
            return True

    def state(self, conversation_id: str) -> str | None:
        with self._session() as session:
            conversation = session.get(Conversation, conversation_id)
            return conversation.state if conversation else None

    def add(self, conversation_id: str, author: str, text: str, buttons: list | None = None,
            metadata: dict | None = None) -> dict:
        if author not in AUTHORS:
            raise ValueError(f"unknown author {author!r}")
        with self._session() as session, session.begin():
            message = Message(conversation_id=conversation_id, author=author, text=text, buttons=buttons or [],
                              meta=metadata or {})
            session.add(message)
            session.get(Conversation, conversation_id).updated_at = _now()
            session.flush()
            return _as_dict(message)

    def conversation(self, conversation_id: str) -> dict | None:
        with self._session() as session:
            conversation = session.get(Conversation, conversation_id)
            return _conversation_dict(conversation) if conversation else None

    def move(self, conversation_id: str, to: str, *, allowed_from: tuple[str, ...], owner: str | None = None,
             only_owner: str | None = None, **fields) -> bool:
        """Change who answers, atomically: only from the given states (and owner), so two staff
        members can't both take one conversation."""
        with self._session() as session, session.begin():
            query = update(Conversation).where(Conversation.id == conversation_id,
                                               Conversation.state.in_(allowed_from))
            if only_owner is not None:
                query = query.where(Conversation.owner == only_owner)
            values = {"state": to, "owner": owner, "updated_at": _now(), **fields}
            if to == "waiting":
                values["waiting_since"] = _now()
            return session.execute(query.values(**values)).rowcount == 1

    def remember(self, conversation_id: str, **fields) -> None:
        """Facts about the conversation the bot learned (verified customer, handoff summary)."""
        with self._session() as session, session.begin():
            session.execute(update(Conversation).where(Conversation.id == conversation_id).values(**fields))

    def queue(self, states: tuple[str, ...] = ("waiting", "human")) -> list[dict]:
        with self._session() as session:
            query = select(Conversation).where(Conversation.state.in_(states)).order_by(Conversation.waiting_since)
            conversations = [_conversation_dict(c) for c in session.scalars(query)]
            for conversation in conversations:
                last = session.scalars(select(Message).where(Message.conversation_id == conversation["id"])
                                       .order_by(Message.id.desc()).limit(1)).first()
                conversation["last_message"] = _as_dict(last) if last else None
            return conversations

    def waiting_ids(self) -> list[str]:
        """Waiting conversations, longest wait first (the shopper's place in the queue)."""
        with self._session() as session:
            query = select(Conversation.id).where(Conversation.state == "waiting").order_by(Conversation.waiting_since)
            return list(session.scalars(query))

    def add_staff(self, username: str, password_hash: str) -> None:
        with self._session() as session, session.begin():
            existing = session.get(StaffUser, username)
            if existing:
                existing.password_hash = password_hash
            else:
                session.add(StaffUser(username=username, password_hash=password_hash))

    def staff_password_hash(self, username: str) -> str | None:
        with self._session() as session:
            user = session.get(StaffUser, username)
            return user.password_hash if user else None

    def count_login_attempt(self, keys: Sequence[str], now: datetime,
                            lock_seconds: Callable[[int], float]) -> tuple[bool, datetime | None]:
        """Count one login attempt against every key before the password is checked; a success clears
        the count (`clear_login_failures`), so it counts consecutive failures. The count is raised
        first, which takes the write lock: parallel guesses queue here and can't all slip past a lock.
        While a key is locked the attempt is refused and not counted: (False, end of the lock).
        Otherwise (True, end of the lock this attempt started, if `lock_seconds(count)` > 0)."""
        keys = list(dict.fromkeys(keys))
        for key in keys:
            self._ensure_login_key(key)
        rows = StaffLoginFailure.key.in_(keys)
        with self._session() as session, session.begin():
            session.execute(update(StaffLoginFailure).where(rows).values(count=StaffLoginFailure.count + 1))
            failures = list(session.scalars(select(StaffLoginFailure).where(rows)))
            locks = [until for f in failures if (until := _aware(f.locked_until)) and until > now]
            if locks:
                session.execute(update(StaffLoginFailure).where(rows).values(count=StaffLoginFailure.count - 1))
                return False, max(locks)
            new_lock = None
            for failure in failures:
                seconds = lock_seconds(failure.count)
                if seconds > 0:
                    failure.locked_until = now + timedelta(seconds=seconds)
                    new_lock = max(new_lock or failure.locked_until, failure.locked_until)
            return True, new_lock

    def _ensure_login_key(self, key: str) -> None:
        try:
            with self._session() as session, session.begin():
                if session.get(StaffLoginFailure, key) is None:
                    session.add(StaffLoginFailure(key=key, count=0))
        except IntegrityError:  # a parallel attempt made it first
            pass

    def clear_login_failures(self, keys: Sequence[str]) -> None:
        with self._session() as session, session.begin():
            session.execute(delete(StaffLoginFailure).where(StaffLoginFailure.key.in_(list(keys))))

    def open_staff_session(self, session_hash: str, username: str, now: datetime, expires_at: datetime) -> None:
        with self._session() as session, session.begin():
            session.execute(delete(StaffSession).where(StaffSession.expires_at < now))  # expired ones are gone
            session.add(StaffSession(id=session_hash, username=username, created_at=now, expires_at=expires_at))

    def staff_session_user(self, session_hash: str, now: datetime) -> str | None:
        """The staff member of a live session: known, not revoked, not expired."""
        with self._session() as session:
            found = session.get(StaffSession, session_hash)
            if not found or found.revoked or _aware(found.expires_at) <= now:
                return None
            return found.username

    def revoke_staff_session(self, session_hash: str) -> None:
        with self._session() as session, session.begin():
            session.execute(update(StaffSession).where(StaffSession.id == session_hash).values(revoked=True))

    def annotate(self, message_id: int, nlu: dict) -> None:
        with self._session() as session, session.begin():
            message = session.get(Message, message_id)
            if message:
                message.meta = {**(message.meta or {}), "nlu": nlu}

    def history(self, conversation_id: str) -> list[dict]:
        with self._session() as session:
            query = select(Message).where(Message.conversation_id == conversation_id).order_by(Message.id)
            reasons = {r.message_id: r for r in session.scalars(
                select(FeedbackReason).where(FeedbackReason.conversation_id == conversation_id))}
            return [_as_dict(m, reasons.get(m.id)) for m in session.scalars(query)]

    def reviews(self, limit: int = 50) -> list[dict]:
        """Shop reviews shoppers left through the bot, newest first (the bot's reply carries the text)."""
        with self._session() as session:
            query = (select(Message).where(Message.author == "bot")
                     .where(Message.meta["kind"].as_string() == "review_recorded")
                     .order_by(Message.id.desc()).limit(limit))
            return [{"conversation_id": m.conversation_id, "message_id": m.id, "at": m.at.isoformat(),
                     "text": ((m.meta or {}).get("review") or {}).get("text", "")} for m in session.scalars(query)]

    def set_feedback(self, conversation_id: str, message_id: int, value: str) -> bool:
        """Thumbs up/down on one of this conversation's bot messages; False for anything else."""
        if value not in ("up", "down"):
            return False
        with self._session() as session, session.begin():
            message = session.get(Message, message_id)
            if not message or message.conversation_id != conversation_id or message.author != "bot":
                return False
            message.feedback = value
            if value == "up":  # changed their mind: the reason for the thumbs-down no longer holds
                session.execute(delete(FeedbackReason).where(FeedbackReason.message_id == message_id))
            return True

    def set_feedback_reason(self, conversation_id: str, message_id: int, reason: str, comment: str) -> bool:
        """Why this conversation's bot message got a thumbs-down, replacing an earlier reason; False when the
        message is not one of its bot messages or its thumb is not down. Checking the reason is the caller's."""
        with self._session() as session, session.begin():
            message = session.get(Message, message_id)
            if (not message or message.conversation_id != conversation_id or message.author != "bot"
                    or message.feedback != "down"):
                return False
            stored = session.get(FeedbackReason, message_id)
            if stored is None:
                stored = FeedbackReason(message_id=message_id, conversation_id=conversation_id)
                session.add(stored)
            stored.reason, stored.comment, stored.at = reason, comment, _now()
            return True


def _as_dict(message: Message, reason: FeedbackReason | None = None) -> dict:
    """`feedback_reason` is filled by `history` only (one query for the whole conversation)."""
    why = {"reason": reason.reason, "label": REASONS.get(reason.reason, reason.reason),
           "comment": reason.comment or ""} if reason else None
    return {"message_id": message.id, "author": message.author, "text": message.text, "buttons": message.buttons,
            "metadata": message.meta, "at": message.at.isoformat(), "feedback": message.feedback,
            "feedback_reason": why}


def _aware(moment: datetime | None) -> datetime | None:
    """SQLite returns naive datetimes; every stored one is UTC."""
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment


def _conversation_dict(conversation: Conversation) -> dict:
    waiting = conversation.waiting_since
    if waiting is not None and waiting.tzinfo is None:  # SQLite returns naive datetimes
        waiting = waiting.replace(tzinfo=UTC)
    return {
        "id": conversation.id, "state": conversation.state, "owner": conversation.owner,
        "customer_id": conversation.customer_id, "reason": conversation.reason, "summary": conversation.summary,
        "waiting_since": waiting.isoformat() if waiting else None,
        "waiting_seconds": int((_now() - waiting).total_seconds()) if waiting and conversation.state == "waiting" else 0,
    }
