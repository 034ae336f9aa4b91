"""Product answers: exact facts from the catalogue, descriptions and questions via the phraser."""
from __future__ import annotations

import math
import re
from typing import Iterable

from bot.domain.catalogue import Catalogue, Product, Variant, money
from bot.domain.facts import (
    Answer, Fact, description_facts, options_fact, product_source, stock_summary_fact, variant_fact,
)
from bot.domain.matching import ProductMatcher, distinguishing_options, match_variant, tokens
from bot.domain.replies import dont_know
from bot.ports import Embedder, Retriever
from bot.services.phrasing import Phraser

MAX_CHOICES = 6


def cosine(a: list[float], b: list[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b))
    norm = math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b))
    return dot / norm if norm else 0.0


class ProductAnswers:
    def __init__(self, catalogue: Catalogue, phraser: Phraser, retriever: Retriever | None = None,
                 embedder: Embedder | None = None, threshold: float = 0.45):
        self.catalogue = catalogue
        self.matcher = ProductMatcher(catalogue)
        self.phraser = phraser
        self.retriever = retriever
        self.embedder = embedder
        self.threshold = threshold

    # -- resolving what the shopper means --------------------------------------------------------
    def resolve(self, text: str, hints: Iterable[str] = (), current_id: str | None = None,
                prefer_current: bool = False) -> tuple[Product | None, list[Product]]:
        """The product the shopper means, or candidates to choose from."""
        current = self.catalogue.get(current_id)
        if prefer_current and current:
            return current, []
        match = self.matcher.match(text, hints)
        if match.product or match.candidates:
            return match.product, match.candidates
        if current:
            return current, []
        return self._retrieve_product(text), []

    def _retrieve_product(self, text: str) -> Product | None:
        if not self.retriever:
            return None
        hits = self.retriever.search(text, k=1, doc_type="product")
        if hits and hits[0].score >= self.threshold:
            return self.catalogue.get(hits[0].metadata.get("product_id"))
        return None

    # -- exact facts: price, availability, options -------------------------------------------------
    def fact_answer(self, intent: str, text: str, hints: Iterable[str] = (), current_id: str | None = None,
                    item_id: str | None = None) -> Answer:
        if item_id and (found := self.catalogue.find_variant(item_id)):
            return self._variant_answer(intent, *found)
        hints = list(hints)
        product = self._product_or_reply(text, hints, current_id, prefer_current=intent == "inform")
        if isinstance(product, Answer):
            return product
        if intent == "product_options":
            return _composed([options_fact(product), stock_summary_fact(product)], "product_options", product)
        match = match_variant(text, product, hints)
        if match.variant:
            return self._variant_answer(intent, product, match.variant)
        if not match.candidates:
            asked = ", ".join(v for values in match.mentioned.values() for v in values)
            answer = _composed([options_fact(product)], "product_options", product)
            answer.text = f"We don't have the {product.name} in {asked}. " + answer.text
            return answer
        return self._several_variants(product, match.candidates, bool(match.mentioned))

    def _variant_answer(self, intent: str, product: Product, variant: Variant) -> Answer:
        facts = [variant_fact(product, variant)]
        if not variant.available:
            facts += alternatives(product, variant)
        return _composed(facts, "product_fact", product)

    def _several_variants(self, product: Product, variants: list[Variant], narrowed: bool) -> Answer:
        prices = {v.price for v in variants}
        stock = {v.available for v in variants}
        if narrowed and len(prices) == 1 and len(stock) == 1:
            state = "in stock" if stock.pop() else "out of stock"
            labels = "; ".join(v.label() for v in variants)
            fact = Fact(f"All {len(variants)} matching versions of the {product.name} ({labels}) cost "
                        f"{money(prices.pop())} and are {state}.", product_source(product))
            return _composed([fact], "product_fact", product)
        summary = stock_summary_fact(product) if not narrowed else _range_fact(product, variants)
        names = distinguishing_options(variants)
        answer = _composed([summary], "clarify_variant", product)
        if len(variants) <= MAX_CHOICES:
            answer.text += " Which one would you like?"
            answer.buttons = [
                {"title": v.label(), "payload": f'/inform{{"item_id":"{v.item_id}"}}'} for v in variants
            ]
        else:
            answer.text += f" Which {' and '.join(names[:2]) or 'version'} would you like?"
        return answer

    # -- descriptive answers -----------------------------------------------------------------------
    def _product_or_reply(self, text: str, hints: Iterable[str], current_id: str | None,
                          prefer_current: bool = False) -> Product | Answer:
        """The one product meant, or the reply to send instead (which one? / not found)."""
        product, candidates = self.resolve(text, hints, current_id, prefer_current)
        if candidates:
            return choose_product(candidates)
        return product or dont_know("I couldn't find that product in our catalogue")

    def describe(self, text: str, hints: Iterable[str] = (), current_id: str | None = None) -> Answer:
        product = self._product_or_reply(text, hints, current_id)
        if isinstance(product, Answer):
            return product
        facts = description_facts(product)[:4] + [options_fact(product), stock_summary_fact(product)]
        return self._phrased("describe", text, facts, product, max_facts=4)

    def question(self, text: str, hints: Iterable[str] = (), current_id: str | None = None) -> Answer:
        product = self._product_or_reply(text, hints, current_id)
        if isinstance(product, Answer):
            return product
        facts = description_facts(product) + [options_fact(product), stock_summary_fact(product)]
        # "Do you sell a bluetooth speaker?" asks whether it exists: its stock and options answer that.
        sold = [stock_summary_fact(product), options_fact(product)] if _ASKS_IF_SOLD.search(text) else []
        relevant = sold or self.relevant_facts(text, facts, product)
        if not relevant:
            answer = dont_know(f"I don't have that detail about the {product.name} in our product information")
            answer.product_id = product.product_id
            return answer
        return self._phrased("product", text, relevant, product, max_facts=2)

    def relevant_facts(self, question: str, facts: list[Fact], product: Product) -> list[Fact]:
        """Facts that speak to the question, best first; by embeddings when available, else by words."""
        if not facts:
            return []
        if self.embedder:
            # Score what is asked about, not the product's name, which every fact repeats.
            query = self.embedder.embed_query(_without_name(question, product.name))
            texts = [_without_name(f.text, product.name) for f in facts]
            scores = [cosine(query, vec) for vec in self.embedder.embed_documents(texts)]
            cutoff = self.threshold
        else:
            asked = set(tokens(question)) - set(tokens(product.name)) - _STOPWORDS
            scores = [len(asked & set(tokens(f.text))) for f in facts]
            cutoff = 1
        ranked = sorted(zip(scores, range(len(facts))), key=lambda s: -s[0])
        return [facts[i] for score, i in ranked if score >= cutoff][:4]

    def recommend(self, text: str) -> Answer:
        hits = self.retriever.search(text, k=6, doc_type="product") if self.retriever else []
        picks = []
        for hit in hits:
            product = self.catalogue.get(hit.metadata.get("product_id"))
            if hit.score >= self.threshold and product and product.available_variants and product not in picks:
                picks.append(product)
        if not picks:
            return dont_know("I couldn't find a product in our catalogue that fits that")
        facts = [_recommend_fact(p) for p in picks[:3]]
        answer = self._phrased("recommend", text, facts, picks[0], max_facts=3)
        answer.kind = "recommendation"
        return answer

    def _phrased(self, task: str, question: str, facts: list[Fact], product: Product, max_facts: int) -> Answer:
        phrased = self.phraser.phrase(task, question, [f.text for f in facts], max_facts=max_facts)
        sources = _unique_sources(facts)
        return Answer(phrased.text, f"product_{task}", sources, product_id=product.product_id,
                      grounding=phrased.grounding)


