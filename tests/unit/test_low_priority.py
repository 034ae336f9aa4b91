"""The model's worker thread runs at a lowered CPU priority; the caller's thread keeps its own."""
import os
import sys
import threading

import pytest

from bot.adapters.low_priority import LowPriorityWorker, lower_this_thread

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread nice values are Linux's")


def own_nice() -> int:
    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())


@linux_only
def test_work_runs_on_one_worker_thread_at_the_given_nice_value():
    before = own_nice()
    worker = LowPriorityWorker(min(19, before + 7), "test")
    try:
        seen = [worker.run(lambda: (threading.get_native_id(), own_nice())) for _ in range(3)]
    finally:
        worker.close()
    assert len({tid for tid, _ in seen}) == 1 and seen[0][0] != threading.get_native_id()
    assert all(nice == min(19, before + 7) for _, nice in seen)
    assert own_nice() == before  # the caller's thread is untouched


@linux_only
def test_a_thread_started_by_the_worker_inherits_its_priority():
    # llama.cpp's compute threads are started from the thread that runs the generation
    worker = LowPriorityWorker(19, "test")

    def child_nice() -> int:
        out = []
        child = threading.Thread(target=lambda: out.append(own_nice()))
        child.start()
        child.join()
        return out[0]

    try:
        assert worker.run(child_nice) == 19
    finally:
        worker.close()


def test_errors_reach_the_caller_and_nice_zero_changes_nothing():
    worker = LowPriorityWorker(0, "test")
    try:
        with pytest.raises(ZeroDivisionError):
            worker.run(lambda: 1 / 0)
        assert worker.run(lambda: 42) == 42
    finally:
        worker.close()
    assert lower_this_thread(0) is False


def test_the_start_scripts_get_the_model_priority_from_the_validated_settings(monkeypatch):
    from pydantic import ValidationError

    from bot.settings import Settings

    monkeypatch.delenv("SHOPBOT_LLM_NICE", raising=False)
    assert Settings().launcher_environment()["SHOPBOT_LLM_NICE"] == "19"  # scripts/model_server.sh reads it
    monkeypatch.setenv("SHOPBOT_LLM_NICE", "7")
    assert Settings().launcher_environment()["SHOPBOT_LLM_NICE"] == "7"
    monkeypatch.setenv("SHOPBOT_LLM_NICE", "25")  # nice values stop at 19
    with pytest.raises(ValidationError):
        Settings()
