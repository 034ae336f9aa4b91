"""Which items of an order a shopper's message names, in their own words. Pure: no I/O.

A message is cut into clauses ("the puzzle and the bottle - keeping the shoes"). In each clause the
order's product names are scored by the words they share with it: the whole name, its head noun,
any other word of it, or a word it starts with ("cam" for Camera); a word shared by two names
belongs to the name that explains more of the clause ("smart watches": Smart Watch, not Smart
Thermostat). A clause that names nothing but reads like a product ("the bike") can be matched by
meaning through an injected `resemble` function (MiniLM in serving). Clauses without a name (options,
"just one") belong to the product named before them. Per product the clause says:
- which of its items, by the options that tell them apart (`narrow_by_options`);
- "one of the two identical ones": one item, not both;
- "keeping the shoes" / "except the shoes" / "not the shoes": that product is left out.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Iterable

from bot.domain.matching import tokens

# Compares a clause with product names: one similarity in [0, 1] per name (MiniLM cosine in serving).
Resemble = Callable[[str, list[str]], list[float]]
RESEMBLE_MIN = 0.6  # "bike" ~ Bicycle 0.87-0.92; unrelated clauses stay under 0.3 (MiniLM, tau store)
RESEMBLE_MARGIN = 0.1  # over the next name, or the clause is ambiguous ("cam": two cameras)
RESEMBLE_MAX_WORDS = 4  # a noun phrase, not a sentence

_SEPARATORS = re.compile(
    r"\s*(?:[,;:()\[\]/]|\s[-\u2013\u2014]+\s|\band\b|\bplus\b|&|\bas well as\b|\balso\b|\bthen\b|\bbut\b)\s*", re.I)
# Short words that are never the start of a product word ("the" would name a Thermostat).
_FUNCTION_WORDS = set(
    "a an the and or of to in on at by for from with my our your their his her its this that these those "
    "one two both all any some each every it them they i me we you he she is are was be been do did does "
    "can could would will should may might must want need like get got please thanks just only also then "
    "so too very not no yes here there what which who how why when where same other another thing "
    "things stuff item items order orders back return exchange swap change send keep keeping instead "
    "new old one ones pair pairs set".split())
_ONE = re.compile(r"\b(one of|just one|only one|a single|single one|1 of)\b|\bone\b[^,.;]*\b(two|identical|other)\b",
                  re.I)
# Before a product's name in its clause: that product is left out ("keeping the shoes", "not the camera").
_EXCLUDE = re.compile(
    r"\b(?:keep(?:ing)?(?:\s+\S+){0,2}|except(?:\s+for)?(?:\s+\S+){0,2}|excluding(?:\s+\S+){0,2}|"
    r"apart from(?:\s+\S+){0,2}|other than(?:\s+\S+){0,2}|without(?:\s+\S+){0,2}|leav(?:e|ing)(?:\s+\S+){0,2}|"
    r"(?:do not|don'?t) (?:want|need) to (?:return|send back|exchange|change)(?:\s+\S+){0,2}|"
    r"not(?:\s+(?:the|my|those|these|that|this))?)\s*$", re.I)


@dataclass
class Clause:
    text: str
    names: list[str]  # product names it names, best first
    excluded: bool = False


def clauses(text: str) -> list[str]:
    return [part for part in _SEPARATORS.split(text) if part and part.strip()]


def _hits(name: str, words: list[str], option_pairs: set[tuple[str, str]]) -> dict[int, float]:
    """Clause word position -> how surely it belongs to `name`."""
    name_words = tokens(name)
    if not name_words:
        return {}
    head, joined = name_words[-1], "".join(name_words)
    hits: dict[int, float] = {}
    for i, word in enumerate(words):
        if word == joined or word == head:
            hits[i] = 1.0
        elif word in name_words:
            if i + 1 < len(words) and (word[:6], words[i + 1][:6]) in option_pairs:
                continue  # "water resistant" is an option of a speaker, not the Water Bottle
            hits[i] = 0.8
        elif len(word) >= 3 and word not in _FUNCTION_WORDS and word.isalpha() and \
                any(w.startswith(word) and len(w) > len(word) for w in name_words):
            hits[i] = 0.6  # "cam" for Camera, "vac" for Vacuum
    if all(w in words for w in name_words) and len(name_words) > 1:
        for i, word in enumerate(words):
            if word in name_words:
                hits[i] = hits.get(i, 0.0) + 0.5  # the whole name said: it wins every shared word
    return hits


def _option_pairs(items: Iterable[dict]) -> set[tuple[str, str]]:
    pairs = set()
    for item in items:
        for option in item.get("options", {}):
            words = tokens(option)
            pairs.update((a[:6], b[:6]) for a, b in zip(words, words[1:]))
    return pairs


def named_in(clause: str, names: list[str], option_pairs: set[tuple[str, str]]) -> list[str]:
    """The product names this clause names; a word two names share goes to the one that scores more."""
    words = tokens(clause)
    scored = {name: _hits(name, words, option_pairs) for name in names}
    totals = {name: sum(h.values()) for name, h in scored.items()}
    kept = []
    for name, hits in scored.items():
        own = [i for i in hits if all(totals[name] >= totals[o] - 1e-9 for o in names if i in scored[o])]
        if own:
            kept.append(name)
    return sorted(kept, key=lambda n: -totals[n])


def _by_meaning(clause: str, names: list[str], resemble: Resemble | None) -> list[str]:
    content = [w for w in tokens(clause) if w not in _FUNCTION_WORDS and not w[0].isdigit()]
    if resemble is None or not content or len(content) > RESEMBLE_MAX_WORDS or not names:
        return []
    scores = resemble(" ".join(content), names)
    ranked = sorted(zip(scores, names), reverse=True)
    best, runner_up = ranked[0][0], (ranked[1][0] if len(ranked) > 1 else 0.0)
    return [ranked[0][1]] if best >= RESEMBLE_MIN and best - runner_up >= RESEMBLE_MARGIN else []


def read_clauses(text: str, items: list[dict], resemble: Resemble | None = None) -> list[Clause]:
    names = list(dict.fromkeys(i["name"] for i in items))
    pairs = _option_pairs(items)
    out: list[Clause] = []
    for part in clauses(text):
        found = named_in(part, names, pairs) or _by_meaning(part, names, resemble)
        out.append(Clause(part, found, bool(found) and bool(_EXCLUDE.search(part[:_first_noun(part, found)]))))
    return out


def _first_noun(clause: str, names: list[str]) -> int:
    """Where the clause starts naming the product (a name's word, else the first content word)."""
    name_words = {w for n in names for w in tokens(n)}
    spots = [m.start() for m in re.finditer(r"[A-Za-z0-9]+(?:'[a-z]+)?", clause)
             if any(t in name_words or (len(t) >= 3 and t not in _FUNCTION_WORDS
                                        and any(w.startswith(t) for w in name_words)) for t in tokens(m.group()))]
    if not spots:
        spots = [m.start() for m in re.finditer(r"[A-Za-z]+", clause) if m.group().lower() not in _FUNCTION_WORDS]
    return min(spots, default=0)


@dataclass
class Mention:
    name: str
    text: str  # its clause and the nameless clauses after it ("the keyboard - the 60% RGB one")
    one: bool  # "one of the two identical ones"
    excluded: bool


def mentions(text: str, items: list[dict], resemble: Resemble | None = None) -> list[Mention]:
    """Each product the message names, with the words that describe it; nameless clauses before the
    first name describe the first named product."""
    parts = read_clauses(text, items, resemble)
    groups: list[tuple[Clause, list[str]]] = []
    leading: list[str] = []
    for clause in parts:
        if clause.names:
            groups.append((clause, leading + [clause.text]))
            leading = []
        elif groups:
            groups[-1][1].append(clause.text)
        else:
            leading.append(clause.text)
    found: dict[str, Mention] = {}
    for clause, texts in groups:
        joined = ", ".join(texts)
        for name in clause.names:
            mention = found.get(name)
            if mention:  # named twice ("the mug, the blue mug"): one mention with all its words
                mention.text += ", " + joined
                mention.one = mention.one or bool(_ONE.search(joined))
                mention.excluded = mention.excluded and clause.excluded
            else:
                found[name] = Mention(name, joined, bool(_ONE.search(joined)), clause.excluded)
    return list(found.values())
