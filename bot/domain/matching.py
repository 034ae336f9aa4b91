"""Resolve the product and the variant a shopper means from their own words.

Works on any store: names and option values come from the catalogue, not from training data.
Product names are scored by weighted token overlap (the last word of a name, its head noun, weighs
more; words shared by many names weigh less), with typo tolerance and plural forms; a partly named
product whose head noun carries a foreign word ("sewing machine") is not that product.
Option values are found as spans of the shopper's words (numbers split from units and units made one
spelling, "1.5 liters" = "1.5L"; hyphens optional; "none" / "no backlight" / "waterproof" for
none / yes / no options; size words), the longer reading wins, an option's name next to a value
decides which option it belongs to, and each variant is scored by how many spans it explains, each
span used once, so options can come in any order and any sentence shape.
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
# Words that may stand before any product's name without making it another kind of thing.
MODIFIERS_ANY_PRODUCT = set(
    "a an the this that these those your our my his her their any some one two three each every new used cheap "
    "cheapest cheaper good best better nice great big bigger biggest small smaller smallest little large larger "
    "other another same different basic simple regular normal standard decent popular expensive affordable "
    "budget favorite favourite current latest old older spare extra single pair of for sell carry stock have "
    "got get buy order want need like see find about is are was r u ur ya y'all yall still also just only even "
    "more most less least real actual proper whole entire what which how much many"
    .split()
)
_TOKEN = re.compile(r"[a-z0-9]+(?:[.'][a-z0-9]+)*")


def tokens(text: str) -> list[str]:
    return [_singular(t) for t in _TOKEN.findall(text.lower().replace("'s ", " "))]


def _singular(token: str) -> str:
    if len(token) > 3 and token.endswith("ies"):
        return token[:-3] + "y"
    if len(token) > 3 and (token.endswith("es") and token[-3] in "sxz" or token.endswith(("ches", "shes"))):
        return token[:-2]  # "boxes", "watches", "brushes"
    if len(token) > 3 and token.endswith("s") and not token.endswith("ss"):
        return token[:-1]
    return token


def plural_aliases(vocab: Iterable[str]) -> dict[str, str]:
    """What `tokens` makes of a catalogue word's plural -> the word: "beanies" -> "beany" -> "beanie",
    "hoses" -> "hos" -> "hose"."""
    out = {}
    for word in vocab:
        for plural in (word + "s", word + "es", word[:-1] + "ies" if word.endswith("y") else ""):
            seen = _singular(plural) if plural else word
            if seen != word and seen not in vocab:
                out.setdefault(seen, word)
    return out


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
    near: list[Product] = field(default_factory=list)  # nothing meant, but these share words with the text

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
        self._plurals = plural_aliases(self._vocab)
        self._option_words = {
            pid: {t for values in p.option_values().values() for v in values
                  for t in tokens(v) + [w.norm for w in option_tokens(v)]}
            for pid, p in catalogue.products.items()
        }
        self._all_option_words = set().union(*self._option_words.values()) if self._option_words else set()

    def _weight(self, tok: str, is_head: bool) -> float:
        return (2.0 if is_head else 1.0) / self._doc_freq.get(tok, 1)

    def _normalise(self, words: Iterable[str]) -> set[str]:
        """Map typos onto catalogue words ('jaket' -> 'jacket')."""
        out = set()
        for word in words:
            word = self._plurals.get(word, word)
            out.add(word)
            # A word the catalogue knows as an option value ("hair" in "pet hair removal") is no typo.
            if (len(word) >= 4 and word not in self._doc_freq and word not in NEVER_FUZZY
                    and word not in self._all_option_words):
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

    def _different_kind(self, pid: str, text: str) -> bool:
        """"sewing machine" is not the Espresso Machine, "smart speaker" not the Bluetooth Speaker: a
        partly named product whose head noun carries a word of neither its name nor its options."""
        head = self._forms[pid][0][-1]
        seq = [self._plurals.get(w, w) for w in tokens(text)]
        own = {t for f in self._forms[pid] for t in f} | self._option_words[pid] | set(UNITS)
        for i, word in enumerate(seq):
            if word != head or i == 0:
                continue
            before = seq[i - 1]
            if before.isalpha() and before not in own | MODIFIERS_ANY_PRODUCT | NEVER_FUZZY:
                return True
        return False

    def _by_own_word(self, words: set[str]) -> list[str]:
        """"the fantasy jigsaw", "the robotic vacuum": a word of one product's name that no other name
        and no option uses, with no other product's head noun in the text."""
        heads = {forms[0][-1] for forms in self._forms.values()}
        if words & heads:
            return []
        return [pid for pid, forms in self._forms.items()
                if any(self._doc_freq.get(t) == 1 and t in words and t not in self._all_option_words
                       and t not in MODIFIERS_ANY_PRODUCT for t in forms[0][:-1])]

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
        if not close:
            close = self._by_own_word(words)
        products = [self.catalogue.products[pid] for pid in close]
        near = [self.catalogue.products[pid] for s, pid in scored[:3]]
        if products and all(self._different_kind(p.product_id, text) for p in products):
            return ProductMatch(None, near=products[:3])
        if len(products) == 1:
            return ProductMatch(products[0])
        return ProductMatch(None, products[:6], near=near if not products else [])


