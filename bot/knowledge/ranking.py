"""Which policy passage answers the question: dense similarity fused with a lexical score (BM25 over
the candidates, on the shopper's key terms) and the kind of answer the question wants. Pure: no I/O.

Kinds of answer: a duration for "how long / when / until when", an amount for "how much / fee / free",
a list for "which / what kinds", a rule for "can I / do I have to / is it possible", a yes or no for
"do you / is there". A passage of the wanted kind gets a bonus, and one without the duration or amount
asked for a penalty; the share of the question's key terms (weighted by rarity) the passage and its
headings hold adds to the score, and so does opening its section (a section's first sentence states its
rule). The weights were chosen on the demo and tau-bench stores' questions and checked once on the
held-out store (reports/eval.md).
"""
from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from bot.knowledge.places import country_pattern

# Weights of the fused score; each similarity is a MiniLM cosine. Chosen on the tuning stores (demo +
# tau-bench policy questions, top-passage accuracy over all of a store's passages).
W_SECTION = 0.75  # the passage's whole section (its chunk): a sentence is read with its neighbours
W_ALONE = 1.0  # the passage's own words, without its headings
W_HEADING = 0.5  # the nearest heading alone ("Return Window", "Who pays for the return postage?")
W_LEXICAL = 0.10  # BM25 of the key terms, scaled to 0..1 by the best candidate's
W_COVER = 0.2  # share of the question's key terms (rarity-weighted) in the passage and its headings
W_KIND = 0.15  # bonus for a passage of the kind of answer the question wants
W_KIND_MISS = 0.15  # penalty for a passage without the duration or amount the question asks for
W_FIRST = 0.15  # bonus for the first passage of its section
W_META = 0.5  # penalty for a sentence about the page itself ("This page explains..."): it states no rule
# With the passage reader (a larger encoder, all-mpnet-base-v2) at hand, its similarities to the passage alone
# and to its heading join in and MiniLM's own three count half: on six stores (two fitted on, four written by
# outside testers) top-passage accuracy rose from 71% to 76% on average, and on no store fell (a plateau:
# reader weights 0.5-1.5 and MiniLM shares 0-1 all gave 75-76%).
W_READER_ALONE = 1.0
W_READER_HEADING = 0.25
MINILM_SHARE = 0.5

STOPWORDS = frozenset(
    "a an the and or but if of to in on at by for with from as is are was were be been being am do does did "
    "i me my mine we us our you your it its this that these those there here what which who whom how when "
    "where why can could would should will shall may might must have has had not no yes so than then too very "
    "just about into out up down over again any all some such only own same other more most s t "
    "please thanks thank hi hello get got let want wants need soon".split()
)

