"""Resolve the product and the variant a shopper means from their own words.

Works on any store: names and option values come from the catalogue, not from training data.
Product names are scored by weighted token overlap (the last word of a name, its head noun, weighs
more; words shared by many names weigh less), with typo tolerance; option values by exact token
match plus common size words.
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from typing import Iterable

from bot.domain.catalogue import Catalogue, Product, Variant

SIZE_WORDS = {
    "xs": ["extra small", "x-small", "xsmall"],
    "s": ["small"],
    "m": ["medium", "med"],
    "l": ["large"],
    "xl": ["extra large", "x-large", "xlarge"],
    "xxl": ["2xl", "xx-large", "double xl", "xxlarge"],
}
# Shop talk that must never be "corrected" into a product word ("stock" is not a typo of "sock").
NEVER_FUZZY = set(
    "stock price prices cost costs size sizes color colour colors available availability ship shipping "
    "order return refund there these those their where which would could should about have much many "
    "black white green brown"
    .split()
)
_TOKEN = re.compile(r"[a-z0-9]+(?:[.'][a-z0-9]+)*")


def tokens(text: str) -> list[str]:
    return [_singular(t) for t in _TOKEN.findall(text.lower().replace("'s ", " "))]


def _singular(token: str) -> str:
    if len(token) > 3 and token.endswith("ies"):
        return token[:-3] + "y"
    if len(token) > 3 and token.endswith("es") and token[-3] in "sxz":
        return token[:-2]
    if len(token) > 3 and token.endswith("s") and not token.endswith("ss"):
        return token[:-1]
    return token


def _name_forms(name: str) -> list[list[str]]:
    """'T-Shirt' -> [['t','shirt'], ['tshirt']]: shoppers write compound names both ways."""
    forms = [tokens(name)]
    joined = tokens(re.sub(r"[-\s]+", "", name)) if "-" in name else []
    if joined and joined != forms[0]:
        forms.append(joined)
    return forms


@dataclass
class ProductMatch:
    product: Product | None
    candidates: list[Product] = field(default_factory=list)

    @property
    def ambiguous(self) -> bool:
        return self.product is None and len(self.candidates) > 1


class ProductMatcher:
    """Built once per catalogue; `match` is pure and fast (a few ms for 50 products)."""

    def __init__(self, catalogue: Catalogue):
        self.catalogue = catalogue
        self._forms = {pid: _name_forms(p.name) for pid, p in catalogue.products.items()}
        doc_freq: dict[str, int] = {}
        for forms in self._forms.values():
            for tok in set(forms[0]):
                doc_freq[tok] = doc_freq.get(tok, 0) + 1
        self._doc_freq = doc_freq
        self._vocab = sorted({t for forms in self._forms.values() for f in forms for t in f})
        self._option_words = {
            pid: {t for values in p.option_values().values() for v in values for t in tokens(v)}
            for pid, p in catalogue.products.items()
        }

    def _weight(self, tok: str, is_head: bool) -> float:
        return (2.0 if is_head else 1.0) / self._doc_freq.get(tok, 1)

    def _normalise(self, words: Iterable[str]) -> set[str]:
        """Map typos onto catalogue words ('jaket' -> 'jacket')."""
        out = set()
        for word in words:
            out.add(word)
            if len(word) >= 4 and word not in self._doc_freq and word not in NEVER_FUZZY:
                out.update(difflib.get_close_matches(word, self._vocab, n=1, cutoff=0.84))
        return out

    def score(self, product_id: str, words: set[str]) -> float:
        best = 0.0
        for form in self._forms[product_id]:
            weights = [self._weight(t, i == len(form) - 1) for i, t in enumerate(form)]
            hit = sum(w for t, w in zip(form, weights) if t in words)
            best = max(best, hit / sum(weights))
        return best

    def _unexplained(self, full: list[str]) -> list[str]:
        """Drop a fully named product whose words the other one's name and options account for:
        in "grey laptop backpack", "laptop" is the Backpack's compartment option, not the Laptop."""
        def explained(pid: str) -> bool:
            words = set(self._forms[pid][0])
            return any(other != pid and words <= set(self._forms[other][0]) | self._option_words[other]
                       for other in full)

        return [pid for pid in full if not explained(pid)] or full

    def match(self, text: str, hints: Iterable[str] = ()) -> ProductMatch:
        words = self._normalise(tokens(" ".join([text, *hints])))
        scored = sorted(
            ((self.score(pid, words), pid) for pid in self._forms), key=lambda s: (-s[0], len(self._forms[s[1]][0]))
        )
        scored = [(s, pid) for s, pid in scored if s > 0]
        if not scored:
            return ProductMatch(None)
        full = self._unexplained([pid for s, pid in scored if s >= 0.999])
        if full:
            # "trail running shoes" fully names both Trail Running Shoes and Running Shoes: the longer wins.
            best = max(full, key=lambda pid: len(self._forms[pid][0]))
            return ProductMatch(self.catalogue.products[best])
        top = scored[0][0]
        close = [pid for s, pid in scored if s >= 0.5 and s >= top - 0.15]
        if not close:
            # Only a shared head noun ("camera") was named: offer the products that share it.
            close = [pid for s, pid in scored if self._forms[pid][0][-1] in words]
        products = [self.catalogue.products[pid] for pid in close]
        if len(products) == 1:
            return ProductMatch(products[0])
        return ProductMatch(None, products[:6])


@dataclass
class VariantMatch:
    variant: Variant | None
    candidates: list[Variant]
    mentioned: dict[str, list[str]]


def _value_mentioned(value: str, words: set[str], raw_text: str) -> bool:
    low = value.lower()
    if low in SIZE_WORDS or len(low) <= 2:
        # Short sizes ("M", "S") only count as a capitalised word, "size m", or a size word.
        if re.search(rf"(?<![\w'])({re.escape(value)})(?![\w'])", raw_text):
            return True
        if re.search(rf"\bsize\s+{re.escape(low)}\b", raw_text.lower()):
            return True
        return any(re.search(rf"\b{re.escape(w)}\b", raw_text.lower()) for w in SIZE_WORDS.get(low, []))
    value_tokens = tokens(value)
    joined = "".join(value_tokens)
    return bool(value_tokens) and (all(t in words for t in value_tokens) or joined in words)


def _size_conflicts(low: str, raw_text: str) -> bool:
    # "extra large" also contains "large": prefer the longer size word.
    text = raw_text.lower()
    return low == "l" and bool(re.search(r"\b(extra|x-|xx-)\s?large\b", text))


def match_variant(text: str, product: Product, hints: Iterable[str] = ()) -> VariantMatch:
    raw = " ".join([text, *hints])
    words = set(tokens(raw))
    mentioned: dict[str, list[str]] = {}
    for name, values in product.option_values().items():
        hits = [v for v in values if _value_mentioned(v, words, raw) and not _size_conflicts(v.lower(), raw)]
        if hits:
            mentioned[name] = hits
    candidates = [
        v for v in product.variants if all(v.options.get(n) in vals for n, vals in mentioned.items())
    ]
    chosen = candidates[0] if len(candidates) == 1 else None
    return VariantMatch(chosen, candidates, mentioned)


def distinguishing_options(variants: list[Variant]) -> list[str]:
    """Option names whose values differ among the given variants."""
    names: list[str] = []
    for variant in variants:
        for name in variant.options:
            if name not in names and len({v.options.get(name) for v in variants}) > 1:
                names.append(name)
    return names
