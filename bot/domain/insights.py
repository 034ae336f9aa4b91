"""The shop owner's figures for a period, computed from stored conversations. Pure: no I/O.

Every figure comes from what the web app stores: each conversation's current state and handoff reason,
and each message (author, text, time, the bot reply's metadata, the shopper's thumbs). Definitions:

- **Period**: dates `from`..`to`, both included, in UTC. A conversation belongs to the day of its first
  shopper message; conversations nobody wrote in (a widget opened and left) are not counted. Every
  other figure is over the period's conversations.
- **Handoff**: the first system message saying a person will take over (the queue notice), or a
  staff member joining (taking over from the assistant directly). A conversation with one is
  **handed over**; its **trigger** is the reason kept with the first queue notice: "The shopper asked for a person.", "The assistant could not
  help twice in a row.", "The shopper sounds frustrated."; for notices stored without one, the reason stored on
  the conversation (its latest handoff's); a staff member joining directly = "Taken over by staff".
- **Resolved by the assistant**: not handed over, and the shopper's last message was answered by a bot
  reply whose kind is not a failure (`bot.domain.handoff.FAILED_KINDS`: unknown, unavailable, ...).
- **Abandoned**: not handed over, and the shopper's last message got no bot reply, or only failed ones:
  the shopper left without an answer and without a person.
- **Time to pickup**: first queue notice -> the first staff member joining after it (handoffs that
  waited and were picked up). **Time to resolution**: handoff -> the first "resolved" notice after it.
  Medians in seconds, None without any.
- **CSAT**: thumbs up / (up + down) over the bot replies of the period's conversations.
- **Answers by grounding**: bot replies by their recorded `grounding` (`llm`, `replaced`, `composed`).
- **"Don't know" answers**: bot replies of kind `unknown`; the shopper message before each is kept
  as an example of what the assistant could not answer.
- **Top products asked about**: per product, conversations with a bot answer about it (reply metadata
  `product_id`; the assistant's own suggestions, kind `upsell`, do not count).
- **Upsell**: offers = replies of kind `upsell`; accepted = the next bot reply in that conversation
  is about the offered product; declined = the next bot reply is `upsell_declined`.
- **Tags**: staff tags on the period's conversations, per tag.
- **Unanswered questions by topic**: the shopper message before each reply of kind `unknown` ("don't
  know") or `out_of_scope`, grouped by meaning (`bot.domain.topics`; the caller embeds them).
- **Sentiment**: each shopper message's score (VADER compound in [-1, 1], stored with the message when it
  arrived; scored on the fly when missing), labelled positive / neutral / negative (`bot.domain.sentiment`).
- **Frustration signals**, per conversation: a frustrated message (anger words, a shout, or a strongly
  negative score: the same rule as the frustration handoff), a thumbs-down, the assistant failing twice in
  a row, or the shopper sending the same message again. A conversation counts once however many it has.
- **Thumbs-down reasons**: the optional reason and comment a shopper gave with a thumbs-down.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from statistics import median

from bot.domain.feedback import REASONS
from bot.domain.handoff import FAILED_KINDS, frustrated, wait_notice
from bot.domain.sentiment import in_shoppers_words, label
from bot.domain.topics import Question, Topic

TAGS = ("wrong_answer", "missing_knowledge", "good")
OUTCOMES = ("resolved_by_assistant", "handed_over", "abandoned")
STAFF_TOOK_OVER = "Taken over by staff"
MAX_PERIOD_DAYS = 366
TOP_PRODUCTS = 10
EXAMPLES = 20
UNANSWERED_KINDS = ("unknown", "out_of_scope", "policy_tentative")  # "not sure": quoted only the closest passage
SIGNALS = ("frustrated_message", "thumbs_down", "failed_twice", "repeated_message")
Score = Callable[[str], float]

# The fixed system lines the conversation service writes (imported, so a wording change follows).
_WAIT_OPENING = wait_notice(1, 1).split(". ")[0]  # "A person from our team will take over this conversation"


@dataclass(frozen=True)
class StoredMessage:
    message_id: int
    author: str  # shopper, bot, staff, system
    text: str
    at: datetime  # aware, UTC
    meta: dict = field(default_factory=dict)
    feedback: str | None = None  # "up", "down"
    feedback_reason: str | None = None  # with a thumbs-down: one of `bot.domain.feedback.REASONS`
    feedback_comment: str = ""


@dataclass(frozen=True)
class StoredConversation:
    conversation_id: str
    state: str
    reason: str | None
    messages: tuple[StoredMessage, ...]  # in stored order

    def first_shopper_at(self) -> datetime | None:
        return next((m.at for m in self.messages if m.author == "shopper"), None)


@dataclass(frozen=True)
class Tag:
    conversation_id: str
    tag: str
    staff: str
    at: datetime
    message_id: int | None = None
    note: str = ""


class PeriodError(ValueError):
    """A period that can't be reported on; the message says why, for the person who asked."""