# The shop's everyday vocabulary, each group read as one term, so "send it back" meets "return" and
# "money back" meets "refund". General shop words only: nothing here names one store's policy.
SYNONYMS = {
    "refund": "refund", "money": "refund", "reimburse": "refund", "reimbursement": "refund",
    "return": "return",
    "ship": "ship", "shipping": "ship", "shipped": "ship", "deliver": "ship", "delivery": "ship",
    "delivered": "deliver", "arrive": "ship", "post": "ship", "postage": "ship", "dispatch": "ship",
    "parcel": "package", "package": "package",
    "cancel": "cancel", "cancelling": "cancel", "cancellation": "cancel", "call off": "cancel",
    "exchange": "exchange", "swap": "exchange", "replace": "exchange",
    "cost": "cost", "price": "cost", "charge": "cost", "fee": "cost", "pay for": "cost",
    "warranty": "warranty", "guarantee": "warranty", "guaranteed": "warranty", "covered": "warranty",
    "abroad": "international", "international": "international", "internationally": "international",
    "overseas": "international", "outside": "international",
    "delete": "delete", "erase": "delete", "remove": "delete", "deletion": "delete", "wipe": "delete",
    "keep": "store", "store": "store", "save": "store", "retain": "store",
    "chat": "chat", "conversation": "chat", "transcript": "chat",
    "modify": "change", "change": "change", "update": "change", "edit": "change",
    "card": "card", "credit": "card", "debit": "card",
    "amex": "amex", "american express": "amex", "mastercard": "mastercard", "master card": "mastercard",
    "instalment": "instalment", "installment": "instalment", "instalments": "instalment", "installments": "instalment",
    "afterpay": "instalment", "klarna": "instalment", "affirm": "instalment", "pay later": "instalment",
    "pay-later": "instalment", "spread the cost": "instalment", "split the cost": "instalment",
    "monthly payments": "instalment", "finance": "instalment", "financing": "instalment",
    "phone": "phone", "telephone": "phone", "call": "phone", "ring me": "phone", "ring you": "phone", "ring us": "phone",
    "reschedule": "reschedule", "rearrange": "reschedule", "postpone": "reschedule", "push back": "reschedule",
    "push it back": "reschedule", "another day": "reschedule", "different day": "reschedule",
    "custom": "custom", "bespoke": "custom", "made to order": "custom", "made-to-order": "custom",
    "custom-made": "custom", "tailor-made": "custom", "personalised": "custom", "personalized": "custom",
    "made specially": "custom", "made especially": "custom", "engraved": "custom", "monogrammed": "custom",
    "change my mind": "mind", "change your mind": "mind", "changed my mind": "mind", "changed your mind": "mind",
    "change of mind": "mind", "second thoughts": "mind", "cooling-off": "mind", "cooling off": "mind",
    "reason": "reason", "say why": "reason", "tell you why": "reason", "explain why": "reason", "give a reason": "reason",
    "express": "express", "expedited": "express", "priority": "express", "rush": "express", "next-day": "express",
    "next day": "express", "overnight": "express", "fast": "express", "faster": "express", "fastest": "express",
    "quick": "express", "quicker": "express", "quickest": "express", "speedy": "express", "urgent": "express",
    # ...but "how fast / how quickly" asks how long something takes: folded to "soon", a stop word, so dropped
    "urgently": "express", "how fast": "soon", "how quick": "soon", "how quickly": "soon",
    "damaged": "damage", "damage": "damage", "broken": "damage", "smashed": "damage", "cracked": "damage",
    "shattered": "damage", "crushed": "damage", "dented": "damage", "in bits": "damage", "in pieces": "damage",
}
# Longest first, whole words only: "ring you" is a phrase, "bring your receipt" is not
_PHRASES = re.compile(r"\b(?:" + "|".join(re.escape(k) for k in sorted((k for k in SYNONYMS if " " in k),
                                                                       key=len, reverse=True)) + r")\b")
_SEND_BACK = re.compile(r"\b(?:send|sending|sent|ship|shipping|post|mail|give|giving|bring|take|taking|hand)"
                        r"(?: (?:it|them|this|that|stuff|something|things"
                        r"|items?|an? \w+|my \w+|the \w+))? back\b")

WANTS = {
    "duration": re.compile(
        r"\bhow (?:long|many (?:business |working )?(?:days|weeks|hours|months|years)|soon|fast|quickly)\b"
        r"|\b(?:until|by) when\b|\bdeadline\b|\btime limit\b|\bwhen (?:will|do|does|is|are|would|should)\b"
        r"|\bexpire|\bvalid\b|\bwhat time\b|\bcut-?off\b|\bhow late\b|\btoo late\b|\b(?:in|still) time\b|\blatest\b"
        # a time span in the question ("two weeks ago", "after a year", "18 months later") asks whether it is
        # within the limit: the answer is the limit
        r"|\b(?:a|an|one|two|three|four|five|six|few|couple of|several|\d+)\s+(?:days?|weeks?|months?|years?)\s+"
        r"(?:ago|later|old|after)\b|\b(?:after|past|over)\s+(?:a|an|one|two|three|four|five|six|\d+)\s+"
        r"(?:days?|weeks?|months?|years?)\b", re.I),
    "amount": re.compile(
        r"\bhow much\b|\bcosts?\b|\bprices?\b|\bfees?\b|\bcharge[sd]?\b|\bspend\b|\bminimum\b|\bthreshold\b"
        r"|\bfree\b|\bpay for\b|\bwho (?:pays|covers)\b|\b(?:have|need) to pay\b|\bpay to\b", re.I),
    "list": re.compile(
        r"\b(?:which|what) (?:kinds?|types?|sorts?|payment|cards?|methods?|options?|reasons?|items?|things"
        r"|countries|products?)\b|\bwhat (?:can|do) (?:i|you)\b|\bwhich\b", re.I),
    "rule": re.compile(
        r"^\W*(?:can|could|may|must|am|is it|are|do i|does|will i|if)\b|\bcan i\b|\bis it possible\b"
        r"|\bam i allowed\b|\bdo i (?:have|need)\b|\bstill\b", re.I),
    "yes_no": re.compile(r"\b(?:do|does|will|can) (?:you|your|the shop)\b|\bis there\b|\bare there\b", re.I),
}

