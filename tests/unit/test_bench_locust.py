"""The bench's load additions: the phrased share per level, the /metrics sampler, the Locust runner's
bounds and parsing, and the Locust scenario itself against an in-test REST server on loopback (no stack)."""
from __future__ import annotations

import importlib.util
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bench.load import LoadTurn, phrasing_summary, run_load, summarise_load
from bench.locust_load import LocustLevel, locust_command, read_locust_stats, read_turns, run_locust, run_time_bound_s
from bench.metrics_probe import MetricsSampler, parse_metrics
from bench.report import render_markdown
from tests.unit.test_bench import _results

POLICY_REPLY = [{"text": "Sure: returns within 30 days."},
                {"custom": {"shopbot": {"kind": "policy", "grounding": "llm"}}}]
FACT_REPLY = [{"text": "It costs $20."}, {"custom": {"shopbot": {"kind": "product_fact", "grounding": "composed"}}},
              {"text": "You might like socks."}, {"custom": {"shopbot": {"kind": "upsell", "grounding": "composed"}}}]


def test_the_phrased_share_counts_only_answers_the_llm_may_phrase():
    turns = [LoadTurn(0, "fact", 0, 0.1, None, (("product_fact", "composed"), ("upsell", "composed"))),
             LoadTurn(0, "policy", 0, 0.1, None, (("policy", "llm"),)),
             LoadTurn(1, "policy", 0, 0.1, None, (("policy", "replaced"),)),
             LoadTurn(1, "thanks", 0, 0.1, None)]
    assert phrasing_summary(turns) == {"llm": 1, "replaced": 1, "composed": 1, "answers": 3, "phrased_share": 0.333,
                                       "llm_ran_share": 0.667}
    assert phrasing_summary([])["phrased_share"] is None


def test_the_load_generator_keeps_each_replys_groundings():
    def send(sender, message):
        return POLICY_REPLY if "policy" in message else FACT_REPLY

    turns, wall, peak = run_load([[("fact", "price?"), ("policy", "policy?")]], send, 1, 1)
    summary = summarise_load(turns, wall, 1, peak)
    assert summary["phrasing"]["llm"] == 1 and summary["phrasing"]["composed"] == 1


METRICS_BEFORE = """# TYPE shopbot_replies_total counter
shopbot_replies_total{task="policy",grounding="llm",reason="phrased"} 5.0
shopbot_llm_queue_depth 0.0
"""
METRICS_DURING = """# TYPE shopbot_replies_total counter
shopbot_replies_total{task="policy",grounding="llm",reason="phrased"} 7.0
shopbot_replies_total{task="upsell",grounding="composed",reason="over_budget"} 3.0
shopbot_llm_queue_depth 4.0
"""


def test_the_sampler_reports_queue_depth_and_the_replies_of_the_level():
    pages = iter([METRICS_BEFORE, METRICS_DURING])
    last = {"page": METRICS_BEFORE}

    def scrape():
        last["page"] = next(pages, last["page"])
        return parse_metrics(last["page"])

    with MetricsSampler(scrape, every_s=3600) as sampler:  # no periodic scrape: only the first and the last
        pass
    summary = sampler.summary()
    assert summary["queue_depth_max"] == 4.0 and summary["samples"] == 2
    assert summary["replies_by_reason"] == {"over_budget": 3, "phrased": 2}
    assert summary["replies_by_grounding"] == {"composed": 3, "llm": 2}


def test_a_failing_scrape_is_counted_not_raised():
    def scrape():
        raise OSError("refused")

    with MetricsSampler(scrape, every_s=3600) as sampler:
        pass
    assert sampler.summary()["scrape_failures"] == 2 and sampler.summary()["queue_depth_max"] is None


@pytest.mark.parametrize("host", ["http://10.0.0.5:5005", "http://shop.example.com", "http://0.0.0.0:5005"])
def test_locust_only_loads_this_machine(tmp_path, host):
    with pytest.raises(ValueError):
        locust_command(host, LocustLevel(5, 0.0), 60, tmp_path / "x")


def test_locust_runs_headless_and_bounded(tmp_path):
    cmd = locust_command("http://127.0.0.1:5305", LocustLevel(200, 5.0), 400, tmp_path / "x")
    assert "--headless" in cmd and cmd[cmd.index("--users") + 1] == "200"
    assert cmd[cmd.index("--run-time") + 1] == "400s" and cmd[cmd.index("--spawn-rate") + 1] == "40"
    # the bound covers every turn timing out plus think times and the ramp
    assert run_time_bound_s(4, 5.0, 180, 200) >= 4 * 185 + 5


