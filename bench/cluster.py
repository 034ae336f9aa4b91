"""The bench's cluster section: the cluster profile (scripts/cluster.sh: nginx, two Rasa, two action servers,
the web app, PostgreSQL, Redis, a Chroma server, the model server) on ports of its own.

1. The ceiling: intent-only turns (a fixed Rasa response, no action call) in a closed loop at a few
   concurrency levels, to one Rasa instance directly and to both behind nginx, with the CPU seconds each
   process spent per turn.
2. Killed under load: simulated shoppers talk to the widget's socket.io through nginx while one Rasa instance,
   later one action server, is killed with SIGKILL and restarted. Every shopper message must be stored (the web
   app stores it before anything else) and answered; latency is split into phases around each kill.

The pure parts (outcomes, tallies, phases, CPU per turn, capacity) are in bench/cluster_summary.py.
"""
from __future__ import annotations

import glob
import json
import os
import queue
import random
import shutil
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

from bench.cluster_summary import (
    TARGETS, CpuSample, ShopperTurn, capacity, cpu_deltas, per_turn, reply_outcome, restarted_share, slowest_turns,
    summarise_phases, summarise_turns, tally_stored,
)

ROOT = Path(__file__).resolve().parent.parent
# Away from `make run-cluster` (5600-5651), tests/servers/test_cluster.py (5700+), the bench's own stack and
# the other test stacks; PostgreSQL and Redis of its own too.
PORT_BASE = int(os.environ.get("SHOPBOT_BENCH_CLUSTER_PORT_BASE", "5800"))
PG_PORT = int(os.environ.get("SHOPBOT_BENCH_CLUSTER_PG_PORT", "55452"))
REDIS_PORT = int(os.environ.get("SHOPBOT_BENCH_CLUSTER_REDIS_PORT", "56399"))
TOKEN = "bench-cluster-internal-token"
# A conversation's tracker grows with every turn and Rasa loads and saves all of it each turn, so every level
# uses conversations of the same length: the levels then differ only in concurrency.
CEILING_CONVERSATION_TURNS = 6


@dataclass(frozen=True)
class ClusterPlan:
    shoppers: int
    think_s: float  # mean think time between one shopper's messages (each drawn from 0.5x to 1.5x)
    before_s: float  # shopping before the first kill
    restart_after_s: float  # from a SIGKILL to `scripts/cluster.sh restart NAME`
    after_s: float  # shopping once the restarted process answers, before the next kill or the end
    turn_timeout_s: float  # a shopper waits this long for a reply, then counts the turn unanswered
    ceiling_levels: tuple[int, ...]  # concurrent senders of intent-only turns
    ceiling_turns: int  # turns per level, in conversations of CEILING_CONVERSATION_TURNS (at least one a sender)
    mixed_senders: int  # shoppers of the mixed closed loop (one 4-turn conversation each, all at once)
    wait_s: int  # CLUSTER_WAIT_S: how long a (re)started process may take to answer
    kills: tuple[str, ...] = ("rasa1", "actions1")
    # Locust through nginx's Rasa door: (shoppers, think time s; 0 = closed loop, conversations each)
    locust_levels: tuple[tuple[int, float, int], ...] = ()


# The lock ticket of a turn that died with its Rasa instance holds that conversation until nobody renews it
# (bot/rasa_lock_store.py: 15 s), so a shopper's turn timeout must be longer than that. nginx tries a failed instance
# again only 5 s after its last failure (fail_timeout), so the phase after a restart must be longer than that.
QUICK = ClusterPlan(shoppers=3, think_s=1.0, before_s=5, restart_after_s=2, after_s=10, turn_timeout_s=90,
                    ceiling_levels=(1, 5), ceiling_turns=30, mixed_senders=5, wait_s=300, locust_levels=((3, 0.5, 2),))
FULL = ClusterPlan(shoppers=20, think_s=3.0, before_s=30, restart_after_s=5, after_s=30, turn_timeout_s=120,
                   ceiling_levels=(1, 10, 50), ceiling_turns=300, mixed_senders=50, wait_s=400,
                   locust_levels=tuple((shoppers, think_s, 3) for _label, shoppers, think_s, _p95 in TARGETS))