HAS = {
    "duration": re.compile(
        r"\b\d+(?:\s*(?:–|-|to)\s*\d+)?(?:\s*|-)(?:business |working |calendar )?(?:days?|hours?|weeks?|months?|years?)\b"
        r"|\b(?:one|two|three|four|five|six|seven|ten|fourteen|thirty)[- ](?:day|week|month|year)s?\b"
        r"|\bfortnight\b|\binstant(?:ly)?\b|\bimmediately\b|\bsame (?:day|afternoon)\b|\b\d{1,2}\s*(?:am|pm|a\.m\.|p\.m\.)"
        r"|\bforever\b|\bnever expire|\bdo not expire\b|\bbefore the\b|\bwithin\b|\buntil\b", re.I),
    # any currency, written as a sign or a code or a word, and a share ("a 30% deposit")
    "amount": re.compile(r"[$£€¥₹]\s?\d|\b(?:usd|gbp|eur|cad|aud|nzd|chf)\s?\d|\d\s?(?:%|per ?cent\b"
                         r"|(?:usd|gbp|eur|cad|aud|nzd|chf|dollars?|pounds?|euros?|pence)\b)"
                         r"|\bfree\b|\bno (?:fees?|charges?)\b|\bnothing at all\b|\bcosts?\b|\bcharged\b|\bpay\b"
                         r"|\byour responsibility\b", re.I),
    "list": re.compile(r";|,[^,]+,[^,]+|\beither\b[^.]*\bor\b|:\s", re.I),
    "rule": re.compile(r"\b(?:only|must|cannot|can't|can not|not|never|can be|may|allowed|needs? to|ha(?:ve|s) to"
                       r"|required?|as long as|unless)\b", re.I),
    "yes_no": re.compile(r"\bwe (?:do not|don't|never|only|can't|cannot|do|ship|accept|offer|take|post|deliver)\b"
                         r"|\b(?:yes|no)\b", re.I),
}


# A sentence about the page or section itself, not about the shop's rules; or an introduction that points
# to what follows ("Life happens... Here's what we can do."). Any sentence of the passage: a page's lead
# paragraph often opens with a sentence of scene-setting and ends with "This page explains ...".
META = re.compile(r"(?:^|[.!?]\s+)\W*(?:this|the following|on this)\s+(?:page|section|policy|document|article|guide)\b[^.]*?"
                  r"\b(?:explains?|describes?|covers?|sets? out|outlines?|tells? you|lists?|summari[sz]es?|find)\b"
                  r"|\bhere(?:'s|’s| is| are) (?:what|how)\b[^.!?]*[.!:]?\s*$", re.I)


@dataclass(frozen=True)
class Ranked:
    index: int  # position in the candidate list given
    score: float  # fused score: dense + lexical + kind
    dense: float
    lexical: float  # BM25 scaled to 0..1 over the candidates
    kind: bool  # of a kind the question wants


