"""Reads the action server's Prometheus metrics during a load level: the LLM queue depth, sampled while the
level runs, and how the replies split into phrased and composed (counter deltas over the level)."""
from __future__ import annotations

import threading
import urllib.request
from typing import Callable

REPLIES = "shopbot_replies_total"


def parse_metrics(text: str) -> dict[str, list[tuple[dict[str, str], float]]]:
    """Sample name -> [(labels, value)] from Prometheus' text format."""
    from prometheus_client.parser import text_string_to_metric_families

    out: dict[str, list[tuple[dict[str, str], float]]] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            out.setdefault(sample.name, []).append((dict(sample.labels), float(sample.value)))
    return out


def scraper(url: str, token: str, timeout_s: float = 5.0) -> Callable[[], dict]:
    def scrape() -> dict:
        request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
        with urllib.request.urlopen(request, timeout=timeout_s) as response:
            return parse_metrics(response.read().decode())
    return scrape


def replies_by(metrics: dict, label: str) -> dict[str, float]:
    totals: dict[str, float] = {}
    for labels, value in metrics.get(REPLIES, []):
        totals[labels.get(label, "")] = totals.get(labels.get(label, ""), 0.0) + value
    return totals


def single(metrics: dict, name: str) -> float | None:
    values = metrics.get(name)
    return values[0][1] if values else None


class MetricsSampler:
    """Scrapes every `every_s` seconds in a thread while the block runs; a failing scrape is counted, never
    raised (the load numbers must not depend on it)."""

    def __init__(self, scrape: Callable[[], dict], every_s: float = 1.0):
        self._scrape = scrape
        self._every_s = every_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.depths: list[float] = []
        self.failures = 0
        self.first: dict | None = None
        self.last: dict | None = None

    def _take(self) -> dict | None:
        try:
            metrics = self._scrape()
        except Exception:  # noqa: BLE001 - a probe, never the test's outcome
            self.failures += 1
            return None
        depth = single(metrics, "shopbot_llm_queue_depth")
        if depth is not None:
            self.depths.append(depth)
        return metrics

    def _loop(self) -> None:
        while not self._stop.wait(self._every_s):
            self.last = self._take() or self.last

    def __enter__(self) -> "MetricsSampler":
        self.first = self._take()
        self._thread = threading.Thread(target=self._loop, name="metrics-sampler", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(10)
        self.last = self._take() or self.last

    def summary(self) -> dict:
        """Queue depth seen while the level ran and the replies it produced, by grounding and by reason."""
        out: dict = {"samples": len(self.depths), "scrape_failures": self.failures,
                     "queue_depth_max": max(self.depths) if self.depths else None,
                     "queue_depth_mean": round(sum(self.depths) / len(self.depths), 2) if self.depths else None}
        if self.first is not None and self.last is not None:
            for label in ("grounding", "reason"):
                before, after = replies_by(self.first, label), replies_by(self.last, label)
                out[f"replies_by_{label}"] = {k: int(after[k] - before.get(k, 0.0)) for k in sorted(after)
                                              if after[k] - before.get(k, 0.0) > 0}
        return out
