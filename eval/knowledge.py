"""Retrieval and grounded-answer evaluation for one or more stores (action-server venv).

    python -m eval.knowledge --store knowledge/demo_store --store ../shared/datasets/tau_retail \
        --out reports [--heldout knowledge/leaf_and_kettle] [--limit N] [--modes select,free,off]

Ingests each store into its own index (only changed chunks are embedded), builds the question set
(eval/questions.py), scores retrieval, then answers every question through the real services with the
LLM in each phrasing mode (`off`: the ranked facts without the LLM). A `--heldout` store is scored the
same way and reported apart: nothing was tuned on it. Writes <out>/parts/knowledge.json for eval/report.py.
"""
from __future__ import annotations

import argparse
import logging
import random
import time
from pathlib import Path

from bot.adapters.store_dir import load_store
from bot.settings import Settings
from eval.parts import write_part
from eval.answers import EvalContainer, answer, summarise
from eval.questions import Question, build_question_set
from eval.retrieval import evaluate

ROUTES = ("fact", "describe", "policy")


def sample(questions: list[Question], limit: int | None, seed: int = 11) -> list[Question]:
    """At most `limit` items (all wordings of each), half products and half policies where possible."""
    if not limit:
        return questions
    rng = random.Random(seed)
    chosen = []
    for kind in ("product", "policy"):
        items = sorted({q.item for q in questions if q.kind == kind})
        chosen += rng.sample(items, min(len(items), max(1, limit // 2)))
    return [q for q in questions if q.item in set(chosen)]


def answer_set(questions: list[Question], describe_wordings: int, routes: set[str]) -> list[Question]:
    """Describing a product costs an LLM call per wording; the first `describe_wordings` are enough."""
    seen: dict[str, int] = {}
    out = []
    for q in questions:
        seen[q.item] = seen.get(q.item, 0) + 1
        if q.route in routes and (q.route != "describe" or seen[q.item] <= describe_wordings):
            out.append(q)
    return out


def mode_settings(base: Settings, mode: str) -> Settings:
    """`off` composes from the ranked facts without the LLM; other modes are LLM phrasing modes."""
    return base.model_copy(update={"llm_enabled": False} if mode == "off" else {"llm_mode": mode})


def evaluate_store(store_dir: Path, index_dir: Path, modes: list[str], limit: int | None,
                   describe_wordings: int, routes: set[str], held_out: bool = False) -> dict:
    from bot.knowledge.ingest import ingest

    base = Settings(store_dir=store_dir, index_dir=index_dir)
    ingest(base, progress=False)
    store = load_store(store_dir)
    questions = sample(build_question_set(store), limit)
    names = store.catalogue.names()
    result = {"store": store_dir.resolve().name, "questions": len(questions),
              "items": len({q.item for q in questions}), "answers": {}, "held_out": held_out}
    started = time.perf_counter()
    first = EvalContainer(mode_settings(base, modes[0]))
    result["retrieval"] = evaluate(first.retriever, questions, first.knowledge.policy_passages)
    result["retrieval"]["seconds"] = round(time.perf_counter() - started, 1)
    asked = answer_set(questions, describe_wordings, routes)
    for mode in modes:
        container = first if mode == modes[0] else EvalContainer(mode_settings(base, mode))
        started = time.perf_counter()
        outcomes = [answer(container, q) for q in asked]
        seconds = time.perf_counter() - started
        by_route = {route: summarise([o for o in outcomes if o.question.route == route], names)
                    for route in ROUTES if route in routes}
        result["answers"][mode] = {"all": summarise(outcomes, names), "by_route": by_route,
                                   "seconds": round(seconds, 1), "llm": container.llm is not None}
        if container.llm:
            container.llm.close()
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, action="append", required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--index-dir", type=Path, default=Path("var/index"))
    parser.add_argument("--heldout", type=Path, action="append", default=[],
                        help="store never tuned on, reported apart (e.g. knowledge/leaf_and_kettle)")
    parser.add_argument("--limit", type=int, help="items per store (all wordings of each); default all")
    parser.add_argument("--modes", default="select,free,off", help="LLM phrasing modes to compare (off: no LLM)")
    parser.add_argument("--describe-wordings", type=int, default=1)
    parser.add_argument("--routes", default=",".join(ROUTES), help="which answer routes to ask")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    results = []
    for store_dir, held_out in [(s, False) for s in args.store] + [(s, True) for s in args.heldout]:
        print(f"eval: retrieval and answers on {store_dir} ({', '.join(modes)})", flush=True)
        results.append(evaluate_store(store_dir, args.index_dir, modes, args.limit, args.describe_wordings,
                                      set(args.routes.split(",")), held_out))
    print(f"eval: wrote {write_part(args.out, 'knowledge', results)}")


if __name__ == "__main__":
    main()
