"""The deadline of the shopper's turn being served, carried in a context variable: the action server
starts the clock when Rasa's webhook call arrives, and everything that turn runs (also in worker threads
via `asyncio.to_thread`, which copies the context) sees the same deadline. Outside a turn (eval, staff
tools) there is none."""
from __future__ import annotations

import time
from contextvars import ContextVar, Token

_deadline: ContextVar[float | None] = ContextVar("shopbot_turn_deadline", default=None)


def begin_turn(budget_s: float, now: float | None = None) -> Token:
    """Starts a turn that must be answered within `budget_s` (0 or less: no budget)."""
    started = time.monotonic() if now is None else now
    return _deadline.set(started + budget_s if budget_s > 0 else None)


def end_turn(token: Token) -> None:
    _deadline.reset(token)


def turn_deadline() -> float | None:
    """The current turn's deadline on `time.monotonic()`'s clock, or None outside a turn."""
    return _deadline.get()
