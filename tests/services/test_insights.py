"""Insights from stored conversations: 300 scripted conversations with known outcomes (fixed seed) are
written to SQLite with the exact notices the conversation service writes, and every figure is checked
against the truth the script kept while writing them."""
from __future__ import annotations

import itertools
import random
import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.adapters.sql.conversations import ChatBase, Conversation, FeedbackReason, Message, SqlConversationStore
from bot.adapters.sql.insights import SqlInsightsReader
from bot.adapters.sql.store import SchemaSessions
from bot.domain.feedback import REASONS
from bot.domain.handoff import FAILED_KINDS, frustrated, wait_notice
from bot.domain.sentiment import label
from bot.domain.insights import PeriodError, parse_period
from bot.services.conversations import BACK_TO_BOT, JOINED, RESOLVED, ChatService
from bot.services.insights import InsightsService, TagError, report_csv
from tests.fakes import ScriptedAssistant

FIRST, LAST = date(2026, 3, 1), date(2026, 3, 14)
PRODUCTS = {"8605995000": "Trail Running Shoes", "1133221332": "Hiking Boots", "7749206900": "Rain Jacket",
            "9999370167": "Down Vest", "4016210574": "Merino Base Layer"}
ASKED = "The shopper asked for a person."
TWICE = "The assistant could not help twice in a row."
FRUSTRATED = "The shopper sounds frustrated."
SCENARIOS = ("answered", "answered", "answered", "dont_know", "silent", "asked", "asked", "twice", "angry",
             "staff_direct", "upsell_yes", "upsell_no", "upsell_left", "handed_back")


@dataclass
class Truth:
    conversations: int = 0
    outcomes: Counter = field(default_factory=Counter)
    triggers: Counter = field(default_factory=Counter)
    pickups: list = field(default_factory=list)
    resolutions: list = field(default_factory=list)
    thumbs: Counter = field(default_factory=Counter)
    grounding: Counter = field(default_factory=Counter)
    dont_know: list = field(default_factory=list)  # the questions
    products: Counter = field(default_factory=Counter)
    upsell: Counter = field(default_factory=Counter)
    by_day: Counter = field(default_factory=Counter)  # (date, outcome)
    ids: list = field(default_factory=list)
    sentiments: list = field(default_factory=list)  # every shopper message's score
    day_sentiments: dict = field(default_factory=dict)  # date -> scores
    signals: Counter = field(default_factory=Counter)  # signal -> conversations
    frustrated_conversations: int = 0
    reasons: Counter = field(default_factory=Counter)
    comments: list = field(default_factory=list)
    unanswered: Counter = field(default_factory=Counter)  # kind -> questions
    topics: Counter = field(default_factory=Counter)  # seeded topic -> questions


def fake_score(text: str) -> float:
    """A stand-in sentiment scorer: fixed for the script's angry lines, else a deterministic spread."""
    fixed = {"THIS IS RIDICULOUS": -0.61, "useless!!!": -0.44, "this is so disappointing": -0.7,
             "how much is it?": 0.0, "hello?": 0.02, "tell me about it": 0.0}
    return fixed.get(text, round((sum(map(ord, text)) % 180 - 90) / 100, 4))


# Unanswered questions carry their topic in the text; the fake embedder gives each topic one direction.
TOPIC_WORDS = ("price match", "loyalty", "points", "weather", "football")


def fake_embed(texts: list[str]) -> list[list[float]]:
    vectors = []
    for text in texts:
        topic = next((i for i, word in enumerate(TOPIC_WORDS) if word in text), 0)
        topic = 1 if topic == 2 else topic  # "points?" is the loyalty scheme's topic
        vectors.append([1.0 if i == topic else 0.0 for i in range(len(TOPIC_WORDS))])
    return vectors