# -- running it ------------------------------------------------------------------------------------------
def missing_prerequisites() -> list[str]:
    missing = []
    if not glob.glob("/usr/lib/postgresql/*/bin/postgres") and not os.environ.get("SHOPBOT_PG_BIN"):
        missing.append("PostgreSQL")
    if not shutil.which("redis-server"):
        missing.append("redis-server")
    if not (shutil.which("nginx") or Path("/usr/sbin/nginx").exists()):
        missing.append("nginx")
    if not list((ROOT / "models").glob("*.tar.gz")):
        missing.append("a trained Rasa model (make train)")
    return missing


def cluster_folder(work: Path) -> tuple[Path, bool]:
    """(folder, is_temporary): the bench's work folder when the `postgres` user can reach it (as root,
    PostgreSQL runs as that user), else a fresh temporary one."""
    wanted = (work / "cluster").resolve()
    if all(p.exists() and p.stat().st_mode & 0o001 for p in wanted.parents):
        return wanted, False
    folder = Path(tempfile.mkdtemp(prefix="shopbot-bench-cluster-"))
    folder.chmod(0o755)
    return folder, True


def run_cluster(work: Path, store_dir: Path, quick: bool, say: Callable[[str], None]) -> dict:
    """The whole section: start the cluster, measure the ceiling, run the shoppers with the kills, stop it."""
    from bench.cluster_client import ClusterProcesses, cluster_env, cluster_ports, listening

    plan = QUICK if quick else FULL
    if missing := missing_prerequisites():
        return {"skipped": f"{', '.join(missing)} not installed (bash scripts/install_servers.sh installs them)"}
    ports = cluster_ports(PORT_BASE)
    folder, temporary = cluster_folder(work)
    env = cluster_env(folder, ports, TOKEN, store_dir, PG_PORT, REDIS_PORT, CLUSTER_WAIT_S=str(plan.wait_s))
    cluster = ClusterProcesses(folder, env)
    if folder.exists() and not temporary:  # a previous run's: stop whatever it left, then start afresh
        _stop(cluster)
        shutil.rmtree(folder)
    busy = [p for p in (*ports.values(), PG_PORT, REDIS_PORT) if listening(p)]
    if busy:
        raise RuntimeError(f"ports already in use: {busy} "
                           "(set SHOPBOT_BENCH_CLUSTER_PORT_BASE, _PG_PORT and _REDIS_PORT)")
    folder.mkdir(parents=True, exist_ok=True)
    out: dict = {"plan": asdict(plan), "port_base": PORT_BASE, "folder": str(folder), "quick": quick}
    began = time.perf_counter()
    try:
        say(f"cluster: starting it on ports {PORT_BASE}+ in {folder} ...")
        cluster.script("start", timeout=plan.wait_s + 300)
        out["start_s"] = round(time.perf_counter() - began, 1)
        cluster.read_exports()
        say(f"cluster: up in {out['start_s']:.0f} s; the ceiling (intent-only turns) ...")
        out["ceiling"] = measure_ceiling(cluster, ports, plan, say)
        out["ceiling"]["mixed"] = measure_mixed(cluster, ports, store_dir, plan, say)
        out["locust"] = measure_locust(ports, store_dir, plan, work, say)
        say(f"cluster: {plan.shoppers} shopper(s) on socket.io, killing {', '.join(plan.kills)} ...")
        out["kills"] = run_shoppers(cluster, ports, store_dir, plan, say)
        mixed = out["ceiling"]["mixed"]
        out["capacity"] = capacity(out["ceiling"]["rows"], mixed["throughput_tps"], mixed["cpu_bound_tps"],
                                   os.cpu_count() or 1)
        out["nginx_upstream_errors"] = _nginx_upstream_errors(folder)
    finally:
        stopped = time.perf_counter()
        _stop(cluster)
        out["stop_s"] = round(time.perf_counter() - stopped, 1)
        if temporary:
            shutil.rmtree(folder, ignore_errors=True)
    out["duration_s"] = round(time.perf_counter() - began, 1)
    return out


