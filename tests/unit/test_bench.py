"""The bench's pure parts: percentiles, reply classification, the synthetic store, the bounded load
generator, LLM run summaries and the report. No stack, no models, no timing assertions."""
from __future__ import annotations

import json
import random
import threading
import time
import urllib.error

import pytest

from bench.catalogue import SERIES, multiply_products, on_path, write_synthetic_store
from bench.llm import Run, summarise_runs
from bench.load import LoadTurn, conversation, run_load, summarise_load
from bench.report import PLOTS, render_markdown, write_plots
from bench.turns import (
    Reply, TurnResult, classify_exception, classify_reply, domain_texts, fact_questions, percentile, run_turn_types,
    summarise_turns, took_path,
)

PRODUCTS = {
    "1000000001": {"name": "T-Shirt", "product_id": "1000000001", "variants": {
        "2000000001": {"item_id": "2000000001", "options": {"color": "blue", "size": "M"}, "available": True,
                       "price": 50.88},
        "2000000002": {"item_id": "2000000002", "options": {"color": "red", "size": "L"}, "available": False,
                       "price": 49.67}}},
    "1000000002": {"name": "Office Chair", "product_id": "1000000002", "variants": {
        "2000000003": {"item_id": "2000000003", "options": {"material": "mesh"}, "available": True, "price": 120.0}}},
}
TECH = "Sorry, something went wrong on my side."


# -- percentiles ---------------------------------------------------------------------------------------
def test_percentile_interpolates_between_ranks():
    values = [5.0, 1.0, 3.0, 2.0, 4.0]
    assert percentile(values, 0.0) == 1.0
    assert percentile(values, 0.5) == 3.0
    assert percentile(values, 1.0) == 5.0
    assert percentile(values, 0.95) == pytest.approx(4.8)
    assert percentile(list(range(1, 101)), 0.99) == pytest.approx(99.01)


def test_percentile_of_nothing_or_one_value():
    assert percentile([], 0.5) is None
    assert percentile([0.7], 0.99) == 0.7


# -- replies: errors and paths -------------------------------------------------------------------------
def test_rest_reply_pairs_text_and_metadata_messages():
    reply = Reply.of([{"recipient_id": "s", "text": "The T-Shirt costs $50.88."},
                      {"recipient_id": "s", "custom": {"shopbot": {"kind": "product_fact", "grounding": "composed"}}},
                      {"recipient_id": "s", "text": "You might also like ..."},
                      {"recipient_id": "s", "custom": {"shopbot": {"kind": "upsell", "grounding": "llm"}}}])
    assert reply.texts == ["The T-Shirt costs $50.88.", "You might also like ..."]
    assert reply.kinds == ["product_fact", "upsell"] and reply.groundings == ["composed", "llm"]


def test_error_classification():
    assert classify_reply(Reply(texts=["hello"])) is None
    assert classify_reply(Reply()) == "empty"
    assert classify_reply(Reply(texts=["  "])) == "empty"
    assert classify_reply(Reply(texts=["x"], kinds=["technical_problem"], groundings=["composed"])) == "technical_problem"
    assert classify_reply(Reply(texts=[TECH]), frozenset({TECH})) == "technical_problem"
    assert classify_exception(TimeoutError()) == "timeout"
    assert classify_exception(urllib.error.URLError(TimeoutError("timed out"))) == "timeout"
    assert classify_exception(urllib.error.URLError(ConnectionRefusedError())) == "http_error"
    assert classify_exception(urllib.error.HTTPError("u", 500, "boom", {}, None)) == "http_error"


def test_the_domain_knows_the_technical_problem_apology():
    fixed, technical = domain_texts()
    assert technical and technical <= fixed
    assert any("You're welcome" in t for t in fixed)