class Writer:
    """Writes one conversation's rows with explicit times (the store's own `add` stamps the clock)."""

    def __init__(self, session, conversation_id: str, start: datetime, score=fake_score):
        self.session, self.id, self.at, self.score = session, conversation_id, start, score
        self.conversation = Conversation(id=conversation_id, state="bot", created_at=start, updated_at=start)
        session.add(self.conversation)
        self.messages: list[Message] = []
        self.turns: list[list[bool]] = []  # per shopper message: did each bot reply to it fail?
        self.said: list[str] = []
        self.down = False

    def say(self, author: str, text: str, after_s: float = 5, meta: dict | None = None,
            feedback: str | None = None) -> Message:
        if author == "shopper":
            self.turns.append([])
            self.said.append(text)
            if len(self.said) % 2:  # every other message is stored with its score; the rest get scored later
                meta = {"sentiment": self.score(text)}
        elif author == "bot" and self.turns:
            self.turns[-1].append((meta or {}).get("kind") in FAILED_KINDS)
        self.down = self.down or feedback == "down"
        self.at += timedelta(seconds=after_s)
        message = Message(conversation_id=self.id, author=author, text=text, meta=meta or {}, at=self.at,
                          feedback=feedback, buttons=[])
        self.session.add(message)
        self.session.flush()
        self.messages.append(message)
        return message


def bot_meta(kind: str, grounding: str = "composed", product_id: str | None = None) -> dict:
    return {"kind": kind, "grounding": grounding, "sources": [], "handoff_offered": kind == "unknown",
            **({"product_id": product_id} if product_id else {})}


