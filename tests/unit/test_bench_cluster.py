"""The bench's cluster section, pure parts: what a reply says about its turn, stored/lost/answered counts from
the stored histories, phases around the kills, CPU per turn, capacity, the report, and `--only cluster`
(with the cluster itself replaced by a canned result: no servers here)."""
from __future__ import annotations

import argparse
import json

import pytest

import bench.cluster as cluster_module
from bench.__main__ import Bench
from bench.cluster import failures_of
from bench.cluster_summary import (
    ShopperTurn, capacity, cpu_deltas, latency_floor, per_turn, phase_of, reply_outcome, required_throughput,
    restarted_share, slowest_turns, summarise_phases, summarise_turns, tally_stored,
)
from bench.cluster_client import cluster_ports, parse_exports
from bench.load import LoadTurn, summarise_load
from bench.report import render_markdown
from tests.unit.test_bench import _results

UNAVAILABLE = {"kind": "unavailable", "handoff_offered": True}
TECHNICAL = {"kind": "technical_problem", "grounding": "composed"}


def _msg(author: str, text: str, metadata: dict | None = None) -> dict:
    return {"author": author, "text": text, "metadata": metadata or {}}


# -- outcomes ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("author, metadata, text, expected", [
    ("bot", {"kind": "product_fact", "grounding": "composed"}, "It costs $20.", "answered"),
    ("bot", {}, "Hi! How can I help?", "answered"),  # a fixed Rasa response carries no metadata
    ("bot", None, "Hi!", "answered"),
    ("bot", TECHNICAL, "Sorry, I couldn't answer that just now", "technical_problem"),  # an action died
    ("bot", UNAVAILABLE, "Sorry, I can't answer right now", "unavailable"),  # Rasa not reached
    ("system", {}, "Sorry, something went wrong on our side. Please try again.", "error_note"),  # web app failed
    ("system", {"handoff_reason": "failures"}, "A person from our team will take over", "waiting"),
])
def test_reply_outcome(author, metadata, text, expected):
    assert reply_outcome(author, metadata, text) == expected


# -- stored against sent --------------------------------------------------------------------------------------
def test_tally_counts_stored_lost_duplicated_and_each_reply():
    sent = {"a": ["hi", "price?", "thanks"], "b": ["hello", "policy?"], "c": ["never stored"]}
    histories = {
        "a": [_msg("shopper", "hi"), _msg("bot", "Hello!"),
              _msg("shopper", "price?"), _msg("bot", "It costs $5", {"kind": "product_fact"}),
              _msg("bot", "You may also like", {"kind": "upsell"}),  # a second reply: still one answered turn
              _msg("shopper", "thanks"), _msg("bot", "problem", UNAVAILABLE)],
        "b": [_msg("shopper", "hello"), _msg("bot", "problem", TECHNICAL),
              _msg("shopper", "hello"),  # stored twice
              _msg("shopper", "policy?")],  # stored, never answered
    }
    tally = tally_stored(sent, histories)
    assert tally["sent"] == 6 and tally["stored"] == 5 and tally["lost"] == 1
    assert tally["duplicated"] == 1
    assert tally["replied"] == 4 and tally["unreplied"] == 1
    assert tally["outcomes"] == {"answered": 2, "technical_problem": 1, "unavailable": 1, "error_note": 0,
                                 "waiting": 0}


def test_tally_matches_in_order_and_a_message_out_of_order_is_lost():
    # "b" was stored before "a": only one of them can be matched in the order they were sent
    tally = tally_stored({"s": ["a", "b"]}, {"s": [_msg("shopper", "b"), _msg("bot", "x"),
                                                    _msg("shopper", "a"), _msg("bot", "y")]})
    assert (tally["stored"], tally["lost"], tally["duplicated"]) == (1, 1, 1)


def test_nothing_sent_nothing_counted():
    tally = tally_stored({}, {})
    assert tally["sent"] == tally["stored"] == tally["lost"] == tally["unreplied"] == 0


# -- phases ------------------------------------------------------------------------------------------------
MARKS = [("before any kill", 0.0), ("rasa1 down", 10.0), ("after rasa1 restart", 40.0)]


def _turn(sent_s: float, latency_s: float | None, outcome: str = "answered") -> ShopperTurn:
    return ShopperTurn(0, "s", "fact", sent_s, latency_s, outcome)


