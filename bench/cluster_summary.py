"""The bench's cluster section, pure parts: what a reply says about its turn, stored/lost/answered counts,
phases around the kills, CPU per turn, and the capacity the targets need. No I/O; unit-tested."""
from __future__ import annotations

from dataclasses import dataclass

from bench.turns import latency_summary

OUTCOMES = ("answered", "technical_problem", "unavailable", "error_note", "waiting", "unanswered")
# The targets the closing note of issue 12 asks about: (label, shoppers, think time s, p95 target s).
TARGETS = (("50 concurrent shoppers, closed loop", 50, 0.0, 2.0),
           ("200 shoppers, 5 s think time", 200, 5.0, 3.0))


# -- pure: what a turn came to ----------------------------------------------------------------------------
def reply_outcome(author: str, metadata: dict | None, text: str = "") -> str:
    """What the first reply to a shopper message says about its turn:
    answered: the bot's own answer; technical_problem: Rasa answered but a step failed (an action server died
    with the turn: bot/rasa_channel.py's apology, or the actions' utter_technical_problem); unavailable: the web
    app could not get an answer from Rasa at all (bot/adapters/rasa_rest.py's apology); error_note: the web app's
    own 'something went wrong' line; waiting: the conversation was handed to a person (two failures in a row)."""
    kind = (metadata or {}).get("kind")
    if author == "system":
        return "error_note" if text.startswith("Sorry") else "waiting"
    if kind in ("technical_problem", "unavailable"):
        return kind
    return "answered"


def tally_stored(sent: dict[str, list[str]], histories: dict[str, list[dict]]) -> dict:
    """Shopper messages sent (per session, in order) against what the cluster's PostgreSQL holds: stored (found
    in order), lost (never stored), duplicated (stored more than once), replied (the next stored message is
    the bot's or the system's) by outcome, and stored but never replied."""
    out = {"sent": 0, "stored": 0, "lost": 0, "duplicated": 0, "replied": 0, "unreplied": 0,
           "outcomes": {o: 0 for o in OUTCOMES if o != "unanswered"}}
    for session, texts in sent.items():
        history = histories.get(session, [])
        shopper_at = [i for i, m in enumerate(history) if m["author"] == "shopper"]
        matched, next_index = [], 0
        for text in texts:
            found = next((k for k in range(next_index, len(shopper_at))
                          if history[shopper_at[k]]["text"] == text), None)
            if found is None:
                out["lost"] += 1
                continue
            matched.append(shopper_at[found])
            next_index = found + 1
        out["sent"] += len(texts)
        out["stored"] += len(matched)
        out["duplicated"] += len(shopper_at) - len(matched)
        for i in matched:
            reply = history[i + 1] if i + 1 < len(history) and history[i + 1]["author"] != "shopper" else None
            if reply is None:
                out["unreplied"] += 1
                continue
            out["replied"] += 1
            out["outcomes"][reply_outcome(reply["author"], reply.get("metadata"), reply.get("text", ""))] += 1
    return out


# -- pure: phases around the kills -----------------------------------------------------------------------
@dataclass
class ShopperTurn:
    shopper: int
    session_id: str
    step: str  # greeting, fact, policy, thanks
    sent_s: float  # since the run began
    latency_s: float | None  # to the first reply; None: none within the turn timeout
    outcome: str  # one of OUTCOMES


def phase_of(sent_s: float, marks: list[tuple[str, float]]) -> str:
    """The phase a turn belongs to: the last mark (name, start s) at or before the moment it was sent."""
    name = marks[0][0]
    for mark, start in marks:
        if start <= sent_s:
            name = mark
    return name


def summarise_phases(turns: list[ShopperTurn], marks: list[tuple[str, float]], end_s: float) -> list[dict]:
    """Per phase: turns sent in it by outcome, answered turns/s, and latency percentiles of the turns the bot
    answered (apologies are fast and would flatter them; they are counted apart)."""
    out = []
    bounds = [start for _, start in marks[1:]] + [end_s]
    for (name, start), end in zip(marks, bounds):
        mine = [t for t in turns if phase_of(t.sent_s, marks) == name]
        answered = [t.latency_s for t in mine if t.outcome == "answered" and t.latency_s is not None]
        duration = max(end - start, 1e-9)
        out.append({"phase": name, "start_s": round(start, 1), "duration_s": round(end - start, 1),
                    "turns": len(mine), "outcomes": {o: sum(t.outcome == o for t in mine) for o in OUTCOMES},
                    "answered_tps": round(len(answered) / duration, 2), **latency_summary(answered)})
    return out