def parse_period(start: str | None, end: str | None, today: date) -> tuple[date, date]:
    """`from`/`to` as YYYY-MM-DD, both included; missing ones default to the 7 days ending `today`."""
    try:
        last = date.fromisoformat(end) if end else today
        first = date.fromisoformat(start) if start else last - timedelta(days=6)
    except (ValueError, TypeError):
        raise PeriodError("Dates must look like 2026-01-31 (from and to, both included).") from None
    if first > last:
        raise PeriodError("'from' must not be after 'to'.")
    if (last - first).days + 1 > MAX_PERIOD_DAYS:
        raise PeriodError(f"A period can be at most {MAX_PERIOD_DAYS} days long.")
    return first, last


def is_wait_notice(message: StoredMessage) -> bool:
    return message.author == "system" and message.text.startswith(_WAIT_OPENING)


def is_joined(message: StoredMessage, joined_template: str) -> bool:
    return message.author == "system" and message.text.endswith(joined_template.split("{name}")[-1])


@dataclass(frozen=True)
class SystemLines:
    """The conversation service's fixed notices (`bot.services.conversations`)."""
    joined: str  # with "{name}"
    resolved: str


@dataclass(frozen=True)
class Outcome:
    outcome: str  # one of OUTCOMES
    trigger: str | None  # handed over: why
    pickup_s: float | None
    resolution_s: float | None


def conversation_outcome(conversation: StoredConversation, lines: SystemLines) -> Outcome:
    messages = conversation.messages
    handoff = next((i for i, m in enumerate(messages) if is_wait_notice(m) or is_joined(m, lines.joined)), None)
    if handoff is not None:
        start = messages[handoff]
        pickup = resolution = None
        if is_wait_notice(start):
            joined = next((m for m in messages[handoff:] if is_joined(m, lines.joined)), None)
            pickup = (joined.at - start.at).total_seconds() if joined else None
        resolved = next((m for m in messages[handoff:] if m.author == "system" and m.text == lines.resolved), None)
        resolution = (resolved.at - start.at).total_seconds() if resolved else None
        trigger = start.meta.get("handoff_reason") or (None if is_wait_notice(start) else STAFF_TOOK_OVER)
        return Outcome("handed_over", trigger or conversation.reason or STAFF_TOOK_OVER, pickup, resolution)
    last_shopper = max((i for i, m in enumerate(messages) if m.author == "shopper"), default=None)
    kinds = [m.meta.get("kind", "") for m in messages[(last_shopper or 0) + 1:] if m.author == "bot"]
    helped = bool(kinds) and not any(k in FAILED_KINDS for k in kinds)
    return Outcome("resolved_by_assistant" if helped else "abandoned", None, None, None)


def _median(values: list[float]) -> float | None:
    return float(median(values)) if values else None