def test_a_turn_belongs_to_the_phase_it_was_sent_in():
    assert phase_of(0.0, MARKS) == "before any kill"
    assert phase_of(9.99, MARKS) == "before any kill"
    assert phase_of(10.0, MARKS) == "rasa1 down"
    assert phase_of(55.0, MARKS) == "after rasa1 restart"


def test_phase_percentiles_are_over_answered_turns_and_apologies_are_counted_apart():
    turns = [_turn(1, 0.1), _turn(2, 0.2), _turn(3, 0.3),
             _turn(11, 5.0), _turn(12, 0.01, "unavailable"), _turn(13, None, "unanswered"),
             _turn(41, 0.4), _turn(42, 0.02, "technical_problem")]
    phases = summarise_phases(turns, MARKS, end_s=50.0)
    assert [p["phase"] for p in phases] == ["before any kill", "rasa1 down", "after rasa1 restart"]
    before, down, after = phases
    assert before["n"] == 3 and before["p50_s"] == pytest.approx(0.2) and before["duration_s"] == 10.0
    assert before["answered_tps"] == pytest.approx(0.3)
    assert down["turns"] == 3 and down["n"] == 1 and down["p95_s"] == pytest.approx(5.0)
    assert down["outcomes"]["unavailable"] == 1 and down["outcomes"]["unanswered"] == 1
    assert after["duration_s"] == 10.0 and after["outcomes"]["technical_problem"] == 1 and after["n"] == 1


def test_the_slowest_turns_say_what_the_turn_before_them_came_to():
    turns = [ShopperTurn(0, "a", "fact", 5.0, 0.02, "unavailable"),  # died with its Rasa
             ShopperTurn(0, "a", "policy", 12.0, 58.0, "answered"),  # waited for the dead turn's lock
             ShopperTurn(1, "b", "greeting", 1.0, 0.3, "answered"),
             ShopperTurn(1, "b", "fact", 2.0, None, "unanswered")]
    slowest = slowest_turns(turns, MARKS, count=2)
    assert slowest == [
        {"shopper": 0, "step": "policy", "phase": "rasa1 down", "sent_s": 12.0, "latency_s": 58.0,
         "outcome": "answered", "after": "unavailable"},
        {"shopper": 1, "step": "greeting", "phase": "before any kill", "sent_s": 1.0, "latency_s": 0.3,
         "outcome": "answered", "after": None}]


def test_run_totals():
    totals = summarise_turns([_turn(1, 0.5), _turn(2, 1.5), _turn(3, 0.05, "unavailable"),
                              _turn(4, None, "unanswered")], wall_s=10.0)
    assert totals["turns"] == 4 and totals["outcomes"]["answered"] == 2
    assert totals["answered_tps"] == 0.2 and totals["replied_tps"] == 0.3
    assert totals["p50_s"] == pytest.approx(1.0)


# -- CPU ------------------------------------------------------------------------------------------------------
def test_cpu_deltas_leave_out_a_process_restarted_in_between():
    before = {"rasa1": (100, 50.0), "rasa2": (101, 40.0), "postgres": (7, 3.0)}
    after = {"rasa1": (200, 2.0), "rasa2": (101, 46.5), "postgres": (7, 3.5), "web": (9, 1.0)}
    deltas = cpu_deltas(before, after)
    assert deltas == {"postgres": 0.5, "rasa1": None, "rasa2": 6.5, "web": None}
    assert per_turn(deltas, 10) == {"postgres": 0.05, "rasa1": None, "rasa2": 0.65, "web": None}
    assert per_turn(deltas, 0)["rasa2"] is None


@pytest.mark.parametrize("mine, theirs, share, serves", [
    (3.0, 3.0, 0.5, True),  # round robin: about half each
    (0.1, 3.9, 0.03, False),  # idle: nginx does not send it turns
    (None, 3.0, None, None),  # restarted again within the phase: unknown
    (0.0, 0.0, None, None),  # no traffic at all: unknown
])
def test_a_restarted_instance_serves_when_it_takes_its_share(mine, theirs, share, serves):
    result = restarted_share({"rasa1": mine, "rasa2": theirs}, "rasa1", "rasa2")
    assert result["share"] == share and result["serves"] == serves


