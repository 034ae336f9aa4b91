"""The shop owner's view: figures for a period from the stored conversations, CSV export, and staff's
tags on conversations (with "wrong answer" ones exported as eval cases). The figures and their
definitions are in `bot.domain.insights`; this service only loads what they need."""
from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import UTC, date, datetime

from bot.domain.insights import (TAGS, SystemLines, Tag, in_period, parse_period, summarize, test_case,
                                  unanswered_questions)
from bot.domain.topics import MAX_QUESTIONS, Topic, topics
from bot.services.conversations import JOINED, RESOLVED

LINES = SystemLines(joined=JOINED, resolved=RESOLVED)
MAX_NOTE_CHARS = 2000
VECTOR_CACHE = 20_000  # question vectors kept in memory (about 30 MB of MiniLM vectors)


class TagError(ValueError):
    """A tag that can't be stored; the message says why."""


class InsightsService:
    def __init__(self, reader, product_name: Callable[[str], str | None] = lambda product_id: None,
                 now: Callable[[], datetime] = lambda: datetime.now(UTC),
                 score: Callable[[str], float] | None = None,
                 embed: Callable[[list[str]], list[list[float]]] | None = None):
        """`score`: a text's sentiment (VADER compound); `embed`: unit-length sentence vectors (MiniLM), for
        grouping unanswered questions by topic. Without them those figures are left out."""
        self.reader = reader
        self.product_name = product_name
        self.now = now
        self.score = score
        self.embed = embed
        self._cache: dict[str, list[float]] = {}

    def period(self, start: str | None, end: str | None) -> tuple[date, date]:
        """Raises `PeriodError` with a message for the person who asked."""
        return parse_period(start, end, self.now().date())

    def report(self, first: date, last: date) -> dict:
        conversations = self.reader.conversations_started(first, last)
        tags = self.reader.tags([c.conversation_id for c in conversations])
        grouped = self._topics([c for c in conversations if in_period(c, first, last)])
        return summarize(conversations, tags, first, last, LINES, self.product_name, self.score, grouped)

    def _topics(self, conversations) -> list[Topic] | None:
        if self.embed is None:
            return None
        questions = unanswered_questions(conversations)[-MAX_QUESTIONS:]
        return topics(questions, self._vectors([q.text for q in questions])) if questions else []

    def _vectors(self, texts: list[str]) -> list[list[float]]:
        """Each distinct question is embedded once per process: reloading the page, or a longer period, only
        embeds what is new (about 200 questions a second on 2 cores)."""
        new = list(dict.fromkeys(t for t in texts if t not in self._cache))
        if new:
            if len(self._cache) + len(new) > VECTOR_CACHE:
                self._cache.clear()
            self._cache.update(zip(new, self.embed(new)))
        return [self._cache[t] for t in texts]

    def tag(self, conversation_id: str, tag: str, staff: str, message_id: int | None = None, note: str = "") -> Tag:
        if tag not in TAGS:
            raise TagError(f"'tag' must be one of: {', '.join(TAGS)}.")
        if not self.reader.exists(conversation_id):
            raise LookupError("No such conversation.")
        tagged = Tag(conversation_id, tag, staff, self.now(), message_id, note.strip()[:MAX_NOTE_CHARS])
        self.reader.set_tag(tagged)
        return tagged

    def untag(self, conversation_id: str, tag: str) -> bool:
        return self.reader.remove_tag(conversation_id, tag)

    def tags_of(self, conversation_id: str) -> list[Tag]:
        """This conversation's tags, oldest first (what the console shows when it opens one)."""
        if not self.reader.exists(conversation_id):
            raise LookupError("No such conversation.")
        return self.reader.tags([conversation_id])

    def tagged_cases(self) -> list[dict]:
        """Every conversation tagged "wrong answer", as an eval case (oldest tag first)."""
        cases = []
        for tag in self.reader.tags(tag="wrong_answer"):
            conversation = self.reader.conversation(tag.conversation_id)
            case = test_case(conversation, tag) if conversation else None
            if case:
                cases.append(case)
        return cases


CSV_HEADER = ("section", "name", "value")


def report_csv(report: dict) -> str:
    """The report as rows of (section, name, value): one file a spreadsheet opens as it is."""
    rows: list[tuple] = [("period", "from", report["period"]["from"]), ("period", "to", report["period"]["to"]),
                         ("total", "conversations", report["conversations"])]
    rows += [("outcome", name, n) for name, n in report["outcomes"].items()]
    rows += [("handed_over_by_trigger", name, n) for name, n in report["handed_over_by_trigger"].items()]
    for name in ("handoffs_picked_up", "handoffs_resolved", "median_pickup_s", "median_resolution_s"):
        rows.append(("handoff", name, _blank(report[name])))
    rows += [("thumbs", name, n) for name, n in report["thumbs"].items()]
    rows.append(("thumbs", "csat", _blank(report["csat"])))
    rows += [("answers_by_grounding", name, n) for name, n in report["answers_by_grounding"].items()]
    rows.append(("answers", "dont_know", report["dont_know"]))
    rows += [("top_products", p["name"], p["conversations"]) for p in report["top_products"]]
    rows += [("upsell", name, n) for name, n in report["upsell"].items()]
    rows += [("tags", name, n) for name, n in report["tags"].items()]
    rows += [("unanswered", name, n) for name, n in report["unanswered"].items()]
    rows += [("unanswered_topic", t["label"], t["count"]) for t in report["unanswered_topics"] or []]
    rows += [("sentiment", name, _blank(v)) for name, v in report["sentiment"].items()]
    rows.append(("frustration", "conversations", report["frustration"]["conversations"]))
    rows.append(("frustration", "share", _blank(report["frustration"]["share"])))
    rows += [("frustration_signal", name, n) for name, n in report["frustration"]["signals"].items()]
    rows += [("thumbs_down_reason", name, n) for name, n in report["thumbs_down_reasons"].items()]
    for day in report["by_day"]:
        rows += [(f"day:{day['date']}", name, day[name]) for name in report["outcomes"]]
        rows.append((f"day:{day['date']}", "sentiment_mean", _blank(day["sentiment_mean"])))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    writer.writerows((s, _safe(n), v) for s, n, v in rows)
    return out.getvalue()


def _blank(value) -> object:
    return "" if value is None else value


def _safe(cell: str) -> str:
    """A product name can't become a spreadsheet formula."""
    cell = str(cell)
    return "'" + cell if cell[:1] in ("=", "+", "-", "@", "\t", "\r") else cell
