"""One worker thread at a lowered CPU priority, for work that should only use spare CPU (the in-process
model phrasing replies): while shopper turns need the cores, the kernel gives them the cores first.

Linux keeps a nice value per thread and new threads inherit it, so llama.cpp's own compute threads, started
from this one, run at the same priority. Elsewhere (or where lowering fails) the work runs at normal priority.
"""
from __future__ import annotations

import logging
import os
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Callable, TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")


def lower_this_thread(nice: int) -> bool:
    """Raises the calling thread's nice value to `nice` (0..19); False where the platform does not allow it."""
    if nice <= 0:
        return False
    try:
        tid = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, tid, max(os.getpriority(os.PRIO_PROCESS, tid), min(nice, 19)))
        return True
    except (AttributeError, OSError) as error:  # not Linux, or not permitted: run at normal priority
        log.info("could not lower the model thread's CPU priority: %s", error)
        return False


class LowPriorityWorker:
    """Runs callables one at a time on its own thread, at nice `nice` (0 = normal priority)."""

    def __init__(self, nice: int, name: str = "low-priority"):
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name,
                                        initializer=lower_this_thread, initargs=(nice,))

    def submit(self, work: Callable[[], T]) -> Future:
        """Queues `work` for the worker thread; its Future holds the result (or exception)."""
        return self._pool.submit(work)

    def run(self, work: Callable[[], T]) -> T:
        """`work()`'s result (or exception), computed on the worker thread; the caller waits."""
        return self.submit(work).result()

    def close(self) -> None:
        self._pool.shutdown(wait=True)