# -- capacity -------------------------------------------------------------------------------------------------
def test_littles_law_bounds():
    assert required_throughput(50, 0.0, 2.0) == 25.0
    assert required_throughput(200, 5.0, 3.0) == 25.0
    assert latency_floor(50, 0.0, 12.5) == 4.0  # 50 shoppers, 12.5 turns/s: each waits 4 s on average
    assert latency_floor(200, 5.0, 12.5) == 11.0
    assert latency_floor(10, 5.0, 12.5) == 0.0  # the system keeps up
    assert latency_floor(10, 0.0, 0.0) == float("inf")


def _ceiling_row(target: str, senders: int, tps: float) -> dict:
    return {"target": target, "senders": senders, "throughput_tps": tps, "p95_s": 1.0}


def test_capacity_takes_the_best_rate_and_judges_each_target():
    rows = [_ceiling_row("rasa1 alone", 10, 14.0), _ceiling_row("rasa1 + rasa2 behind nginx", 10, 13.0),
            {"target": "rasa1 alone", "senders": 1, "throughput_tps": None, "p95_s": None}]
    cap = capacity(rows, mixed_tps=6.0, mixed_cpu_tps=9.0, cores=2)
    assert cap["best"]["target"] == "rasa1 alone" and cap["rates"]["intent_only_measured"] == 14.0
    closed, think = cap["targets"]
    assert closed["needed_tps"] == 25.0 and closed["reachable"] == {"intent_only_measured": False,
                                                                    "mixed_measured": False, "mixed_cpu_bound": False}
    assert closed["floor_s"]["mixed_measured"] == pytest.approx(8.33, abs=0.01)
    assert think["floor_s"]["intent_only_measured"] == pytest.approx(9.29, abs=0.01)
    assert capacity(rows, 30.0, None, 2)["targets"][0]["reachable"]["mixed_measured"] is True
    assert capacity(rows, 30.0, None, 2)["targets"][0]["floor_s"]["mixed_cpu_bound"] is None
    assert capacity([], None, None, 2)["best"] is None


# -- failures -------------------------------------------------------------------------------------------------
def test_lost_or_unanswered_messages_fail_the_section_and_timings_do_not():
    ok = {"kills": {"stored": {"lost": 0, "unreplied": 0}}}
    assert failures_of(ok) == []
    assert failures_of({"skipped": "nginx not installed"}) == []
    bad = failures_of({"kills": {"stored": {"lost": 2, "unreplied": 1}}})
    assert bad == ["cluster: 2 shopper message(s) not stored", "cluster: 1 stored shopper message(s) never answered"]


# -- the shared client helpers ---------------------------------------------------------------------------------
def test_ports_and_exports():
    ports = cluster_ports(5800)
    assert ports["SHOP"] == 5800 and ports["RASA1"] == 5811 and ports["WEB"] == 5851
    assert len(set(ports.values())) == len(ports)
    assert parse_exports("export A=1 B=x=y\n# no\nexport C=3") == {"A": "1", "B": "x=y", "C": "3"}


