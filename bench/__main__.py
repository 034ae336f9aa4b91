"""`python -m bench --out DIR [--quick] [--skip-setup] [--skip-train] [--only cluster|serving]`: every benchmark in one
run, then DIR/bench.md, DIR/bench.json and the plots. Starts (and always stops) a stack of its own on the tau
store, then the cluster profile (bench/cluster.py). `--only cluster` (or `serving`) runs that section alone and renders
DIR/bench.md again with the other sections' numbers kept from DIR/bench.json.

Exits non-zero only on real breakage (a section crashed, the stack did not come up, every turn of a
type failed); never because of a timing.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import signal
import sys
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_TAU_STORE = ROOT.parent / "shared" / "datasets" / "tau_retail"


@dataclass(frozen=True)
class Plan:
    turns_per_type: int
    llm_reps: int
    scaling_reps: int
    load_levels: tuple[tuple[int, int], ...]  # (concurrent shoppers, conversations)
    timeout_s: float
    max_in_flight: int = 64
    # Locust (bench/locustfile.py): (shoppers, think time between one shopper's messages in s; 0 = closed loop)
    locust_levels: tuple[tuple[int, float], ...] = ()
    serving_calls: int = 0  # select-mode calls per model-serving configuration (bench/serving.py)


QUICK = Plan(turns_per_type=4, llm_reps=3, scaling_reps=3, load_levels=((1, 1), (5, 5)), timeout_s=90,
             locust_levels=((3, 0.0), (5, 0.5)), serving_calls=4)
FULL = Plan(turns_per_type=40, llm_reps=10, scaling_reps=15, load_levels=((1, 10), (10, 20), (50, 50)),
            timeout_s=180, locust_levels=((50, 0.0), (200, 5.0)), serving_calls=24)


class Bench:
    def __init__(self, args: argparse.Namespace, argv: list[str]):
        self.args = args
        self.plan = QUICK if args.quick else FULL
        self.started = time.perf_counter()
        self.tau = Path(os.environ.get("SHOPBOT_TAU_STORE", DEFAULT_TAU_STORE)).resolve()
        self.out = args.out.resolve()
        # Quick and full runs keep separate scratch folders, so a smoke run never wipes a full one's.
        self.work = ROOT / "var" / "bench" / ("quick" if args.quick else "full")
        self.results: dict = {"failures": []}
        self.command = "python -m bench " + " ".join(argv)

    def say(self, text: str) -> None:
        print(f"[bench {time.perf_counter() - self.started:6.0f} s] {text}", file=sys.stderr, flush=True)

    def section(self, name: str, run: Callable[[], dict]) -> dict:
        """Runs one part; a crash is recorded in the report (and fails the run) instead of ending it."""
        self.say(f"{name} ...")
        self.results.setdefault("load_average", {})[name] = round(os.getloadavg()[0], 2)
        try:
            self.results[name] = run()
        except Exception as error:
            traceback.print_exc()
            self.results[name] = {"error": f"{type(error).__name__}: {error}"}
            self.results["failures"].append(f"{name} ({type(error).__name__}: {error})"[:400])
        return self.results[name]

    # -- the parts -----------------------------------------------------------------------------------
    def build_times(self) -> dict:
        from bench.build_times import time_setup, time_train

        out: dict = {}
        if self.args.quick:
            out["setup"] = {"skipped": "skipped in quick mode"}
            out["train"] = {"skipped": "skipped in quick mode"}
            return out
        if self.args.skip_setup:
            out["setup"] = {"skipped": "skipped (--skip-setup)"}
        else:
            self.say("setup from nothing: scripts/setup.sh in a temporary folder (about 10 min) ...")
            out["setup"] = time_setup(self.work)
        if self.args.skip_train:
            out["train"] = {"skipped": "skipped (--skip-train)"}
        else:
            self.say("rasa train --force (about 3 min) ...")
            out["train"] = time_train(self.work)
        broken = [k for k in ("setup", "train") if "error" in out[k]]
        if broken:
            raise RuntimeError(f"{', '.join(broken)} failed; see {self.work}")
        return out

    def in_process(self) -> None:
        """Catalogue scaling (builds the ×1 container) and the pipeline/raw LLM comparison with its LLM."""
        from bench.catalogue import scaling
        from bench.llm import compare, policy_prompts

        holder: dict = {}

        def run_scaling() -> dict:
            out, container = scaling(self.tau, self.work, self.plan.scaling_reps, self.work)
            holder["container"] = container
            out.update(work_dir=str(self.work.relative_to(ROOT)), reps=self.plan.scaling_reps)
            return out

        def run_llm() -> dict:
            container = holder["container"]
            if container.llm is None:
                raise RuntimeError("the LLM is disabled or failed its self-test (see the log above)")
            return compare(container.llm, policy_prompts(container), container.settings.llm_max_tokens,
                           self.plan.llm_reps)

        def run_serving() -> dict:
            from bench.serving import measure

            container = holder["container"]
            return measure(container, policy_prompts(container), self.plan.serving_calls, self.work / "serving")

        self.work.mkdir(parents=True, exist_ok=True)
        self.section("scaling", run_scaling)
        if "container" in holder:
            self.section("llm", run_llm)
            if self.plan.serving_calls and holder["container"].llm:
                self.section("serving", run_serving)
            if holder["container"].llm:
                holder["container"].llm.close()  # the stack's servers load their own
        else:
            self.results["llm"] = {"error": "needs the ×1 container from the scaling section"}
            self.results["failures"].append("llm (no container)")

    def served(self) -> None:
        """Starts the stack, then per-type turns and load over REST, then reads peak memory."""
        from bench.load import conversation, run_load, summarise_load
        from bench.metrics_probe import MetricsSampler, scraper
        from bench.stack import ACTIONS_PORT, RASA_PORT, WEB_PORT, Stack
        from bench.turns import domain_texts, fact_questions, rest_send, run_turn_types, summarise_turns, turn_messages

        import random

        products = json.loads((self.tau / "products.json").read_text())
        fixed, technical = domain_texts()
        self.results["meta"]["ports"] = {"rasa": RASA_PORT, "actions": ACTIONS_PORT, "web": WEB_PORT}
        # The stack reads the ×1 index the scaling part just built (ingest then only checks it).
        stack = Stack(self.work / "stack", self.tau, index_dir=self.work / "index-x1")
        self.say("starting the stack (action server, Rasa, web app) ...")
        self.results.setdefault("load_average", {})["stack start"] = round(os.getloadavg()[0], 2)
        try:
            with stack:
                self.results["stack"] = {"ready_s": stack.ready_times(), "ingest_s": round(stack.ingest_s, 2),
                                         "seed_s": round(stack.seed_s, 3), "logs": str(stack.workdir)}
                self.say(f"stack up: {stack.ready_times()}")
                send = rest_send(stack.rest_url, self.plan.timeout_s, stack.token)

                def run_turns() -> dict:
                    warm = turn_messages(products, 1, seed=99)
                    run_turn_types(send, warm, fixed, technical)  # untimed: first parse, first LLM call
                    results = run_turn_types(send, turn_messages(products, self.plan.turns_per_type), fixed, technical)
                    return summarise_turns(results)

                def scripts_for(rng: random.Random, conversations: int) -> list[list[tuple[str, str]]]:
                    from bench.turns import POLICY_QUESTIONS

                    facts = fact_questions(products, rng, conversations)
                    return [conversation(facts[i], POLICY_QUESTIONS[rng.randrange(len(POLICY_QUESTIONS))], rng)
                            for i in range(conversations)]

                scrape = scraper(f"http://127.0.0.1:{ACTIONS_PORT}/metrics", stack.token)

                def run_levels() -> dict:
                    rng = random.Random(11)
                    levels = []
                    for shoppers, conversations in self.plan.load_levels:
                        scripts = scripts_for(rng, conversations)
                        self.say(f"load: {shoppers} shopper(s), {conversations} conversation(s) ...")
                        with MetricsSampler(scrape) as sampler:
                            turns, wall, peak = run_load(scripts, send, shoppers, self.plan.max_in_flight, technical,
                                                         label=f"load{shoppers}")
                        level = summarise_load(turns, wall, shoppers, peak)
                        level.update(conversations=conversations, metrics=sampler.summary())
                        levels.append(level)
                    note = ", ".join(f"{c} conversation(s) with {s} at a time" for s, c in self.plan.load_levels)
                    return {"levels": levels, "max_in_flight": self.plan.max_in_flight,
                            "timeout_s": self.plan.timeout_s, "shoppers_note": note}

                def run_locust_levels() -> dict:
                    from bench.locust_load import LocustLevel, run_locust

                    rng = random.Random(23)
                    levels = []
                    for shoppers, think_s in self.plan.locust_levels:
                        level = LocustLevel(shoppers, think_s)
                        self.say(f"locust: {level.label} ...")
                        with MetricsSampler(scrape) as sampler:
                            ran = run_locust(f"http://127.0.0.1:{RASA_PORT}", stack.token, scripts_for(rng, shoppers),
                                             level, self.plan.timeout_s, self.work / "locust", technical)
                        summary = summarise_load(ran["turns"], ran["wall_s"], shoppers, shoppers)
                        summary.update(think_s=think_s, label=level.label, conversations=shoppers,
                                       expected_turns=ran["expected_turns"], locust_stats=ran["locust_stats"],
                                       locust_exit=ran["locust_exit"], run_time_bound_s=ran["run_time_bound_s"],
                                       metrics=sampler.summary())
                        # a turn Locust never sent (the run hit its time bound) is lost work: count it as an error
                        summary["unsent_turns"] = max(0, ran["expected_turns"] - summary["turns"])
                        levels.append(summary)
                    return {"levels": levels, "timeout_s": self.plan.timeout_s}

                self.section("turns", run_turns)
                self.section("load", run_levels)
                if self.plan.locust_levels:
                    self.section("locust", run_locust_levels)
                self.results["stack"]["peak_memory"] = stack.peak_memory()
                crashed = "Traceback" in stack.log_text("actions")
                self.results["stack"]["action_server_traceback"] = crashed
        except Exception as error:  # the stack did not come up: real breakage
            traceback.print_exc()
            self.results["stack"] = {"error": f"{type(error).__name__}: {error}"[:3000]}
            self.results["failures"].append(f"stack ({type(error).__name__})")
            for name in ("turns", "load", "locust"):
                self.results.setdefault(name, {"error": "the stack did not come up"})

    def cluster(self) -> dict:
        """The cluster profile: the throughput ceiling, then Rasa and an action server killed under load."""
        from bench.cluster import run_cluster

        load = round(os.getloadavg()[0], 2)
        out = run_cluster(self.work, self.tau, self.args.quick, self.say)
        out.update(command=self.command, date=dt.datetime.now().strftime("%Y-%m-%d %H:%M"), load_average=load)
        return out

    def run_cluster_section(self) -> list[str]:
        """The section and what it found broken (a message lost or never answered); the new failures."""
        from bench.cluster import failures_of

        before = len(self.results["failures"])
        section = self.section("cluster", self.cluster)
        self.results["failures"] += failures_of(section)
        return self.results["failures"][before:]

    def run_serving_section(self) -> list[str]:
        """`--only serving`: the model backends side by side, with a container of the tau store of its own."""
        from bench.llm import policy_prompts
        from bench.serving import measure
        from bot.container import Container
        from bot.knowledge.ingest import ingest
        from bot.settings import Settings

        settings = Settings(store_dir=self.tau, index_dir=self.work / "serving-index",
                            database_url=f"sqlite:///{self.work / 'serving.db'}")
        container = Container(settings)
        ingest(settings, embeddings=container.embeddings, progress=False)
        before = len(self.results["failures"])
        try:
            self.section("serving", lambda: measure(container, policy_prompts(container), self.plan.serving_calls,
                                                    self.work / "serving"))
        finally:
            if container.llm:
                container.llm.close()
        return self.results["failures"][before:]

    def run_only(self, name: str) -> int:
        """`--only cluster|serving`: that section alone, into the existing DIR/bench.json (or a new one); bench.md
        is rendered again, the plots are left as they are."""
        from bench.machine import gpu_info
        from bench.report import render_markdown

        saved = self.out / "bench.json"
        self.out.mkdir(parents=True, exist_ok=True)
        self.work.mkdir(parents=True, exist_ok=True)
        if saved.exists():
            self.results = json.loads(saved.read_text())
            self.results["failures"] = [f for f in self.results.get("failures", []) if not f.startswith(name)]
        else:
            self.results["meta"] = self.meta()
            self.results["gpu"] = gpu_info()
        new_failures = self.run_cluster_section() if name == "cluster" else self.run_serving_section()
        self.results["meta"].setdefault("duration_s", round(time.perf_counter() - self.started, 1))
        saved.write_text(json.dumps(self.results, indent=2, default=str))
        (self.out / "bench.md").write_text(render_markdown(self.results))
        self.say(f"wrote the {name} section into {self.out / 'bench.md'} and bench.json")
        if new_failures:
            self.say("FAILED: " + "; ".join(new_failures))
            return 1
        return 0

    # -- the whole run -------------------------------------------------------------------------------
    def meta(self) -> dict:
        import llama_cpp

        from bench.machine import machine_info
        from bot.adapters.llama_cpp_model import LlamaCppChatModel
        from bot.settings import Settings

        s = Settings()
        model = LlamaCppChatModel(s.llm_model_path, s.llm_n_ctx, s.llm_n_threads, s.llm_n_gpu_layers,
                                  s.llm_temperature)  # not loaded: only its resolved file and threads
        products = json.loads((self.tau / "products.json").read_text())
        return {"quick": self.args.quick, "command": self.command, "date": dt.datetime.now().strftime("%Y-%m-%d %H:%M"),
                "machine": machine_info(), "model_file": Path(model.model_path).name,
                "threads": {"n_threads": model.threads[0], "n_threads_batch": model.threads[1]},
                "n_ctx": s.llm_n_ctx, "temperature": s.llm_temperature, "max_tokens": s.llm_max_tokens,
                "llm_mode": s.llm_mode, "turn_budget_s": s.turn_budget_s, "llm_url": s.llm_url,
                "llm_parallel": s.llm_parallel, "llama_cpp_python": llama_cpp.__version__, "store": str(self.tau),
                "store_products": len(products),
                "store_variants": sum(len(p["variants"]) for p in products.values()),
                "ports": {}, "plan": self.plan.__dict__}

    def run(self) -> int:
        from bench.machine import gpu_info
        from bench.report import render_markdown, write_plots
        from bench.stack import peak_rss_mb

        if not (self.tau / "products.json").exists():
            print(f"bench: tau-bench retail store not found at {self.tau} (set SHOPBOT_TAU_STORE)", file=sys.stderr)
            return 2
        if self.args.only:
            return self.run_only(self.args.only)
        self.out.mkdir(parents=True, exist_ok=True)
        self.work.mkdir(parents=True, exist_ok=True)
        self.results["meta"] = self.meta()
        self.results["gpu"] = gpu_info()
        self.section("build", self.build_times)
        self.in_process()
        self.served()
        self.results["bench_process_vmhwm_mb"] = peak_rss_mb()  # before the cluster: its own clients add threads
        self.run_cluster_section()  # after the stack has stopped: the cluster needs the cores to itself
        turns = self.results.get("turns", {})
        dead = [t for t, s in turns.items() if isinstance(s, dict) and s.get("turns") and s["errors"] == s["turns"]]
        if dead:
            self.results["failures"].append(f"every turn failed for: {', '.join(dead)}")
        self.results["meta"]["duration_s"] = round(time.perf_counter() - self.started, 1)
        (self.out / "bench.json").write_text(json.dumps(self.results, indent=2, default=str))
        try:
            plots = write_plots(self.results, self.out)
        except Exception:  # a plot must not hide the numbers
            traceback.print_exc()
            plots = []
            self.results["failures"].append("plots")
        (self.out / "bench.md").write_text(render_markdown(self.results))
        self.say(f"wrote {self.out / 'bench.md'}, bench.json, {', '.join(plots) or 'no plots'}")
        if self.results["failures"]:
            self.say("FAILED: " + "; ".join(self.results["failures"]))
            return 1
        return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "reports", help="where bench.md, bench.json and plots go")
    parser.add_argument("--quick", action="store_true", help="a few turns of everything (make bench-smoke)")
    parser.add_argument("--skip-setup", action="store_true", help="don't time setup from nothing (full mode)")
    parser.add_argument("--skip-train", action="store_true", help="don't time rasa train (full mode)")
    parser.add_argument("--only", choices=["cluster", "serving"],
                        help="run only this section; the others' numbers are kept from DIR/bench.json")
    args = parser.parse_args(argv)
    # A plain `kill` must still stop the servers the bench started: turn SIGTERM into SystemExit,
    # which unwinds through the stack's context manager.
    signal.signal(signal.SIGTERM, _exit_on_signal)
    return Bench(args, argv).run()


def _exit_on_signal(signum: int, _frame) -> None:
    raise SystemExit(128 + signum)


if __name__ == "__main__":
    sys.exit(main())
