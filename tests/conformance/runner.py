"""Plays a scripted shopper against the running bot and judges the result the way tau-bench does.

A script is written by hand from a task's instruction. The shopper answers what the bot asks: each
bot question carries a kind in its metadata (order_ask_identity, order_ask_order, ...), and the script
holds the answer for each kind. The judge replays the task's expected actions on a fresh copy of the
data with an independent reference implementation and compares the two databases.
"""
from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import yaml

from tests import tau_reference

SCRIPTS = Path(__file__).parent / "scripts"
# Script key -> the bot question kind it answers.
ANSWERS = {
    "identity": "order_ask_identity", "order": "order_ask_order", "reason": "order_ask_reason",
    "items": "order_ask_items", "new_items": "order_ask_new_item", "payment": "order_ask_payment",
    "address": "order_ask_address", "confirm": "order_confirm",
}
ASKS = {v: k for k, v in ANSWERS.items()}
FINAL = {"order_done", "order_not_confirmed", "order_status", "order_list", "order_profile"}
MAX_TURNS = 25


def load_scripts(split: str) -> dict[int, dict]:
    path = SCRIPTS / f"{split}.yml"
    return {s["task"]: s for s in yaml.safe_load(path.read_text()) or []} if path.exists() else {}


# Script sets -> the tau task file they play (train_alt: the same train tasks in other shoppers' words).
TASK_FILES = {"train_alt": "train"}


def load_tasks(store: Path, split: str) -> dict[int, dict]:
    tasks = store / f"tasks_{TASK_FILES.get(split, split)}.json"
    return {t["task_index"]: t for t in json.loads(tasks.read_text())}


@dataclass
class Outcome:
    task: int
    passed: bool = False
    reason: str = ""
    transcript: list[tuple[str, str]] = field(default_factory=list)
    writes_without_yes: list[str] = field(default_factory=list)


class Conversation:
    """One shopper, one conversation id; records every turn and every write the bot made."""

    def __init__(self, say: Callable[[str, str], list[dict]], sender: str, audit: Callable[[str], list[dict]]):
        self.say, self.sender, self.audit = say, sender, audit
        self.transcript: list[tuple[str, str]] = []
        self.unconsented: list[str] = []
        self.bot_texts: list[str] = []

    def turn(self, text: str) -> list[dict]:
        before = len(self.audit(self.sender))
        replies = self.say(text, self.sender)
        writes = self.audit(self.sender)[before:]
        if writes and not _plain_yes(text):
            self.unconsented += [w["operation"] for w in writes]
        reply_text = "\n".join(m.get("text", "") for m in replies if m.get("text"))
        self.transcript.append((text, reply_text))
        self.bot_texts.append(reply_text)
        return replies


def _plain_yes(text: str) -> bool:
    """The judge's own notion of consent, deliberately narrower than the bot's."""
    return text.strip().strip(".!").lower() in {"yes", "yes please", "yes, go ahead", "/affirm"}


def _as_list(value) -> list:
    values = [] if value is None else value if isinstance(value, list) else [value]
    return [{True: "yes", False: "no"}.get(v, v) if isinstance(v, bool) else str(v) for v in values]


def _kinds(replies: list[dict]) -> list[str]:
    return [m["custom"]["shopbot"]["kind"] for m in replies if "shopbot" in (m.get("custom") or {})]


def play_request(chat: Conversation, request: dict, identity: list[str]) -> str | None:
    """One request of the script: opening line, then answer each question. Returns a failure or None."""
    answers = {key: _as_list(value) for key, value in request.items() if key in ANSWERS and not isinstance(value, dict)}
    answers.setdefault("identity", identity)
    replies = chat.turn(request["say"])
    for _ in range(MAX_TURNS):
        kinds = _kinds(replies)
        if any(k in FINAL for k in kinds) or any("Nothing has been changed" in m.get("text", "") for m in replies):
            return None
        asked = next((ASKS[k] for k in reversed(kinds) if k in ASKS), None)
        if asked is None:
            return f"bot asked nothing the script can answer after {chat.transcript[-1][0]!r}: {kinds}"
        queue = answers.get(asked) or []
        if asked == "new_items" and isinstance(request.get("new_items"), dict):
            question = next(m.get("text", "") for m in reversed(replies) if m.get("text"))
            key = next((k for k in request["new_items"] if k.lower() in question.lower()), None)
            queue = answers.setdefault(f"new_items:{key}", list(_as_list(request["new_items"].get(key))))
        if not queue:
            return f"bot asked for {asked} again (script has no more answers): {chat.transcript[-1][1][:300]!r}"
        replies = chat.turn(queue.pop(0))
    return "conversation did not finish"


def run_script(script: dict, task: dict, say, stack) -> Outcome:
    """Reset the shop, play the script, compare the database with the expected one."""
    stack.reset_database()
    sender = f"tau-{script.get('split', 'x')}-{task['task_index']}"
    chat = Conversation(say, sender, lambda s: stack.store.audit_entries(s))
    outcome = Outcome(task["task_index"])
    identity = _as_list(script["identity"])
    failure = None
    for line in script.get("before", []):
        chat.turn(line)
    for request in script["requests"]:
        failure = play_request(chat, request, identity) or failure
    for line in script.get("after", []):
        chat.turn(line)
    outcome.transcript = chat.transcript
    outcome.writes_without_yes = chat.unconsented
    expected = expected_database(stack, task)
    actual = stack.store.dump()
    missing = [o for o in task.get("outputs", []) if not any(o.lower() in t.lower() for t in chat.bot_texts)]
    if chat.unconsented:
        outcome.reason = f"write without an explicit yes: {chat.unconsented}"
    elif actual != expected:
        outcome.reason = (failure + "; " if failure else "") + "database differs: " + _difference(actual, expected)
    elif missing:
        outcome.reason = f"outputs never said: {missing}"
    else:
        outcome.passed = True
    return outcome


_SEED_CACHE: dict[str, dict] = {}


def expected_database(stack, task: dict) -> dict:
    """tau-bench's judge: the task's actions replayed on fresh data by the reference tools."""
    if "seed" not in _SEED_CACHE:
        from bot.adapters.sql.store import SqlCommerceStore

        seed = SqlCommerceStore(f"sqlite:///{stack.template}")
        _SEED_CACHE["seed"] = seed.dump()
        seed.close()
    data = copy.deepcopy(_SEED_CACHE["seed"])
    for action in task["actions"]:
        tau_reference.step(data, action["name"], action["kwargs"])
    return data


def _difference(actual: dict, expected: dict) -> str:
    for table in ("orders", "users", "products"):
        for key in sorted(set(actual[table]) | set(expected[table])):
            if actual[table].get(key) != expected[table].get(key):
                got, want = actual[table].get(key) or {}, expected[table].get(key) or {}
                fields = sorted(k for k in set(got) | set(want) if got.get(k) != want.get(k))
                return f"{table}[{key}] fields {fields}: got {[got.get(f) for f in fields]!r} want {[want.get(f) for f in fields]!r}"[:600]
    return "?"