@dataclass
class VariantMatch:
    variant: Variant | None
    candidates: list[Variant]
    mentioned: dict[str, list[str]]


# -- option values: spans of the shopper's words that name a value of one of the product's options --
# A unit as shoppers write it -> one spelling (only for a word right after a number: "1.5 liters" = "1.5L").
UNITS = {
    "l": "l", "liter": "l", "litre": "l", "ltr": "l", "ml": "ml", "milliliter": "ml", "millilitre": "ml",
    "gb": "gb", "gig": "gb", "gigabyte": "gb", "tb": "tb", "terabyte": "tb", "inch": "inch", "inche": "inch",
    "ft": "ft", "foot": "ft", "feet": "ft", "w": "w", "watt": "w", "mah": "mah", "mm": "mm", "millimeter": "mm",
    "cm": "cm", "lb": "lb", "pound": "lb", "kg": "kg", "hour": "hour", "hr": "hour", "h": "hour",
    "degree": "degree", "deg": "degree", "mp": "mp", "megapixel": "mp", "quart": "quart", "qt": "quart",
    "lumen": "lumen", "lm": "lumen", "piece": "piece", "pc": "piece", "person": "person", "people": "person",
    "percent": "percent", "cup": "cup", "tool": "tool", "bar": "bar", "oz": "oz", "k": "k", "p": "p", "x": "x",
}
SPELLINGS = {"grey": "gray", "colour": "color"}
# Numbers written out ("a two person tent"); not "one", which points back ("the red one").
NUMBER_WORDS = {w: str(i) for i, w in enumerate(
    "zero _ two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen twenty".split()) if w != "_"}
NEGATIONS = {"no", "not", "non", "without", "nothing"}
# Words that may sit inside a value as written by a shopper: "Wi-Fi and cellular", "5 to 25 lbs".
FILLERS = {"and", "plus", "to", "with", "&"}
_OPTION_TOKEN = re.compile(r"\d+(?:[.,]\d+)*|[A-Za-z]+|[%\"°]")


@dataclass(frozen=True)
class Token:
    norm: str
    raw: str
    attached: bool  # written against a number ("L" in "1.5L"): never a size on its own


def option_tokens(text: str) -> list[Token]:
    """Words for option matching: numbers split from units ("1.5L" -> 1.5 l, "i7" -> i 7), units and
    spellings made one, plurals singular, "n't" a negation."""
    text = re.sub(r"n't\b", " not", text.replace("\u2019", "'"))
    out: list[Token] = []
    last_end = -1
    for m in _OPTION_TOKEN.finditer(text):
        raw = m.group()
        attached = m.start() == last_end
        last_end = m.end()
        prev = out[-1].norm if out else ""
        after_number = _is_number(prev)
        if raw[0].isdigit():
            norm = raw.replace(",", "") if re.fullmatch(r"\d{1,3}(,\d{3})+", raw) else raw.replace(",", ".")
        elif raw == "%":
            norm = "percent"
        elif raw in "\"°":
            if not after_number:
                continue
            norm = "inch" if raw == '"' else "degree"
        elif raw.lower() in NUMBER_WORDS:
            norm = NUMBER_WORDS[raw.lower()]
        else:
            norm = _singular(raw.lower())
            norm = SPELLINGS.get(norm, norm)
            if after_number:
                norm = UNITS.get(norm, norm)
        out.append(Token(norm, raw, attached and not raw[0].isdigit() and after_number))
    return out