_ASKS_IF_SOLD = re.compile(
    r"\b(do|does) (you|the shop|your shop|y'?all) (sell|have|carry|stock|offer)\b|\b(is there|are there) (a|an|any)\b|"
    r"\bdo you guys (sell|have)\b", re.I)
_STOPWORDS = set(
    "a an the is are it its this that do does did you your we our of for to in on with and or how what "
    "which can i me my be have has will would should much many about tell there any".split()
)


def _without_name(text: str, name: str) -> str:
    import re

    words = [re.escape(w) for w in re.split(r"[\s-]+", name) if w]
    pattern = r"[\s-]*".join(words)
    return re.sub(rf"\b(the\s+)?{pattern}s?\b", " ", text, flags=re.IGNORECASE).strip() or text


def _recommend_fact(product: Product) -> Fact:
    low, _ = product.price_range()
    first = (product.description.split(". ")[0].rstrip(".") + ".") if product.description else ""
    return Fact(f"The {product.name} (from {money(low)}). {first}".strip(), product_source(product))


def _range_fact(product: Product, variants: list[Variant]) -> Fact:
    available = [v for v in variants if v.available]
    pool = available or variants
    low, high = min(v.price for v in pool), max(v.price for v in pool)
    prices = money(low) if low == high else f"from {money(low)} to {money(high)}"
    return Fact(f"{len(available)} of {len(variants)} matching versions of the {product.name} are in stock, "
                f"priced {prices}.", product_source(product))


def alternatives(product: Product, wanted: Variant, limit: int = 3) -> list[Fact]:
    """In-stock versions closest to an unavailable one (most options in common)."""
    def shared(v: Variant) -> int:
        return sum(v.options.get(k) == val for k, val in wanted.options.items())

    pool = sorted(product.available_variants, key=lambda v: (-shared(v), v.price))[:limit]
    return [variant_fact(product, v) for v in pool]


def choose_product(candidates: list[Product]) -> Answer:
    names = ", ".join(p.name for p in candidates)
    return Answer(
        text=f"Which product do you mean: {names}?",
        kind="clarify_product",
        sources=[product_source(p) for p in candidates],
        buttons=[{"title": p.name, "payload": f'/inform{{"product_id":"{p.product_id}"}}'} for p in candidates],
    )


def _composed(facts: list[Fact], kind: str, product: Product) -> Answer:
    return Answer(" ".join(f.text for f in facts), kind, _unique_sources(facts), product_id=product.product_id)


def _unique_sources(facts: list[Fact]):
    out = []
    for fact in facts:
        if fact.source not in out:
            out.append(fact.source)
    return out


__all__ = ["ProductAnswers", "choose_product", "alternatives"]
