"""Rasa on real servers (endpoints.servers.yml): the tracker store in PostgreSQL, the lock store in Redis,
the orders in PostgreSQL too. A Rasa instance killed in the middle of an order request is restarted and
the conversation goes on where it was; two instances serve one conversation in turn, and messages sent
to both at once are handled one at a time (the Redis lock), none lost, none interleaved."""
from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from bot.adapters.sql import SqlCommerceStore
from tests.servers.conftest import RASA_PORTS, say, texts, tracker

OLIVIA = {"email": "olivia.ito5204@example.com", "id": "olivia_ito_3591", "pending": "#W5442520"}
IVAN = {"email": "ivan.santos3158@example.com", "id": "ivan_santos_6635", "pending": "#W8770097",
        "orders": ["#W6893533", "#W8770097", "#W5183325", "#W3913498"]}
ORDER_ID = re.compile(r"#W\d{7}")


@pytest.fixture(scope="module")
def orders(stack):
    store = SqlCommerceStore(stack.env["SHOPBOT_DATABASE_URL"])
    yield store
    store.close()


def test_rasa_and_the_action_server_use_the_servers(stack, servers):
    """Rasa's tracker store and the orders are tables in PostgreSQL; a turn takes and frees a lock in Redis."""
    before = servers.redis_calls("set")
    assert texts(say(RASA_PORTS[0], "servers-hello", "hi"))
    assert servers.redis_calls("set") > before  # the ticket lock was written
    tables = {row[0] for row in servers.sql("SELECT tablename FROM pg_tables WHERE schemaname = 'public'",
                                            database=servers.env["SHOPBOT_TRACKER_PG_DB"])}
    assert "events" in tables  # Rasa's SQL tracker store
    tables = {row[0] for row in servers.sql("SELECT tablename FROM pg_tables WHERE schemaname = 'public'",
                                            database=servers.env["SHOPBOT_PG_DB"])}
    assert {"customers", "orders", "audit_log"} <= tables


def test_a_killed_rasa_resumes_the_order_request_from_postgresql(stack, orders):
    port, sender = RASA_PORTS[0], "servers-restart"
    assert "verify who you are" in texts(say(port, sender, "I want to cancel an order"))
    assert "Which order" in texts(say(port, sender, OLIVIA["email"]))
    assert "Why would you like to cancel" in texts(say(port, sender, OLIVIA["pending"]))
    summary = texts(say(port, sender, "no longer needed"))
    assert "Shall I go ahead?" in summary and OLIVIA["pending"] in summary
    events_before = len(tracker(port, sender)["events"])

    stack.stop("rasa1", kill=True)  # SIGKILL: nothing is flushed on the way out
    stack.start("rasa1")

    resumed = tracker(port, sender)
    assert len(resumed["events"]) == events_before
    assert resumed["slots"]["customer_id"] == OLIVIA["id"]  # still verified
    assert resumed["slots"]["confirmation_shown"]  # the summary is still the one awaiting a yes
    assert orders.get_order(OLIVIA["pending"])["status"] == "pending"
    assert "Is there anything else" in texts(say(port, sender, "yes"))
    assert orders.get_order(OLIVIA["pending"])["status"] == "cancelled"
    assert [e["conversation_id"] for e in orders.audit_entries(sender)] == [sender]


@pytest.fixture(scope="module")
def second_rasa(stack):
    """A second Rasa instance: the same model, the same PostgreSQL tracker store and Redis lock store."""
    if not stack.running("rasa1"):
        stack.start("rasa1")
    stack.start("rasa2")
    yield stack
    stack.stop("rasa2")


def _turns(events: list[dict]) -> list[list[dict]]:
    """The events from each user message up to (not including) the next one."""
    turns: list[list[dict]] = []
    for event in events:
        if event["event"] == "user":
            turns.append([event])
        elif turns:
            turns[-1].append(event)
    return turns


def _assert_whole_turns(events: list[dict]) -> None:
    """Every message was answered and its turn ended (action_listen) before the next message's began."""
    for turn in _turns(events):
        actions = [e.get("name") for e in turn if e["event"] == "action"]
        assert "bot" in {e["event"] for e in turn}, turn
        assert actions and actions[-1] == "action_listen", (turn[0]["text"], actions)


def test_two_rasa_instances_serve_one_conversation_in_turn(second_rasa, orders):
    sender = "servers-two"
    lines = [("I want to cancel an order", "verify who you are"), (IVAN["email"], "Which order"),
             (IVAN["pending"], "Why would you like to cancel"), ("no longer needed", "Shall I go ahead?"),
             ("yes", "Is there anything else")]
    for i, (line, expected) in enumerate(lines):
        port = RASA_PORTS[i % 2]  # 1, 2, 1, 2, 1
        assert expected in texts(say(port, sender, line)), (port, line)
    assert orders.get_order(IVAN["pending"])["status"] == "cancelled"

    seen = [tracker(port, sender) for port in RASA_PORTS]
    assert seen[0]["events"] == seen[1]["events"]  # both read the one stored conversation
    events = seen[0]["events"]
    assert [e["text"] for e in events if e["event"] == "user"] == [line for line, _ in lines]
    _assert_whole_turns(events)
    assert seen[0]["slots"]["customer_id"] == IVAN["id"]


def test_messages_sent_to_both_instances_at_once_are_handled_one_at_a_time(second_rasa, servers):
    sender = "servers-burst"
    assert "verify who you are" in texts(say(RASA_PORTS[0], sender, "show me my orders"))
    assert "Thank you, Ivan" in texts(say(RASA_PORTS[1], sender, IVAN["email"]))
    questions = [f"what is the status of order {order}?" for order in IVAN["orders"]]
    start = threading.Barrier(len(questions))

    def ask(i: int) -> str:
        start.wait()  # all four leave together, two to each instance
        return texts(say(RASA_PORTS[i % 2], sender, questions[i]))

    with ThreadPoolExecutor(len(questions)) as pool:
        replies = list(pool.map(ask, range(len(questions))))
    for order, reply in zip(IVAN["orders"], replies):
        assert set(ORDER_ID.findall(reply)) == {order}, reply  # each answer is about its own order

    events = tracker(RASA_PORTS[0], sender)["events"]
    said = [e["text"] for e in events if e["event"] == "user"]
    assert said[:2] == ["show me my orders", IVAN["email"]]
    assert sorted(said[2:]) == sorted(questions)  # each once: none lost, none doubled
    _assert_whole_turns(events)  # and not interleaved: the lock let one turn run at a time
    assert servers.redis("--scan", "--pattern", "shopbot:*").split() == []  # every lock was released