def script(rng: random.Random, w: Writer, scenario: str, truth: Truth, day: str) -> None:
    """One conversation of the given kind; `truth` learns what each figure must count."""
    conversation_products: set[str] = set()

    def bot(kind: str, product_id: str | None = None, grounding: str | None = None) -> Message:
        grounding = grounding or rng.choice(("llm", "composed", "replaced"))
        feedback = rng.choice((None, None, "up", "up", "down"))
        if feedback:
            truth.thumbs[feedback] += 1
        truth.grounding[grounding] += 1
        if product_id and kind != "upsell":
            conversation_products.add(product_id)
        reply = w.say("bot", f"reply {kind}", meta=bot_meta(kind, grounding, product_id), feedback=feedback)
        if feedback == "down" and rng.random() < 0.6:
            reason = rng.choice(list(REASONS))
            comment = rng.choice(("", "", "this is so disappointing", "not what I asked"))
            w.session.add(FeedbackReason(message_id=reply.id, conversation_id=w.id, reason=reason, comment=comment,
                                         at=reply.at))
            truth.reasons[reason] += 1
            if comment:
                truth.comments.append((reply.id, comment))
        return reply

    def dont_know(question: str, topic: str, kind: str = "unknown") -> None:
        w.say("shopper", question)
        bot(kind, grounding="composed")
        if kind == "unknown":
            truth.dont_know.append(question)
        truth.unanswered[kind] += 1
        truth.topics[topic] += 1

    def handoff(reason: str | None, direct: bool = False) -> None:
        w.conversation.reason = reason
        # The reason rides with the first notice (as the service writes it); older rows only have the conversation's.
        meta = {"handoff_reason": reason} if reason and rng.random() < 0.5 else None
        if meta:
            w.conversation.reason = "a later handoff's reason"
        start = w.say("system", JOINED.format(name="alice") if direct else wait_notice(rng.randint(1, 4), 5),
                      meta=meta).at
        truth.triggers[reason or "Taken over by staff"] += 1
        if not direct and rng.random() < 0.8:
            if rng.random() < 0.3:  # the shopper writes while waiting: another notice, no new handoff
                w.say("shopper", "hello?", after_s=rng.randint(5, 40))
                w.say("system", wait_notice(1, 5), after_s=1)
            joined = w.say("system", JOINED.format(name=rng.choice(("alice", "bob"))), after_s=rng.randint(10, 900))
            truth.pickups.append((joined.at - start).total_seconds())
        elif not direct:
            return  # nobody picked it up (yet)
        w.say("staff", "Hi, how can I help?", meta={"staff": "alice"})
        if rng.random() < 0.7:
            resolved = w.say("system", RESOLVED, after_s=rng.randint(30, 3000))
            truth.resolutions.append((resolved.at - start).total_seconds())
            w.conversation.state = "resolved"
        else:
            w.conversation.state = "human"

    outcome = "resolved_by_assistant"
    if scenario == "answered":
        for _ in range(rng.randint(1, 3)):
            w.say("shopper", "how much is it?")
            bot("product_fact", rng.choice(list(PRODUCTS)))
    elif scenario == "dont_know":
        if rng.random() < 0.5:
            w.say("shopper", "do you ship boots?")
            bot("policy")
        if rng.random() < 0.5:
            # "not sure" (the closest passage quoted) is a question the pages may not answer, too
            dont_know(f"do you price match {rng.randint(1, 99)}?", "price match",
                      "policy_tentative" if rng.random() < 0.3 else "unknown")
        else:
            dont_know(rng.choice(("what's the weather like", "who won the football")), "off topic", "out_of_scope")
        outcome = "abandoned"
    elif scenario == "silent":  # Rasa never answered and the shopper left
        w.say("shopper", "hello")
        outcome = "abandoned"
    elif scenario == "asked":
        w.say("shopper", "a person please")
        bot("handoff", grounding="composed")
        handoff(ASKED)
        outcome = "handed_over"
    elif scenario == "twice":
        dont_know("what is the loyalty scheme?", "loyalty")
        dont_know("points?", "loyalty")
        handoff(TWICE)
        outcome = "handed_over"
    elif scenario == "angry":
        w.say("shopper", "THIS IS RIDICULOUS")
        bot("policy")
        w.say("shopper", "useless!!!" if rng.random() < 0.5 else "this is so disappointing")
        bot("policy")
        handoff(FRUSTRATED)
        outcome = "handed_over"
    elif scenario == "staff_direct":
        w.say("shopper", "where is my order")
        bot("order_status")
        handoff(None, direct=True)
        outcome = "handed_over"
    elif scenario.startswith("upsell"):
        asked, offered = rng.sample(list(PRODUCTS), 2)
        w.say("shopper", "tell me about it")
        bot("product_fact", asked)
        bot("upsell", offered)
        truth.upsell["offers"] += 1
        if scenario == "upsell_yes":
            w.say("shopper", "yes")
            bot("product_description", offered)
            truth.upsell["accepted"] += 1
        elif scenario == "upsell_no":
            w.say("shopper", "no thanks")
            bot("upsell_declined")
            truth.upsell["declined"] += 1
    elif scenario == "handed_back":  # a person, then the assistant again: still a handoff
        w.say("shopper", "human")
        bot("handoff", grounding="composed")
        handoff(ASKED)
        w.say("system", BACK_TO_BOT)
        w.conversation.state = "bot"
        w.say("shopper", "price?")
        bot("product_fact", "9999370167")
        outcome = "handed_over"
    truth.outcomes[outcome] += 1
    truth.by_day[(day, outcome)] += 1
    truth.products.update(conversation_products)
    scores = [w.score(t) for t in w.said]
    truth.sentiments += scores
    truth.day_sentiments.setdefault(day, []).extend(scores)
    failed = [any(t) for t in w.turns if t]
    signals = {"frustrated_message": any(frustrated(t, w.score(t)) for t in w.said), "thumbs_down": w.down,
               "failed_twice": any(a and b for a, b in zip(failed, failed[1:])),
               "repeated_message": any(a == b for a, b in zip(w.said, w.said[1:]))}
    truth.signals.update(name for name, shown in signals.items() if shown)
    truth.frustrated_conversations += any(signals.values())


