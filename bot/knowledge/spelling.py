"""Typos in a shopper's question mended against the shop's own words. Pure: no I/O.

"how long is the warrnaty?" finds no passage by its key term and embeds far from "warranty": one typo a
question turned 9 of 54 answered policy questions into "don't know" or a wrong passage (demo store,
reports/eval.md). A word is mended only when neither the shop's pages nor a general English word list
hold it (pyspellchecker's English list, via an adapter): first to a word of the shop's pages one edit
away (two for long words), else to a common English word one edit away with the same first letter. A real word the shop does not use ("earl grey",
"canada") is left as it is.
"""
from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping

_WORD = re.compile(r"[A-Za-z]+(?:['’][A-Za-z]+)*")  # "hasn't" is one word
_MIN_LENGTH = 4  # shorter words have too many neighbours one edit away
_LONG = 8  # from this length two edits to a shop word are allowed
_MIN_ENGLISH = 5  # mended to a general English word only from this length...
_COMMON = 500  # ...one at least this common (the word list counts rare words and names too)
# British spellings of words the (American) word list holds: "colour", "programme", "organise", "centre"
_BRITISH = [(re.compile(p), r) for p, r in ((r"our", "or"), (r"is(e|ed|es|ing|ation)$", r"iz\1"), (r"ys(e|ed|es|ing)$", r"yz\1"),
                                            (r"mme$", "m"), (r"tre(s?)$", r"ter\1"), (r"ogue$", "og"), (r"ll(ed|ing|er|ery)$", r"l\1"),
                                            (r"ence$", "ense"))]
_ENDINGS = [("s", ""), ("es", ""), ("ies", "y"), ("ed", ""), ("ed", "e"), ("d", ""), ("ing", ""), ("ing", "e"),
            ("ly", ""), ("er", ""), ("ers", ""), ("est", ""), ("'s", "")]


def vocabulary(texts: Iterable[str]) -> Counter[str]:
    """How often each lower-case word occurs in the shop's texts."""
    return Counter(w.lower().replace("’", "'") for t in texts for w in _WORD.findall(t))


def edits(a: str, b: str, limit: int) -> int:
    """Optimal string alignment distance (insert, delete, substitute, swap two neighbours), or limit + 1
    as soon as it must exceed `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    before: list[int] | None = None
    row = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            current[j] = min(row[j] + 1, current[j - 1] + 1, row[j - 1] + cost)
            if before is not None and i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], before[j - 2] + 1)
        if min(current) > limit:  # row minima never fall again
            return limit + 1
        before, row = row, current
    return row[-1]


def _nearest(word: str, candidates: Iterable[tuple[str, float]], limit: int) -> str | None:
    """The candidate fewest edits away (at most `limit`); ties go to the same first letter (typos rarely
    hit it), then to the lower rank (the more common word: ranks are minus counts)."""
    best: tuple[int, bool, float, str] | None = None
    for candidate, rank in candidates:
        distance = edits(word, candidate, limit)
        if distance <= limit:
            key = (distance, candidate[0] != word[0], rank, candidate)
            best = key if best is None or key < best else best
    return best[3] if best else None


class Speller:
    """Mends typos. `known` counts general English words (higher: more common): they are never typos, and
    a typo of a word the shop does not use is mended to the most common one an edit away."""

    def __init__(self, known: Mapping[str, int]):
        self.known = known
        self._by_start: dict[tuple[str, int], list[tuple[str, float]]] | None = None

    def _english(self, word: str) -> list[tuple[str, float]]:
        """Common words that could be one edit from `word`: the same first letter, a length one apart."""
        if self._by_start is None:  # built on first use, then published whole (answers run on threads)
            by_start: dict[tuple[str, int], list[tuple[str, float]]] = defaultdict(list)
            for known, count in self.known.items():
                if len(known) >= _MIN_ENGLISH - 1 and count >= _COMMON:
                    by_start[known[0], len(known)].append((known, -count))
            self._by_start = by_start
        return [c for n in (len(word) - 1, len(word), len(word) + 1) for c in self._by_start.get((word[0], n), [])]

    def is_known(self, low: str) -> bool:
        """An English word, an inflection of one ("soles", "cafes": the word list lacks most of those) or
        its British spelling."""
        forms = {low} | ({pattern.sub(american, low) for pattern, american in _BRITISH} if len(low) > 4 else set())
        return any(form in self.known or any(form.endswith(end) and len(form) - len(end) >= 3
                                             and form[: -len(end)] + add in self.known for end, add in _ENDINGS)
                   for form in forms)

    def mend(self, word: str, shop_words: Counter[str]) -> str:
        low = word.lower().replace("’", "'")
        if len(low) < _MIN_LENGTH or low in shop_words or self.is_known(low):
            return word
        shop = ((w, -count) for w, count in shop_words.items() if len(w) >= _MIN_LENGTH - 1)
        found = _nearest(low, shop, 2 if len(low) >= _LONG else 1)
        if not found and len(low) >= _MIN_ENGLISH:
            found = _nearest(low, self._english(low), 1)
        return found or word

    def mend_typos(self, text: str, shop_words: Counter[str]) -> str:
        """`text` with each typo replaced (see `mend`); everything else as it was."""
        if not self.known:
            return text
        return _WORD.sub(lambda m: self.mend(m.group(0), shop_words), text)
