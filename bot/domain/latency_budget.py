"""Pure arithmetic of the per-turn latency budget: how long model calls have recently taken, and when a
new call would finish given the calls running and queued in front of it. No clocks, no threads, no I/O:
callers pass the time in."""
from __future__ import annotations

import heapq
from collections import deque
from dataclasses import dataclass

# Before any call has been measured: what a call is assumed to take (SmolLM2 on 2 cores, a cached prompt).
PRIOR_CALL_S = 1.0
# Reserved at the end of the budget for the grounding check, composing and sending the reply, and Rasa
# storing the turn.
SEND_MARGIN_S = 0.15
WINDOW = 32  # recent durations kept per task
QUANTILE = 0.9  # plan with a slow-ish call, not a typical one: an overrun costs everyone queued behind it
# Measurements expire: a model judged too slow is not asked again, so without expiry one slow spell (a busy
# CPU) would keep it unused for good. Once they expire, the next call is a probe at the prior's estimate.
MAX_AGE_S = 60.0
# A call that ran into its turn's deadline shows the model is slower than measured (a busy CPU): no turn asks
# it for this long, doubling with each late call in a row up to MAX_AGE_S; a call on time ends the pause.
# Under load that is one wasted call a minute, not one in every few turns (9 of 13 ran late before).
FIRST_PAUSE_S = 5.0


def quantile(values: list[float], q: float) -> float:
    """Linear interpolation between closest ranks; `values` must not be empty."""
    ordered = sorted(values)
    pos = q * (len(ordered) - 1)
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


class DurationWindow:
    """The most recent call durations (at most `size`, none older than `max_age_s`), per task and overall.
    Not thread-safe: the caller locks. Times are on the caller's clock."""

    def __init__(self, size: int = WINDOW, q: float = QUANTILE, prior_s: float = PRIOR_CALL_S,
                 max_age_s: float = MAX_AGE_S):
        self._size = size
        self._q = q
        self._prior_s = prior_s
        self._max_age_s = max_age_s
        self._by_task: dict[str, deque[tuple[float, float]]] = {}
        self._all: deque[tuple[float, float]] = deque(maxlen=size)

    def record(self, task: str, seconds: float, at: float) -> None:
        if seconds < 0 or seconds != seconds:  # a clock oddity or NaN must not poison the estimate
            return
        self._by_task.setdefault(task, deque(maxlen=self._size)).append((at, seconds))
        self._all.append((at, seconds))

    def _recent(self, samples: deque[tuple[float, float]] | None, now: float) -> list[float]:
        return [seconds for at, seconds in samples or () if now - at <= self._max_age_s]

    def estimate(self, task: str, now: float) -> float:
        """A high quantile of this task's recent calls; else of every task's; else the prior."""
        recent = self._recent(self._by_task.get(task), now) or self._recent(self._all, now)
        return quantile(recent, self._q) if recent else self._prior_s

    def count(self, task: str | None, now: float) -> int:
        return len(self._recent(self._all if task is None else self._by_task.get(task), now))

    def clear(self) -> None:
        self._by_task.clear()
        self._all.clear()


class LatePause:
    """After a call ran past its deadline, turns do not ask the model for a while (see FIRST_PAUSE_S).
    Not thread-safe: the caller locks. Times are on the caller's clock."""

    def __init__(self, first_s: float = FIRST_PAUSE_S, max_s: float = MAX_AGE_S):
        self._first_s = first_s
        self._max_s = max_s
        self._late_in_a_row = 0
        self.until = float("-inf")

    def paused(self, now: float) -> bool:
        return now < self.until

    def ended(self, at: float, deadline: float | None) -> None:
        """A call with a deadline ended at `at`: late ones pause the model, one on time ends the pause."""
        if deadline is None:
            return
        if at >= deadline - SEND_MARGIN_S:  # a call is stopped at the deadline less the sending margin
            self._late_in_a_row += 1
            self.until = at + min(self._max_s, self._first_s * 2 ** (self._late_in_a_row - 1))
        else:
            self._late_in_a_row = 0
            self.until = float("-inf")


@dataclass(frozen=True)
class Running:
    started: float  # when it got a slot (same clock as `now`)
    expected_s: float


def slot_free_times(now: float, running: list[Running], slots: int) -> list[float]:
    """When each slot is expected to be free: a running call ends at its start plus its estimate (or now,
    when it is already late: then it could end any moment); idle slots are free now."""
    ends = [max(now, r.started + r.expected_s) for r in running[:slots]]
    return sorted(ends + [now] * max(0, slots - len(ends)))


def expected_start(now: float, running: list[Running], queued_s: list[float], slots: int) -> float:
    """When a call joining the back of a FIFO queue would get a slot."""
    free = slot_free_times(now, running, max(1, slots))
    heapq.heapify(free)
    for seconds in queued_s:
        heapq.heappush(free, heapq.heappop(free) + seconds)
    return free[0]


@dataclass(frozen=True)
class Admission:
    admit: bool
    expected_finish: float  # on the caller's clock
    latest_start: float  # a call still queued at this time gives up: it could no longer finish in time


def admit(now: float, deadline: float | None, own_s: float, running: list[Running], queued_s: list[float],
          slots: int) -> Admission:
    """Phrase with the model only when the queue in front lets the call finish by the deadline (no
    deadline: always)."""
    start = expected_start(now, running, queued_s, slots)
    finish = start + own_s
    if deadline is None:
        return Admission(True, finish, float("inf"))
    latest = deadline - SEND_MARGIN_S - own_s
    return Admission(finish <= deadline - SEND_MARGIN_S, finish, latest)
