"""Has the LLM phrase a reply from facts, and falls back to the facts when it strays."""
from __future__ import annotations

import logging
import threading
from collections import Counter
from dataclasses import dataclass

from bot.domain.grounding import check_grounding
from bot.domain.prompts import (
    EXAMPLE_TEXTS, PROMPT_VERSION, RANKED_TASKS, build_messages, compose_selected, parse_selection, select_grammar,
)
from bot.ports import ChatModel, ModelBusy

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Phrased:
    text: str
    grounding: str  # "llm" (model text passed the check), "replaced" (failed; facts used), "composed" (no LLM)
    draft: str = ""  # what the model produced before the grounding check (make eval compares the two)


class Phraser:
    """One call per reply. `stats` counts outcomes so benchmarks can report the replacement rate."""

    def __init__(self, llm: ChatModel | None, catalogue_names: list[str], mode: str = "select", max_tokens: int = 96):
        self._llm = llm
        self._names = catalogue_names
        self._mode = mode
        self._max_tokens = max_tokens
        self._lock = threading.Lock()
        self.stats: Counter = Counter()

    def phrase(self, task: str, question: str, facts: list[str], max_facts: int = 3, lead: int = 1) -> Phrased:
        """`lead`: for ranked tasks, how many of the first facts the reply must start with, in order
        (a policy answer's best passage and the sentence that completes it)."""
        facts = facts[:8]
        fallback = " ".join(facts[:max_facts])  # the ranked facts alone, best first
        if self._llm is None or not facts:
            return self._count(Phrased(fallback, "composed", fallback))
        messages = build_messages(task, facts, question, self._mode)
        try:
            if self._mode == "select":
                grammar = select_grammar(len(facts), max_facts, lead_with_first=task in RANKED_TASKS,
                                         lead=lead if task in RANKED_TASKS else 1)
                raw = self._llm.complete(messages, grammar, self._max_tokens)
                parsed = parse_selection(raw, len(facts))
                text = compose_selected(parsed[0], facts, parsed[1]) if parsed else ""
            else:
                text = self._llm.complete(messages, None, self._max_tokens).strip()
        except ModelBusy:  # busy with other shoppers: the facts alone answer without the wait
            log.warning("LLM busy; composing from facts")
            with self._lock:
                self.stats["busy"] += 1
            return self._count(Phrased(fallback, "composed", fallback))
        except Exception:  # a model failure must never reach the shopper
            log.exception("LLM call failed (prompt %s); composing from facts", PROMPT_VERSION)
            return self._count(Phrased(fallback, "replaced"))
        # the few-shot examples' content is forbidden: a reply quoting it answers about another shop
        verdict = check_grounding(text, facts, self._names, forbidden=EXAMPLE_TEXTS)
        if not text or not verdict.ok:
            log.info("grounding check replaced LLM text %r (unsupported: %s)", text, verdict.unsupported)
            return self._count(Phrased(fallback, "replaced", text))
        return self._count(Phrased(text, "llm", text))

    def _count(self, phrased: Phrased) -> Phrased:
        with self._lock:
            self.stats[phrased.grounding] += 1
        return phrased