def seed(url: str, n: int = 300, seed_value: int = 13, score=fake_score) -> Truth:
    """`n` conversations in FIRST..LAST, plus ones that must not count (outside, or nobody wrote)."""
    rng = random.Random(seed_value)
    truth = Truth()
    sessions = SchemaSessions(url, ChatBase.metadata)
    with sessions() as session, session.begin():
        days = (LAST - FIRST).days + 1
        starts = [datetime(2026, 3, 1, tzinfo=UTC),  # the first second of the period
                  datetime(2026, 3, 14, 23, 59, 30, tzinfo=UTC)]  # its last minute (replies run past midnight)
        starts += [datetime(2026, 3, 1, tzinfo=UTC) + timedelta(days=rng.randrange(days), seconds=rng.randrange(86000))
                   for _ in range(n - len(starts))]
        for i, start in enumerate(starts):
            w = Writer(session, f"c{i:04d}", start, score)
            scenario = SCENARIOS[i % len(SCENARIOS)] if i >= 2 else "answered"
            script(rng, w, scenario, truth, start.date().isoformat())
            truth.conversations += 1
            truth.ids.append(w.id)
        # Must not count: before and after the period, and a widget opened in it where nobody wrote.
        for cid, start in (("before", datetime(2026, 2, 28, 23, 59, 59, tzinfo=UTC)),
                           ("after", datetime(2026, 3, 15, tzinfo=UTC))):
            w = Writer(session, cid, start - timedelta(seconds=1))
            w.say("shopper", "out of the period", after_s=1)
            w.say("bot", "reply", meta=bot_meta("unknown", "llm", "8605995000"), feedback="down")
        Writer(session, "empty", datetime(2026, 3, 5, tzinfo=UTC))
        # A conversation that started before the period and went on inside it counts on its first day only.
        w = Writer(session, "carried", datetime(2026, 2, 27, 12, tzinfo=UTC))
        w.say("shopper", "hi")
        w.say("bot", "reply", after_s=3 * 86400, meta=bot_meta("unknown", "llm"), feedback="up")
    return truth


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('insights') / 'chat.db'}"
    truth = seed(url)
    ticks = itertools.count()  # a clock that moves one second per reading
    service = InsightsService(SqlInsightsReader(url), PRODUCTS.get,
                              now=lambda: datetime(2026, 3, 20, 9, tzinfo=UTC) + timedelta(seconds=next(ticks)),
                              score=fake_score, embed=fake_embed)
    return {"url": url, "truth": truth, "service": service}


def test_the_script_covers_every_outcome_and_trigger(seeded):
    truth = seeded["truth"]
    assert truth.conversations == 300
    assert all(truth.outcomes[o] >= 20 for o in ("resolved_by_assistant", "handed_over", "abandoned"))
    assert set(truth.triggers) == {ASKED, TWICE, FRUSTRATED, "Taken over by staff"}
    assert len(truth.pickups) >= 20 and len(truth.resolutions) >= 20 and truth.upsell["accepted"] >= 5


def test_every_figure_matches_the_seeded_truth(seeded):
    truth, report = seeded["truth"], seeded["service"].report(FIRST, LAST)
    assert report["period"] == {"from": "2026-03-01", "to": "2026-03-14"}
    assert report["conversations"] == truth.conversations
    assert report["outcomes"] == {o: truth.outcomes[o] for o in ("resolved_by_assistant", "handed_over", "abandoned")}
    assert sum(report["outcomes"].values()) == report["conversations"]
    assert report["handed_over_by_trigger"] == dict(truth.triggers)
    assert report["handoffs_picked_up"] == len(truth.pickups)
    assert report["handoffs_resolved"] == len(truth.resolutions)
    assert report["median_pickup_s"] == pytest.approx(statistics.median(truth.pickups))
    assert report["median_resolution_s"] == pytest.approx(statistics.median(truth.resolutions))
    assert report["thumbs"] == {"up": truth.thumbs["up"], "down": truth.thumbs["down"]}
    assert report["csat"] == pytest.approx(truth.thumbs["up"] / (truth.thumbs["up"] + truth.thumbs["down"]))
    assert report["answers_by_grounding"] == dict(sorted(truth.grounding.items()))
    assert report["dont_know"] == len(truth.dont_know)
    assert Counter(e["question"] for e in report["dont_know_examples"]) <= Counter(truth.dont_know)
    assert len(report["dont_know_examples"]) == min(20, len(truth.dont_know))
    expected_products = sorted(truth.products.items(), key=lambda kv: (-kv[1], kv[0]))
    assert [(p["product_id"], p["conversations"]) for p in report["top_products"]] == expected_products
    assert [p["name"] for p in report["top_products"]] == [PRODUCTS[pid] for pid, _ in expected_products]
    assert report["upsell"] == {k: truth.upsell[k] for k in ("offers", "accepted", "declined")}
    assert len(report["by_day"]) == 14
    for day in report["by_day"]:
        for outcome in ("resolved_by_assistant", "handed_over", "abandoned"):
            assert day[outcome] == truth.by_day[(day["date"], outcome)], (day["date"], outcome)
        scores = truth.day_sentiments.get(day["date"])
        assert day["sentiment_mean"] == (pytest.approx(statistics.mean(scores), abs=1e-4) if scores else None)


