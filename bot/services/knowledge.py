"""Policy answers and the knowledge fallback: every answer-sized passage of the store ranked by the fused
dense + lexical + answer-kind score, answer selection, an answerability check, then the phraser."""
from __future__ import annotations

import logging
import re
from collections import Counter
from dataclasses import dataclass

import numpy as np

from bot.domain.facts import Answer, Fact, Source, split_sentences
from bot.domain.replies import HUMAN_BUTTON, dont_know
from bot.knowledge.answerability import Model, features
from bot.knowledge.answerability_model import MODEL
from bot.knowledge.passages import page_passages
from bot.knowledge.ranking import STOPWORDS, SYNONYMS, rank, section_scores
from bot.knowledge.small_talk import core_question
from bot.knowledge.spelling import Speller, vocabulary
from bot.ports import Embedder, Passage, Retriever
from bot.services.phrasing import Phraser
from bot.services.products import ProductAnswers

log = logging.getLogger(__name__)

PASSAGE = "policy_passage"  # bot.knowledge.documents.PASSAGE (not imported: it pulls in LangChain)
CANDIDATES = 400  # passages the fused ranking scores: every passage of a store's policy pages (a few hundred)
SECTIONS = 32  # policy chunks searched for the section similarity
MAX_FACTS = 4  # ranked passages offered to the phraser...
SCORE_MARGIN = 0.4  # ...that score within this of the best one (the best comes first, always)
# Answerability (bot/knowledge/answerability.py): how likely the best passage answers the question. From
# CONFIDENT up the bot answers; from TENTATIVE up it says it is not sure, quotes the closest passage and
# offers a person; below, it says it does not know. Chosen on the fitting stores with each store's
# likelihoods from a scorer fitted on the other stores (eval/answerability.py; reports/eval.md). 0.85 rather
# than 0.8: confident wrong answers over the six fitting stores 4.6% -> 3.5% (mean), facts stated (with "not
# sure" replies) unchanged at 93.5%; the price is more "not sure" replies (confidently stated 75% -> 69%).
CONFIDENT = 0.85
TENTATIVE = 0.2

# Words a policy question is made of even where a shop's pages lack them: shop talk ("shipping", "refund")
# and the words that say what kind of answer is wanted ("how long", "how much", "when")
SHOP_WORDS = [w for w in SYNONYMS if " " not in w] + [w for w in STOPWORDS if len(w) >= 4] + \
    "long much many soon fast quickly days weeks months years hours money free".split()

TOPICS = {
    "policy_shipping": "shipping and delivery",
    "policy_returns": "returns and refunds",
    "policy_exchanges": "exchanges",
    "policy_cancellation": "cancelling an order",
    "policy_warranty": "warranty",
    "policy_payment": "payment methods",
    "policy_privacy": "privacy and personal data",
}


@dataclass(frozen=True)
class Signals:
    """What the ranking reads for one question: every policy passage (`hits`), the text retrieval read
    (`indexed`: headings + passage), the passage alone (`texts`), and its similarities to the question
    (alone and heading are None without an embedder), whether it opens its section, and the passage reader's
    similarities (None without it)."""

    question: str  # as ranked: small talk trimmed, typos mended
    hits: list[Passage]
    indexed: list[str]
    texts: list[str]
    dense: list[float]
    section: list[float]
    alone: list[float] | None
    heading: list[float] | None
    first: list[bool]
    reader: tuple[list[float], list[float]] | None = None  # the passage reader's alone and heading similarities


