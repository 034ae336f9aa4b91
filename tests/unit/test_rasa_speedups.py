"""bot/rasa_speedups.py inside Rasa's venv: the patched response check accepts and rejects exactly what
Rasa's own does, with the same error message, checking the schema once; event names resolve to the same
classes (and the same errors) as Rasa's own lookup."""
from __future__ import annotations

import pytest

from tests.conftest import ROOT, run_in_rasa_venv

CLEAN_ENV = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}  # no SHOPBOT_* or thread settings of ours

CHECK = """
import json
import jsonschema.validators
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.utils.endpoints import EndpointConfig

responses = [
    {"events": [{"event": "slot", "name": "x", "value": 1}], "responses": [{"text": "hi"}]},
    {"events": [], "responses": []},
    {},
    {"events": [{"event": "slot"}]},                       # a slot event without its name
    {"events": "not a list"},
    {"responses": ["not an object"]},
    {"events": [{"event": "no_such_event"}]},
]
action = RemoteAction("action_x", EndpointConfig("http://127.0.0.1:1"))

def outcomes():
    out = []
    for r in responses:
        try:
            out.append(["ok", action._validate_action_result(r)])
        except ValidationError as e:
            out.append(["error", e.message])
    return out

before = outcomes()
from bot import rasa_speedups
checks = []
cls = jsonschema.validators.validator_for(RemoteAction.action_response_format_spec())
original = cls.check_schema
cls.check_schema = classmethod(lambda c, s, **k: (checks.append(1), original.__func__(c, s, **k))[1])
from rasa.shared.core.events import Event
from rasa.shared.utils.common import all_subclasses

def resolved(names):
    out = []
    for name, default in names:
        try:
            cls = Event.resolve_by_type(name, default)
            out.append(None if cls is None else f"{cls.__module__}.{cls.__name__}")
        except ValueError as e:
            out.append(f"error: {e}")
    return out

names = [(cls.type_name, None) for cls in all_subclasses(Event)]
names += [("topic", None), ("no_such_event", None), ("no_such_event", Event.resolve_by_type("user"))]
events_before = resolved(names)
rasa_speedups.install()
after = outcomes() + outcomes()
events_after = resolved(names) + resolved(names)
print(json.dumps({"before": before, "after": after, "schema_checks": len(checks),
                  "events_before": events_before, "events_after": events_after, "event_names": len(names),
                  "patched": RemoteAction._validate_action_result is rasa_speedups.validate_action_result}))
"""


@pytest.fixture(scope="module")
def result() -> dict:
    """What CHECK prints, run once in Rasa's venv."""
    return run_in_rasa_venv(CHECK, env=CLEAN_ENV)


def test_the_cached_response_check_matches_rasas_own(result):
    assert result["patched"]
    assert result["after"] == result["before"] * 2  # same verdicts and messages, call after call
    assert [kind for kind, _ in result["before"]] == ["ok", "ok", "ok", "error", "error", "error", "error"]
    assert result["schema_checks"] == 1  # once for all 14 responses (Rasa's own: once per response)


def test_the_cached_event_table_resolves_every_event_name_as_rasa_does(result):
    assert result["event_names"] > 20  # every event class Rasa knows, plus three odd names
    assert result["events_after"] == result["events_before"] * 2
    assert result["events_before"][-3:] == [None, "error: Unknown event name 'no_such_event'.",
                                            "rasa.shared.core.events.UserUttered"]


# A SQLite tracker store: the same conversation read back by Rasa's own code and by ours.
TRACKERS = """
import asyncio, json, sys
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

domain = Domain.from_yaml("slots:\\n  order_id:\\n    type: text\\n    mappings: [{type: custom}]\\n")
store = SQLTrackerStore(domain, dialect="sqlite", db=sys.argv[1])
old = [ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen"),
       UserUttered("cancel #W1", {"name": "cancel_order", "confidence": 0.9}), SlotSet("order_id", "#W1")]
new = [SessionStarted(), ActionExecuted("action_listen"), UserUttered("hi", {"name": "greet", "confidence": 1.0}),
       ActionExecuted("utter_greet"), SlotSet("order_id", "#W2")]

async def read(name):
    latest = await store.retrieve(name)
    full = await store.retrieve_full_tracker(name)
    return [None if t is None else [t.current_state(), [e.as_dict() for e in t.events]] for t in (latest, full)]

async def main():
    await store.save(DialogueStateTracker.from_events("one", old + new, domain.slots))
    before = [await read("one"), await read("nobody")]
    from bot import rasa_speedups
    rasa_speedups.install()
    after = [await read("one"), await read("nobody")]
    print(json.dumps({"before": before, "after": after, "events": [len(x[1]) for x in before[0] if x],
                      "patched": SQLTrackerStore._retrieve is rasa_speedups.retrieve_events}, default=str))

asyncio.run(main())
"""


def test_conversations_read_back_from_sql_are_the_same_as_with_rasas_own_code(tmp_path):
    result = run_in_rasa_venv(TRACKERS, str(tmp_path / "t.db"), env=CLEAN_ENV)
    assert result["patched"] and result["after"] == result["before"]
    assert result["events"] == [5, 10]  # the latest session only, then every session
    assert result["before"][1] == [None, None]  # an unknown conversation: none