def test_sentiment_frustration_and_thumbs_down_reasons_match_the_seeded_truth(seeded):
    truth, report = seeded["truth"], seeded["service"].report(FIRST, LAST)
    labels = Counter(label(s) for s in truth.sentiments)
    assert report["sentiment"] == {"scored": len(truth.sentiments), "positive": labels["positive"],
                                   "neutral": labels["neutral"], "negative": labels["negative"],
                                   "mean": pytest.approx(statistics.mean(truth.sentiments), abs=1e-4)}
    assert all(labels[name] > 10 for name in ("positive", "neutral", "negative"))
    frustration = report["frustration"]
    assert frustration["signals"] == {name: truth.signals[name] for name in
                                      ("frustrated_message", "thumbs_down", "failed_twice", "repeated_message")}
    assert all(truth.signals[name] > 5 for name in frustration["signals"])
    assert frustration["conversations"] == truth.frustrated_conversations
    assert frustration["share"] == pytest.approx(truth.frustrated_conversations / truth.conversations)
    shown = [e["sentiment"] for e in frustration["examples"]]
    assert len(shown) == 20 and shown == sorted(shown)  # the most negative first
    assert shown[0] == min(s for s in truth.sentiments)
    assert all(frustrated(e["text"], e["sentiment"]) for e in frustration["examples"])
    downs = truth.thumbs["down"]
    assert report["thumbs_down_reasons"] == {**{r: truth.reasons[r] for r in REASONS},
                                             "none_given": downs - sum(truth.reasons.values())}
    assert sum(truth.reasons.values()) > 10 and report["thumbs_down_reasons"]["none_given"] > 10
    newest = sorted(truth.comments, reverse=True)[:20]
    assert [(c["message_id"], c["comment"]) for c in report["feedback_comments"]] == newest
    assert all(c["sentiment"] == fake_score(c["comment"]) for c in report["feedback_comments"])


def test_unanswered_questions_are_grouped_by_topic(seeded):
    truth, report = seeded["truth"], seeded["service"].report(FIRST, LAST)
    assert report["unanswered"] == {"unknown": truth.unanswered["unknown"],
                                    "out_of_scope": truth.unanswered["out_of_scope"],
                                    "policy_tentative": truth.unanswered["policy_tentative"]}
    assert truth.unanswered["policy_tentative"] > 0
    found = {t["label"].split()[0]: t for t in report["unanswered_topics"]}
    expected = dict(truth.topics)
    assert sum(t["count"] for t in report["unanswered_topics"]) == sum(expected.values())
    assert len(report["unanswered_topics"]) == 4  # price match, loyalty, the weather, the football
    counts = sorted(t["count"] for t in report["unanswered_topics"])
    assert counts[-1] == max(expected["loyalty"], expected["price match"])
    loyalty = next(t for t in report["unanswered_topics"] if "loyalty" in " ".join(t["examples"]))
    assert loyalty["count"] == expected["loyalty"] and loyalty["kinds"] == {"unknown": expected["loyalty"]}
    assert loyalty["conversations"] == expected["loyalty"] // 2 and set(loyalty["examples"]) == {
        "what is the loyalty scheme?", "points?"}
    off_topic = [t for t in report["unanswered_topics"] if set(t["kinds"]) == {"out_of_scope"}]
    assert sum(t["count"] for t in off_topic) == expected["off topic"]
    assert found  # every topic has a label
    counts = [t["count"] for t in report["unanswered_topics"]]
    assert counts == sorted(counts, reverse=True)


