"""Grounded answers on the store-derived question set: does the reply state the right fact, and does it
state anything the shop's data does not support? Measured on the reply the shopper gets (with the
grounding check) and on the model's own draft (what they would get without it).

"Unsupported" is judged against the shop's whole record on the subject (the product's data, or all
policy pages), not against the facts the answer was phrased from, so a reply about the wrong product
or a number the model made up both count.
"""
from __future__ import annotations

import re
import time
from dataclasses import dataclass
from functools import cached_property
from statistics import mean

from bot.container import Container
from bot.domain.grounding import check_grounding
from bot.domain.prompts import EXAMPLE_TEXTS
from bot.services.phrasing import Phrased, Phraser
from eval.questions import Question, states


# "3 of 8 matching versions": counts the catalogue code computes for the shopper's words; no record
# holds them, and no model writes them.
_VERSION_COUNTS = re.compile(r"\b(?:\d+ of \d+|all \d+) (?:matching )?versions\b", re.IGNORECASE)


class RecordingPhraser(Phraser):
    """The production phraser, remembering its last result (the draft before the check)."""

    last: Phrased | None = None

    def phrase(self, task, question, facts, max_facts=3, **options) -> Phrased:
        self.last = super().phrase(task, question, facts, max_facts, **options)
        return self.last


class EvalContainer(Container):
    @cached_property
    def phraser(self) -> RecordingPhraser:
        s = self.settings
        return RecordingPhraser(self.llm, self.store.catalogue.names(), s.llm_mode, s.llm_max_tokens)


@dataclass(frozen=True)
class Outcome:
    question: Question
    reply: str  # what the shopper gets (grounding check on)
    draft: str  # what the shopper would get with the check off
    grounding: str  # llm / replaced / composed / "" (no phrasing involved)
    declined: bool = False  # the bot said it does not know (and offered a person)
    seconds: float = 0.0
    tentative: bool = False  # the bot said it is not sure, quoted the closest passage and offered a person

    def correct(self, checked: bool = True) -> bool:
        return states(self.reply if checked else self.draft, self.question)

    def unsupported(self, names: list[str], checked: bool = True) -> list[str]:
        text = _VERSION_COUNTS.sub("versions", self.reply if checked else self.draft)
        # The prompt's few-shot examples count as unsupported too: a reply repeating them is not grounded.
        return check_grounding(text, [self.question.source], names, forbidden=EXAMPLE_TEXTS).unsupported


def answer(container: EvalContainer, question: Question) -> Outcome:
    phraser = container.phraser
    phraser.last = None
    started = time.perf_counter()
    if question.route == "fact":
        reply = container.products.fact_answer(question.intent, question.text)
    elif question.route == "describe":
        reply = container.products.describe(question.text)
    else:
        reply = container.knowledge.policy(question.text, question.intent)
    phrased = phraser.last
    draft = (phrased.draft if phrased else "") or reply.text  # no model text: the composed reply either way
    return Outcome(question, reply.text, draft, phrased.grounding if phrased else "", reply.kind == "unknown",
                   time.perf_counter() - started, reply.kind == "policy_tentative")


def summarise(outcomes: list[Outcome], names: list[str]) -> dict:
    """Exact-fact accuracy (questions with an expected fact) and the share of replies with an
    unsupported number or name, each with the grounding check on and off."""
    graded = [o for o in outcomes if o.question.expect]
    out: dict = {"n": len(outcomes), "n_graded": len(graded)}
    for label, checked in (("with_check", True), ("without_check", False)):
        flagged = [o for o in outcomes if o.unsupported(names, checked)]
        out[label] = {
            "fact_accuracy": mean(o.correct(checked) for o in graded) if graded else None,
            "unsupported_rate": len(flagged) / len(outcomes) if outcomes else None,
            "unsupported_examples": [
                {"question": o.question.text, "reply": (o.reply if checked else o.draft)[:300],
                 "unsupported": o.unsupported(names, checked)} for o in flagged[:5]],
        }
    counts: dict[str, int] = {}
    for o in outcomes:
        counts[o.grounding or "none"] = counts.get(o.grounding or "none", 0) + 1
    out["grounding_outcomes"] = counts
    out.update(honesty(outcomes))
    out["wrong"] = [{"question": o.question.text, "expected": list(o.question.expect), "reply": o.reply[:300]}
                    for o in graded if not o.correct()][:8]
    return out


def honesty(outcomes: list[Outcome]) -> dict:
    """Policy questions: answered right, "don't know", and confidently wrong (an answer that misses the
    fact asked for, or any answer to a question the store's pages do not answer), kept apart."""
    policy = [o for o in outcomes if o.question.route == "policy"]
    answerable = [o for o in policy if o.question.answerable and o.question.expect]
    unanswerable = [o for o in policy if not o.question.answerable]
    if not policy:
        return {}
    sure = [o for o in policy if not o.declined and not o.tentative]
    wrong = [o for o in sure if not o.question.answerable or (o in answerable and not o.correct())]
    unsure = [o for o in policy if o.tentative]
    unsure_wrong = [o for o in unsure if not o.question.answerable or (o in answerable and not o.correct())]
    share = (lambda part, whole: len(part) / len(whole) if whole else None)
    times = sorted(o.seconds for o in policy)
    return {
        "policy_answerable": len(answerable),
        "policy_unanswerable": len(unanswerable),
        "dont_know_rate": share([o for o in answerable if o.declined], answerable),
        "answered_wrong_rate": share([o for o in answerable if o in sure and not o.correct()], answerable),
        "stated_confidently_rate": share([o for o in answerable if o in sure and o.correct()], answerable),
        "stated_tentatively_rate": share([o for o in answerable if o.tentative and o.correct()], answerable),
        "unanswerable_declined_rate": share([o for o in unanswerable if o.declined], unanswerable),
        "unanswerable_tentative_rate": share([o for o in unanswerable if o.tentative], unanswerable),
        "confident_wrong_rate": share(wrong, answerable + unanswerable),
        "tentative_wrong_rate": share(unsure_wrong, answerable + unanswerable),
        "p95_seconds": times[min(len(times) - 1, int(0.95 * len(times)))] if times else None,
        "confident_wrong": [{"question": o.question.text, "expected": list(o.question.expect), "reply": o.reply[:200]}
                            for o in wrong[:8]],
    }