def _stem(word: str) -> str:
    """Light suffix stripping, so "deleted", "deletion" and "delete" meet ("delet")."""
    for suffix in ("ing", "ion", "ies", "ed", "es", "s", "e"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3 and not word.endswith("ss"):
            return word[: -len(suffix)] + ("y" if suffix == "ies" else "")
    return word


def terms(text: str) -> list[str]:
    """Key terms: lower case, shop synonyms folded (a country's name is "international"), stop words
    dropped, light stemming."""
    return list(_terms(text))


@lru_cache(maxsize=8192)
def _terms(text: str) -> tuple[str, ...]:
    # Cached: every policy question ranks the same few hundred passages, twice (ranking and answerability).
    low = _SEND_BACK.sub(" return ", text.lower().replace("’", "'"))
    low = country_pattern().sub(" international ", low)
    low = _PHRASES.sub(lambda m: f" {SYNONYMS[m.group(0)]} ", low)
    out = []
    for word in re.findall(r"[a-z0-9$]+(?:[-'][a-z0-9]+)*", low):
        word = word.split("'")[0]
        if word in STOPWORDS or len(word) < 2:
            continue
        stem = _stem(word)
        out.append(SYNONYMS.get(word) or SYNONYMS.get(stem) or SYNONYMS.get(stem + "e") or stem)
    return tuple(out)


def idf_weights(query: list[str], docs: list[list[str]]) -> dict[str, float]:
    """Inverse document frequency of each query term over `docs`; a term no doc holds weighs most."""
    n = len(docs)
    df = Counter(t for d in docs for t in set(d))
    return {t: math.log(1 + (n - df[t] + 0.5) / (df[t] + 0.5)) for t in set(query)}


def bm25(query: list[str], docs: list[list[str]], k1: float = 1.2, b: float = 0.75) -> list[float]:
    """Okapi BM25 of each doc for the query, with document frequencies from `docs` themselves."""
    if not docs:
        return []
    avg = sum(len(d) for d in docs) / len(docs) or 1.0
    idf = idf_weights(query, docs)
    out = []
    for d in docs:
        tf = Counter(d)
        out.append(sum(idf[t] * tf[t] * (k1 + 1) / (tf[t] + k1 * (1 - b + b * len(d) / avg)) for t in idf if t in tf))
    return out


def coverage(query: list[str], docs: list[list[str]]) -> list[float]:
    """Share of the query's key terms, weighted by rarity, that each doc holds (0..1)."""
    idf = idf_weights(query, docs)
    total = sum(idf.values())
    return [sum(w for t, w in idf.items() if t in set(d)) / total if total else 0.0 for d in docs]


def wanted_kinds(question: str) -> set[str]:
    return {kind for kind, pattern in WANTS.items() if pattern.search(question)}


def passage_kinds(text: str) -> set[str]:
    return {kind for kind, pattern in HAS.items() if pattern.search(text)}


def kind_miss(wanted: set[str], text: str) -> bool:
    """The question asks for a duration or an amount and the passage gives none of those asked for."""
    asked = wanted & {"duration", "amount"}
    return bool(asked) and not asked & passage_kinds(text)


def kind_match(wanted: set[str], text: str) -> bool:
    """Does the passage give the kind of answer wanted? The most specific wanted kind decides."""
    for kind in ("duration", "amount", "list", "yes_no", "rule"):
        if kind in wanted:
            return kind in passage_kinds(text)
    return False


def section_scores(keys: list[tuple[str, str]], sections: list[tuple[tuple[str, str], float]]) -> list[float]:
    """Each passage's section similarity: the best of its section's chunks, else the lowest one seen."""
    best: dict[tuple[str, str], float] = {}
    for key, score in sections:
        best[key] = max(best.get(key, -1.0), score)
    floor = min(best.values(), default=0.0)
    return [best.get(key, floor) for key in keys]


def rank(question: str, texts: list[str], dense: list[float], answers: list[str] | None = None,
         section: list[float] | None = None, alone: list[float] | None = None, heading: list[float] | None = None,
         first: list[bool] | None = None, reader: tuple[list[float], list[float]] | None = None,
         w_lexical: float = W_LEXICAL, w_kind: float = W_KIND,
         w_section: float = W_SECTION, w_alone: float = W_ALONE, w_heading: float = W_HEADING,
         w_cover: float = W_COVER, w_kind_miss: float = W_KIND_MISS, w_first: float = W_FIRST,
         w_meta: float = W_META) -> list[Ranked]:
    """Candidates best first. `texts` are what retrieval read (headings + passage) and `dense` their
    cosine similarity to the question; `answers` the passages alone (their answer kind is judged);
    optional similarities of the question to each passage's whole `section`, to the passage `alone`
    and to its nearest `heading` (missing ones count 0), whether each opens its section (`first`), and the
    passage reader's similarities to the passage alone and to its heading (`reader`).
    Term statistics come from the candidates, so hand over all of a store's passages where possible."""
    answers = answers or texts
    zeros = [0.0] * len(texts)
    section, alone, heading = section or zeros, alone or zeros, heading or zeros
    first = first or [False] * len(texts)
    share, (read_alone, read_heading) = (MINILM_SHARE, reader) if reader else (1.0, (zeros, zeros))
    query, docs = terms(question), [terms(t) for t in texts]
    lexical, covered = bm25(query, docs), coverage(query, docs)
    top = max(lexical, default=0.0)
    wanted = wanted_kinds(question)
    ranked = []
    for i, (cos, lex, answer) in enumerate(zip(dense, lexical, answers)):
        lex = lex / top if top > 0 else 0.0
        match = kind_match(wanted, answer)
        similar = (share * (cos + w_alone * alone[i] + w_heading * heading[i]) + w_section * section[i]
                   + W_READER_ALONE * read_alone[i] + W_READER_HEADING * read_heading[i])
        score = (similar + w_lexical * lex + w_cover * covered[i] + (w_kind if match else 0.0)
                 + (w_first if first[i] else 0.0)
                 - (w_kind_miss if kind_miss(wanted, answer) else 0.0) - (w_meta if META.search(answer) else 0.0))
        ranked.append(Ranked(i, score, cos, lex, match))
    return sorted(ranked, key=lambda r: (-r.score, r.index))