def _upsell(conversation: StoredConversation) -> tuple[int, int, int]:
    """(offers, accepted, declined) in one conversation."""
    replies = [m for m in conversation.messages if m.author == "bot"]
    offers = accepted = declined = 0
    for i, reply in enumerate(replies):
        if reply.meta.get("kind") != "upsell":
            continue
        offers += 1
        following = next((r for r in replies[i + 1:] if _after_shopper(conversation, reply, r)), None)
        if following is None:
            continue
        kind, about = following.meta.get("kind"), following.meta.get("product_id")
        if kind == "upsell_declined":
            declined += 1
        elif kind != "upsell" and about == reply.meta.get("product_id"):
            accepted += 1
    return offers, accepted, declined


def _after_shopper(conversation: StoredConversation, offer: StoredMessage, reply: StoredMessage) -> bool:
    """The reply answers a shopper message written after the offer."""
    return any(m.author == "shopper" and offer.message_id < m.message_id < reply.message_id
               for m in conversation.messages)


def in_period(conversation: StoredConversation, first: date, last: date) -> bool:
    started = conversation.first_shopper_at()
    return started is not None and first <= started.date() <= last


def unanswered_questions(conversations: list[StoredConversation]) -> list[Question]:
    """The shopper's question before each "don't know" or out-of-scope reply, oldest first."""
    found = []
    for c in conversations:
        for i, m in enumerate(c.messages):
            if m.author == "bot" and m.meta.get("kind") in UNANSWERED_KINDS:
                asked = next((p for p in reversed(c.messages[:i]) if p.author == "shopper"), None)
                if asked is not None and asked.text.strip():
                    found.append(Question(asked.text, m.meta["kind"], c.conversation_id, m.at.isoformat()))
    return sorted(found, key=lambda q: (q.at, q.conversation_id))


def message_score(message: StoredMessage, score: Score | None) -> float | None:
    stored = message.meta.get("sentiment")
    if isinstance(stored, (int, float)) and not isinstance(stored, bool):
        return float(stored)
    return score(message.text) if score is not None and in_shoppers_words(message.text) else None


def _sentiment(conversations: list[StoredConversation], scores: dict[int, float | None]) -> dict:
    scored = [s for c in conversations for m in c.messages if m.author == "shopper"
              and (s := scores.get(m.message_id)) is not None]
    labels = Counter(label(s) for s in scored)
    return {"scored": len(scored), **{name: labels[name] for name in ("positive", "neutral", "negative")},
            "mean": round(sum(scored) / len(scored), 4) if scored else None}


def conversation_signals(conversation: StoredConversation, scores: dict[int, float | None]) -> set[str]:
    """Which of `SIGNALS` the conversation shows."""
    messages = conversation.messages
    shopper = [m for m in messages if m.author == "shopper"]
    found = set()
    if any(frustrated(m.text, scores.get(m.message_id)) for m in shopper):
        found.add("frustrated_message")
    if any(m.author == "bot" and m.feedback == "down" for m in messages):
        found.add("thumbs_down")
    turns = _failed_turns(messages)
    if any(a and b for a, b in zip(turns, turns[1:])):
        found.add("failed_twice")
    said = [" ".join(m.text.lower().split()) for m in shopper]
    if any(a == b and len(a) > 3 for a, b in zip(said, said[1:])):
        found.add("repeated_message")
    return found


def _failed_turns(messages: tuple[StoredMessage, ...]) -> list[bool]:
    """Per shopper message that got bot replies: did they include a failure?"""
    turns: list[list[str]] = []
    for m in messages:
        if m.author == "shopper":
            turns.append([])
        elif m.author == "bot" and turns:
            turns[-1].append(m.meta.get("kind", ""))
    return [any(k in FAILED_KINDS for k in kinds) for kinds in turns if kinds]