# -- the report -----------------------------------------------------------------------------------------------
def cluster_section(lost: int = 0) -> dict:
    marks = [("before any kill", 0.0), ("rasa1 down", 10.0), ("after rasa1 restart", 40.0),
             ("actions1 down", 70.0), ("after actions1 restart", 85.0)]
    turns = [_turn(1, 0.4), _turn(12, 0.01, "unavailable"), _turn(45, 0.5), _turn(72, 0.02, "technical_problem"),
             _turn(90, 0.6)]
    phases = summarise_phases(turns, marks, 100.0)
    for phase in phases:
        phase["cpu_s"] = {}
    recoveries = [{"name": "rasa1", "peer": "rasa2", "in_flight_at_kill": 2, "killed_s": 10.0, "restart_s": 15.0,
                   "healthy_s": 40.0, "restart_to_healthy_s": 25.0, "down_s": 30.0, "after_phase": marks[2][0],
                   "after_restart": restarted_share({"rasa1": 2.0, "rasa2": 2.5}, "rasa1", "rasa2")},
                  {"name": "actions1", "peer": "actions2", "in_flight_at_kill": 1, "killed_s": 70.0,
                   "restart_s": 75.0, "healthy_s": 85.0, "restart_to_healthy_s": 10.0, "down_s": 15.0,
                   "after_phase": marks[4][0], "after_restart": restarted_share({}, "actions1", "actions2")}]
    stored = tally_stored({"s": ["a"]}, {"s": [_msg("shopper", "a"), _msg("bot", "x")]})
    stored["lost"] += lost
    ceiling = []
    for senders, tps in ((1, 9.0), (10, 13.5)):
        for target, factor in (("rasa1 alone", 1.0), ("rasa1 + rasa2 behind nginx", 0.9)):
            row = summarise_load([LoadTurn(0, "intent", 0, 0.08, None)], 1.0, senders, senders)
            row.update(target=target, senders=senders, throughput_tps=tps * factor, fixed_share=1.0,
                       cpu_per_turn_s={"rasa1": 0.07, "postgres": 0.01, "redis": 0.001, "nginx": 0.0005,
                                       "bench client": 0.004},
                       rasa_cpu_per_turn_s=0.07, machine_cpu_per_turn_s=0.12, machine_busy_share=0.95)
            ceiling.append(row)
    kills = {"shoppers": 20, "think_s": 3.0, "marks": marks, "end_s": 100.0, "drained_s": 101.0,
             "totals": summarise_turns(turns, 100.0), "phases": phases, "recoveries": recoveries, "stored": stored,
             "slowest": slowest_turns(turns, marks, 2), "sessions": 1, "connect_failures": 0, "send_failures": 0,
             "cpu_per_turn_before_s": {"rasa1": 0.05, "rasa2": 0.05, "actions1": 0.1, "web": 0.01, "model": None},
             "cluster_cpu_per_turn_before_s": 0.3}
    mixed = summarise_load([LoadTurn(0, "fact", 0, 1.5, None, (("upsell", "composed"),)),
                            LoadTurn(0, "policy", 0, 2.5, None, (("policy", "llm"),))], 1.0, 50, 50)
    mixed.update(target="mixed conversations, rasa1 + rasa2 behind nginx", senders=50, throughput_tps=8.0,
                 cpu_per_turn_s={"rasa1": 0.08, "model": 0.05, "rasa2": None}, cluster_cpu_per_turn_s=0.2,
                 cpu_bound_tps=10.0, machine_busy_share=0.97)
    return {"plan": {"think_s": 3.0, "turn_timeout_s": 120.0}, "port_base": 5800, "quick": False,
            "start_s": 95.0, "stop_s": 6.0, "duration_s": 330.0, "command": "python -m bench --only cluster",
            "date": "2026-11-30 07:45", "load_average": 0.4,
            "ceiling": {"rows": ceiling, "messages": ["hello"], "mixed": mixed, "conversation_turns": 6},
            "kills": kills, "capacity": capacity(ceiling, 8.0, 10.0, 2), "nginx_upstream_errors": 3}


def test_the_report_shows_the_kills_and_the_ceiling():
    results = _results()
    results["cluster"] = cluster_section()
    text = render_markdown(results)
    assert "## 3c. Cluster: a Rasa instance and an action server killed under load" in text
    assert "## 3d. Throughput ceiling" in text and "conversations of 6 turns" in text
    assert "Full version, run by `python -m bench --only cluster` on 2026-11-30 07:45" in text
    assert "`rasa1` killed at 10 s with 2 turn(s) in flight" in text
    assert "| `rasa1` | 2 | 25.0 | 30.0 | 44% (2.00 of 4.50 CPU s with `rasa2`) | yes |" in text
    assert "| `actions1` | 1 | 10.0 | 15.0 | — | — |" in text
    assert "| rasa1 down | 10 | 30 | 1 | 0 | 0 | 1 |" in text
    assert "10 sender(s): ×0.90" in text
    assert "13.5 turns/s (rasa1 alone, 10 senders" in text
    assert ("| 50 concurrent shoppers, closed loop | p95 ≤ 2 s | 25.0 | 3.7 s (not reachable) | 6.2 s (not reachable) "
            "| 5.0 s (not reachable) |") in text
    assert "**8.00 turns/s, p50 2.000 s, p95 2.450 s**" in text and "LLM-phrased 50% of 2" in text
    assert "CPU per turn by process (ms): rasa1 80.0, model 50.0; 200 ms in all" in text
    assert ("**On these 2 cores, with real shopper conversations:** the cluster served 8.0 turns/s with 50 shoppers "
            "in a closed loop (p95 2.45 s), against 25 turns/s that either target needs. 50 concurrent shoppers, "
            "closed loop (p95 ≤ 2 s): not reachable, the mean latency cannot go below 6.2 s; 200 shoppers") in text
    assert "Slowest turns: 0.6 s (fact, sent at 90 s in “after actions1 restart”, answered" in text
    assert "nobody renews that ticket" not in text  # no slow turn came after one that died with its Rasa
    results["cluster"]["kills"]["slowest"][0].update(latency_s=58.0, after="unavailable")
    assert "a ticket lives 15 s unless its Rasa instance renews it" in render_markdown(results)
    assert "nginx's error log holds 3 line(s)" in text
    assert "the second instance did not raise the rate (×0.90; 70.0 ms of Rasa CPU per turn with one" in text
    for row in results["cluster"]["ceiling"]["rows"]:
        if row["target"] != "rasa1 alone":
            row["throughput_tps"] *= 1.5 / 0.9
    assert ("the second instance raised the rate by only 50%: one Rasa process already kept the machine 95% busy"
            in render_markdown(results))
    for row in results["cluster"]["ceiling"]["rows"]:
        row["machine_busy_share"] = 0.6
    assert "raised the rate by 50%: one Rasa process left CPU time unused (the machine was 60% busy" in render_markdown(
        results)


