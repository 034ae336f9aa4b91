"""Scaling with catalogue size: a synthetic store ten times the tau store (each product copied under
series names with new ids, same policies), ingest times, and in-process answer latency per store."""
from __future__ import annotations

import json
import random
import shutil
import statistics
import time
from pathlib import Path

from bench.turns import LLM_GROUNDINGS, LLM_KINDS, _round, fact_questions, latency_summary

# Made-up series words; none occurs in a tau product name or option value (checked at generation).
SERIES = ("Alpine", "Harbor", "Meadow", "Summit", "Canyon", "Aurora", "Cedar", "Glacier", "Prairie", "Willow")
POLICY_QUESTIONS = (("what is your return policy?", "policy_returns"),
                    ("how long does a refund take?", "policy_returns"),
                    ("can I exchange an item for a different size?", "policy_exchanges"))


def multiply_products(products: dict, copies: int, seed: int = 10) -> dict:
    """`copies` renamed copies of every product: fresh unique 10-digit product and item ids, the name
    prefixed with a series word, options, prices and availability unchanged."""
    if copies > len(SERIES):
        raise ValueError(f"at most {len(SERIES)} copies (one per series word)")
    taken = {w.lower() for p in products.values() for w in p["name"].lower().split()}
    taken |= {str(o).lower() for p in products.values() for v in p["variants"].values() for o in v["options"].values()}
    clash = [w for w in SERIES[:copies] if w.lower() in taken]
    if clash:
        raise ValueError(f"series words already used by the store: {clash}")
    rng = random.Random(seed)
    used = set(products) | {iid for p in products.values() for iid in p["variants"]}

    def new_id() -> str:
        while True:
            candidate = str(rng.randrange(10**9, 10**10))
            if candidate not in used:
                used.add(candidate)
                return candidate

    out: dict = {}
    for series in SERIES[:copies]:
        for product in products.values():
            pid = new_id()
            variants = {}
            for variant in product["variants"].values():
                iid = new_id()
                variants[iid] = {**variant, "item_id": iid, "options": dict(variant["options"])}
            out[pid] = {**product, "product_id": pid, "name": f"{series} {product['name']}", "variants": variants}
    return out


def write_synthetic_store(source: Path, target: Path, copies: int = 10) -> Path:
    """products.json multiplied, the policies (wiki.md / policies/) copied; no customers or orders."""
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    products = json.loads((source / "products.json").read_text())
    (target / "products.json").write_text(json.dumps(multiply_products(products, copies)))
    if (source / "policies").is_dir():
        shutil.copytree(source / "policies", target / "policies")
    if (source / "wiki.md").exists():
        shutil.copy(source / "wiki.md", target / "wiki.md")
    return target


def option_questions(products: dict, rng: random.Random, n: int) -> list[str]:
    """'What colors does the t-shirt come in?': product questions the knowledge fallback answers from
    the retrieved product's facts through the LLM phraser (when a fact clears the relevance cutoff)."""
    pairs = [(p["name"], name) for p in products.values()
             for name in dict.fromkeys(o for v in p["variants"].values() for o in v["options"])]
    out = []
    for _ in range(n):
        product, option = pairs[rng.randrange(len(pairs))]
        out.append(f"what {option}s does the {product.lower()} come in?")
    return out


def on_path(call: str, tag: str) -> bool:
    """Did an in-process call take the route it is meant to measure? (tag = 'kind:grounding')"""
    kind, _, grounding = tag.partition(":")
    if call == "fact_answer":
        return tag == "product_fact:composed"
    if call == "retrieval_only":
        return kind == "hits"
    if call == "policy_answer":
        return kind == "policy" and grounding in LLM_GROUNDINGS
    return kind in LLM_KINDS and grounding in LLM_GROUNDINGS  # fallback: answered by a product or a policy


def _timed(call, *args, **kwargs) -> tuple[float, object]:
    started = time.perf_counter()
    result = call(*args, **kwargs)
    return time.perf_counter() - started, result