def _frustration(conversations: list[StoredConversation], scores: dict[int, float | None]) -> dict:
    signals = {c.conversation_id: conversation_signals(c, scores) for c in conversations}
    with_any = sum(bool(found) for found in signals.values())
    negative = sorted(((scores.get(m.message_id), m, c.conversation_id) for c in conversations for m in c.messages
                       if m.author == "shopper" and frustrated(m.text, scores.get(m.message_id))),
                      key=lambda t: (t[0] if t[0] is not None else 0.0, t[1].at, t[2]))
    return {
        "conversations": with_any,
        "share": with_any / len(conversations) if conversations else None,
        "signals": {name: sum(name in found for found in signals.values()) for name in SIGNALS},
        "examples": [{"conversation_id": cid, "at": m.at.isoformat(), "text": m.text, "sentiment": s}
                     for s, m, cid in negative[:EXAMPLES]],
    }


def _feedback(conversations: list[StoredConversation], score: Score | None) -> tuple[dict, list[dict]]:
    downs = [(c.conversation_id, m) for c in conversations for m in c.messages
             if m.author == "bot" and m.feedback == "down"]
    reasons = Counter(m.feedback_reason for _, m in downs if m.feedback_reason in REASONS)
    counts = {name: reasons[name] for name in REASONS} | {"none_given": len(downs) - sum(reasons.values())}
    comments = [{"conversation_id": cid, "message_id": m.message_id, "reason": m.feedback_reason,
                 "comment": m.feedback_comment, "answer": m.text,
                 "sentiment": score(m.feedback_comment) if score is not None else None}
                for cid, m in downs if m.feedback_comment.strip()]
    comments.sort(key=lambda d: d["message_id"], reverse=True)
    return counts, comments[:EXAMPLES]


def _topics(found: list[Topic] | None) -> list[dict] | None:
    if found is None:
        return None
    return [{"label": t.label, "count": t.count, "conversations": t.conversations, "examples": list(t.examples),
             "kinds": t.kinds} for t in found]