def slowest_turns(turns: list[ShopperTurn], marks: list[tuple[str, float]], count: int = 5) -> list[dict]:
    """The slowest answered or apologised turns, each with what the turn before it in the same conversation
    came to (a turn that died with its Rasa leaves the conversation's lock behind for the next one)."""
    previous: dict[int, str] = {}
    by_session: dict[str, ShopperTurn] = {}
    for turn in sorted(turns, key=lambda t: t.sent_s):
        if turn.session_id in by_session:
            previous[id(turn)] = by_session[turn.session_id].outcome
        by_session[turn.session_id] = turn
    timed = sorted((t for t in turns if t.latency_s is not None), key=lambda t: -t.latency_s)[:count]
    return [{"shopper": t.shopper, "step": t.step, "phase": phase_of(t.sent_s, marks), "sent_s": round(t.sent_s, 1),
             "latency_s": round(t.latency_s, 2), "outcome": t.outcome, "after": previous.get(id(t))} for t in timed]


def summarise_turns(turns: list[ShopperTurn], wall_s: float) -> dict:
    answered = [t.latency_s for t in turns if t.outcome == "answered" and t.latency_s is not None]
    replied = [t.latency_s for t in turns if t.latency_s is not None]
    return {"turns": len(turns), "outcomes": {o: sum(t.outcome == o for t in turns) for o in OUTCOMES},
            "answered_tps": round(len(answered) / wall_s, 2) if wall_s > 0 else None,
            "replied_tps": round(len(replied) / wall_s, 2) if wall_s > 0 else None,
            "wall_s": round(wall_s, 1), **latency_summary(answered)}


# -- pure: CPU ---------------------------------------------------------------------------------------------
CpuSample = dict[str, tuple[int, float]]  # name -> (PID, CPU seconds so far)


def cpu_deltas(before: CpuSample, after: CpuSample) -> dict[str, float | None]:
    """CPU seconds each process spent between two samples; None for one that was restarted (or died) between
    them (its counter started over)."""
    out: dict[str, float | None] = {}
    for name in sorted(set(before) | set(after)):
        if name in before and name in after and before[name][0] == after[name][0]:
            out[name] = round(max(after[name][1] - before[name][1], 0.0), 2)
        else:
            out[name] = None
    return out


def per_turn(deltas: dict[str, float | None], turns: int) -> dict[str, float | None]:
    return {name: None if spent is None or not turns else round(spent / turns, 4) for name, spent in deltas.items()}


def restarted_share(deltas: dict[str, float | None], restarted: str, peer: str) -> dict:
    """Does the restarted instance serve turns again? Its CPU seconds against its twin's over the same phase:
    nginx (least_conn) gives each about half when both answer."""
    mine, theirs = deltas.get(restarted), deltas.get(peer)
    if mine is None or theirs is None or mine + theirs <= 0:
        return {"restarted_cpu_s": mine, "peer_cpu_s": theirs, "share": None, "serves": None}
    share = mine / (mine + theirs)
    return {"restarted_cpu_s": mine, "peer_cpu_s": theirs, "share": round(share, 2), "serves": share >= 0.2}


# -- pure: capacity --------------------------------------------------------------------------------------
def required_throughput(shoppers: int, think_s: float, latency_s: float) -> float:
    """Turns/s a closed loop of `shoppers` needs for a mean latency of `latency_s` (Little's law:
    shoppers = throughput x (latency + think time))."""
    return shoppers / (latency_s + think_s)


def latency_floor(shoppers: int, think_s: float, throughput: float) -> float:
    """The least mean latency a closed loop of `shoppers` can see when the system serves at most `throughput`
    turns/s: shoppers / throughput - think time (0 when the system keeps up)."""
    return max(0.0, shoppers / throughput - think_s) if throughput > 0 else float("inf")


def capacity(ceiling_rows: list[dict], mixed_tps: float | None, mixed_cpu_tps: float | None,
             cores: int) -> dict:
    """The highest intent-only turns/s measured, the mixed shopper turns/s measured and the CPU-bound estimate
    for them, and for each target of TARGETS the turns/s it needs and the latency floor at each rate."""
    measured = [r for r in ceiling_rows if r.get("throughput_tps")]
    best = max(measured, key=lambda r: r["throughput_tps"], default=None)
    rates = {"intent_only_measured": best["throughput_tps"] if best else None, "mixed_measured": mixed_tps,
             "mixed_cpu_bound": mixed_cpu_tps}
    targets = []
    for label, shoppers, think_s, p95_s in TARGETS:
        needed = required_throughput(shoppers, think_s, p95_s)
        floors = {k: None if not v else round(latency_floor(shoppers, think_s, v), 2) for k, v in rates.items()}
        targets.append({"label": label, "shoppers": shoppers, "think_s": think_s, "p95_target_s": p95_s,
                        "needed_tps": round(needed, 1), "floor_s": floors,
                        "reachable": {k: None if not v else v >= needed for k, v in rates.items()}})
    return {"cores": cores, "best": best and {"target": best["target"], "senders": best["senders"],
                                             "throughput_tps": best["throughput_tps"], "p95_s": best["p95_s"]},
            "rates": rates, "targets": targets}
