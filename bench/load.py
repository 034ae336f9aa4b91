"""A bounded load generator: N simulated shoppers, each a short conversation with its own sender id,
run by a thread pool with a hard cap on requests in flight; and the summary of one load level."""
from __future__ import annotations

import random
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Callable

from bench.turns import (
    ERROR_KINDS, LLM_GROUNDINGS, LLM_KINDS, Reply, classify_exception, classify_reply, latency_summary,
)

Send = Callable[[str, str], list[dict]]
GREETINGS = ("hi", "hello there", "good morning")
THANKS = ("thanks!", "thank you", "great, thanks")


@dataclass
class LoadTurn:
    shopper: int
    step: str  # "greeting", "fact", "policy", "thanks"
    started_s: float  # since the level began
    latency_s: float
    error: str | None
    groundings: tuple[tuple[str, str], ...] = ()  # (answer kind, grounding) of each answer in the reply


def conversation(fact_question: str, llm_question: str, rng: random.Random) -> list[tuple[str, str]]:
    """Greeting, a fact question, a policy/LLM question, thanks: what a typical shopper asks."""
    return [("greeting", rng.choice(GREETINGS)), ("fact", fact_question), ("policy", llm_question),
            ("thanks", rng.choice(THANKS))]


class InFlightGate:
    """A bounded semaphore that also records the most requests it ever let through at once."""

    def __init__(self, cap: int):
        self.cap = cap
        self._slots = threading.BoundedSemaphore(cap)
        self._lock = threading.Lock()
        self.now = 0
        self.peak = 0

    def __enter__(self) -> "InFlightGate":
        self._slots.acquire()
        with self._lock:
            self.now += 1
            self.peak = max(self.peak, self.now)
        return self

    def __exit__(self, *exc) -> None:
        with self._lock:
            self.now -= 1
        self._slots.release()


def run_load(conversations: list[list[tuple[str, str]]], send: Send, shoppers: int, max_in_flight: int,
             technical: frozenset[str] = frozenset(), label: str = "load") -> tuple[list[LoadTurn], float, int]:
    """Runs every conversation, `shoppers` at a time, never more than `max_in_flight` requests at once.
    Returns the turns, the wall time and the peak number of requests in flight. The per-request
    timeout belongs to `send` (the REST sender's socket timeout)."""
    gate = InFlightGate(max_in_flight)
    turns: list[LoadTurn] = []
    lock = threading.Lock()
    began = time.perf_counter()

    def shop(index: int, script: list[tuple[str, str]]) -> None:
        sender = f"{label}-{index}-{uuid.uuid4().hex[:8]}"
        for step, message in script:
            groundings: tuple[tuple[str, str], ...] = ()
            with gate:
                started = time.perf_counter()
                try:
                    reply = Reply.of(send(sender, message))
                    error = classify_reply(reply, technical)
                    groundings = tuple(zip(reply.kinds, reply.groundings))
                except Exception as failure:  # counted, never raised: one shopper's failure is data
                    error = classify_exception(failure)
                latency = time.perf_counter() - started
            with lock:
                turns.append(LoadTurn(index, step, started - began, latency, error, groundings))

    with ThreadPoolExecutor(max_workers=max(1, shoppers), thread_name_prefix="shopper") as pool:
        for future in [pool.submit(shop, i, script) for i, script in enumerate(conversations)]:
            future.result()
    return turns, time.perf_counter() - began, gate.peak


def summarise_load(turns: list[LoadTurn], wall_s: float, shoppers: int, peak_in_flight: int) -> dict:
    """Throughput counts every turn answered without error; latency percentiles are over those turns."""
    ok = [t for t in turns if t.error is None]
    errors = {kind: sum(1 for t in turns if t.error == kind) for kind in ERROR_KINDS}
    by_step = {step: latency_summary([t.latency_s for t in ok if t.step == step])
               for step in dict.fromkeys(t.step for t in turns)}
    return {"shoppers": shoppers, "turns": len(turns), "ok_turns": len(ok), "errors": sum(errors.values()),
            "errors_by_kind": errors, "wall_s": round(wall_s, 2),
            "throughput_tps": round(len(ok) / wall_s, 3) if wall_s > 0 else None,
            "peak_in_flight": peak_in_flight, **latency_summary([t.latency_s for t in ok]), "by_step": by_step,
            "phrasing": phrasing_summary(turns)}


PHRASABLE_KINDS = LLM_KINDS | {"upsell"}  # answers the LLM phrases when the budget lets it


def phrasing_summary(turns: list[LoadTurn]) -> dict:
    """Of the answers the LLM may phrase (policy, descriptions, recommendations, upsell): how many it phrased
    (grounding `llm`), how many its text failed the check (`replaced`) and how many were composed from the
    facts without it (`composed`: over the budget, or no model)."""
    counts = {"llm": 0, "replaced": 0, "composed": 0}
    for turn in turns:
        for kind, grounding in turn.groundings:
            if kind in PHRASABLE_KINDS and grounding in counts:
                counts[grounding] += 1
    total = sum(counts.values())
    return {**counts, "answers": total, "phrased_share": round(counts["llm"] / total, 3) if total else None,
            "llm_ran_share": round(sum(counts[g] for g in LLM_GROUNDINGS) / total, 3) if total else None}