def test_paths_per_turn_type():
    fixed = frozenset({"Hi! I'm the shop's assistant."})
    assert took_path("intent", Reply(texts=["Hi! I'm the shop's assistant."]), fixed)
    assert not took_path("intent", Reply(texts=["Hi!"], kinds=["policy"], groundings=["llm"]), fixed)
    assert took_path("fact", Reply(["x", "y"], ["product_fact", "upsell"], ["composed", "llm"]), fixed)
    assert not took_path("fact", Reply(["x"], ["clarify_variant"], ["composed"]), fixed)
    assert not took_path("fact", Reply(["x"], ["product_fact"], ["llm"]), fixed)
    assert took_path("llm", Reply(["x"], ["policy"], ["replaced"]), fixed)
    assert not took_path("llm", Reply(["x"], ["policy"], ["composed"]), fixed)
    assert not took_path("llm", Reply(["x"], ["unknown"], ["composed"]), fixed)


def test_fact_questions_name_one_exact_variant():
    questions = fact_questions(PRODUCTS, random.Random(1), 20)
    assert len(questions) == 20
    for question in (q.lower() for q in questions):
        if "t-shirt" in question:
            assert ("blue m t-shirt" in question) or ("red l t-shirt" in question)
        else:
            assert "mesh office chair" in question
    # Two variants with the same option values can't be told apart by a shopper: never asked about.
    twins = {"9": {"name": "Mug", "product_id": "9", "variants": {
        "1": {"item_id": "1", "options": {"color": "red"}, "available": True, "price": 5.0},
        "2": {"item_id": "2", "options": {"color": "red"}, "available": True, "price": 6.0},
        "3": {"item_id": "3", "options": {"color": "blue"}, "available": True, "price": 7.0}}}}
    assert all("blue mug" in q for q in fact_questions(twins, random.Random(2), 10))


def test_a_second_fact_turn_is_timed_after_an_untimed_first_on_the_same_sender():
    sent = []

    def send(sender, message):
        sent.append((sender, message))
        first = sum(1 for s, _ in sent if s == sender) == 1
        kinds = ["product_fact", "upsell"] if first else ["product_fact"]
        return [{"text": "t", "custom": {"shopbot": {"kind": k, "grounding": "composed"}}} for k in kinds]

    messages = {"fact": ["f1", "f2"], "fact_again": ["again1"]}
    results = run_turn_types(send, messages, frozenset(), frozenset())
    timed = [(r.turn_type, r.message) for r in results]
    assert timed == [("fact", "f1"), ("fact_again", "again1"), ("fact", "f2")]
    again_sender = next(s for s, m in sent if m == "again1")
    assert [m for s, m in sent if s == again_sender] == ["f2", "again1"]  # primed with an untimed fact question
    again = next(r for r in results if r.turn_type == "fact_again")
    assert again.on_path and again.reply.kinds == ["product_fact"]
    assert not took_path("fact_again", Reply(["x", "y"], ["product_fact", "upsell"], ["composed", "llm"]), frozenset())


def test_turn_summary_counts_paths_and_upsells():
    fact_ok = Reply(["a", "b"], ["product_fact", "upsell"], ["composed", "llm"])
    results = [TurnResult("fact", "q1", 0.5, None, fact_ok, True),
               TurnResult("fact", "q2", 0.1, None, Reply(["a"], ["product_fact"], ["composed"]), True),
               TurnResult("fact", "q3", 0.2, None, Reply(["a"], ["clarify_variant"], ["composed"]), False),
               TurnResult("fact", "q4", 9.0, "timeout", Reply(), False),
               TurnResult("intent", "hi", 0.02, None, Reply(["Hi"]), True)]
    summary = summarise_turns(results)
    fact = summary["fact"]
    assert (fact["turns"], fact["errors"], fact["on_path"], fact["n"]) == (4, 1, 2, 2)
    assert fact["with_upsell"]["n"] == 1 and fact["with_llm_upsell"] == 1 and fact["without_upsell"]["n"] == 1
    assert fact["p50_s"] == pytest.approx(0.3)
    assert [e["message"] for e in fact["off_path_examples"]] == ["q3", "q4"]
    assert summary["llm"]["turns"] == 0 and summary["intent"]["on_path_share"] == 1.0


