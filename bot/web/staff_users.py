"""Staff accounts for the console: password hashes, the login throttle and server-side sessions.
`python -m bot.web.staff_users add NAME` adds an account (password from the SHOPBOT_STAFF_PASSWORD
environment variable, or typed when run in a terminal)."""
from __future__ import annotations

import argparse
import getpass
import hashlib
import math
import os
import secrets
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache

import bcrypt

from bot.adapters.sql.conversations import SqlConversationStore
from bot.settings import get_settings

MIN_PASSWORD = 8
MAX_PASSWORD_BYTES = 72  # bcrypt's limit: longer ones are refused, not silently cut


def hash_password(password: str) -> str:
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt()).decode()


@lru_cache(maxsize=1)
def _dummy_hash() -> bytes:
    """A hash with the same cost as real ones, made once on first use: checking an unknown username
    takes as long as checking a real one, so the time doesn't tell which usernames exist."""
    return hash_password(secrets.token_urlsafe(16)).encode()


def password_matches(password: str, hashed: str | None) -> bool:
    secret = password.encode()
    if not hashed or len(secret) > MAX_PASSWORD_BYTES:  # no account, or longer than any bcrypt accepts
        bcrypt.checkpw(secret[:MAX_PASSWORD_BYTES], _dummy_hash())
        return False
    return bcrypt.checkpw(secret, hashed.encode())


@dataclass(frozen=True)
class Attempt:
    allowed: bool  # False: a lock is on, the password must not even be checked
    retry_after: int  # seconds until the lock ends (a refused attempt's, or the one this attempt started); 0 = none


class LoginThrottle:
    """Slows password guessing. Failed logins are counted per username and per client address; after
    `max_failures` in a row a key is locked for `first_lock_s`, doubling with each further failure up to
    `max_lock_s`. While locked every login for it is refused, the right password too; a success clears
    both counts. Kept in SQL, so it holds across restarts and workers."""

    def __init__(self, store, *, max_failures: int = 5, first_lock_s: float = 30, max_lock_s: float = 15 * 60,
                 clock: Callable[[], float] = time.time):
        self.store, self.clock = store, clock
        self.max_failures, self.first_lock_s, self.max_lock_s = max_failures, first_lock_s, max_lock_s

    def lock_seconds(self, failures: int) -> float:
        if failures < self.max_failures:
            return 0
        return min(self.first_lock_s * 2 ** min(failures - self.max_failures, 30), self.max_lock_s)

    def attempt(self, username: str, client: str) -> Attempt:
        """Call before checking the password: counts the attempt, or refuses it while locked."""
        now = _utc(self.clock())
        allowed, until = self.store.count_login_attempt(_keys(username, client), now, self.lock_seconds)
        return Attempt(allowed, math.ceil((until - now).total_seconds()) if until else 0)

    def succeeded(self, username: str, client: str) -> None:
        self.store.clear_login_failures(_keys(username, client))


def _keys(username: str, client: str) -> list[str]:
    return [f"user:{username[:150]}", f"ip:{client[:100]}"]


class StaffSessions:
    """Server-side staff sessions: the signed cookie holds only a random token, SQL holds its SHA-256
    with the user and expiry. Logging out revokes it, so a copied cookie is worthless afterwards."""

    def __init__(self, store, *, lifetime_s: float = 12 * 3600, clock: Callable[[], float] = time.time):
        self.store, self.lifetime_s, self.clock = store, lifetime_s, clock

    def open(self, username: str) -> str:
        token = secrets.token_urlsafe(32)
        now = _utc(self.clock())
        self.store.open_staff_session(_digest(token), username, now, now + timedelta(seconds=self.lifetime_s))
        return token

    def user(self, token: object) -> str | None:
        """Who is logged in with this token; None for a missing, unknown, revoked or expired one."""
        if not isinstance(token, str) or not token:
            return None
        return self.store.staff_session_user(_digest(token), _utc(self.clock()))

    def revoke(self, token: object) -> None:
        if isinstance(token, str) and token:
            self.store.revoke_staff_session(_digest(token))


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _utc(timestamp: float) -> datetime:
    return datetime.fromtimestamp(timestamp, UTC)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("command", choices=["add"])
    parser.add_argument("username")
    args = parser.parse_args(argv)
    password = os.environ.get("SHOPBOT_STAFF_PASSWORD")
    if password is None and sys.stdin.isatty():
        password = getpass.getpass(f"Password for {args.username}: ")
    if not password or len(password) < MIN_PASSWORD or len(password.encode()) > MAX_PASSWORD_BYTES:
        print(f"staff_users: a password of at least {MIN_PASSWORD} characters (and at most "
              f"{MAX_PASSWORD_BYTES} bytes) is needed (SHOPBOT_STAFF_PASSWORD)", file=sys.stderr)
        return 2
    SqlConversationStore(get_settings().resolved_database_url()).add_staff(args.username, hash_password(password))
    print(f"staff_users: {args.username} can now log in at /staff")
    return 0


if __name__ == "__main__":
    sys.exit(main())
