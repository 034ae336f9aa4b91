"""The queue in front of the model: FIFO, `slots` at a time, admission by the turn's budget, and calls
that leave when they could no longer finish. A fake clock decides every timing question."""
import threading
import time

import pytest

from bot.domain.latency_budget import DurationWindow
from bot.services.model_queue import ModelQueue, OverBudget


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


class Recorder:
    def __init__(self):
        self.depths: list[tuple[int, int]] = []
        self.calls: list[tuple[str, float, float]] = []

    def llm_queue(self, waiting, running):
        self.depths.append((waiting, running))

    def llm_call(self, task, seconds, waited_s):
        self.calls.append((task, seconds, waited_s))

    def reply(self, task, grounding, reason):
        pass


def wait_until(condition, timeout_s=10.0):
    """Waits for a state another thread reaches (never a fixed sleep)."""
    give_up = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < give_up, "state not reached"
        time.sleep(0.002)


def queue_with(clock, slots=1, estimate_s=0.5, metrics=None, max_wait_s=0.0):
    window = DurationWindow(prior_s=estimate_s)
    return ModelQueue(slots, metrics, max_wait_s=max_wait_s, clock=clock, window=window)


def test_a_call_that_cannot_finish_in_time_is_refused_at_once():
    clock = Clock()
    queue = queue_with(clock, estimate_s=0.8)
    with queue.slot("policy", deadline=clock.now + 2.0):  # running: expected to end at +0.8
        with pytest.raises(OverBudget):  # would run from +0.8 to +1.6: past a 1.5 s budget
            with queue.slot("policy", deadline=clock.now + 1.5):
                pass
        assert queue.depth == (0, 1)  # refused without joining the queue
    assert queue.depth == (0, 0)


def test_calls_are_served_first_come_first_served_and_the_depth_is_published():
    clock, metrics = Clock(), Recorder()
    queue = queue_with(clock, metrics=metrics)
    order: list[int] = []
    first = queue._enter("policy", None)  # holds the only slot
    workers = []
    for n in range(3):
        worker = threading.Thread(target=lambda n=n: _use(queue, order, n))
        worker.start()
        wait_until(lambda n=n: queue.depth == (n + 1, 1))  # joined the back of the queue
        workers.append(worker)
    queue._leave(first)
    for worker in workers:
        worker.join(10)
    assert order == [0, 1, 2]
    assert metrics.depths[-1] == (0, 0) and (3, 1) in metrics.depths
    assert len(metrics.calls) == 4


def _use(queue, order, n):
    with queue.slot("policy", None):
        order.append(n)


def test_a_queued_call_leaves_when_it_could_no_longer_finish():
    clock, metrics = Clock(), Recorder()
    queue = queue_with(clock, estimate_s=0.5, metrics=metrics)
    running = queue._enter("policy", None)
    outcome: list[str] = []

    def waiter():
        try:
            with queue.slot("policy", deadline=clock.now + 2.0):  # admitted: expected to end at +1.0
                outcome.append("ran")
        except OverBudget:
            outcome.append("gave up")

    thread = threading.Thread(target=waiter)
    thread.start()
    wait_until(lambda: queue.depth == (1, 1))
    clock.now += 1.46  # the running call overran: now it could not finish by the deadline any more
    queue.wake()
    thread.join(10)
    assert outcome == ["gave up"] and queue.depth == (0, 1)
    queue._leave(running)
    assert queue.depth == (0, 0)


def test_two_slots_run_two_calls_at_once_and_budget_for_that():
    clock = Clock()
    queue = queue_with(clock, slots=2, estimate_s=1.0)
    a = queue._enter("policy", clock.now + 2.0)
    b = queue._enter("policy", clock.now + 2.0)  # the second slot: no wait
    assert queue.depth == (0, 2)
    with pytest.raises(OverBudget):  # both slots busy for 1 s, then 1 s of its own: past a 1.9 s budget
        queue._enter("policy", clock.now + 1.9)
    queue._leave(a)
    queue._leave(b)


def test_a_failing_call_frees_its_slot_and_its_time_is_measured():
    clock, metrics = Clock(), Recorder()
    queue = queue_with(clock, metrics=metrics)
    with pytest.raises(RuntimeError):
        with queue.slot("upsell", None):
            clock.now += 3.0
            raise RuntimeError("model failed")
    assert queue.depth == (0, 0)
    assert metrics.calls == [("upsell", 3.0, 0.0)]
    assert queue.estimate("upsell") == 3.0  # the next budget decision knows calls can take that long


def test_outside_a_turn_max_wait_bounds_the_wait():
    clock = Clock()
    queue = queue_with(clock, max_wait_s=8.0)
    running = queue._enter("summary", None)
    outcome: list[str] = []

    def waiter():
        try:
            with queue.slot("summary", None):
                outcome.append("ran")
        except OverBudget:
            outcome.append("gave up")

    thread = threading.Thread(target=waiter)
    thread.start()
    wait_until(lambda: queue.depth == (1, 1))
    clock.now += 8.01
    queue.wake()
    thread.join(10)
    assert outcome == ["gave up"]
    queue._leave(running)


def test_a_call_that_ran_late_rests_the_model_and_the_rest_grows_until_one_is_on_time():
    clock = Clock()
    queue = queue_with(clock, estimate_s=0.5)
    with queue.slot("policy", deadline=clock.now + 2.0):
        clock.now += 1.9  # stopped at the deadline less the sending margin: late
    with pytest.raises(OverBudget, match="ran late"):  # a turn whose budget fits the measured 1.9 s
        with queue.slot("policy", deadline=clock.now + 4.0):
            pass
    with queue.slot("policy", deadline=None):  # outside a turn (staff summaries): not paused
        pass
    clock.now += 5.0  # the first rest is over: one call may try again
    with queue.slot("policy", deadline=clock.now + 4.0):
        clock.now += 3.9  # late again: twice as long a rest
    clock.now += 9.0
    with pytest.raises(OverBudget, match="ran late"):
        with queue.slot("policy", deadline=clock.now + 4.0):
            pass
    clock.now += 1.5
    with queue.slot("policy", deadline=clock.now + 4.0):
        clock.now += 0.4  # on time: the rest is over for good
    with queue.slot("policy", deadline=clock.now + 4.0):
        clock.now += 0.4
    assert queue.depth == (0, 0)
