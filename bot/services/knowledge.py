"""Policy answers and the knowledge fallback: retrieval, a relevance threshold, then the phraser."""
from __future__ import annotations

import re

from bot.domain.facts import Answer, Fact, Source, split_sentences
from bot.domain.replies import dont_know
from bot.ports import Passage, Retriever
from bot.services.phrasing import Phraser
from bot.services.products import ProductAnswers, cosine

TOPICS = {
    "policy_shipping": "shipping and delivery",
    "policy_returns": "returns and refunds",
    "policy_exchanges": "exchanges",
    "policy_cancellation": "cancelling an order",
    "policy_warranty": "warranty",
    "policy_payment": "payment methods",
    "policy_privacy": "privacy and personal data",
}


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


def passage_source(passage: Passage) -> Source:
    meta = passage.metadata
    return Source("policy", meta.get("source", ""), meta.get("title", ""), meta.get("section", ""))


class KnowledgeAnswers:
    def __init__(self, retriever: Retriever, phraser: Phraser, products: ProductAnswers, threshold: float, k: int = 4):
        self.retriever = retriever
        self.phraser = phraser
        self.products = products
        self.threshold = threshold
        self.k = k

    def policy(self, question: str, intent: str | None = None) -> Answer:
        query = f"{TOPICS[intent]}: {question}" if intent in TOPICS else question
        hits = self.retriever.search(query, k=self.k, doc_type="policy")
        if not hits or hits[0].score < self.threshold:
            return dont_know("I couldn't find that in our store policies")
        return self._from_passages(question, [h for h in hits if h.score >= hits[0].score - 0.08][:2])

    def fallback(self, question: str, current_product_id: str | None = None) -> Answer:
        """Anything the NLU was unsure about: answer from the store's knowledge or admit not knowing."""
        hits = self.retriever.search(question, k=self.k)
        if not hits or hits[0].score < self.threshold:
            return dont_know()
        best = hits[0]
        if best.metadata.get("doc_type") == "product":
            return self.products.question(question, current_id=best.metadata.get("product_id"))
        return self._from_passages(question, [h for h in hits if h.metadata.get("doc_type") == "policy"][:2])

    def _from_passages(self, question: str, passages: list[Passage]) -> Answer:
        facts = [Fact(s, passage_source(p)) for p in passages for s in passage_sentences(p)]
        facts = self._rank(question, facts)[:6]
        phrased = self.phraser.phrase("policy", question, [f.text for f in facts], max_facts=3)
        sources = []
        for fact in facts[:3]:
            if fact.source not in sources:
                sources.append(fact.source)
        return Answer(phrased.text, "policy", sources, grounding=phrased.grounding)

    def _rank(self, question: str, facts: list[Fact]) -> list[Fact]:
        embedder = self.products.embedder
        if not embedder or len(facts) <= 1:
            return facts
        query = embedder.embed_query(question)
        scores = [cosine(query, v) for v in embedder.embed_documents([f.text for f in facts])]
        return [f for _, f in sorted(zip(scores, facts), key=lambda pair: -pair[0])]