# -- the synthetic ×10 store ---------------------------------------------------------------------------
def test_multiplied_store_has_ten_copies_with_unique_ids_and_names():
    big = multiply_products(PRODUCTS, 10)
    assert len(big) == 10 * len(PRODUCTS)
    assert all(pid == p["product_id"] for pid, p in big.items())
    names = [p["name"] for p in big.values()]
    assert len(set(names)) == len(names)
    item_ids = [iid for p in big.values() for iid in p["variants"]]
    assert len(set(item_ids)) == len(item_ids) == 10 * 3
    original_ids = set(PRODUCTS) | {iid for p in PRODUCTS.values() for iid in p["variants"]}
    assert not original_ids & (set(big) | set(item_ids))
    assert all(len(i) == 10 and i.isdigit() for i in [*big, *item_ids])
    for product in big.values():
        series, base = product["name"].split(" ", 1)
        assert series in SERIES
        source = next(p for p in PRODUCTS.values() if p["name"] == base)
        assert sorted((v["price"], v["available"], tuple(v["options"].items())) for v in product["variants"].values()) \
            == sorted((v["price"], v["available"], tuple(v["options"].items())) for v in source["variants"].values())
        assert all(iid == v["item_id"] for iid, v in product["variants"].items())


def test_multiplying_refuses_more_copies_than_series_words_and_clashing_words():
    with pytest.raises(ValueError):
        multiply_products(PRODUCTS, len(SERIES) + 1)
    clashing = {"1": {"name": "Alpine Tent", "product_id": "1", "variants": {}}}
    with pytest.raises(ValueError):
        multiply_products(clashing, 2)


def test_synthetic_store_directory(tmp_path):
    source = tmp_path / "tau"
    source.mkdir()
    (source / "products.json").write_text(json.dumps(PRODUCTS))
    (source / "wiki.md").write_text("# Policy\n\nReturns within 30 days.\n")
    (source / "orders.json").write_text("{}")
    target = write_synthetic_store(source, tmp_path / "x10")
    assert len(json.loads((target / "products.json").read_text())) == 20
    assert (target / "wiki.md").read_text() == (source / "wiki.md").read_text()
    assert not (target / "orders.json").exists()


def test_in_process_calls_count_only_on_their_route():
    assert on_path("fact_answer", "product_fact:composed")
    assert not on_path("fact_answer", "clarify_variant:composed")
    assert on_path("retrieval_only", "hits")
    assert on_path("policy_answer", "policy:llm") and on_path("policy_answer", "policy:replaced")
    assert not on_path("policy_answer", "unknown:composed")
    assert on_path("fallback_answer", "product_product:llm")
    assert not on_path("fallback_answer", "unknown:composed")


# -- the load generator --------------------------------------------------------------------------------
def test_load_never_exceeds_its_in_flight_cap_and_records_every_turn():
    lock = threading.Lock()
    state = {"now": 0, "max": 0}

    def send(sender: str, message: str) -> list[dict]:
        with lock:
            state["now"] += 1
            state["max"] = max(state["max"], state["now"])
        time.sleep(0.005)
        with lock:
            state["now"] -= 1
        return [{"text": f"echo {message}"}]

    rng = random.Random(0)
    scripts = [conversation("how much is the blue M t-shirt?", "what is your return policy?", rng) for _ in range(12)]
    turns, wall, peak = run_load(scripts, send, shoppers=8, max_in_flight=3)
    assert state["max"] <= 3 and peak <= 3 and peak == state["max"]
    assert len(turns) == 12 * 4 and all(t.error is None for t in turns)
    assert {t.step for t in turns} == {"greeting", "fact", "policy", "thanks"}
    assert wall > 0


def test_load_turns_keep_one_sender_per_shopper_in_order():
    seen: dict[str, list[str]] = {}
    lock = threading.Lock()

    def send(sender: str, message: str) -> list[dict]:
        with lock:
            seen.setdefault(sender, []).append(message)
        return [{"text": "ok"}]

    scripts = [[("a", f"{i}-1"), ("b", f"{i}-2")] for i in range(5)]
    run_load(scripts, send, shoppers=5, max_in_flight=2)
    assert len(seen) == 5
    assert sorted(seen.values()) == [[f"{i}-1", f"{i}-2"] for i in range(5)]


