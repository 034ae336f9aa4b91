"""The queue in front of the chat model: first come, first served, `slots` calls at a time, and a call
joins only when the calls in front of it let it finish within its turn's budget. A call that is still
waiting when it could no longer finish in time leaves the queue; the reply is then composed from facts."""
from __future__ import annotations

import itertools
import threading
import time
from collections import deque
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Callable, Iterator

from bot.domain.latency_budget import DurationWindow, LatePause, Running, admit
from bot.ports import ServingMetrics


class OverBudget(RuntimeError):
    """The model cannot phrase this reply within the turn's budget."""


class NoMetrics:
    def llm_queue(self, waiting: int, running: int) -> None: ...

    def llm_call(self, task: str, seconds: float, waited_s: float) -> None: ...

    def reply(self, task: str, grounding: str, reason: str) -> None: ...


@dataclass(eq=False)
class Ticket:
    task: str
    expected_s: float
    enqueued: float
    latest_start: float
    number: int
    deadline: float | None = None
    started: float | None = field(default=None)


class ModelQueue:
    """`max_wait_s` bounds the wait of calls made outside a turn (no deadline; 0 = no bound)."""

    def __init__(self, slots: int = 1, metrics: ServingMetrics | None = None, max_wait_s: float = 0.0,
                 clock: Callable[[], float] = time.monotonic, window: DurationWindow | None = None):
        self.slots = max(1, slots)
        self._metrics = metrics or NoMetrics()
        self._max_wait_s = max_wait_s
        self._clock = clock
        self._window = window or DurationWindow()
        self._pause = LatePause()
        self._cond = threading.Condition()
        self._waiting: deque[Ticket] = deque()
        self._running: dict[int, Ticket] = {}
        self._numbers = itertools.count()

    # -- what the metrics and tests read ---------------------------------------------------------------
    @property
    def depth(self) -> tuple[int, int]:
        """(calls waiting, calls running)."""
        with self._cond:
            return len(self._waiting), len(self._running)

    def estimate(self, task: str) -> float:
        with self._cond:
            return self._window.estimate(task, self._clock())

    def forget(self) -> None:
        """Drops the measured durations (after the warm-up, whose first call fills the prompt cache)."""
        with self._cond:
            self._window.clear()
            self._pause = LatePause()

    def wake(self) -> None:
        """Waiting calls check the clock again (after a test moves its fake clock)."""
        with self._cond:
            self._cond.notify_all()

    # -- the queue -------------------------------------------------------------------------------------
    @contextmanager
    def slot(self, task: str, deadline: float | None) -> Iterator[Ticket]:
        """Holds one of the model's slots for one call; raises OverBudget instead of waiting in vain."""
        ticket = self._enter(task, deadline)
        try:
            yield ticket
        finally:
            self._leave(ticket)

    def _enter(self, task: str, deadline: float | None) -> Ticket:
        with self._cond:
            now = self._clock()
            if deadline is not None and self._pause.paused(now):
                raise OverBudget(f"a recent call ran late: the model rests {self._pause.until - now:.1f} s more")
            own = self._window.estimate(task, now)
            running = [Running(t.started, t.expected_s) for t in self._running.values()]
            decision = admit(now, deadline, own, running, [t.expected_s for t in self._waiting], self.slots)
            if not decision.admit:
                raise OverBudget(f"expected to finish {decision.expected_finish - deadline:+.2f} s after the deadline")
            latest = decision.latest_start
            if deadline is None and self._max_wait_s > 0:
                latest = now + self._max_wait_s
            ticket = Ticket(task, own, now, latest, next(self._numbers), deadline)
            self._waiting.append(ticket)
            self._publish()
            try:
                while not (self._waiting[0] is ticket and len(self._running) < self.slots):
                    left = ticket.latest_start - self._clock()
                    if left <= 0:
                        raise OverBudget(f"still queued {self._clock() - ticket.enqueued:.2f} s later")
                    self._cond.wait(timeout=None if left == float("inf") else left)
            except BaseException:
                self._waiting.remove(ticket)
                self._publish()
                self._cond.notify_all()  # the calls behind it move up
                raise
            self._waiting.popleft()
            ticket.started = self._clock()
            self._running[ticket.number] = ticket
            self._publish()
            self._cond.notify_all()  # a free second slot lets the next one start too
            return ticket

    def _leave(self, ticket: Ticket) -> None:
        with self._cond:
            ended = self._clock()
            self._running.pop(ticket.number, None)
            ran = ended - (ticket.started or ended)
            # A failed call's time is a lower bound of a real one: recording it keeps estimates honest
            # when calls run into their deadline.
            self._window.record(ticket.task, ran, ended)
            if ticket.started is not None:
                self._pause.ended(ended, ticket.deadline)
            self._publish()
            self._cond.notify_all()
        self._metrics.llm_call(ticket.task, ran, (ticket.started or ended) - ticket.enqueued)

    def _publish(self) -> None:
        self._metrics.llm_queue(len(self._waiting), len(self._running))