def _is_number(word: str) -> bool:
    return bool(word) and word[0].isdigit()


@dataclass(frozen=True)
class _Form:
    words: tuple[str, ...]
    weight: float
    bare_number: bool = False  # "1.5" for "1.5L": only when no other unit follows


def _value_forms(value: str) -> list[_Form]:
    words = tuple(t.norm for t in option_tokens(value))
    if not words:
        return []
    forms = [_Form(words, 1.0)]
    for joined in (re.sub(r"(?<=[A-Za-z])[-\s]+(?=[A-Za-z])", "", value),):
        alt = tuple(t.norm for t in option_tokens(joined))
        if alt != words:
            forms.append(_Form(alt, 1.0))
    if len(words) >= 2 and _is_number(words[0]) and words[1] in UNITS.values():
        forms.append(_Form(words[:1], 0.6, bare_number=True))  # "the 19 espresso machine"
        if len(words) >= 3:
            forms.append(_Form(words[:2], 0.8))  # "75W" for "75W equivalent"
    return forms


def _stem(word: str) -> str:
    return word[:6]  # "resistant" / "resistance", "backlit" / "backlight", "armrests" / "armrest"


@dataclass
class _Span:
    start: int
    end: int  # exclusive
    targets: dict[tuple[str, str], float]  # (option name, value) -> how surely the words name it
    strong: bool  # a value named outright: a combination the store lacks is then impossible

    def overlaps(self, other: "_Span") -> bool:
        return self.start < other.end and other.start < self.end


def _find(words: list[str], form: tuple[str, ...], blocked: set[int],
          fillers: frozenset[str] = frozenset()) -> list[tuple[int, int]]:
    """Where the form's words occur in order, allowing filler words (and `fillers`) between them."""
    found = []
    for i in range(len(words)):
        j, k = i, 0
        while j < len(words) and k < len(form):
            if words[j] == form[k] and j not in blocked:
                j, k = j + 1, k + 1
            elif k > 0 and (words[j] in FILLERS or words[j] in fillers):
                j += 1
            else:
                break
        if k == len(form):
            found.append((i, j))
    return found


def _name_spans(words: list[str], name: str) -> list[tuple[int, int]]:
    stems = tuple(_stem(t.norm) for t in option_tokens(name))
    text_stems = [_stem(w) for w in words]
    return [(i, i + len(stems)) for i in range(len(words) - len(stems) + 1)
            if tuple(text_stems[i:i + len(stems)]) == stems] if stems else []


def _size_spans(value: str, toks: list[Token], blocked: set[int]) -> list[tuple[int, int, float]]:
    """Short sizes ("M") count as a capital letter, "size m" or a size word ("medium", weighing less
    than a value that is the word itself)."""
    low = value.lower()
    out = []
    for i, tok in enumerate(toks):
        if i in blocked or tok.attached or tok.norm != low:
            continue
        if tok.raw.isupper() or len(low) >= 2 or (i > 0 and toks[i - 1].norm == "size"):
            out.append((i, i + 1, 1.0))
    words = [t.norm for t in toks]
    for word in SIZE_WORDS.get(low, []):
        form = tuple(t.norm for t in option_tokens(word))
        out += [(s, e, 0.9) for s, e in _find(words, form, blocked)]
    return out


