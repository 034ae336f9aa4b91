"""Facts and their sources: the only material a reply may state."""
from __future__ import annotations

import re

from dataclasses import dataclass, field

from bot.domain.catalogue import Product, Variant, money


@dataclass(frozen=True)
class Source:
    kind: str  # "product", "variant" or "policy"
    id: str  # product id, item id, or policy file name
    title: str  # product name or policy page title
    section: str = ""

    def as_dict(self) -> dict:
        return {"kind": self.kind, "id": self.id, "title": self.title, "section": self.section}

    def citation(self) -> str:
        if self.kind == "policy":
            return f"{self.title} › {self.section}" if self.section else self.title
        if self.kind == "variant":
            return f"{self.title} (item {self.id})"
        return f"{self.title} (product {self.id})"


@dataclass(frozen=True)
class Fact:
    text: str
    source: Source


@dataclass
class Answer:
    """A reply ready for the shopper, with everything the channel needs."""

    text: str
    kind: str
    sources: list[Source] = field(default_factory=list)
    buttons: list[dict] = field(default_factory=list)
    product_id: str | None = None
    grounding: str = "composed"  # "composed", "llm", or "replaced" (LLM text failed the check)
    handoff_offered: bool = False
    extra: dict = field(default_factory=dict)  # channel metadata a flow adds (e.g. the operation done)

    def metadata(self) -> dict:
        return {
            "kind": self.kind,
            "sources": [s.as_dict() for s in self.sources],
            "grounding": self.grounding,
            "handoff_offered": self.handoff_offered,
            **({"product_id": self.product_id} if self.product_id else {}),
            **self.extra,
        }


def product_source(product: Product) -> Source:
    return Source("product", product.product_id, product.name)


def variant_source(product: Product, variant: Variant) -> Source:
    return Source("variant", variant.item_id, product.name)


def variant_fact(product: Product, variant: Variant) -> Fact:
    stock = "in stock" if variant.available else "out of stock"
    text = f"The {product.name} ({variant.label()}) costs {money(variant.price)} and is {stock}."
    return Fact(text, variant_source(product, variant))


def options_fact(product: Product) -> Fact:
    parts = [f"{name}: {', '.join(values)}" for name, values in product.option_values().items()]
    text = f"The {product.name} comes in {'; '.join(parts)}." if parts else f"The {product.name} has one version."
    return Fact(text, product_source(product))


def stock_summary_fact(product: Product) -> Fact:
    available = len(product.available_variants)
    total = len(product.variants)
    price_range = product.price_range()
    if not price_range:
        text = f"The {product.name} is currently out of stock in every version."
    else:
        low, high = price_range
        prices = money(low) if low == high else f"from {money(low)} to {money(high)}"
        text = f"{available} of {total} versions of the {product.name} are in stock, priced {prices}."
    return Fact(text, product_source(product))


def description_facts(product: Product) -> list[Fact]:
    source = product_source(product)
    facts = [Fact(s, source) for s in split_sentences(product.description)]
    facts += [Fact(f"{product.name} {name}: {value}.", source) for name, value in product.specs.items()]
    return facts


# A full stop that does not end a sentence: after an abbreviation that never closes one ("e.g.", "approx."),
# after a clock time followed by its time zone or day ("before 1 p.m. Eastern", "11 a.m. AEST Monday"),
# and after a country's initials followed by a name they start ("U.S. Postal Service").
_NEVER_LAST = re.compile(r"\b(?:e\.g|i\.e|incl|approx|vs|cf|ca|esp|excl|min|max|mr|mrs|ms|dr|st|ave|apt|fig)\.$",
                         re.I)
_CLOCK = re.compile(r"\b[ap]\.m\.$", re.I)
_INITIALS = re.compile(r"\bU\.[SK]\.$")
_NUMBER_SIGN = re.compile(r"\bNos?\.$")  # "No. 5"
_NAMED = re.compile(r"(?:Postal|Mail|Customs|Virgin|Armed|Government|Department|Dollars?)\b")
_ZONE_OR_DAY = re.compile(
    r"(?:Eastern|Pacific|Central|Mountain|Atlantic|Alaska|Hawaii|Newfoundland|Greenwich|British|Australian"
    r"|[A-Z]{1,2}[SD]?T|GMT|UTC|Mon(?:day)?|Tue(?:s|sday)?|Wed(?:nesday)?|Thu(?:rs|rsday)?|Fri(?:day)?"
    r"|Sat(?:urday)?|Sun(?:day)?)\b")
_BREAK = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])")


def split_sentences(text: str) -> list[str]:
    text = " ".join(text.split())
    parts, start = [], 0
    for gap in _BREAK.finditer(text):
        before, after = text[start:gap.start()], text[gap.end():]
        if (_NEVER_LAST.search(before) or (_CLOCK.search(before) and _ZONE_OR_DAY.match(after))
                or (_INITIALS.search(before) and _NAMED.match(after))
                or (_NUMBER_SIGN.search(before) and after[:1].isdigit())):
            continue
        parts.append(before)
        start = gap.end()
    parts.append(text[start:])
    return [p.strip() for p in parts if len(p.strip()) > 2]