def _stop(cluster) -> None:
    import subprocess

    subprocess.run(["bash", str(ROOT / "scripts" / "cluster.sh"), "stop"], cwd=ROOT, env=cluster.env,
                   capture_output=True, timeout=300)


def _nginx_upstream_errors(folder: Path) -> int:
    log = folder / "nginx" / "logs" / "error.log"
    return sum("upstream" in line for line in log.read_text(errors="replace").splitlines()) if log.exists() else 0


# -- 1. the ceiling ----------------------------------------------------------------------------------------
def measure_ceiling(cluster, ports: dict[str, int], plan: ClusterPlan, say: Callable[[str], None]) -> dict:
    """Closed loop: `senders` at a time run short intent-only conversations (a fresh sender id each), each
    sender's next message going out as soon as its reply arrives."""
    from bench.cluster_client import machine_busy_seconds
    from bench.load import run_load, summarise_load
    from bench.turns import INTENT_MESSAGES, rest_send

    targets = {"rasa1 alone": (ports["RASA1"], ("rasa1",)),
               "rasa1 + rasa2 behind nginx": (ports["RASA"], ("rasa1", "rasa2"))}
    for port in (ports["RASA1"], ports["RASA2"]):  # untimed: each instance's first turns
        warm = rest_send(f"http://127.0.0.1:{port}/webhooks/rest/webhook", 60, TOKEN)
        for i, message in enumerate(INTENT_MESSAGES[:3]):
            warm(f"warm-{port}-{i}", message)
    rows = []
    for senders in plan.ceiling_levels:
        conversations = max(senders, plan.ceiling_turns // CEILING_CONVERSATION_TURNS)
        for target, (port, names) in targets.items():
            send = rest_send(f"http://127.0.0.1:{port}/webhooks/rest/webhook", plan.turn_timeout_s, TOKEN)
            scripts = [[("intent", INTENT_MESSAGES[(c + i) % len(INTENT_MESSAGES)])
                        for i in range(CEILING_CONVERSATION_TURNS)] for c in range(conversations)]
            cpu_before, busy_before, own_before = cluster.cpu_by_name(), machine_busy_seconds(), _own_cpu()
            turns, wall, peak = run_load(scripts, send, senders, senders, label=f"ceiling{senders}")
            cpu_after, busy_after, own_after = cluster.cpu_by_name(), machine_busy_seconds(), _own_cpu()
            row = summarise_load(turns, wall, senders, peak)
            ok = row["ok_turns"]
            deltas = cpu_deltas(cpu_before, cpu_after)
            in_path = {name: deltas.get(name) for name in (*names, "nginx", "postgres", "redis")}
            in_path["bench client"] = round(own_after - own_before, 2)
            machine = busy_after[0] - busy_before[0]
            row.update(target=target, senders=senders, fixed_share=_fixed_share(turns),
                       cpu_s=in_path, cpu_per_turn_s=per_turn(in_path, ok),
                       rasa_cpu_per_turn_s=_sum_per_turn([deltas.get(n) for n in names], ok),
                       machine_busy_s=round(machine, 2),
                       machine_busy_share=round(machine / max(busy_after[1] - busy_before[1], 1e-9), 2),
                       machine_cpu_per_turn_s=round(machine / ok, 4) if ok else None)
            row.pop("by_step", None)
            row.pop("phrasing", None)
            rows.append(row)
            say(f"cluster ceiling: {target}, {senders} sender(s): {row['throughput_tps']} turns/s, "
                f"p95 {row['p95_s']} s, Rasa CPU {row['rasa_cpu_per_turn_s']} s/turn")
    return {"rows": rows, "messages": list(INTENT_MESSAGES), "conversation_turns": CEILING_CONVERSATION_TURNS}


def measure_mixed(cluster, ports: dict[str, int], store_dir: Path, plan: ClusterPlan,
                  say: Callable[[str], None]) -> dict:
    """The closed loop of issue 12's first target on the cluster: `mixed_senders` shoppers at once, each one
    4-turn conversation (greeting, price/stock, policy, thanks) over REST through nginx's Rasa door."""
    from bench.cluster_client import machine_busy_seconds
    from bench.load import run_load, summarise_load
    from bench.turns import rest_send

    senders = plan.mixed_senders
    send = rest_send(f"http://127.0.0.1:{ports['RASA']}/webhooks/rest/webhook", plan.turn_timeout_s, TOKEN)
    scripts = _conversations(store_dir, senders, seed=17)
    cpu_before, busy_before = cluster.cpu_by_name(), machine_busy_seconds()
    turns, wall, peak = run_load(scripts, send, senders, senders, label="mixed")
    cpu_after, busy_after = cluster.cpu_by_name(), machine_busy_seconds()
    row = summarise_load(turns, wall, senders, peak)
    deltas = cpu_deltas(cpu_before, cpu_after)
    spent = sum(v for v in deltas.values() if v is not None)
    ok = row["ok_turns"]
    cores = os.cpu_count() or 1
    machine = busy_after[0] - busy_before[0]
    row.update(target="mixed conversations, rasa1 + rasa2 behind nginx", senders=senders,
               cpu_per_turn_s=per_turn(deltas, ok), cluster_cpu_per_turn_s=round(spent / ok, 4) if ok else None,
               cpu_bound_tps=round(cores * ok / spent, 1) if ok and spent else None,
               machine_busy_share=round(machine / max(busy_after[1] - busy_before[1], 1e-9), 2))
    say(f"cluster mixed closed loop, {senders} shoppers: {row['throughput_tps']} turns/s, p95 {row['p95_s']} s, "
        f"{row['cluster_cpu_per_turn_s']} CPU s/turn")
    return row


def measure_locust(ports: dict[str, int], store_dir: Path, plan: ClusterPlan, work: Path,
                   say: Callable[[str], None]) -> dict:
    """Issue 12's two targets on the cluster: Locust shoppers over REST through nginx's Rasa door, as bench
    section 3b does on the single stack, but each shopper has a few conversations one after another (the level
    holds its shoppers for a minute or more, not only while they arrive) and people's think times vary
    (0.5-1.5x the mean), so shoppers who arrived together do not keep asking in the same second."""
    from bench.load import summarise_load
    from bench.locust_load import LocustLevel, run_locust
    from bench.turns import domain_texts

    _fixed, technical = domain_texts()
    levels = []
    for shoppers, think_s, each in plan.locust_levels:
        level = LocustLevel(shoppers, think_s, conversations_each=each, think_spread=True)
        ran = run_locust(f"http://127.0.0.1:{ports['RASA']}", TOKEN, _conversations(store_dir, shoppers * each, seed=29),
                         level, plan.turn_timeout_s, work / "cluster-locust", technical)
        summary = summarise_load(ran["turns"], ran["wall_s"], shoppers, shoppers)
        summary.update(think_s=think_s, label=level.label, expected_turns=ran["expected_turns"],
                       locust_exit=ran["locust_exit"], unsent_turns=max(0, ran["expected_turns"] - len(ran["turns"])))
        levels.append(summary)
        say(f"cluster locust: {level.label}: {summary['throughput_tps']} turns/s, p95 {summary['p95_s']} s, "
            f"errors {summary['errors']}, unsent {summary['unsent_turns']}")
    return {"levels": levels, "timeout_s": plan.turn_timeout_s}


def _conversations(store_dir: Path, count: int, seed: int) -> list[list[tuple[str, str]]]:
    from bench.load import conversation
    from bench.turns import POLICY_QUESTIONS, fact_questions

    products = json.loads((store_dir / "products.json").read_text())
    rng = random.Random(seed)
    facts = fact_questions(products, rng, count)
    return [conversation(facts[i], POLICY_QUESTIONS[i % len(POLICY_QUESTIONS)], rng) for i in range(count)]


def _fixed_share(turns) -> float | None:
    """Share of the turns answered with a fixed Rasa response (no shopbot metadata: no action ran)."""
    ok = [t for t in turns if t.error is None]
    return round(sum(not t.groundings for t in ok) / len(ok), 3) if ok else None


def _sum_per_turn(values: list[float | None], turns: int) -> float | None:
    if not turns or any(v is None for v in values):
        return None
    return round(sum(values) / turns, 4)


def _own_cpu() -> float:
    times = os.times()
    return times.user + times.system


# -- 2. shoppers, and processes killed under them -----------------------------------------------------------
@dataclass
class RunState:
    """What the shopper threads share with the conductor."""

    began: float
    stop: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    turns: list[ShopperTurn] = field(default_factory=list)
    sent: dict[str, list[str]] = field(default_factory=dict)  # session -> shopper texts, in order
    awaiting: int = 0  # turns sent and not yet replied to
    connect_failures: int = 0
    send_failures: int = 0

    def now(self) -> float:
        return time.perf_counter() - self.began


def run_shoppers(cluster, ports: dict[str, int], store_dir: Path, plan: ClusterPlan,
                 say: Callable[[str], None]) -> dict:
    scripts = _conversations(store_dir, 500, seed=31)
    shop_url = f"http://127.0.0.1:{ports['SHOP']}"
    state = RunState(began=time.perf_counter())
    marks: list[tuple[str, float]] = [("before any kill", 0.0)]
    cpu_marks: list[CpuSample] = [cluster.cpu_by_name()]
    threads = [threading.Thread(target=_shopper, args=(i, shop_url, scripts[i::plan.shoppers], plan, state),
                                name=f"cluster-shopper-{i}", daemon=True) for i in range(plan.shoppers)]
    recoveries = []
    try:
        for thread in threads:
            thread.start()
        state.stop.wait(plan.before_s)
        for name in plan.kills:
            recoveries.append(_kill_and_restart(cluster, name, plan, state, marks, cpu_marks, say))
            state.stop.wait(plan.after_s)
    finally:
        state.stop.set()
        end_s = state.now()
        cpu_marks.append(cluster.cpu_by_name())
        for thread in threads:  # each finishes the turn it waits for, at most its timeout
            thread.join(plan.turn_timeout_s + 30)
    drained_s = state.now()
    histories = _histories(cluster, list(state.sent))
    stored = tally_stored(state.sent, histories)
    phases = summarise_phases(state.turns, marks, end_s)
    phase_cpu = [cpu_deltas(a, b) for a, b in zip(cpu_marks, cpu_marks[1:])]
    for phase, cpu in zip(phases, phase_cpu):
        phase["cpu_s"] = cpu
    for recovery in recoveries:  # the phase that begins once the restarted process answers
        after = next(i for i, (name, _) in enumerate(marks) if name == recovery["after_phase"])
        recovery["after_restart"] = restarted_share(phase_cpu[after], recovery["name"], recovery["peer"])
    before = phases[0]
    answered_before = before["outcomes"]["answered"]
    cluster_cpu_before = sum(v for v in phase_cpu[0].values() if v is not None)
    cpu_per_mixed = cluster_cpu_before / answered_before if answered_before else None
    return {"shoppers": plan.shoppers, "think_s": plan.think_s, "marks": marks, "end_s": round(end_s, 1),
            "drained_s": round(drained_s, 1), "totals": summarise_turns(state.turns, end_s),
            "phases": phases, "recoveries": recoveries, "stored": stored,
            "slowest": slowest_turns(state.turns, marks),
            "sessions": len(state.sent), "connect_failures": state.connect_failures,
            "send_failures": state.send_failures,
            "cpu_per_turn_before_s": per_turn(phase_cpu[0], answered_before),
            "cluster_cpu_per_turn_before_s": round(cpu_per_mixed, 4) if cpu_per_mixed else None}


def _kill_and_restart(cluster, name: str, plan: ClusterPlan, state: RunState, marks: list, cpu_marks: list,
                      say: Callable[[str], None]) -> dict:
    """SIGKILL `name` once turns are in flight (waiting at most 10 s for some), `restart` it a few seconds
    later, and mark the phases: down from the kill, 'after' from the moment it answers again."""
    peer = name[:-1] + ("2" if name.endswith("1") else "1")
    wanted = min(2, plan.shoppers)
    deadline = time.monotonic() + 10
    while state.awaiting < wanted and time.monotonic() < deadline:
        time.sleep(0.02)  # polling for turns in flight
    in_flight = state.awaiting
    cpu_marks.append(cluster.cpu_by_name())
    killed = state.now()
    cluster.kill(name)
    marks.append((f"{name} down", killed))
    say(f"cluster: {name} killed with {in_flight} turn(s) in flight; restart in {plan.restart_after_s:.0f} s")
    state.stop.wait(plan.restart_after_s)
    restart_at = state.now()
    cluster.script("restart", name, timeout=plan.wait_s + 60)
    healthy = state.now()
    cpu_marks.append(cluster.cpu_by_name())
    marks.append((f"after {name} restart", healthy))
    say(f"cluster: {name} answers again {healthy - restart_at:.1f} s after its restart")
    return {"name": name, "peer": peer, "in_flight_at_kill": in_flight, "killed_s": round(killed, 1),
            "restart_s": round(restart_at, 1), "healthy_s": round(healthy, 1),
            "restart_to_healthy_s": round(healthy - restart_at, 1), "down_s": round(healthy - killed, 1),
            "after_phase": f"after {name} restart"}


def _shopper(index: int, shop_url: str, scripts: list, plan: ClusterPlan, state: RunState) -> None:
    """One shopper: conversation after conversation (a new session each) until the run stops; think time
    between messages. A turn left unanswered ends its conversation (its session may still be busy)."""
    from bench.cluster_client import SocketShopper, reply_meta

    rng = random.Random(1000 + index)
    state.stop.wait(rng.uniform(0, plan.think_s))  # arrivals spread out
    for script in scripts:
        if state.stop.is_set():
            return
        try:
            shopper = SocketShopper(shop_url)
        except Exception:  # counted: the shop's door is never killed, so this is a finding
            with state.lock:
                state.connect_failures += 1
            state.stop.wait(1.0)
            continue
        try:
            for step, text in script:
                if state.stop.is_set():
                    return
                shopper.drain()
                sent, sent_s = time.perf_counter(), state.now()
                try:
                    shopper.send(text)
                except Exception:  # the socket broke before the message left: not sent, so not expected stored
                    with state.lock:
                        state.send_failures += 1
                    break
                with state.lock:
                    state.sent.setdefault(shopper.session_id, []).append(text)
                    state.awaiting += 1
                try:
                    arrived, message = shopper.next_reply(plan.turn_timeout_s)
                    author, metadata = reply_meta(message)
                    latency, outcome = arrived - sent, reply_outcome(author, metadata, message.get("text", ""))
                except queue.Empty:
                    latency, outcome = None, "unanswered"
                with state.lock:
                    state.awaiting -= 1
                    state.turns.append(ShopperTurn(index, shopper.session_id, step, sent_s, latency, outcome))
                if outcome == "unanswered":
                    break
                state.stop.wait(rng.uniform(0.5, 1.5) * plan.think_s)
        finally:
            shopper.close()


def _histories(cluster, sessions: list[str]) -> dict[str, list[dict]]:
    from bot.adapters.sql.conversations import SqlConversationStore

    store = SqlConversationStore(cluster.exports["SHOPBOT_DATABASE_URL"])
    return {session: store.history(session) for session in sessions}


def failures_of(section: dict) -> list[str]:
    """Real breakage the bench must report as a failure (not a timing): a shopper message the cluster did not
    store, or one stored and never answered."""
    stored = (section.get("kills") or {}).get("stored") or {}
    problems = []
    if stored.get("lost"):
        problems.append(f"cluster: {stored['lost']} shopper message(s) not stored")
    if stored.get("unreplied"):
        problems.append(f"cluster: {stored['unreplied']} stored shopper message(s) never answered")
    return problems
