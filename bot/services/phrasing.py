"""Has the LLM phrase a reply from facts, and falls back to the facts when it strays."""
from __future__ import annotations

import logging
import threading
from collections import Counter
from dataclasses import dataclass

from bot.domain.grounding import check_grounding
from bot.domain.latency_budget import SEND_MARGIN_S
from bot.domain.prompts import (
    EXAMPLE_TEXTS, PROMPT_VERSION, RANKED_TASKS, build_messages, compose_selected, parse_selection, select_grammar,
)
from bot.ports import ChatModel, ModelBusy, ServingMetrics
from bot.services.model_queue import ModelQueue, NoMetrics, OverBudget
from bot.services.turns import turn_deadline

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Phrased:
    text: str
    grounding: str  # "llm" (model text passed the check), "replaced" (failed; facts used), "composed" (no LLM)
    draft: str = ""  # what the model produced before the grounding check (make eval compares the two)


class Phraser:
    """One call per reply. `stats` counts outcomes so benchmarks can report the replacement rate.

    Every call goes through `queue`: within a shopper's turn (see bot/services/turns.py) the model phrases
    only when the calls in front of it let it finish within the turn's budget; otherwise the reply is
    composed from the facts at once."""

    def __init__(self, llm: ChatModel | None, catalogue_names: list[str], mode: str = "select", max_tokens: int = 96,
                 queue: ModelQueue | None = None, metrics: ServingMetrics | None = None):
        self._llm = llm
        self._names = catalogue_names
        self._mode = mode
        self._max_tokens = max_tokens
        self._metrics = metrics or NoMetrics()
        self.queue = queue or ModelQueue(getattr(llm, "slots", 1), self._metrics)
        self._lock = threading.Lock()
        self.stats: Counter = Counter()

    def phrase(self, task: str, question: str, facts: list[str], max_facts: int = 3, lead: int = 1) -> Phrased:
        """`lead`: for ranked tasks, how many of the first facts the reply must start with, in order
        (a policy answer's best passage and the sentence that completes it)."""
        facts = facts[:8]
        fallback = " ".join(facts[:max_facts])  # the ranked facts alone, best first
        if self._llm is None or not facts:
            return self._count(task, Phrased(fallback, "composed", fallback), "no_model" if facts else "no_facts")
        messages = build_messages(task, facts, question, self._mode)
        grammar = None
        if self._mode == "select":
            grammar = select_grammar(len(facts), max_facts, lead_with_first=task in RANKED_TASKS,
                                     lead=lead if task in RANKED_TASKS else 1)
        deadline = turn_deadline()
        try:
            with self.queue.slot(task, deadline):
                raw = self._complete(messages, grammar, deadline)
            if self._mode == "select":
                parsed = parse_selection(raw, len(facts))
                text = compose_selected(parsed[0], facts, parsed[1]) if parsed else ""
            else:
                text = raw.strip()
        except OverBudget as why:  # the queue in front would not let the model finish in time
            log.debug("LLM over the turn budget (%s); composing from facts", why)
            return self._count(task, Phrased(fallback, "composed", fallback), "over_budget")
        except ModelBusy:  # the model ran into the deadline: the facts alone answer without the wait
            log.info("LLM busy until the deadline; composing from facts")
            with self._lock:
                self.stats["busy"] += 1
            return self._count(task, Phrased(fallback, "composed", fallback), "busy")
        except Exception:  # a model failure must never reach the shopper
            log.exception("LLM call failed (prompt %s); composing from facts", PROMPT_VERSION)
            return self._count(task, Phrased(fallback, "replaced"), "error")
        # the few-shot examples' content is forbidden: a reply quoting it answers about another shop
        verdict = check_grounding(text, facts, self._names, forbidden=EXAMPLE_TEXTS)
        if not text or not verdict.ok:
            log.info("grounding check replaced LLM text %r (unsupported: %s)", text, verdict.unsupported)
            return self._count(task, Phrased(fallback, "replaced", text), "grounding")
        return self._count(task, Phrased(text, "llm", text), "phrased")

    def _complete(self, messages: list[dict], grammar: str | None, deadline: float | None) -> str:
        complete_by = getattr(self._llm, "complete_by", None)
        if deadline is not None and complete_by is not None:
            return complete_by(messages, grammar, self._max_tokens, deadline - SEND_MARGIN_S)
        return self._llm.complete(messages, grammar, self._max_tokens)

    def _count(self, task: str, phrased: Phrased, reason: str) -> Phrased:
        with self._lock:
            self.stats[phrased.grounding] += 1
            if reason == "over_budget":
                self.stats["over_budget"] += 1
        self._metrics.reply(task, phrased.grounding, reason)
        return phrased
