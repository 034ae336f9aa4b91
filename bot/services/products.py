"""Product answers: exact facts from the catalogue, descriptions and questions via the phraser."""
from __future__ import annotations

import math
import re
from typing import Iterable

from bot.domain.catalogue import Catalogue, Product, Variant, money
from bot.domain.facts import (
    Answer, Fact, description_facts, options_fact, product_source, stock_summary_fact, variant_fact,
)
from bot.domain.matching import (
    MODIFIERS_ANY_PRODUCT, NEVER_FUZZY, ProductMatcher, distinguishing_options, match_variant, plural_aliases, tokens,
)
from bot.domain.replies import HUMAN_BUTTON, dont_know
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
        self._known = _catalogue_words(catalogue)
        self._plurals = plural_aliases(self._known)
        self.phraser = phraser
        self.retriever = retriever
        self.embedder = embedder
        self.threshold = threshold

    # -- resolving what the shopper means --------------------------------------------------------
    def resolve(self, text: str, hints: Iterable[str] = (), current_id: str | None = None,
                prefer_current: bool = False, guessed: bool = False) -> tuple[Product | None, list[Product]]:
        """The product the shopper means, or candidates to choose from. Only the shopper's words, the
        conversation's product or a button name a product: retrieval never picks one (it suggests)."""
        current = self.catalogue.get(current_id)
        if prefer_current and current:
            return current, []
        match = self.matcher.match(text, hints)
        if match.product or match.candidates:
            return match.product, match.candidates
        if current:
            other = bool(match.near) or self.names_something_else(text)
            # Retrieval's guess may answer "what keeps my feet warm?", never "do you sell hoverboards?".
            if not other or (guessed and not _asks_fact(text)):
                return current, []
        return None, []

    def names_something_else(self, text: str) -> bool:
        """A word the catalogue does not know, with nothing pointing back ("it", "that one"): "do you
        sell hoverboards?" is about hoverboards, not about the product talked about before."""
        words = tokens(text)
        if _POINTERS & set(words):
            return False
        return any(w.isalpha() and len(w) > 2 and self._plurals.get(w, w) not in self._known
                   and w not in _SHOP_WORDS | _STOPWORDS | MODIFIERS_ANY_PRODUCT | NEVER_FUZZY for w in words)

    def not_sold(self, text: str) -> Answer:
        """We don't sell that, and what the shop has nearby (its own names and prices)."""
        picks = list(self.matcher.match(text).near)
        if not picks and self.retriever:
            for hit in self.retriever.search(text, k=3, doc_type="product"):
                product = self.catalogue.get(hit.metadata.get("product_id"))
                if hit.score >= self.threshold and product and product not in picks:
                    picks.append(product)
        picks = picks[:3]
        answer = Answer("Sorry, we don't sell that.", "not_sold", [product_source(p) for p in picks])
        if picks:
            answer.text += " The closest we have: " + "; ".join(_from_price(p) for p in picks) + "."
            answer.buttons = [{"title": p.name, "payload": f'/inform{{"product_id":"{p.product_id}"}}'} for p in picks]
        else:
            answer.text += " Would you like me to connect you with a person from our team?"
            answer.buttons, answer.handoff_offered = [HUMAN_BUTTON], True
        return answer

    # -- exact facts: price, availability, options -------------------------------------------------
    def fact_answer(self, intent: str, text: str, hints: Iterable[str] = (), current_id: str | None = None,
                    item_id: str | None = None) -> Answer:
        if item_id and (found := self.catalogue.find_variant(item_id)):
            return self._variant_answer(intent, *found)
        hints = list(hints)
        product = self._product_or_reply(text, hints, current_id, prefer_current=intent == "inform")
        if isinstance(product, Answer):
            return product
        match = match_variant(text, product, hints)
        if intent == "product_options" and not match.mentioned:
            return _composed([options_fact(product), stock_summary_fact(product)], "product_options", product)
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
                          prefer_current: bool = False, guessed: bool = False) -> Product | Answer:
        """The one product meant, or the reply to send instead (which one? / we don't sell that)."""
        product, candidates = self.resolve(text, hints, current_id, prefer_current, guessed)
        if candidates:
            return choose_product(candidates)
        if product:
            return product
        if self.names_something_else(text) or self.matcher.match(text).near:
            return self.not_sold(text)
        return dont_know("I couldn't find that product in our catalogue")

    def describe(self, text: str, hints: Iterable[str] = (), current_id: str | None = None) -> Answer:
        product = self._product_or_reply(text, hints, current_id)
        if isinstance(product, Answer):
            return product
        facts = description_facts(product)[:4] + [options_fact(product), stock_summary_fact(product)]
        return self._phrased("describe", text, facts, product, max_facts=4)

    def question(self, text: str, hints: Iterable[str] = (), current_id: str | None = None,
                 guessed: bool = False) -> Answer:
        """guessed: current_id is retrieval's best product for the question (the knowledge fallback), not
        the product of the conversation, so words it does not know do not mean another product."""
        product = self._product_or_reply(text, hints, current_id, guessed=guessed)
        if isinstance(product, Answer):
            return product
        # Price, stock or "do you sell…?" asked under any intent: the catalogue's facts answer it.
        if _asks_fact(text):
            return self.fact_answer("product_availability", text, hints, product.product_id)
        facts = description_facts(product) + [options_fact(product), stock_summary_fact(product)]
        relevant = self.relevant_facts(text, facts, product)
        if not relevant and match_variant(text, product, hints).mentioned:
            # Nothing in the description speaks to it, but it names a version: that version's facts.
            return self.fact_answer("product_price", text, hints, product.product_id)
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
            # Score what is asked about, not the product's name or a version's values, which facts repeat.
            query = self.embedder.embed_query(_without_values(_without_name(question, product.name), product))
            texts = [_without_name(f.text, product.name) for f in facts]
            scores = [cosine(query, vec) for vec in self.embedder.embed_documents(texts)]
            cutoff = self.threshold
        else:
            asked = {w for w in tokens(_without_values(question, product)) if len(w) > 2}
            asked -= set(tokens(product.name)) | _STOPWORDS
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
_ASKS_FACT = re.compile(
    r"(\bhow much\b|\bprices?\b|\bpricing\b|\bcosts?\b|\bcharge\b|\$|\bexpensive\b|\bin stock\b|\bstock\b|"
    r"\bavailab|\bsold out\b|\bbuy\b|\bpurchase\b|\bany left\b|\bleft\?|\bstill around\b|\bgoing for\b|"
    r"\bpay\b|\b(you|u|ya) (got|have)\b|\bgot any\b)", re.I)