def test_a_shorter_period_counts_only_its_own_days(seeded):
    truth, report = seeded["truth"], seeded["service"].report(date(2026, 3, 14), date(2026, 3, 14))
    expected = sum(n for (day, _), n in truth.by_day.items() if day == "2026-03-14")
    assert report["conversations"] == expected > 0
    assert seeded["service"].report(date(2026, 2, 1), date(2026, 2, 26))["conversations"] == 0
    # The conversation that began on 27 February is that day's, though its reply came in March.
    february = seeded["service"].report(date(2026, 2, 27), date(2026, 2, 28))
    assert february["conversations"] == 2 and february["thumbs"] == {"up": 1, "down": 1}
    assert february["csat"] == 0.5 and february["outcomes"]["abandoned"] == 2


def test_an_empty_period_has_no_rates():
    from bot.domain.insights import summarize
    from bot.services.insights import LINES

    report = summarize([], [], FIRST, FIRST, LINES)
    assert report["conversations"] == 0 and report["csat"] is None and report["median_pickup_s"] is None


def test_tags_are_stored_counted_and_exported_as_cases(seeded):
    service, ids = seeded["service"], seeded["truth"].ids
    service.tag(ids[3], "wrong_answer", "alice", note="  quoted the wrong policy ")
    service.tag(ids[4], "missing_knowledge", "bob")
    service.tag(ids[5], "good", "alice")
    service.tag(ids[5], "good", "bob")  # tagging again replaces, never counts twice
    service.tag("before", "wrong_answer", "alice")  # outside the period: not counted there, still a case
    report = service.report(FIRST, LAST)
    assert report["tags"] == {"wrong_answer": 1, "missing_knowledge": 1, "good": 1}
    assert {(t["conversation_id"], t["tag"], t["staff"]) for t in report["tagged"]} == {
        (ids[3], "wrong_answer", "alice"), (ids[4], "missing_knowledge", "bob"), (ids[5], "good", "bob")}
    cases = service.tagged_cases()
    assert [c["conversation_id"] for c in cases] == [ids[3], "before"]
    case = cases[0]
    assert case["note"] == "quoted the wrong policy" and case["tagged_by"] == "alice"
    assert case["question"] and case["wrong_answer"].startswith("reply ")
    with pytest.raises(TagError):
        service.tag(ids[3], "nonsense", "alice")
    with pytest.raises(LookupError):
        service.tag("no-such-conversation", "good", "alice")
    assert service.untag(ids[4], "missing_knowledge") and not service.untag(ids[4], "missing_knowledge")
    assert service.report(FIRST, LAST)["tags"]["missing_knowledge"] == 0


def test_a_tagged_reply_becomes_the_case(seeded):
    service, ids = seeded["service"], seeded["truth"].ids
    conversation = service.reader.conversation(ids[6])  # a "dont_know" scenario: maybe a policy reply first
    reply = [m for m in conversation.messages if m.author == "bot"][0]
    service.tag(ids[6], "wrong_answer", "bob", message_id=reply.message_id)
    case = next(c for c in service.tagged_cases() if c["conversation_id"] == ids[6])
    assert case["id"] == f"{ids[6]}:{reply.message_id}" and case["kind"] == reply.meta["kind"]
    service.untag(ids[6], "wrong_answer")