def test_load_errors_are_counted_not_raised():
    def send(sender: str, message: str) -> list[dict]:
        if message == "timeout":
            raise TimeoutError
        if message == "boom":
            raise urllib.error.HTTPError("u", 500, "boom", {}, None)
        if message == "empty":
            return []
        if message == "sorry":
            return [{"text": TECH}, {"custom": {"shopbot": {"kind": "technical_problem", "grounding": "composed"}}}]
        return [{"text": "fine"}]

    scripts = [[("s", m)] for m in ("timeout", "boom", "empty", "sorry", "ok", "ok")]
    turns, wall, peak = run_load(scripts, send, shoppers=3, max_in_flight=2, technical=frozenset({TECH}))
    summary = summarise_load(turns, wall, 3, peak)
    assert summary["turns"] == 6 and summary["ok_turns"] == 2 and summary["errors"] == 4
    assert summary["errors_by_kind"] == {"http_error": 1, "timeout": 1, "empty": 1, "technical_problem": 1}


def test_load_summary_throughput_counts_answered_turns_only():
    turns = [LoadTurn(0, "fact", 0.0, 1.0, None), LoadTurn(0, "policy", 1.0, 2.0, None),
             LoadTurn(1, "fact", 0.0, 5.0, "timeout")]
    summary = summarise_load(turns, wall_s=4.0, shoppers=2, peak_in_flight=2)
    assert summary["throughput_tps"] == 0.5
    assert summary["p50_s"] == 1.5 and summary["n"] == 2
    assert summary["by_step"]["fact"]["n"] == 1


# -- LLM runs ------------------------------------------------------------------------------------------
def test_llm_summary_medians_and_ratios():
    runs = [Run("pipeline", "stream", 1.0, 0.2, 0.9, 15, 15, "x"), Run("pipeline", "stream", 1.2, 0.4, 1.1, 15, 15, "x"),
            Run("raw", "stream", 0.8, 0.1, 0.8, 15, 15, "x"), Run("raw", "stream", 1.0, 0.3, 1.0, 15, 15, "x"),
            Run("pipeline", "grammar", 0.5, None, None, 10, 0, "{}"), Run("raw", "grammar", 0.4, None, None, 10, 0, "{}")]
    summary = summarise_runs(runs)
    assert summary["stream"]["pipeline"]["median_ttft_s"] == pytest.approx(0.3)
    assert summary["stream"]["raw"]["median_ttft_s"] == pytest.approx(0.2)
    assert summary["stream"]["ratio_pipeline_over_raw"]["median_ttft_s"] == pytest.approx(1.5)
    assert summary["stream"]["pipeline"]["median_decode_tps"] == pytest.approx(20.0)  # 14 tokens in 0.7 s
    assert summary["grammar"]["ratio_pipeline_over_raw"]["median_total_s"] == pytest.approx(1.25)
    assert Run("raw", "stream", 1.0, 0.5, 0.5, 1, 1, "x").decode_tps is None


