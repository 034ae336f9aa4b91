"""The tau conformance scripts replayed against the order desk and the form's start logic, without Rasa.

`make conformance` plays these scripts over REST against the full stack; this replays the same shopper
lines through `start_request`, `OrderDesk.understand` / `ask` / `precheck` / `submit` in the order the
form calls them, and compares the database with tau-bench's expected one. It keeps the desk's behaviour
on the scripts' wording from regressing when the desk learns new wording (it can't see NLU or rules).
"""
from __future__ import annotations

import copy
import functools
import json
import shutil

import pytest
import yaml
from rasa_sdk import Tracker

from actions.orders import start_request
from bot.adapters.sql import SqlCommerceStore
from bot.domain.order_requests import order_request_intent
from bot.services.order_desk import REQUEST_SLOTS, OrderDesk, next_slot
from tests import tau_reference
from tests.conformance.runner import ANSWERS, ASKS, SCRIPTS, _as_list
from tests.conftest import TAU_STORE

CASES = [(split, script) for split in ("dev", "train")
         for script in yaml.safe_load((SCRIPTS / f"{split}.yml").read_text()) or []]
KEYWORDS = (("cancel", "order_cancel"), ("return", "order_return"), ("exchange", "order_exchange"),
            ("change", "order_modify"), ("modify", "order_modify"))


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    path = tmp_path_factory.mktemp("replay") / "template.db"
    store = SqlCommerceStore(f"sqlite:///{path}")
    store.seed_from_store_dir(TAU_STORE)
    seed = store.dump()
    store.close()
    return path, seed


@functools.cache
def tasks(split: str) -> dict[int, dict]:
    return {t["task_index"]: t for t in json.loads((TAU_STORE / f"tasks_{split}.json").read_text())}


def nlu_guess(text: str) -> str:
    """Stands in for the NLU: the order intent the opening line's verb names."""
    return order_request_intent(text) or next((i for w, i in KEYWORDS if w in text.lower()), "order_status")


def opening(text: str, slots: dict) -> Tracker:
    intent = nlu_guess(text)
    return Tracker.from_dict({"sender_id": "replay", "slots": slots, "paused": False, "followup_action": None,
                              "latest_message": {"text": text, "intent": {"name": intent}, "entities": []},
                              "events": [{"event": "user", "text": text, "parse_data": {"intent": {"name": intent}}}],
                              "active_loop": {}, "latest_action_name": None})


def play(desk: OrderDesk, script: dict, conversation: str) -> list[str]:
    state = {"customer_id": None, **{s: None for s in REQUEST_SLOTS}}
    transcript = []
    for request in script["requests"]:
        answers = {k: _as_list(v) for k, v in request.items() if k in ANSWERS and not isinstance(v, dict)}
        answers.setdefault("identity", _as_list(script["identity"]))
        events, _ = start_request(opening(request["say"], dict(state)), nlu_guess(request["say"]), None)
        state.update({e["name"]: e["value"] for e in events if e.get("event") == "slot" and e["name"] in state})
        if state["customer_id"]:  # the form validates the opening line on activation
            state.update(desk.understand(state, request["say"], None, conversation).updates)
        for _ in range(25):
            slot = next_slot(state)
            if slot == "order_confirmed" and desk.precheck(state):
                state["order_confirmed"] = False
                slot = None
            if slot is None:
                transcript.append(desk.submit(state, conversation).kind)
                break
            question = desk.ask(state, slot)
            state["confirmation_shown"] = question.extra.get("confirmation_id", state["confirmation_shown"])
            asked = ASKS.get(question.kind)
            if asked == "new_items" and isinstance(request.get("new_items"), dict):
                key = next((k for k in request["new_items"] if k.lower() in question.text.lower()), None)
                queue = answers.setdefault(f"new_items:{key}", _as_list(request["new_items"].get(key)))
            else:
                queue = answers.get(asked) or []
            if not queue:
                transcript.append(f"stuck at {question.kind}")
                break
            turn = desk.understand(state, queue.pop(0), slot, conversation)
            assert not turn.closing, "a script's answer was taken for leaving the request"
            state.update(turn.updates)
        state.update({s: None for s in REQUEST_SLOTS})
    return transcript


@pytest.mark.parametrize("split, script", CASES, ids=[f"{s}-{c['task']}" for s, c in CASES])
def test_conformance_script_replayed_on_the_desk(template, tmp_path, split, script):
    path, seed = template
    shutil.copy(path, tmp_path / "shop.db")
    store = SqlCommerceStore(f"sqlite:///{tmp_path / 'shop.db'}")
    try:
        transcript = play(OrderDesk(store), script, f"replay-{split}-{script['task']}")
        actual = store.dump()
    finally:
        store.close()
    task = tasks(split)[script["task"]]
    expected = copy.deepcopy(seed)
    for action in task["actions"]:
        tau_reference.step(expected, action["name"], action["kwargs"])
    assert actual == expected, transcript