def test_csv_holds_the_same_figures(seeded):
    report = seeded["service"].report(FIRST, LAST)
    rows = [line.split(",") for line in report_csv(report).strip().split("\r\n")]
    assert rows[0] == ["section", "name", "value"]
    cells = {(s, n): v for s, n, v in rows[1:]}
    assert cells[("total", "conversations")] == str(report["conversations"])
    assert cells[("outcome", "handed_over")] == str(report["outcomes"]["handed_over"])
    assert cells[("thumbs", "csat")] == str(report["csat"])
    assert cells[("day:2026-03-14", "abandoned")] == str(report["by_day"][-1]["abandoned"])


@pytest.mark.parametrize("start, end, message", [
    ("2026-13-01", "2026-03-14", "look like"),  # no 13th month
    ("yesterday", None, "look like"),
    ("2026-03-14", "2026-03-01", "must not be after"),
    ("2024-01-01", "2026-03-14", "at most 366 days"),
])
def test_bad_periods_are_refused_with_a_reason(start, end, message):
    with pytest.raises(PeriodError, match=message):
        parse_period(start, end, date(2026, 3, 20))


def test_the_default_period_is_the_last_seven_days():
    assert parse_period(None, None, date(2026, 3, 20)) == (date(2026, 3, 14), date(2026, 3, 20))
    assert parse_period(None, "2026-03-10", date(2026, 3, 20)) == (date(2026, 3, 4), date(2026, 3, 10))


async def test_the_notices_the_chat_service_writes_are_recognised(tmp_path):
    """Through the real write path: a shopper asks for a person, staff take over and resolve."""
    url = f"sqlite:///{tmp_path / 'live.db'}"
    store = SqlConversationStore(url)
    assistant = ScriptedAssistant({"a person please": [
        {"text": "Passing you on.", "buttons": [], "metadata": {"kind": "handoff", "grounding": "composed"}}]})
    chat = ChatService(store, assistant)
    session_id, _ = chat.open(None)
    chat.record_shopper(session_id, "a person please")
    await chat.answer(session_id, "a person please")
    chat.record_shopper(session_id, "still there?")
    await chat.answer(session_id, "still there?")  # a second wait notice: the same handoff
    assert chat.take_over(session_id, "alice") and chat.resolve(session_id, "alice")
    other, _ = chat.open(None)
    chat.record_shopper(other, "hello")
    await chat.answer(other, "hello")  # the echo: a helpful reply of kind "test"
    today = datetime.now(UTC).date()
    report = InsightsService(SqlInsightsReader(url)).report(today - timedelta(days=1), today + timedelta(days=1))
    assert report["conversations"] == 2
    assert report["outcomes"] == {"resolved_by_assistant": 1, "handed_over": 1, "abandoned": 0}
    assert report["handed_over_by_trigger"] == {ASKED: 1}
    assert report["handoffs_picked_up"] == 1 and report["handoffs_resolved"] == 1
    assert report["median_pickup_s"] >= 0 and report["median_resolution_s"] >= report["median_pickup_s"]


def test_each_question_is_embedded_once(seeded):
    asked: list[str] = []

    def counting_embed(texts: list[str]) -> list[list[float]]:
        asked.extend(texts)
        return fake_embed(texts)

    service = InsightsService(seeded["service"].reader, PRODUCTS.get, score=fake_score, embed=counting_embed)
    first = service.report(FIRST, LAST)["unanswered_topics"]
    assert len(asked) == len(set(asked)) > 0  # distinct texts only
    embedded = len(asked)
    assert service.report(FIRST, LAST)["unanswered_topics"] == first and len(asked) == embedded


def test_button_payloads_are_not_scored_as_the_shoppers_words():
    from bot.domain.insights import StoredMessage, message_score

    at = datetime(2026, 3, 2, tzinfo=UTC)
    assert message_score(StoredMessage(1, "shopper", "/deny", at), fake_score) is None
    assert message_score(StoredMessage(2, "shopper", "   ", at), fake_score) is None
    assert message_score(StoredMessage(3, "shopper", "hello?", at), fake_score) == 0.02
    assert message_score(StoredMessage(4, "shopper", "x", at, {"sentiment": -0.5}), fake_score) == -0.5
