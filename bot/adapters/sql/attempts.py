"""Failed identity checks per key ("conversation:<id>", "account:<user id>"), in SQL so that every
action server process (and a restart) sees the same counts."""
from __future__ import annotations

from sqlalchemy import Float, Integer, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from bot.adapters.sql.store import SchemaSessions


class AttemptBase(DeclarativeBase):
    pass


class FailedAttempts(AttemptBase):
    __tablename__ = "verification_attempts"

    key: Mapped[str] = mapped_column(String(300), primary_key=True)  # "conversation:" + a 255-character id
    failures: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[float] = mapped_column(Float, default=0.0)  # epoch seconds


class SqlAttemptLog:
    def __init__(self, url: str):
        self.url = url
        self._session = SchemaSessions(url, AttemptBase.metadata)

    def status(self, key: str) -> tuple[int, float]:
        """(failures so far, locked until) for a key; (0, 0) when it never failed."""
        with self._session() as session:
            row = session.get(FailedAttempts, key)
            return (row.failures, row.locked_until) if row else (0, 0.0)

    def record_failure(self, key: str, locked_until: float) -> int:
        with self._session() as session, session.begin():
            row = session.get(FailedAttempts, key) or FailedAttempts(key=key, failures=0, locked_until=0.0)
            row.failures += 1
            row.locked_until = max(row.locked_until, locked_until)
            session.add(row)
            return row.failures

    def reset(self, key: str) -> None:
        with self._session() as session, session.begin():
            row = session.get(FailedAttempts, key)
            if row:
                session.delete(row)