# -- the report ----------------------------------------------------------------------------------------
def _results() -> dict:
    turns = summarise_turns([TurnResult("intent", "hi", 0.02, None, Reply(["Hi"]), True),
                             TurnResult("fact", "q", 0.6, None, Reply(["a", "b"], ["product_fact", "upsell"],
                                                                      ["composed", "llm"]), True),
                             TurnResult("llm", "p", 1.5, None, Reply(["a"], ["policy"], ["llm"]), True)])
    level = summarise_load([LoadTurn(0, "fact", 0, 0.5, None)], 1.0, 1, 1) | {"conversations": 1}
    llm = summarise_runs([Run("pipeline", "stream", 1.0, 0.2, 0.9, 15, 15, "x"), Run("raw", "stream", 0.9, 0.2, 0.8, 15, 15, "x"),
                          Run("pipeline", "grammar", 0.5, None, None, 10, 0, "{}"), Run("raw", "grammar", 0.5, None, None, 10, 0, "{}")])
    llm["params"] = {"model_file": "m.gguf", "n_ctx": 2048, "n_threads": 1, "n_threads_batch": 2, "n_gpu_layers": 0,
                     "seed": 7, "temperature": 0.1, "max_tokens": 96, "reps": 1, "token_counting": "re-tokenized"}
    llm["prompts"] = [{"question": "what is your return policy?", "n_facts": 3, "facts": [], "prompt_tokens": 400}]
    store = {"products": 50, "variants": 591, "chunks": 61, "ingest_s": 4.0,
             **{k: {"n": 1, "calls": 1, "p50_s": 0.1, "p95_s": 0.2, "kinds": {"policy:llm": 1}} for k in
                ("fact_answer", "retrieval_only", "policy_answer", "fallback_answer")}}
    return {
        "meta": {"quick": True, "command": "python -m bench --quick", "date": "2026-01-01 00:00", "duration_s": 200.0,
                 "machine": {"cpu_model": "Test CPU", "cores": 2, "ram_gb": 8.0, "python": "3.11", "kernel": "6"},
                 "model_file": "m.gguf", "llama_cpp_python": "0.3", "threads": {"n_threads": 1, "n_threads_batch": 2},
                 "n_ctx": 2048, "temperature": 0.1, "max_tokens": 96, "llm_mode": "select", "store": "/tau",
                 "store_products": 50, "store_variants": 591, "ports": {"rasa": 1, "actions": 2, "web": 3}},
        "failures": [], "load_average": {"scaling": 1.5},
        "build": {"setup": {"skipped": "skipped in quick mode"}, "train": {"skipped": "skipped in quick mode"}},
        "turns": turns, "llm": llm,
        "load": {"levels": [level], "max_in_flight": 64, "timeout_s": 90, "shoppers_note": "1 conversation"},
        "stack": {"ready_s": {"actions": 40.0, "rasa": 70.0}, "ingest_s": 5.0, "seed_s": 0.2,
                  "peak_memory": {"rasa": {"pid": 1, "vmhwm_mb": 1200.0, "children_vmhwm_mb": []},
                                  "actions": {"pid": 2, "vmhwm_mb": 800.0, "children_vmhwm_mb": []}}},
        "bench_process_vmhwm_mb": 1000.0,
        "scaling": {"stores": {"x1": store, "x10": {**store, "products": 500}}, "work_dir": "var/bench/quick",
                    "reps": 3},
        "gpu": {"llama_supports_gpu_offload": False, "llama_cpp_python": "0.3", "nvidia_smi_found": False},
    }


def test_report_has_every_section_and_links_its_plots(tmp_path):
    results = _results()
    text = render_markdown(results)
    for heading in ("## 1. Turn latency", "## 2. LLM inside the pipeline", "## 3. Load", "## 4. Peak memory",
                    "## 5. Setup from nothing", "## 6. Scaling", "## 7. GPU offload"):
        assert heading in text
    assert "Test CPU, 2 cores" in text and "**Quick**" in text
    assert "skipped in quick mode" in text
    assert "no GPU run was measured" in text and 'CMAKE_ARGS="-DGGML_CUDA=on" make setup' in text
    assert "SHOPBOT_LLM_N_GPU_LAYERS=-1" in text
    assert "| 1200.0 |" in text
    written = write_plots(results, tmp_path)
    assert sorted(written) == sorted(PLOTS.values())
    for name in written:
        assert f"]({name})" in text
        assert (tmp_path / name).stat().st_size > 1000


def test_report_says_when_a_section_failed():
    results = _results()
    results["llm"] = {"error": "RuntimeError: no model"}
    results["failures"] = ["llm (RuntimeError: no model)"]
    text = render_markdown(results)
    assert "**failed**: RuntimeError: no model" in text
    assert "Sections that failed" in text
