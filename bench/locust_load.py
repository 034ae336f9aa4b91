"""Runs the bench's Locust scenario (bench/locustfile.py) headless in a child process against the stack's
REST channel on loopback, bounded in users, conversations and time, and reads back every turn (the same
LoadTurn records as the thread-pool generator, so both are summarised alike) and Locust's own stats."""
from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from bench.load import LoadTurn

ROOT = Path(__file__).resolve().parent.parent
LOCUSTFILE = ROOT / "bench" / "locustfile.py"
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
RAMP_S = 5.0  # shoppers arrive over this many seconds, not all in the same instant


@dataclass(frozen=True)
class LocustLevel:
    shoppers: int
    think_s: float  # between one shopper's messages; 0 = closed loop
    conversations_each: int = 1  # one after another (a new sender each), so the level holds its shoppers longer
    think_spread: bool = False  # think times drawn from 0.5-1.5x think_s instead of exactly think_s

    @property
    def label(self) -> str:
        think = "closed loop"
        if self.think_s:
            think = f"{self.think_s:g} s think time" + (" (0.5–1.5×)" if self.think_spread else "")
        each = f", {self.conversations_each} conversations each" if self.conversations_each > 1 else ""
        return f"{self.shoppers} shoppers, {think}{each}"


def run_time_bound_s(turns_per_shopper: int, think_s: float, timeout_s: float, shoppers: int) -> int:
    """A hard bound on the run: every turn timing out, plus the think times and the ramp-up."""
    ramp = min(RAMP_S, shoppers)
    return int(math.ceil(ramp + turns_per_shopper * (timeout_s + think_s) + 30))


def locust_command(host: str, level: LocustLevel, run_time_s: int, stats_prefix: Path) -> list[str]:
    if urlsplit(host).hostname not in LOOPBACK:
        raise ValueError(f"the bench loads this machine only, not {host!r}")
    spawn_rate = max(1.0, level.shoppers / RAMP_S)
    return [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless", "--host", host,
            "--users", str(level.shoppers), "--spawn-rate", f"{spawn_rate:g}", "--run-time", f"{run_time_s}s",
            "--stop-timeout", "5", "--json-file", str(stats_prefix), "--exit-code-on-error", "0",
            "--loglevel", "WARNING"]


def read_turns(path: Path) -> tuple[list[LoadTurn], float]:
    """The turns the scenario wrote (one JSON line each), with start times relative to the first, and the
    wall time from the first request to the last reply."""
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()] if path.exists() else []
    if not rows:
        return [], 0.0
    began = min(r["started"] for r in rows)
    ended = max(r["started"] + r["latency_s"] for r in rows)
    turns = [LoadTurn(int(r["shopper"]), str(r["step"]), r["started"] - began, float(r["latency_s"]), r["error"],
                      tuple((str(k), str(g)) for k, g in r.get("groundings", ()))) for r in rows]
    return sorted(turns, key=lambda t: t.started_s), ended - began


def read_locust_stats(json_prefix: Path) -> dict[str, dict]:
    """Locust's own per-step counts and percentiles, from its final `--json-file` stats (a histogram of
    response times in rounded milliseconds; seconds here)."""
    path = Path(f"{json_prefix}.json")
    if not path.exists():
        return {}
    out = {}
    for entry in json.loads(path.read_text()):
        histogram = sorted((float(ms), int(n)) for ms, n in (entry.get("response_times") or {}).items())
        out[entry["name"]] = {"requests": int(entry["num_requests"]), "failures": int(entry["num_failures"]),
                              **{f"p{q}_s": _histogram_percentile(histogram, q / 100) for q in (50, 95, 99)}}
    return out


def _histogram_percentile(histogram: list[tuple[float, int]], q: float) -> float | None:
    """The smallest value with at least q of the samples at or below it (Locust's own convention)."""
    total = sum(n for _, n in histogram)
    if not total:
        return None
    seen = 0
    for ms, n in histogram:
        seen += n
        if seen >= q * total:
            return round(ms / 1000, 4)
    return round(histogram[-1][0] / 1000, 4)


def run_locust(host: str, token: str, scripts: list[list[tuple[str, str]]], level: LocustLevel, timeout_s: float,
               work_dir: Path, technical: frozenset[str] = frozenset()) -> dict:
    """One level: `level.shoppers` shoppers, one scripted conversation each. Returns the turns, the wall
    time, Locust's stats and how the child process ended."""
    work_dir.mkdir(parents=True, exist_ok=True)
    name = f"locust-{level.shoppers}u-{level.think_s:g}s"
    turns_file = work_dir / f"{name}-turns.jsonl"
    turns_file.unlink(missing_ok=True)
    config = work_dir / f"{name}-config.json"
    wanted = level.shoppers * level.conversations_each
    config.write_text(json.dumps({"scripts": scripts[:wanted], "think_s": level.think_s,
                                  "think_spread": level.think_spread,
                                  "timeout_s": timeout_s, "token": token, "technical": sorted(technical),
                                  "turns_file": str(turns_file)}))
    turns_each = max(len(s) for s in scripts) * level.conversations_each
    bound = run_time_bound_s(turns_each, level.think_s * (1.5 if level.think_spread else 1.0), timeout_s,
                             level.shoppers)
    cmd = locust_command(host, level, bound, work_dir / name)
    env = {**os.environ, "SHOPBOT_LOCUST_CONFIG": str(config), "PYTHONPATH": str(ROOT)}
    log = work_dir / f"{name}.log"
    started = time.perf_counter()
    with log.open("w") as out:
        done = subprocess.run(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, timeout=bound + 60)
    elapsed = time.perf_counter() - started
    turns, wall = read_turns(turns_file)
    expected = sum(len(s) for s in scripts[:wanted])
    if done.returncode != 0 and not turns:
        raise RuntimeError(f"locust exited {done.returncode}: {log.read_text(errors='replace')[-1500:]}")
    return {"turns": turns, "wall_s": wall, "expected_turns": expected,
            "locust_stats": read_locust_stats(work_dir / name),
            "locust_exit": done.returncode, "locust_elapsed_s": round(elapsed, 2), "run_time_bound_s": bound,
            "log": str(log)}