def passage_sentences(passage: Passage) -> list[str]:
    """Plain sentences of a Markdown chunk (headings dropped, list markers and emphasis removed)."""
    parts: list[str] = []
    bullets: list[str] = []
    for line in passage.text.splitlines() + [""]:
        item = re.match(r"^\s*(?:[-*+]|\d+\.)\s+(.*)", line)
        if item:
            bullets.append(item.group(1).strip().rstrip(".;,"))
            continue
        if bullets:  # a list reads as one sentence: "We accept: Visa; PayPal; gift cards."
            parts.append("; ".join(bullets) + ".")
            bullets = []
        if line.strip() and not line.lstrip().startswith("#"):
            parts.append(line.strip())
    text = re.sub(r"[*_`]{1,3}", "", " ".join(parts))
    return [s if s[-1] in ".!?" else s + "." for s in split_sentences(text)]


def section_openers(hits: list[Passage]) -> list[bool]:
    """Does each passage open its section (the lowest position seen for its page and heading)?"""
    key = (lambda h: (h.metadata.get("source", ""), h.metadata.get("section", "")))
    opening: dict[tuple[str, str], int] = {}
    for h in hits:
        position = h.metadata.get("position")
        if position is not None:
            opening[key(h)] = min(opening.get(key(h), position), position)
    return [h.metadata.get("position") is not None and h.metadata.get("position") == opening[key(h)] for h in hits]


def passage_source(passage: Passage) -> Source:
    meta = passage.metadata
    return Source("policy", meta.get("source", ""), meta.get("title", ""), meta.get("section", ""))