def test_turn_lines_and_locust_stats_are_read_back(tmp_path):
    lines = [{"shopper": 0, "step": "fact", "started": 1000.5, "latency_s": 0.5, "error": None,
              "groundings": [["product_fact", "composed"]]},
             {"shopper": 1, "step": "greeting", "started": 1000.0, "latency_s": 0.1, "error": "timeout",
              "groundings": []}]
    (tmp_path / "turns.jsonl").write_text("".join(json.dumps(line) + "\n" for line in lines))
    turns, wall = read_turns(tmp_path / "turns.jsonl")
    assert [t.step for t in turns] == ["greeting", "fact"] and wall == pytest.approx(1.0)
    assert turns[1].groundings == (("product_fact", "composed"),) and turns[0].started_s == 0
    (tmp_path / "x.json").write_text(json.dumps([
        {"name": "fact", "num_requests": 10, "num_failures": 1, "response_times": {"120": 5, "130": 4, "900": 1}},
        {"name": "thanks", "num_requests": 0, "num_failures": 0, "response_times": {}}]))
    stats = read_locust_stats(tmp_path / "x")
    assert stats["fact"] == {"requests": 10, "failures": 1, "p50_s": 0.12, "p95_s": 0.9, "p99_s": 0.9}
    assert stats["thanks"]["p95_s"] is None
    assert read_locust_stats(tmp_path / "missing") == {}
    assert read_turns(tmp_path / "missing.jsonl") == ([], 0.0)


def test_the_report_shows_the_phrased_share_and_the_locust_levels():
    results = _results()
    level = summarise_load([LoadTurn(0, "policy", 0, 1.2, None, (("policy", "llm"),)),
                            LoadTurn(1, "policy", 0, 0.3, None, (("policy", "composed"),))], 2.0, 2, 2)
    results["load"]["levels"] = [level | {"conversations": 2, "metrics": {"queue_depth_max": 3.0}}]
    results["locust"] = {"timeout_s": 90, "levels": [level | {
        "label": "200 shoppers, 5 s think time", "unsent_turns": 0,
        "metrics": {"queue_depth_max": 2.0, "replies_by_reason": {"phrased": 1, "over_budget": 1}}}]}
    text = render_markdown(results)
    assert "## 3b. Load with Locust" in text and "200 shoppers, 5 s think time" in text
    assert "50% of 2" in text and "over_budget 1" in text
    results["locust"] = {"error": "RuntimeError: locust exited 1"}
    assert "**failed**: RuntimeError: locust exited 1" in render_markdown(results)


# -- the scenario itself, against a fake REST channel ----------------------------------------------------
class FakeRest:
    def __init__(self):
        self.seen: list[tuple[str, str, str | None]] = []
        lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with lock:
                    outer.seen.append((body["sender"], body["message"], self.headers.get("Authorization")))
                message = body["message"]
                reply = (POLICY_REPLY if "policy" in message else FACT_REPLY if "price" in message
                         else [] if message == "silence" else [{"text": "Hello!"}])
                payload = json.dumps(reply).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def test_the_locust_scenario_plays_every_conversation_in_order_and_ends_itself(tmp_path):
    if importlib.util.find_spec("locust") is None:  # never import it here: it patches the stdlib with gevent
        pytest.skip("locust is not installed")
    rest = FakeRest()
    try:
        scripts = [[("greeting", f"hi {i}"), ("fact", f"price {i}?"), ("policy", f"policy {i}?"),
                    ("thanks", "silence" if i == 2 else "thanks")] for i in range(3)]
        ran = run_locust(rest.url, "tok", scripts, LocustLevel(3, 0.1), timeout_s=30, work_dir=tmp_path)
    finally:
        rest.close()
    assert ran["expected_turns"] == 12 and len(ran["turns"]) == 12
    assert ran["locust_elapsed_s"] < ran["run_time_bound_s"]  # it ended itself when the last conversation did
    by_sender: dict[str, list[str]] = {}
    for sender, message, auth in rest.seen:
        by_sender.setdefault(sender, []).append(message)
        assert auth == "Bearer tok"
    assert sorted(by_sender.values()) == [[f"hi {i}", f"price {i}?", f"policy {i}?", "silence" if i == 2 else "thanks"]
                                          for i in range(3)]
    summary = summarise_load(ran["turns"], ran["wall_s"], 3, 3)
    assert summary["errors_by_kind"]["empty"] == 1 and summary["ok_turns"] == 11
    assert summary["phrasing"]["llm"] == 3 and summary["phrasing"]["composed"] == 3  # 3 policy, 3 upsell answers
    assert ran["locust_stats"]["policy"]["requests"] == 3 and ran["locust_stats"]["thanks"]["failures"] == 1


def test_shoppers_take_the_next_conversation_until_none_is_left(tmp_path):
    if importlib.util.find_spec("locust") is None:
        pytest.skip("locust is not installed")
    rest = FakeRest()
    try:
        scripts = [[("greeting", f"hi {i}"), ("thanks", "thanks")] for i in range(5)]
        level = LocustLevel(2, 0.05, conversations_each=2, think_spread=True)
        ran = run_locust(rest.url, "tok", scripts, level, timeout_s=30, work_dir=tmp_path)
    finally:
        rest.close()
    assert level.label == "2 shoppers, 0.05 s think time (0.5–1.5×), 2 conversations each"
    assert ran["expected_turns"] == 8 and len(ran["turns"]) == 8  # 2 x 2 conversations; the fifth never asked
    by_sender: dict[str, list[str]] = {}
    for sender, message, _auth in rest.seen:
        by_sender.setdefault(sender, []).append(message)
    assert sorted(by_sender.values()) == [[f"hi {i}", "thanks"] for i in range(4)]  # a new sender each
    assert len({t.shopper for t in ran["turns"]}) == 4
