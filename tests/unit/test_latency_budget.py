"""The latency budget's arithmetic (pure): recent durations, when a queued call starts, admission."""
import math

import pytest

from bot.domain.latency_budget import (
    PRIOR_CALL_S, SEND_MARGIN_S, DurationWindow, Running, admit, expected_start, quantile, slot_free_times,
)


def test_quantile_interpolates_like_numpy():
    assert quantile([1.0, 2.0, 3.0, 4.0], 0.5) == 2.5
    assert quantile([5.0], 0.9) == 5.0
    assert quantile([4.0, 1.0, 3.0, 2.0], 1.0) == 4.0


def test_window_estimates_per_task_then_overall_then_the_prior():
    window = DurationWindow(size=4, q=0.5)
    assert window.estimate("policy", now=0.0) == PRIOR_CALL_S  # nothing measured yet
    window.record("upsell", 0.4, at=0.0)
    assert window.estimate("policy", now=0.0) == 0.4  # no policy call yet: every task's calls
    for seconds in (1.0, 2.0, 3.0):
        window.record("policy", seconds, at=1.0)
    assert window.estimate("policy", now=1.0) == 2.0
    assert window.estimate("upsell", now=1.0) == 0.4


def test_window_keeps_only_the_most_recent_calls_and_ignores_nonsense():
    window = DurationWindow(size=3, q=1.0)
    for seconds in (9.0, 1.0, 1.0, 1.0):
        window.record("policy", seconds, at=0.0)
    assert window.estimate("policy", now=0.0) == 1.0  # the slow call of long ago is forgotten
    window.record("policy", math.nan, at=0.0)
    window.record("policy", -1.0, at=0.0)
    assert window.count("policy", now=0.0) == 3 and window.estimate("policy", now=0.0) == 1.0


def test_measurements_expire_so_a_model_once_too_slow_is_tried_again():
    window = DurationWindow(q=1.0, max_age_s=60.0)
    window.record("policy", 5.0, at=0.0)  # a slow spell: over any 2 s budget
    assert window.estimate("policy", now=59.0) == 5.0
    assert window.estimate("policy", now=61.0) == PRIOR_CALL_S  # expired: the next call is a probe
    window.record("policy", 0.6, at=61.0)
    assert window.estimate("policy", now=62.0) == 0.6
    window.clear()
    assert window.count(None, now=62.0) == 0


def test_slots_free_now_or_when_their_call_is_expected_to_end():
    running = [Running(started=10.0, expected_s=1.5)]
    assert slot_free_times(10.5, running, slots=1) == [11.5]
    assert slot_free_times(10.5, running, slots=2) == [10.5, 11.5]
    # a call that overran its estimate could end any moment: not in the past
    assert slot_free_times(13.0, running, slots=1) == [13.0]


@pytest.mark.parametrize("running, queued, slots, start", [
    ([], [], 1, 0.0),  # idle: start now
    ([Running(0.0, 1.0)], [], 1, 1.0),  # behind the running call
    ([Running(0.0, 1.0)], [1.0, 1.0], 1, 3.0),  # and two queued calls
    ([Running(0.0, 1.0)], [1.0, 1.0], 2, 1.0),  # two slots: the queue drains twice as fast
    ([Running(0.0, 1.0), Running(0.0, 2.0)], [0.5], 2, 1.5),  # the queued call takes the first free slot
])
def test_expected_start_in_a_fifo_queue(running, queued, slots, start):
    assert expected_start(0.0, running, queued, slots) == pytest.approx(start)


def test_admitted_only_when_the_call_finishes_within_the_budget():
    running, queued = [Running(0.0, 1.0)], [0.5]  # the model is free at +1.5
    fits = 2.0 - SEND_MARGIN_S - 1.5  # the longest call that still ends in time, leaving the margin to send
    ok = admit(0.0, deadline=2.0, own_s=fits - 0.01, running=running, queued_s=queued, slots=1)
    assert ok.admit and ok.expected_finish == pytest.approx(1.5 + fits - 0.01)
    assert ok.latest_start == pytest.approx(2.0 - SEND_MARGIN_S - (fits - 0.01))
    late = admit(0.0, deadline=2.0, own_s=fits + 0.01, running=running, queued_s=queued, slots=1)
    assert not late.admit and late.expected_finish == pytest.approx(1.5 + fits + 0.01)


def test_a_call_longer_than_the_whole_budget_is_never_admitted_in_a_turn():
    assert not admit(0.0, deadline=2.0, own_s=2.5, running=[], queued_s=[], slots=4).admit


def test_without_a_deadline_every_call_is_admitted_and_may_wait():
    out = admit(0.0, None, 5.0, [Running(0.0, 9.0)], [9.0, 9.0], 1)
    assert out.admit and out.latest_start == math.inf and out.expected_finish == pytest.approx(32.0)