def _spans(toks: list[Token], product: Product, blocked: set[int]) -> list[_Span]:
    words = [t.norm for t in toks]
    spans: dict[tuple[int, int], _Span] = {}

    def add(start: int, end: int, weight: float, target: tuple[str, str], strong: bool) -> None:
        span = spans.setdefault((start, end), _Span(start, end, {}, strong))
        span.targets[target] = max(weight, span.targets.get(target, 0.0))
        span.strong = span.strong or strong

    for name, values in product.option_values().items():
        lows = {v.lower(): v for v in values}
        # The option's own words may sit inside a value: "not water resistant" for "not resistant".
        own_words = frozenset(t.norm for t in option_tokens(name))
        for value in values:
            if value.lower() in SIZE_WORDS or (len(value) <= 2 and value.isalpha()):
                for s, e, w in _size_spans(value, toks, blocked):
                    add(s, e, w, (name, value), True)
                continue
            if value.lower() in ("yes", "no"):
                # A bare "yes" / "no" in a list of values ("in yes, 9 and synthetic"): a weak reading.
                for s, e in _find(words, (value.lower(),), blocked):
                    add(s, e, 0.7, (name, value), False)
                continue  # otherwise named through the option's name below
            for form in _value_forms(value):
                for s, e in _find(words, form.words, blocked, own_words):
                    nxt = words[e] if e < len(words) else ""
                    if form.bare_number and (nxt in UNITS.values() or _is_number(nxt)):
                        continue
                    add(s, e, form.weight, (name, value), form.weight >= 0.9)
        negative = lows.get("no") or lows.get("none")
        positive = lows.get("yes")
        if not (negative or positive):
            continue
        # "waterproof" -> waterproof: yes; "not waterproof", "no backlight", "without armrests" -> no / none
        for s, e in _name_spans(words, name):
            if any(i in blocked for i in range(s, e)):
                continue
            before = [i for i in range(max(0, s - 2), s) if words[i] in NEGATIONS]
            after = words[e] if e < len(words) else ""
            if before or after in ("no", "none"):
                if negative:
                    add(min(before) if before else s, e + (0 if before else 1), 1.0, (name, negative), True)
            elif positive:
                add(s, e + (after == "yes"), 1.0, (name, positive), False)
    found = list(spans.values())
    # "rose gold" holds "gold", "non-polarized" holds "polarized": the longer reading wins.
    return [s for s in found if not any(o is not s and o.start <= s.start and s.end <= o.end
                                        and (o.end - o.start) > (s.end - s.start) for o in found)]


def _bind(span: _Span, words: list[str]) -> None:
    """"black lenses" / "frame color silver": an option's name next to an ambiguous value decides."""
    names = {n for n, _ in span.targets}
    if len(names) < 2:
        return
    chosen = {n for n in names if any(e == span.start for _, e in _name_spans(words, n))}
    if not chosen and span.end < len(words):
        after = _stem(words[span.end])
        chosen = {n for n in names if after in {_stem(t.norm) for t in option_tokens(n)}}
    if chosen and chosen != names:
        span.targets = {t: w for t, w in span.targets.items() if t[0] in chosen}


def _best_assignment(variant: Variant, spans: list[_Span]) -> tuple[float, dict[int, str]]:
    """The most the variant explains: each span gives one option its value, no two spans overlap.
    Returns the score and which option each used span names."""
    options = list(variant.options.items())
    # At most three readings per option (a long message repeating "black" must not explode the search).
    choices = [[i for i, span in enumerate(spans) if (name, value) in span.targets][:3] for name, value in options]
    best: tuple[float, dict[int, str]] = (0.0, {})

    def walk(k: int, used: dict[int, str], score: float) -> None:
        nonlocal best
        if k == len(options):
            if score > best[0] + 1e-9:
                best = (score, dict(used))
            return
        name, value = options[k]
        for i in choices[k]:
            span = spans[i]
            if i not in used and not any(span.overlaps(spans[j]) for j in used):
                walk(k + 1, {**used, i: name}, score + span.targets[(name, value)])
        walk(k + 1, used, score)

    walk(0, {}, 0.0)
    return best


def _corrected(toks: list[Token], product: Product) -> list[Token]:
    """Typos and spellings of the product's option words ("polarised", "alumnium") -> the store's word."""
    vocab = sorted({t.norm for values in product.option_values().values() for v in values
                    for t in option_tokens(v) if len(t.norm) >= 5 and t.norm.isalpha()})
    out = []
    for tok in toks:
        if len(tok.norm) >= 5 and tok.norm.isalpha() and tok.norm not in vocab and tok.norm not in NEVER_FUZZY:
            close = difflib.get_close_matches(tok.norm, vocab, n=1, cutoff=0.85)
            if close:
                tok = Token(close[0], tok.raw, tok.attached)
        out.append(tok)
    return out


