"""The phraser under a turn's latency budget: the model phrases only when it can finish in time,
otherwise the facts answer at once; every outcome is counted for the metrics."""
import threading
import time

from bot.domain.latency_budget import DurationWindow, SEND_MARGIN_S
from bot.ports import ModelBusy
from bot.services.model_queue import ModelQueue
from bot.services.phrasing import Phraser
from bot.services.turns import begin_turn, end_turn, turn_deadline
from tests.fakes import FakeChatModel

FACTS = ["Returns are accepted within 30 days of delivery.", "Refunds take 5 to 10 business days."]
SELECTED = '{"intro": "Sure", "facts": [1]}'


class DeadlineModel(FakeChatModel):
    """A fake that can stop at a deadline, like the real adapters; records the deadline it was given."""

    slots = 1

    def __init__(self, *answers, busy=False, hold: threading.Event | None = None):
        super().__init__(*answers)
        self.deadlines: list[float] = []
        self.busy = busy
        self.hold = hold
        self.inside = threading.Event()

    def complete_by(self, messages, grammar, max_tokens, deadline):
        self.deadlines.append(deadline)
        self.inside.set()
        if self.hold:
            self.hold.wait(10)
        if self.busy:
            raise ModelBusy("ran into the deadline")
        return self.complete(messages, grammar, max_tokens)


class Replies:
    def __init__(self):
        self.replies: list[tuple[str, str, str]] = []

    def llm_queue(self, waiting, running): ...

    def llm_call(self, task, seconds, waited_s): ...

    def reply(self, task, grounding, reason):
        self.replies.append((task, grounding, reason))


def phraser_with(llm, estimate_s, metrics=None):
    queue = ModelQueue(1, metrics, window=DurationWindow(prior_s=estimate_s))
    return Phraser(llm, [], queue=queue, metrics=metrics)


def test_within_the_budget_the_model_phrases_and_gets_the_turns_deadline():
    llm, metrics = DeadlineModel(SELECTED), Replies()
    token = begin_turn(60.0)
    try:
        out = phraser_with(llm, estimate_s=0.1, metrics=metrics).phrase("policy", "q", FACTS)
        deadline = turn_deadline()
    finally:
        end_turn(token)
    assert out.grounding == "llm" and out.text.endswith("Returns are accepted within 30 days of delivery.")
    assert llm.deadlines == [deadline - SEND_MARGIN_S]
    assert metrics.replies == [("policy", "llm", "phrased")]


def test_a_model_slower_than_the_budget_is_not_asked_and_the_facts_answer():
    llm, metrics = DeadlineModel(SELECTED), Replies()
    phraser = phraser_with(llm, estimate_s=2.5, metrics=metrics)  # recent calls took 2.5 s
    token = begin_turn(2.0)
    try:
        out = phraser.phrase("policy", "q", FACTS, max_facts=1)
    finally:
        end_turn(token)
    assert (out.text, out.grounding) == (FACTS[0], "composed")
    assert llm.calls == [] and phraser.stats["over_budget"] == 1
    assert metrics.replies == [("policy", "composed", "over_budget")]


def test_a_busy_queue_composes_at_once_instead_of_waiting():
    hold = threading.Event()
    llm = DeadlineModel(SELECTED, hold=hold)
    phraser = phraser_with(llm, estimate_s=1.5)
    first: list = []
    # another shopper's reply holds the model (its own turn, 60 s budget)
    other = threading.Thread(target=lambda: (begin_turn(60.0), first.append(phraser.phrase("policy", "q", FACTS))))
    other.start()
    assert llm.inside.wait(10)
    # this turn: up to 1.5 s in front + 1.5 s of its own > 2 s; if the machine stalls long enough for it to be
    # admitted, it still leaves the queue once it could no longer finish, as the other call holds the model
    token = begin_turn(2.0)
    try:
        out = phraser.phrase("upsell", "q", FACTS, max_facts=1)
    finally:
        end_turn(token)
    assert out.grounding == "composed" and len(llm.calls) == 0
    hold.set()
    other.join(10)
    assert first[0].grounding == "llm"


def test_a_call_that_runs_into_the_deadline_gives_the_facts():
    phraser = phraser_with(DeadlineModel(busy=True), estimate_s=0.1)
    token = begin_turn(60.0)
    try:
        out = phraser.phrase("policy", "q", FACTS, max_facts=1)
    finally:
        end_turn(token)
    assert (out.text, out.grounding) == (FACTS[0], "composed") and phraser.stats["busy"] == 1


def test_outside_a_turn_there_is_no_budget_and_no_deadline():
    llm = DeadlineModel(SELECTED)
    out = phraser_with(llm, estimate_s=30.0).phrase("summary", "q", FACTS)  # even a slow model is asked
    assert out.grounding == "llm" and llm.deadlines == [] and len(llm.calls) == 1


def test_models_without_a_deadline_call_still_work_in_a_turn():
    token = begin_turn(60.0)
    try:
        out = phraser_with(FakeChatModel(SELECTED), estimate_s=0.1).phrase("policy", "q", FACTS)
    finally:
        end_turn(token)
    assert out.grounding == "llm"


def test_the_turn_deadline_reaches_worker_threads_started_with_to_thread():
    import asyncio

    async def turn():
        begin_turn(5.0)
        return await asyncio.to_thread(turn_deadline)

    started = time.monotonic()
    deadline = asyncio.run(turn())
    assert deadline is not None and started + 5.0 <= deadline
    assert turn_deadline() is None  # the caller's own context is untouched


def test_every_reply_is_counted_with_its_reason():
    metrics = Replies()
    Phraser(None, [], metrics=metrics).phrase("policy", "q", FACTS)
    Phraser(FakeChatModel(error=RuntimeError("boom")), [], metrics=metrics).phrase("policy", "q", FACTS)
    Phraser(FakeChatModel("{{{"), [], metrics=metrics).phrase("upsell", "q", FACTS)
    assert metrics.replies == [("policy", "composed", "no_model"), ("policy", "replaced", "error"),
                               ("upsell", "replaced", "grounding")]
