"""Retrieval quality on the store-derived question set: recall@k and MRR, for the raw query over every
chunk, for the old policy query (topic prefix over policy chunks, `chunks`) and for what the bot really
does (`bot`: policy questions go through the answer service's passage ranking; product questions search
product chunks). Questions the store cannot answer are left out here."""
from __future__ import annotations

from collections import defaultdict
from statistics import mean
from typing import Callable

from bot.ports import Passage, Retriever
from bot.services.knowledge import TOPICS
from eval.questions import Question, squash

DEPTH = 10  # MRR is cut at this rank
KS = (1, 3, 5)


def is_gold(passage: Passage, question: Question) -> bool:
    if question.gold_product:
        return passage.metadata.get("product_id") == question.gold_product
    gold = squash(question.gold_phrase)
    return gold in squash(passage.text) or gold in squash(passage.metadata.get("raw", ""))


def first_gold_rank(passages: list[Passage], question: Question) -> int | None:
    """1-based rank of the first passage that answers the question; None when none in the list."""
    return next((i for i, p in enumerate(passages, 1) if is_gold(p, question)), None)


def scores(ranks: list[int | None]) -> dict[str, float]:
    """recall@k for each k, and the mean reciprocal rank (0 for a miss)."""
    out = {f"recall@{k}": mean(r is not None and r <= k for r in ranks) for k in KS}
    out["mrr"] = mean(1 / r if r else 0.0 for r in ranks)
    out["n"] = len(ranks)
    return out


def bot_query(question: Question) -> tuple[str, str]:
    """The query text and chunk type the answer services use for this question."""
    if question.kind == "policy":
        topic = TOPICS.get(question.intent)
        return (f"{topic}: {question.text}" if topic else question.text), "policy"
    return question.text, "product"


PolicySearch = Callable[[str, "str | None"], list[Passage]]


def evaluate(retriever: Retriever, questions: list[Question], policy_search: PolicySearch | None = None) -> dict:
    """Scores overall and by kind x wording style, for each query form; plus the bot's misses.
    `policy_search(question, intent)` is the answer service's own passage ranking."""
    groups: dict[str, dict[str, list]] = {"raw": defaultdict(list), "chunks": defaultdict(list),
                                          "bot": defaultdict(list)}
    misses = []
    for q in questions:
        if not q.answerable:
            continue
        raw_rank = first_gold_rank(retriever.search(q.text, k=DEPTH), q)
        text, doc_type = bot_query(q)
        chunk_rank = first_gold_rank(retriever.search(text, k=DEPTH, doc_type=doc_type), q)
        bot_rank = chunk_rank
        if q.kind == "policy" and policy_search is not None:
            bot_rank = first_gold_rank(policy_search(q.text, q.intent)[:DEPTH], q)
        forms = (("raw", raw_rank), ("bot", bot_rank)) + ((("chunks", chunk_rank),) if q.kind == "policy" else ())
        for form, rank in forms:
            for key in ("all", q.kind, f"{q.kind}/{q.style}"):
                groups[form][key].append(rank)
        if bot_rank != 1:
            misses.append({"question": q.text, "item": q.item, "rank": bot_rank})
    return {form: {key: scores(ranks) for key, ranks in by_key.items()} for form, by_key in groups.items()} | {
        "misses": misses}