def test_the_report_says_when_the_cluster_was_skipped_or_failed():
    results = _results()
    assert "## 3c." in render_markdown(results) and "not run" in render_markdown(results)
    results["cluster"] = {"skipped": "nginx not installed (bash scripts/install_servers.sh installs them)"}
    assert "skipped: nginx not installed" in render_markdown(results)
    results["cluster"] = {"error": "ClusterError: scripts/cluster.sh start failed (1)"}
    assert "**failed**: ClusterError" in render_markdown(results)


# -- `--only cluster` -------------------------------------------------------------------------------------------
def _bench(tmp_path, monkeypatch, section: dict) -> Bench:
    monkeypatch.setattr(cluster_module, "run_cluster", lambda work, tau, quick, say: dict(section))
    args = argparse.Namespace(out=tmp_path / "reports", quick=False, skip_setup=False, skip_train=False,
                              only="cluster")
    bench = Bench(args, ["--only", "cluster"])
    bench.work = tmp_path / "work"
    return bench


def test_only_cluster_replaces_that_section_and_keeps_the_others(tmp_path, monkeypatch):
    saved = _results() | {"failures": ["llm (RuntimeError: no model)", "cluster: 1 shopper message(s) not stored"],
                          "cluster": {"old": True}}
    (tmp_path / "reports").mkdir()
    (tmp_path / "reports" / "bench.json").write_text(json.dumps(saved))
    section = cluster_section()
    section.pop("command"), section.pop("date"), section.pop("load_average")
    bench = _bench(tmp_path, monkeypatch, section)
    assert bench.run_only("cluster") == 0
    written = json.loads((tmp_path / "reports" / "bench.json").read_text())
    assert written["failures"] == ["llm (RuntimeError: no model)"]  # the old cluster failure went with its run
    assert written["turns"] == saved["turns"] and written["meta"] == saved["meta"]
    assert "old" not in written["cluster"] and written["cluster"]["command"] == "python -m bench --only cluster"
    assert "cluster" in written["load_average"]
    text = (tmp_path / "reports" / "bench.md").read_text()
    assert "## 3c. Cluster" in text and "## 1. Turn latency" in text
    assert not list((tmp_path / "reports").glob("*.png"))  # the plots are left as they were


def test_only_cluster_fails_on_a_lost_message_or_a_crash(tmp_path, monkeypatch):
    (tmp_path / "reports").mkdir()
    (tmp_path / "reports" / "bench.json").write_text(json.dumps(_results()))
    assert _bench(tmp_path, monkeypatch, cluster_section(lost=1)).run_only("cluster") == 1
    assert json.loads((tmp_path / "reports" / "bench.json").read_text())["failures"] == [
        "cluster: 1 shopper message(s) not stored"]

    def crash(work, tau, quick, say):
        raise RuntimeError("ports already in use: [5800]")

    bench = _bench(tmp_path, monkeypatch, {})
    monkeypatch.setattr(cluster_module, "run_cluster", crash)
    assert bench.run_only("cluster") == 1
    written = json.loads((tmp_path / "reports" / "bench.json").read_text())
    assert written["cluster"] == {"error": "RuntimeError: ports already in use: [5800]"}
    assert "**failed**: RuntimeError: ports already in use" in (tmp_path / "reports" / "bench.md").read_text()