def store_calls(container, reps: int, shift: int = 0, seed: int = 3) -> list[list[tuple[str, object, tuple]]]:
    """Per repetition, the timed calls on one store: exact facts, retrieval alone, a policy answer
    (retrieval + LLM phraser) and the knowledge fallback on a product question (retrieval, the product's
    facts ranked by embeddings, LLM phraser). Questions come from the store's own products."""
    products = json.loads((container.settings.store_dir / "products.json").read_text())
    rng = random.Random(seed)
    facts = fact_questions(products, rng, reps)
    described = option_questions(products, rng, reps)
    # `shift`: the stores ask the policy questions in different turns, so that one store's call never
    # finds the other's identical prompt (same policies) in the LLM's KV cache.
    policy = [POLICY_QUESTIONS[(i + shift) % len(POLICY_QUESTIONS)] for i in range(reps)]
    return [[("fact_answer", container.products.fact_answer, ("product_fact", facts[i])),
             ("retrieval_only", container.retriever.search, (policy[i][0], container.settings.retrieval_k)),
             ("policy_answer", container.knowledge.policy, policy[i]),
             ("fallback_answer", container.knowledge.fallback, (described[i],))] for i in range(reps)]


def measure_stores(containers: dict, reps: int) -> dict[str, dict]:
    """Latency per call kind and store; the stores take turns, so drift in a shared CPU hits both alike."""
    plans = {label: store_calls(c, reps, shift=n) for n, (label, c) in enumerate(containers.items())}
    for label in containers:  # warm: MiniLM, Chroma, the LLM, the matcher
        for _, call, args in plans[label][0]:
            call(*args)
    timed: dict[str, dict[str, list[tuple[float, str]]]] = {
        label: {name: [] for name, _, _ in plans[label][0]} for label in containers}
    for i in range(reps):
        for label in containers:
            for name, call, args in plans[label][i]:
                seconds, answer = _timed(call, *args)
                kind = getattr(answer, "kind", "hits")
                grounding = getattr(answer, "grounding", "")
                timed[label][name].append((seconds, f"{kind}:{grounding}" if grounding else kind))
    out = {}
    for label, container in containers.items():
        products = json.loads((container.settings.store_dir / "products.json").read_text())
        out[label] = {"products": len(products), "variants": sum(len(p["variants"]) for p in products.values())}
        for name, calls in timed[label].items():
            # Percentiles over the calls that took the route; an early "I don't know" is not that route.
            kept = [seconds for seconds, tag in calls if on_path(name, tag)]
            kinds: dict[str, int] = {}
            for _, tag in calls:
                kinds[tag] = kinds.get(tag, 0) + 1
            out[label][name] = {**latency_summary(kept), "calls": len(calls),
                                "mean_s": _round(statistics.mean(kept), 6) if kept else None, "kinds": kinds}
    return out


def scaling(tau_store: Path, work: Path, reps: int, database_dir: Path) -> tuple[dict, object]:
    """Ingest ×1 and ×10 into fresh index dirs (timed), then measure each through its own container.
    The ×1 container is returned (its LLM is the pipeline side of the LLM comparison)."""
    from bot.container import Container
    from bot.knowledge.ingest import ingest
    from bot.settings import Settings

    stores = {"x1": tau_store, "x10": write_synthetic_store(tau_store, work / "store-x10")}
    containers = {}
    out: dict = {"stores": {}}
    for label, store_dir in stores.items():
        index_dir = work / f"index-{label}"
        if index_dir.exists():
            shutil.rmtree(index_dir)
        settings = Settings(store_dir=store_dir, index_dir=index_dir,
                            database_url=f"sqlite:///{database_dir / f'scaling-{label}.db'}")
        container = Container(settings)
        if containers:  # one MiniLM and one LLM in memory, shared as the first container built them
            first = containers["x1"]
            container.__dict__["embeddings"] = first.embeddings
            container.__dict__["llm"] = first.llm
        embeddings = container.embeddings  # loaded before the clock starts: ingest time is chunking + embedding
        seconds, result = _timed(ingest, settings, embeddings=embeddings, progress=False)
        out["stores"][label] = {"store_dir": str(store_dir), "ingest_s": round(seconds, 2),
                                "chunks": result["chunks"], "num_added": result["num_added"]}
        containers[label] = container
    for label, measured in measure_stores(containers, reps).items():
        out["stores"][label].update(measured)
    return out, containers["x1"]