_POINTERS = {"it", "this", "that", "one", "them", "they", "these", "those", "same"}
# Shop talk around a product's name: never the name of a thing the shop does not sell.
_SHOP_WORDS = set(
    "price prices pricing cost costs much many stock stocked available availability sold out buy sell selling "
    "carry carrying purchase order ordering get got want wanna need looking look find know tell show left right "
    "now today currently moment still please pls plz thanks thank hi hey hello yo what's that's it's i'd i'm "
    "you've you're there's version versions option options model models kind type sort size sizes color colors "
    "colour colours go going pay paying charge damage deal offer afford usually normally typically again "
    "asap wondering whether friend would could should shop store online here anything something stuff item items "
    "also too very really just back soon yet ever".split()
)
_STOPWORDS = set(
    "a an the is are it its this that do does did you your we our of for to in on with and or how what "
    "which can i me my be have has will would should much many about tell there any".split()
)


def _without_name(text: str, name: str) -> str:
    import re

    words = [re.escape(w) for w in re.split(r"[\s-]+", name) if w]
    pattern = r"[\s-]*".join(words)
    return re.sub(rf"\b(the\s+)?{pattern}s?\b", " ", text, flags=re.IGNORECASE).strip() or text


def _asks_fact(text: str) -> bool:
    return bool(_ASKS_FACT.search(text) or _ASKS_IF_SOLD.search(text))


def _without_values(text: str, product: Product) -> str:
    """The question without the option values it names ("what's the weekend kit going for?" asks a price,
    not about the weekend kit's weight, which a fact repeats)."""
    for name, vals in product.option_values().items():
        for value in sorted(vals, key=len, reverse=True):
            # "size L", "weight midweight": the option's name goes with its value; short sizes only in capitals.
            pattern = rf"(?<![\w-])(?:{re.escape(name)}\s*:?\s*)?{re.escape(value)}(?![\w-])"
            text = re.sub(pattern, " ", text, flags=re.IGNORECASE if len(value) > 2 else 0)
    return text


def _catalogue_words(catalogue: Catalogue) -> set[str]:
    words: set[str] = set()
    for product in catalogue.products.values():
        words.update(tokens(product.name), tokens(product.name.replace("-", "")))
        for name, values in product.option_values().items():
            words.update(tokens(name))
            for value in values:
                words.update(tokens(value), tokens(re.sub(r"[-\s]+", "", value)))
    return words


def _from_price(product: Product) -> str:
    prices = product.price_range()
    return f"the {product.name} (from {money(prices[0])})" if prices else f"the {product.name} (out of stock)"


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