def _product_positions(toks: list[Token], product: Product) -> set[int]:
    """Where the product's own name stands in the text (its words are not option values there)."""
    words = [t.norm for t in toks]
    blocked: set[int] = set()
    for form in _value_forms(product.name):
        if form.weight == 1.0:
            for s, e in _find(words, form.words, set()):
                blocked.update(range(s, e))
    return blocked


def _naming_options(words: list[str], product: Product) -> set[int]:
    """Where an option's name that spells its own values stands ("bagged/bagless"): not a value there."""
    blocked: set[int] = set()
    for name, values in product.option_values().items():
        own = {t.norm for t in option_tokens(name)}
        if any({t.norm for t in option_tokens(v)} <= own for v in values):
            for s, e in _name_spans(words, name):
                blocked.update(range(s, e))
    return blocked


def match_variant(text: str, product: Product, hints: Iterable[str] = ()) -> VariantMatch:
    lowered = text.lower()
    extra = [h for h in hints if h and h.lower() not in lowered]  # an entity already in the text counts once
    toks = _corrected(option_tokens(" ; ".join([text, *extra])), product)
    words = [t.norm for t in toks]
    spans = _spans(toks, product, _product_positions(toks, product) | _naming_options(words, product))
    for span in spans:
        _bind(span, words)
    if not spans:
        return VariantMatch(None, list(product.variants), {})
    strong = [i for i, s in enumerate(spans) if s.strong]
    scored = []
    for variant in product.variants:
        score, used = _best_assignment(variant, spans)
        # Complete: every value named outright is one of this variant's (said twice counts once), or
        # overlaps a reading the variant has.
        complete = all(i in used or any(variant.options.get(n) == v for n, v in spans[i].targets)
                       or any(spans[i].overlaps(spans[j]) for j in used) for i in strong)
        scored.append((score, complete, variant, used))
    mentioned: dict[str, list[str]] = {}
    complete = [row for row in scored if row[1] and row[0] > 0]
    if not complete and strong:
        # Nothing has all of it: what was asked for, each span read its surest way, in the text's order.
        for i in sorted(strong, key=lambda i: spans[i].start):
            (name, value), _ = max(spans[i].targets.items(), key=lambda t: t[1])
            if value not in mentioned.setdefault(name, []):
                mentioned[name].append(value)
        return VariantMatch(None, [], mentioned)
    pool = complete or [row for row in scored if row[0] > 0]
    if not pool:
        return VariantMatch(None, list(product.variants), {})
    top = max(row[0] for row in pool)
    candidates = [row for row in pool if row[0] >= top - 1e-9]
    for _, _, variant, used in candidates:
        for name in used.values():
            if variant.options[name] not in mentioned.setdefault(name, []):
                mentioned[name].append(variant.options[name])
    variants = [row[2] for row in candidates]
    return VariantMatch(variants[0] if len(variants) == 1 else None, variants, mentioned)


def named_values(text: str, product: Product) -> dict[str, list[str]]:
    """Option name -> each of its values the text names, in the text's order: the same reading of
    the shopper's words as `match_variant` ("no backlight" -> none, "water resistant" -> yes, "1.5
    liters" -> 1.5L), without choosing a variant. "Glass instead of stainless steel" names both."""
    toks = _corrected(option_tokens(text), product)
    words = [t.norm for t in toks]
    spans = _spans(toks, product, _product_positions(toks, product) | _naming_options(words, product))
    named: dict[str, list[str]] = {}
    for span in sorted(spans, key=lambda s: s.start):
        _bind(span, words)
        top = max(span.targets.values())
        for (name, value), weight in span.targets.items():
            if weight >= top - 1e-9 and value not in named.setdefault(name, []):
                named[name].append(value)
    return {name: values for name, values in named.items() if values}


def distinguishing_options(variants: list[Variant]) -> list[str]:
    """Option names whose values differ among the given variants."""
    names: list[str] = []
    for variant in variants:
        for name in variant.options:
            if name not in names and len({v.options.get(name) for v in variants}) > 1:
                names.append(name)
    return names
