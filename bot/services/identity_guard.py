"""Verification with limits: one identity per message, and failed attempts counted per conversation
and per account, with a doubling lockout and then a person. The replies never tell whether an
account exists: a wrong zip for a real name reads exactly like an unknown name."""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

from bot.domain.identity import (
    ACCOUNT_POLICY,
    CLIENT_POLICY,
    CONVERSATION_POLICY,
    HANDOFF_AFTER_FAILURES,
    read_claim,
)
from bot.ports import AttemptLog, CommerceStore


@dataclass(frozen=True)
class Verification:
    outcome: str  # "none" (no details given), "verified", "failed", "several", "locked"
    user_id: str | None = None
    retry_after_s: float = 0.0
    needs_person: bool = False


class MemoryAttemptLog:
    """The AttemptLog of one process (tests, and a desk built without a database)."""

    def __init__(self):
        self._rows: dict[str, tuple[int, float]] = {}

    def status(self, key: str) -> tuple[int, float]:
        return self._rows.get(key, (0, 0.0))

    def record_failure(self, key: str, locked_until: float) -> int:
        failures, until = self.status(key)
        self._rows[key] = (failures + 1, max(until, locked_until))
        return failures + 1

    def reset(self, key: str) -> None:
        self._rows.pop(key, None)


class IdentityGuard:
    def __init__(self, store: CommerceStore, attempts: AttemptLog, clock: Callable[[], float] = time.time):
        self.store = store
        self.attempts = attempts
        self.clock = clock

    def verify(self, conversation_id: str, text: str, client: str = "") -> Verification:
        """`client` is who is asking (the web app passes the shopper's address): fresh conversations
        from one client share its count, so guessing can't restart with every new chat."""
        claim = read_claim(text)
        if not claim.present:
            return Verification("none")
        key = f"conversation:{conversation_id}"
        failures, locked_until = self.attempts.status(key)
        client_key = f"client:{client}" if client else None
        if client_key:
            locked_until = max(locked_until, self.attempts.status(client_key)[1])
        now = self.clock()
        if locked_until > now:
            return Verification("locked", retry_after_s=locked_until - now,
                                needs_person=failures >= HANDOFF_AFTER_FAILURES)
        user_id = None if claim.several else self._by_email(claim.emails) or self._by_name_and_zip(claim, now)
        if not user_id:
            if client_key:
                self._count(client_key, CLIENT_POLICY, now)
            return self._failed(key, failures, now, "several" if claim.several else "failed")
        self.attempts.reset(key)
        self.attempts.reset(f"account:{user_id}")
        return Verification("verified", user_id)

    def _by_email(self, emails: list[str]) -> str | None:
        return self.store.find_user_id_by_email(emails[0]) if emails else None

    def _by_name_and_zip(self, claim, now: float) -> str | None:
        if not claim.zip_code:
            return None
        for first, last in claim.names:
            user_id = self.store.find_user_id_by_name_zip(first, last, claim.zip_code)
            if user_id:  # a locked account fails like a wrong zip: the reply reveals nothing
                return None if self.attempts.status(f"account:{user_id}")[1] > now else user_id
        for first, last in claim.names:  # a real name with a wrong zip: someone may be guessing it
            for user_id in self.store.find_user_ids_by_name(first, last):
                self._count(f"account:{user_id}", ACCOUNT_POLICY, now)
        return None

    def _failed(self, key: str, failures: int, now: float, outcome: str) -> Verification:
        count = self._count(key, CONVERSATION_POLICY, now, failures)
        return Verification(outcome, retry_after_s=CONVERSATION_POLICY.lock_seconds(count),
                            needs_person=count >= HANDOFF_AFTER_FAILURES)

    def _count(self, key: str, policy, now: float, failures: int | None = None) -> int:
        failures = self.attempts.status(key)[0] if failures is None else failures
        lock = policy.lock_seconds(failures + 1)
        return self.attempts.record_failure(key, now + lock if lock else 0.0)
