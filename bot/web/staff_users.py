"""Staff accounts for the console: `python -m bot.web.staff_users add NAME` (password from the
SHOPBOT_STAFF_PASSWORD environment variable, or typed when run in a terminal)."""
from __future__ import annotations

import argparse
import getpass
import os
import sys

import bcrypt

from bot.adapters.sql.conversations import SqlConversationStore
from bot.settings import get_settings

MIN_PASSWORD = 8


def hash_password(password: str) -> str:
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt()).decode()


def password_matches(password: str, hashed: str | None) -> bool:
    if not hashed:
        bcrypt.checkpw(b"timing", bcrypt.hashpw(b"x", bcrypt.gensalt(4)))  # same work for unknown users
        return False
    return bcrypt.checkpw(password.encode(), hashed.encode())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("command", choices=["add"])
    parser.add_argument("username")
    args = parser.parse_args(argv)
    password = os.environ.get("SHOPBOT_STAFF_PASSWORD")
    if password is None and sys.stdin.isatty():
        password = getpass.getpass(f"Password for {args.username}: ")
    if not password or len(password) < MIN_PASSWORD:
        print(f"staff_users: a password of at least {MIN_PASSWORD} characters is needed "
              "(SHOPBOT_STAFF_PASSWORD)", file=sys.stderr)
        return 2
    SqlConversationStore(get_settings().resolved_database_url()).add_staff(args.username, hash_password(password))
    print(f"staff_users: {args.username} can now log in at /staff")
    return 0


if __name__ == "__main__":
    sys.exit(main())