class KnowledgeAnswers:
    def __init__(self, retriever: Retriever, phraser: Phraser, products: ProductAnswers, threshold: float, k: int = 4,
                 max_facts: int = 3, speller: Speller | None = None, answerability: Model | None = MODEL,
                 reader: Embedder | None = None):
        self.retriever = retriever
        self.reader = reader  # a larger encoder that re-reads the passages for the ranking (None: MiniLM alone)
        self.answerability = answerability  # None: every passage close enough to the question answers it
        self.speller = speller  # mends typos in policy questions (None: questions as typed)
        self._shop_words: Counter[str] | None = None  # words of the policy passages, for the speller
        self.trim_small_talk = True  # rank the question inside "Hi! ... Thanks!" (False: the message as sent)
        self.phraser = phraser
        self.products = products
        self.threshold = threshold
        self.k = k
        self.max_facts = max_facts
        self._vectors: dict[int, dict[str, list[float]]] = {}  # per encoder: passage and heading embeddings

    def policy(self, question: str, intent: str | None = None) -> Answer:
        ranked = self.policy_passages(question, intent)
        verdict = self.verdict(ranked)
        if verdict == "unknown":
            return dont_know("I couldn't find that in our store policies")
        if verdict == "tentative":
            return self._tentative(ranked)
        return self._from_passages(question, ranked)

    def fallback(self, question: str, current_product_id: str | None = None) -> Answer:
        """Anything the NLU was unsure about: answer from the store's knowledge or admit not knowing."""
        asked = core_question(question) if self.trim_small_talk else question
        hits = self.retriever.search(asked, k=self.k)
        if (not hits or hits[0].score < self.threshold) and (mended := self._mended(asked)) != asked:
            hits = self.retriever.search(mended, k=self.k)  # a typo may hide it; products keep their words
        if not hits or hits[0].score < self.threshold:
            return dont_know()
        best = hits[0]
        if best.metadata.get("doc_type") == "product":
            return self.products.question(question, current_id=best.metadata.get("product_id"), guessed=True)
        return self.policy(question)

    def verdict(self, ranked: list[Passage]) -> str:
        """"answer", "tentative" (not sure: the closest passages, and a person offered) or "unknown". The
        likelihood needs every similarity (an embedder at hand; it weighs the dense similarity itself);
        without it the dense threshold decides."""
        if not ranked:
            return "unknown"
        confidence = ranked[0].metadata.get("confidence")
        if confidence is None:
            close = max(p.metadata.get("dense", p.score) for p in ranked[:3]) >= self.threshold
            return "answer" if close else "unknown"
        if confidence >= CONFIDENT:
            return "answer"
        return "tentative" if confidence >= TENTATIVE else "unknown"

    def policy_passages(self, question: str, intent: str | None = None) -> list[Passage]:
        """Policy passages best first (dense similarity fused with key terms and the answer kind wanted);
        each Passage's text is the passage alone, its score the fused score, metadata["dense"] the cosine."""
        s = self.policy_signals(question, intent)
        if s is None:
            return []
        ranked = rank(s.question, s.indexed, s.dense, s.texts, s.section, s.alone, s.heading, s.first, s.reader)
        out = [Passage(s.texts[r.index], round(r.score, 4),
                       {**s.hits[r.index].metadata, "dense": r.dense, "lexical": r.lexical, "kind": r.kind})
               for r in ranked]
        if s.alone is not None and s.heading is not None:  # every signal at hand: how likely the best one answers
            found = features(s.question, s.indexed, s.texts, s.dense, s.section, s.alone, s.heading, ranked)
            out[0].metadata["features"] = found
            if self.answerability:
                out[0].metadata["confidence"] = round(self.answerability.probability(found), 4)
        return out

    def policy_signals(self, question: str, intent: str | None = None) -> Signals | None:
        """Every policy passage with what the ranking reads of it for the question (typos mended); None
        when the store has no policy text."""
        question = core_question(question) if self.trim_small_talk else question
        chunks, hits = self._search(question, intent)
        if hits and self.speller:  # typos mended against the words of the shop's passages and shop talk
            self._shop_words = vocabulary([*(h.text for h in hits), *SHOP_WORDS])
            mended = self.speller.mend_typos(question, self._shop_words)
            if mended != question:
                question = mended
                chunks, hits = self._search(question, intent)
        if not hits:  # an index built before passages existed: cut the best chunks into passages
            hits = [Passage(p.indexed_text(), chunk.score,
                            {"section": p.section, **chunk.metadata, "text": p.text})
                    for chunk in chunks[: self.k]
                    for p in page_passages(chunk.metadata.get("title", ""), chunk.text)]
        if not hits:
            return None
        texts = [h.metadata.get("text", h.text) for h in hits]
        headings = [h.metadata.get("section", "") for h in hits]
        section = section_scores([(h.metadata.get("source", ""), h.metadata.get("section", "")) for h in hits],
                                 [((c.metadata.get("source", ""), c.metadata.get("section", "")), c.score) for c in chunks])
        alone, heading = self._similarities(self.products.embedder, question, [texts, headings])
        reader = self._reader_similarities(question, [texts, headings])
        return Signals(question, hits, [h.text for h in hits], texts, [h.score for h in hits], section, alone, heading,
                       section_openers(hits), reader)

    def _mended(self, question: str) -> str:
        """The question with its typos mended against the shop's words (the policy passages' words, read
        once here and again by every policy answer, so a re-ingested store is picked up)."""
        if not self.speller:
            return question
        if self._shop_words is None:
            passages = self.retriever.search("store policies", k=CANDIDATES, doc_type=PASSAGE)
            self._shop_words = vocabulary([*(p.text for p in passages), *SHOP_WORDS])
        return self.speller.mend_typos(question, self._shop_words)

    def _search(self, question: str, intent: str | None) -> tuple[list[Passage], list[Passage]]:
        """The policy chunks (for section similarity) and every policy passage, for the question."""
        query = f"{TOPICS[intent]}: {question}" if intent in TOPICS else question
        chunks = self.retriever.search(query, k=max(SECTIONS, self.k), doc_type="policy")
        return chunks, self.retriever.search(query, k=CANDIDATES, doc_type=PASSAGE)

    def _reader_similarities(self, question: str, groups: list[list[str]]) -> tuple[list[float], list[float]] | None:
        """The passage reader's similarities to the passages and their headings; None without a reader or when it
        fails (the ranking then reads MiniLM alone: an optional model must not silence a policy answer)."""
        try:
            read_alone, read_heading = self._similarities(self.reader, question, groups)
        except Exception:  # noqa: BLE001 -- any failure of the optional model
            log.exception("passage reader failed; ranking with MiniLM alone")
            return None
        return (read_alone, read_heading) if read_alone is not None and read_heading is not None else None

    def _similarities(self, embedder: Embedder | None, question: str, groups: list[list[str]]
                      ) -> list[list[float] | None]:
        """Cosine of the question to each text of each group; texts are embedded once and remembered."""
        if not embedder:
            return [None for _ in groups]
        vectors = self._vectors.setdefault(id(embedder), {})
        missing = sorted({t for group in groups for t in group if t and t not in vectors})
        if missing:
            vectors.update(zip(missing, embedder.embed_documents(missing)))
        query = np.asarray(embedder.embed_query(question), dtype=np.float64)
        query_norm = np.linalg.norm(query)
        out = []
        for group in groups:  # one matrix product per group: a store has a few hundred passages
            rows = np.asarray([vectors[t] if t else np.zeros_like(query) for t in group], dtype=np.float64)
            norms = np.linalg.norm(rows, axis=1) * query_norm if len(group) else np.zeros(0)
            dots = rows @ query if len(group) else np.zeros(0)
            out.append([float(d / n) if n else 0.0 for d, n in zip(dots, norms)])
        return out

    def _tentative(self, ranked: list[Passage]) -> Answer:
        """Not sure the pages answer it: the passages an answer would quote, said to be only the closest,
        with a person offered. No model text: nothing here may sound surer than it is."""
        chosen, _lead = answer_passages(ranked)
        quoted = " ".join(p.text for p in chosen)
        return Answer(f"I'm not sure this answers your question exactly, but this is the closest our store policies "
                      f"come: \u201c{quoted}\u201d Would you like me to connect you with a person from our team?",
                      "policy_tentative",
                      [passage_source(ranked[0])], buttons=[HUMAN_BUTTON], handoff_offered=True)

    def _from_passages(self, question: str, ranked: list[Passage]) -> Answer:
        chosen, _window = answer_passages(ranked)
        facts = [Fact(p.text, passage_source(p)) for p in chosen]
        # The model only opens the reply: when it chose which ranked facts to add, SmolLM2 stated the fact
        # asked for 3-6 points less often than the ranked facts alone (issue 11), so every fact leads.
        phrased = self.phraser.phrase("policy", question, [f.text for f in facts], max_facts=len(facts),
                                      lead=len(facts))
        sources = []
        for fact in facts:
            if fact.source not in sources and fact.text in phrased.text:
                sources.append(fact.source)
        return Answer(phrased.text, "policy", sources or [facts[0].source], grounding=phrased.grounding)


def overlaps(a: str, b: str) -> bool:
    """One passage says the other: a whole list and one of its items, or the same sentence twice."""
    a, b = a.rstrip(". "), b.rstrip(". ")
    return a in b or b in a


def answer_passages(ranked: list[Passage], limit: int = MAX_FACTS, margin: float = SCORE_MARGIN
                    ) -> tuple[list[Passage], int]:
    """What a policy answer quotes, in order, and how many of them lead it whatever the phraser picks:
    the best passage; the next sentence of its section when retrieval found it too (it often completes
    the answer: "...by emailing us." + "We complete deletion requests within 30 days."); then the other
    passages that score within `margin` of the best."""
    best = ranked[0]
    chosen = [best]
    position = best.metadata.get("position")
    if position is not None:
        chosen += [p for p in ranked[1:] if p.metadata.get("position") == position + 1
                   and all(p.metadata.get(k) == best.metadata.get(k) for k in ("source", "section"))][:1]
    lead = len(chosen)
    for p in ranked[1:]:
        if len(chosen) >= limit:
            break
        if p.score >= best.score - margin and not any(overlaps(p.text, c.text) for c in chosen):
            chosen.append(p)
    return chosen, lead
