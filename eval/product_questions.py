"""Held-out product questions in unseen shapes: does a price / stock / options question resolve to the
right product and version on any store?

The shapes (eval/product_shapes.yml, frozen before tuning) are filled from a store's own products and
variants with a seeded sampler, so the set is the same on every run. Each question is answered by the
product service exactly as the action server calls it (price / availability / options -> fact answer,
info -> product question), with the shopper's raw text and no NLU entities, once under the shape's own
intent and once under each of the four product intents (the answer must not depend on that routing).

Judged from the answer's structure, against a gold set computed here from the catalogue alone:
  right          the product is the gold product and the answer covers exactly the gold versions
                 (one version: its price and stock; several: their buttons or their stock count)
  wrong product  the answer is about another product (its id, or a source from another product)
  not sold       for a made-up product: "we don't sell that", about no product of the shop

    python -m eval.product_questions --out reports/product-questions [--store DIR ...]
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

import yaml

from bot.domain.catalogue import Catalogue, Product, Variant, money

SHAPES_FILE = Path(__file__).resolve().parent / "product_shapes.yml"
ROOT = Path(__file__).resolve().parent.parent
PRODUCT_INTENTS = ("product_price", "product_availability", "product_options", "product_info")
_NEGATIVE = {"no", "none"}


@dataclass(frozen=True)
class ProductQuestion:
    store: str
    shape: str
    kind: str  # variant | partial | attribute | unknown | fixed
    intent: str
    text: str
    gold_product: str = ""  # "" for a product the store does not sell
    gold_items: tuple[str, ...] = ()  # the versions a right answer covers


@dataclass
class Verdict:
    question: ProductQuestion
    intent: str
    outcome: str  # right | wrong_product | not_sold | other
    reply: str
    kind: str = ""
    notes: list[str] = field(default_factory=list)


def load_shapes(path: Path = SHAPES_FILE) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _plural(name: str) -> str:
    low = name.lower()
    if low.endswith("s"):
        return low
    if low.endswith(("sh", "ch", "x")):
        return low + "es"
    return low + "s"


def _and_list(values: list[str]) -> str:
    return values[0] if len(values) == 1 else ", ".join(values[:-1]) + " and " + values[-1]


def _fill(template: str, product: Product, options: dict[str, str], rng: random.Random) -> str:
    """The template with the product and the given options (name -> value) written in."""
    names = list(options)
    shuffled = names[:]
    rng.shuffle(shuffled)
    values = [options[n] for n in names]
    mixed = [options[n] for n in shuffled]
    return template.format(
        product=product.name.lower(), Product=product.name, products=_plural(product.name),
        values=", ".join(values), shuffled=", ".join(mixed), and_list=_and_list(mixed), stack=" ".join(mixed),
        slash=" / ".join(mixed), labelled=", ".join(f"{n} {options[n]}" for n in shuffled),
    )


def gold_versions(product: Product, values: list[str]) -> tuple[str, ...]:
    """Versions that carry every named value (each named value used by one option): computed from the
    catalogue alone, independent of the resolver."""
    out = []
    for variant in product.variants:
        pool = Counter(v.lower() for v in variant.options.values())
        need = Counter(v.lower() for v in values)
        if all(pool[v] >= n for v, n in need.items()):
            out.append(variant.item_id)
    return tuple(out)


def _attribute(product: Product, rng: random.Random) -> tuple[str, list[str]] | None:
    """A word for one option value ("waterproof" for waterproof: yes) and the values it stands for."""
    choices = []
    for name, values in product.option_values().items():
        for value in values:
            low = value.lower()
            if low == "yes":
                choices.append((name.lower(), name, value))
            elif low not in _NEGATIVE and not re.fullmatch(r"[\d.]+|[a-z]{1,2}", low, re.I):
                choices.append((value, name, value))
    if not choices:
        return None
    word, name, value = rng.choice(choices)
    return word, [value]


def _variant_options(variant: Variant) -> dict[str, str]:
    return dict(variant.options)


def questions_for_store(catalogue: Catalogue, store: str, spec: dict | None = None) -> list[ProductQuestion]:
    spec = spec or load_shapes()
    rng = random.Random(f"{spec['seed']}:{store}")
    products = [catalogue.products[pid] for pid in sorted(catalogue.products)]
    names = {p.name.lower() for p in products}
    things = [t for t in spec["unknown_things"] if not any(w in names for w in (t, t.rstrip("s")))]
    out: list[ProductQuestion] = []
    for shape in spec["shapes"]:
        kind, template = shape["kind"], shape["text"]
        for _ in range(spec["samples_per_shape"]):
            if kind == "unknown":
                text = template.format(thing=rng.choice(things))
                out.append(ProductQuestion(store, shape["id"], kind, shape["intent"], text))
                continue
            product = rng.choice([p for p in products if p.variants])
            variant = rng.choice(sorted(product.variants, key=lambda v: v.item_id))
            options = _variant_options(variant)
            if kind == "partial":
                if len(options) < 2:
                    continue
                options.pop(rng.choice(list(options)))
            if kind == "attribute":
                picked = _attribute(product, rng)
                if not picked:
                    continue
                word, values = picked
                text = template.format(attr=word, product=product.name.lower(), products=_plural(product.name))
            else:
                values = list(options.values())
                text = _fill(template, product, options, rng)
            out.append(ProductQuestion(store, shape["id"], kind, shape["intent"], text, product.product_id,
                                       gold_versions(product, values)))
    for fixed in spec.get("fixed", []):
        if fixed["store"] != store:
            continue
        product = next((p for p in products if p.name == fixed["product"]), None)
        if product:
            out.append(ProductQuestion(store, "fixed", "fixed", fixed["intent"], fixed["text"], product.product_id,
                                       tuple(v.item_id for v in product.variants)))
    return out


# -- judging -------------------------------------------------------------------------------------
_COUNT = re.compile(r"(\d+) of (\d+) (?:matching )?versions of the (.+?) are in stock")
_ALL = re.compile(r"All (\d+) matching versions of the (.+?) \(")
_NOT_SOLD = re.compile(r"\b(don't|do not|doesn't|does not) (sell|carry|stock|have)\b", re.I)


def _owner(catalogue: Catalogue, source) -> str | None:
    if source.kind == "product":
        return source.id
    if source.kind == "variant":
        found = catalogue.find_variant(source.id)
        return found[0].product_id if found else None
    return None


def judge(answer, question: ProductQuestion, catalogue: Catalogue, intent: str) -> Verdict:
    text = answer.text or ""
    owners = {o for o in (_owner(catalogue, s) for s in answer.sources) if o}
    verdict = Verdict(question, intent, "other", text, answer.kind)
    if not question.gold_product:
        if answer.product_id or (owners and answer.kind not in ("not_sold",)):
            verdict.outcome = "wrong_product" if answer.product_id else "other"
        if not answer.product_id and _NOT_SOLD.search(text):
            verdict.outcome = "not_sold"
        return verdict
    if (answer.product_id and answer.product_id != question.gold_product) or owners - {question.gold_product}:
        if answer.kind != "clarify_product":
            verdict.outcome = "wrong_product"
            return verdict
    if answer.product_id != question.gold_product:
        return verdict
    product = catalogue.products[question.gold_product]
    gold = set(question.gold_items)
    verdict.outcome = "right" if _covers(answer, text, product, gold, verdict.notes) else "other"
    return verdict


def _covers(answer, text: str, product: Product, gold: set[str], notes: list[str]) -> bool:
    buttons = {m.group(1) for b in (answer.buttons or []) if (m := re.search(r'"item_id":"(\w+)"', b["payload"]))}
    if buttons:
        notes.append(f"buttons {len(buttons)}")
        return buttons == gold and len(gold) > 1
    first = answer.sources[0] if answer.sources else None
    if first is not None and first.kind == "variant":
        variant = product.variant(first.id)
        stock = "in stock" if variant and variant.available else "out of stock"
        notes.append(f"variant {first.id}")
        return gold == {first.id} and money(variant.price) in text and stock in text
    pool = [v for v in product.variants if v.item_id in gold]
    if (m := _COUNT.search(text)) and m.group(3) == product.name:
        notes.append(f"count {m.group(1)}/{m.group(2)}")
        return int(m.group(2)) == len(pool) and int(m.group(1)) == sum(v.available for v in pool) and len(pool) > 1
    if (m := _ALL.search(text)) and m.group(2) == product.name:
        return int(m.group(1)) == len(pool) and len(pool) > 1
    return False


def play(questions: list[ProductQuestion], service, catalogue: Catalogue, all_intents: bool = True) -> list[Verdict]:
    """Every question through the product service as the action server would call it."""
    verdicts = []
    for question in questions:
        intents = PRODUCT_INTENTS if all_intents else (question.intent,)
        for intent in intents:
            if intent == "product_info":
                answer = service.question(question.text)
            else:
                answer = service.fact_answer(intent, question.text)
            verdicts.append(judge(answer, question, catalogue, intent))
    return verdicts


def summarise(verdicts: list[Verdict]) -> dict:
    def shares(rows: list[Verdict]) -> dict:
        known = [v for v in rows if v.question.gold_product]
        unknown = [v for v in rows if not v.question.gold_product]
        n = len(known) or 1
        return {
            "questions": len(known), "right": sum(v.outcome == "right" for v in known) / n,
            "wrong_product": sum(v.outcome == "wrong_product" for v in known) / n,
            "made_up": len(unknown),
            "not_sold_right": sum(v.outcome == "not_sold" for v in unknown) / (len(unknown) or 1),
            "made_up_wrong_product": sum(v.outcome == "wrong_product" for v in unknown),
        }

    own = [v for v in verdicts if v.intent == v.question.intent]
    return {"own_intent": shares(own), "any_intent": shares(verdicts)}


def render(results: dict[str, list[Verdict]]) -> str:
    lines = ["# Product questions in unseen shapes", "",
             "Shapes: `eval/product_shapes.yml` (frozen before tuning); generator and judge: "
             "`eval/product_questions.py`. No NLU in the loop: the raw text goes to the product service "
             "under the shape's own intent, and again under each of the four product intents.", "",
             "| store | routing | questions | right | wrong product | made-up | \"don't sell\" right | made-up → a product |",
             "|---|---|---|---|---|---|---|---|"]
    for store, verdicts in results.items():
        for mode, s in summarise(verdicts).items():
            lines.append(f"| {store} | {mode.replace('_', ' ')} | {s['questions']} | {s['right']:.1%} | "
                         f"{s['wrong_product']:.1%} | {s['made_up']} | {s['not_sold_right']:.1%} | "
                         f"{s['made_up_wrong_product']} |")
    lines += ["", "## Failures (own intent first)", ""]
    for store, verdicts in results.items():
        bad = sorted((v for v in verdicts if v.outcome not in ("right", "not_sold")),
                     key=lambda v: (v.intent != v.question.intent, v.question.shape))
        for v in bad[:80]:
            lines.append(f"- {store} `{v.question.shape}` {v.intent} **{v.outcome}**: {v.question.text!r} → "
                         f"[{v.kind}] {v.reply[:160]!r}")
        if len(bad) > 80:
            lines.append(f"- … {len(bad) - 80} more in results.jsonl")
    return "\n".join(lines) + "\n"


def _service(catalogue: Catalogue, root: Path, retrieval: bool):
    """The product service without the LLM (replies composed from facts); with --retrieval, the store's
    Chroma index and MiniLM embedder as served (built by `make ingest`), else word overlap only."""
    from bot.services.phrasing import Phraser
    from bot.services.products import ProductAnswers

    if not retrieval:
        return ProductAnswers(catalogue, Phraser(None, catalogue.names()))
    from bot.container import Container
    from bot.settings import Settings

    container = Container(Settings(store_dir=root))
    return ProductAnswers(catalogue, Phraser(None, catalogue.names()), container.retriever, container.embeddings,
                          container.settings.relevance_threshold)


def main(argv: list[str] | None = None) -> dict:
    from bot.adapters.store_dir import load_store

    tau = Path(os.environ.get("SHOPBOT_TAU_STORE", ROOT.parent / "shared" / "datasets" / "tau_retail"))
    parser = argparse.ArgumentParser(description="Product questions in unseen shapes on one or more stores")
    parser.add_argument("--out", type=Path, required=True, help="report directory (report.md, results.jsonl)")
    parser.add_argument("--store", type=Path, action="append", help="store directory (default: demo + tau)")
    parser.add_argument("--shapes", type=Path, default=SHAPES_FILE)
    parser.add_argument("--seed", help="another sample of the same shapes (default: the file's seed)")
    parser.add_argument("--samples", type=int, help="questions per shape and store (default: the file's)")
    parser.add_argument("--retrieval", action="store_true", help="use the store's Chroma index and embedder")
    args = parser.parse_args(argv)
    spec = load_shapes(args.shapes)
    spec["seed"] = args.seed or spec["seed"]
    spec["samples_per_shape"] = args.samples or spec["samples_per_shape"]
    results = {}
    for root in args.store or [ROOT / "knowledge" / "demo_store", tau]:
        store = load_store(root)
        name = root.resolve().name
        questions = questions_for_store(store.catalogue, name, spec)
        results[name] = play(questions, _service(store.catalogue, root, args.retrieval), store.catalogue)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "report.md").write_text(render(results), encoding="utf-8")
    with (args.out / "results.jsonl").open("w", encoding="utf-8") as fh:
        for verdicts in results.values():
            for v in verdicts:
                fh.write(json.dumps({**asdict(v.question), "routed": v.intent, "outcome": v.outcome,
                                     "reply": v.reply, "reply_kind": v.kind}) + "\n")
    summary = {store: summarise(v) for store, v in results.items()}
    print(json.dumps(summary, indent=1))
    return summary


if __name__ == "__main__":
    main()