def summarize(conversations: list[StoredConversation], tags: list[Tag], first: date, last: date, lines: SystemLines,
              product_name: Callable[[str], str | None] = lambda product_id: None, score: Score | None = None,
              topic_groups: list[Topic] | None = None) -> dict:
    """Every figure of the insights page for the period's conversations (others are ignored). `lines`: the
    conversation service's notices; `product_name`: a product id's name in the catalogue; `score`: sentiment
    of a text, for messages stored without one and for feedback comments; `topic_groups`: the period's
    unanswered questions grouped by topic (None: not grouped)."""
    conversations = [c for c in conversations if in_period(c, first, last)]
    scores = {m.message_id: message_score(m, score) for c in conversations for m in c.messages
              if m.author == "shopper"}
    ids = {c.conversation_id for c in conversations}
    outcomes = {c.conversation_id: conversation_outcome(c, lines) for c in conversations}
    counted = Counter(o.outcome for o in outcomes.values())
    by_day = {(first + timedelta(days=d)).isoformat(): dict.fromkeys(OUTCOMES, 0)
              for d in range((last - first).days + 1)}
    day_scores: dict[str, list[float]] = {day: [] for day in by_day}
    for c in conversations:
        day = c.first_shopper_at().date().isoformat()
        by_day[day][outcomes[c.conversation_id].outcome] += 1
        day_scores[day] += [s for m in c.messages if (s := scores.get(m.message_id)) is not None]
    bot = [m for c in conversations for m in c.messages if m.author == "bot"]
    thumbs = Counter(m.feedback for m in bot if m.feedback in ("up", "down"))
    grounding = Counter(m.meta["grounding"] for m in bot if isinstance(m.meta.get("grounding"), str))
    products = Counter(pid for c in conversations for pid in {
        m.meta.get("product_id") for m in c.messages
        if m.author == "bot" and m.meta.get("product_id") and m.meta.get("kind") != "upsell"})
    dont_know = []
    for c in conversations:
        for i, m in enumerate(c.messages):
            if m.author == "bot" and m.meta.get("kind") == "unknown":
                asked = next((p for p in reversed(c.messages[:i]) if p.author == "shopper"), None)
                dont_know.append({"conversation_id": c.conversation_id, "at": m.at.isoformat(),
                                  "question": asked.text if asked else ""})
    dont_know.sort(key=lambda d: (d["at"], d["conversation_id"]), reverse=True)
    upsell = [_upsell(c) for c in conversations]
    handed = [o for o in outcomes.values() if o.outcome == "handed_over"]
    period_tags = sorted((t for t in tags if t.conversation_id in ids), key=lambda t: (t.at, t.conversation_id))
    up, down = thumbs["up"], thumbs["down"]
    reasons, comments = _feedback(conversations, score)
    unanswered = Counter(q.kind for q in unanswered_questions(conversations))
    return {
        "period": {"from": first.isoformat(), "to": last.isoformat()},
        "conversations": len(conversations),
        "outcomes": {o: counted[o] for o in OUTCOMES},
        "handed_over_by_trigger": dict(sorted(Counter(o.trigger for o in handed).items(),
                                              key=lambda kv: (-kv[1], kv[0]))),
        "handoffs_picked_up": sum(o.pickup_s is not None for o in handed),
        "handoffs_resolved": sum(o.resolution_s is not None for o in handed),
        "median_pickup_s": _median([o.pickup_s for o in handed if o.pickup_s is not None]),
        "median_resolution_s": _median([o.resolution_s for o in handed if o.resolution_s is not None]),
        "thumbs": {"up": up, "down": down},
        "csat": up / (up + down) if up + down else None,
        "answers_by_grounding": dict(sorted(grounding.items())),
        "dont_know": len(dont_know),
        "dont_know_examples": dont_know[:EXAMPLES],
        "top_products": [{"product_id": pid, "name": product_name(pid) or pid, "conversations": n}
                         for pid, n in sorted(products.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_PRODUCTS]],
        "upsell": {"offers": sum(u[0] for u in upsell), "accepted": sum(u[1] for u in upsell),
                   "declined": sum(u[2] for u in upsell)},
        "tags": {tag: sum(t.tag == tag for t in period_tags) for tag in TAGS},
        "tagged": [{"conversation_id": t.conversation_id, "tag": t.tag, "staff": t.staff, "at": t.at.isoformat(),
                    "message_id": t.message_id, "note": t.note} for t in period_tags],
        "unanswered": {kind: unanswered[kind] for kind in UNANSWERED_KINDS},
        "unanswered_topics": _topics(topic_groups),
        "sentiment": _sentiment(conversations, scores),
        "frustration": _frustration(conversations, scores),
        "thumbs_down_reasons": reasons,
        "feedback_comments": comments,
        "by_day": [{"date": day, **counts,
                    "sentiment_mean": round(sum(day_scores[day]) / len(day_scores[day]), 4) if day_scores[day] else None}
                   for day, counts in by_day.items()],
    }


def test_case(conversation: StoredConversation, tag: Tag) -> dict | None:
    """A "wrong answer" tag as an eval case: the shopper's question, the answer staff marked wrong (the tagged
    bot reply, else the last one), what came before, and the staff note. None without a bot reply."""
    messages = conversation.messages
    replies = [i for i, m in enumerate(messages) if m.author == "bot"
               and (tag.message_id is None or m.message_id == tag.message_id)]
    if not replies:
        return None
    at = replies[-1]
    answer = messages[at]
    asked = max((i for i in range(at) if messages[i].author == "shopper"), default=None)
    return {
        "id": f"{conversation.conversation_id}:{answer.message_id}",
        "conversation_id": conversation.conversation_id,
        "history": [m.text for m in messages[:asked] if m.author == "shopper"] if asked is not None else [],
        "question": messages[asked].text if asked is not None else "",
        "wrong_answer": answer.text,
        "kind": answer.meta.get("kind"),
        "sources": answer.meta.get("sources", []),
        "note": tag.note,
        "tagged_by": tag.staff,
        "tagged_at": tag.at.isoformat(),
    }
