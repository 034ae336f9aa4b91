"""The question set for retrieval and grounded-answer evaluation, derived from a store. Pure: no I/O
beyond reading the question file.

Product questions are generated from the catalogue (every product: a description question and a
price/stock question about one of its variants, each worded three ways). Policy questions come from
`eval/questions/<store>.yml`, written by hand from the store's policy pages, three wordings each. The
first wording of each item is its canonical form; the others are paraphrases.
"""
from __future__ import annotations

import random
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.adapters.store_dir import StoreData
from bot.domain.catalogue import Product, Variant, money
from bot.domain.facts import description_facts, options_fact, stock_summary_fact, variant_fact
from bot.knowledge.documents import product_text

QUESTION_DIR = Path(__file__).resolve().parent / "questions"


@dataclass(frozen=True)
class Question:
    item: str  # what is asked about, shared by its wordings: "product:<id>:fact", "policy:return-window"
    text: str
    style: str  # "canonical" or "paraphrase"
    route: str  # which answer service serves it: "fact", "describe" or "policy"
    intent: str
    gold_product: str = ""  # retrieval gold for product questions: the product's id
    gold_phrase: str = ""  # retrieval gold for policy questions: a phrase of the passage that answers it
    expect: tuple[str, ...] = ()  # what a correct answer states (case-insensitive substrings)
    forbid: tuple[str, ...] = ()  # what a correct answer must not state
    source: str = ""  # the shop's own data on the subject: a reply may state nothing beyond it
    answerable: bool = True  # False: the shop's pages do not answer it; the right reply is "don't know"

    @property
    def kind(self) -> str:
        return "policy" if self.route == "policy" else "product"


def product_source_text(product: Product) -> str:
    """Everything the shop's data says about a product, as the sentences the bot can state."""
    facts = description_facts(product) + [options_fact(product), stock_summary_fact(product)]
    facts += [variant_fact(product, v) for v in product.variants]
    return "\n".join([product_text(product)] + [f.text for f in facts])


def policy_source_text(store: StoreData) -> str:
    return "\n".join(page.text for page in store.policies)


def _worded(item: str, texts: list[str], **fields) -> list[Question]:
    return [Question(item, t, "canonical" if i == 0 else "paraphrase", **fields) for i, t in enumerate(texts)]


def _values(variant: Variant) -> list[str]:
    return [str(v) for v in variant.options.values()]


def product_questions(product: Product, rng: random.Random) -> list[Question]:
    name, low = product.name, product.name.lower()
    source = product_source_text(product)
    out = _worded(f"product:{product.product_id}:describe", [
        f"Tell me about the {name}.",
        f"what can you tell me about your {low}",
        f"I'm thinking of buying a {low}, what is it like?",
    ], route="describe", intent="product_describe", gold_product=product.product_id, source=source)
    if not product.variants:
        return out
    variant = rng.choice(sorted(product.variants, key=lambda v: v.item_id))
    values = _values(variant)
    stock = "in stock" if variant.available else "out of stock"
    # An out-of-stock answer rightly names in-stock alternatives, so only "in stock" claims are checked.
    other = ("out of stock",) if variant.available else ()
    fact = dict(route="fact", gold_product=product.product_id, source=source)
    item = f"product:{product.product_id}:{variant.item_id}"
    price = (money(variant.price), stock)
    out += [
        Question(item, f"How much is the {name} ({', '.join(values)})?", "canonical", intent="product_price",
                 expect=price, forbid=other, **fact),
        Question(item, f"what does a {' '.join(values)} {low} cost", "paraphrase", intent="product_price",
                 expect=price, forbid=other, **fact),
        Question(item, f"is the {low} in {' / '.join(values)} available right now?", "paraphrase",
                 intent="product_availability", expect=(stock,), forbid=other, **fact),
    ]
    return out


def policy_questions(store: StoreData, question_file: Path) -> list[Question]:
    spec = yaml.safe_load(question_file.read_text(encoding="utf-8"))
    source = policy_source_text(store)
    out = []
    for entry in spec["policy"]:
        out += _worded(f"policy:{entry['id']}", list(entry["questions"]), route="policy", intent=entry["intent"],
                       gold_phrase=entry["gold"], expect=tuple(entry["expect"]), source=source)
    for entry in spec.get("unanswerable", []):
        out += _worded(f"unanswerable:{entry['id']}", list(entry["questions"]), route="policy",
                       intent=entry["intent"], source=source, answerable=False)
    return out


def question_file_for(store: StoreData) -> Path:
    return QUESTION_DIR / f"{store.root.resolve().name}.yml"


def build_question_set(store: StoreData, seed: int = 7) -> list[Question]:
    rng = random.Random(seed)
    questions = []
    for product_id in sorted(store.catalogue.products):
        questions += product_questions(store.catalogue.products[product_id], rng)
    path = question_file_for(store)
    if path.exists():
        questions += policy_questions(store, path)
    return questions


def squash(text: str) -> str:
    """Lower case with runs of whitespace and Markdown emphasis removed, for phrase matching."""
    return re.sub(r"\s+", " ", re.sub(r"[*_`]", "", text)).strip().lower()


def states(reply: str, question: Question) -> bool:
    """Does the reply state every expected fact and none of the forbidden ones?"""
    text = squash(reply)
    return all(squash(e) in text for e in question.expect) and not any(squash(f) in text for f in question.forbid)
