"""bot/rasa_speedups.py inside Rasa's venv: the patched response check accepts and rejects exactly what
Rasa's own does, with the same error message, and checks the schema once instead of on every response."""
from __future__ import annotations

import json
import subprocess

from tests.conftest import ROOT

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
rasa_speedups.install()
after = outcomes() + outcomes()
print(json.dumps({"before": before, "after": after, "schema_checks": len(checks),
                  "patched": RemoteAction._validate_action_result is rasa_speedups.validate_action_result}))
"""


def test_the_cached_response_check_matches_rasas_own():
    done = subprocess.run([str(ROOT / ".venv-rasa/bin/python"), "-c", CHECK], cwd=ROOT, capture_output=True,
                          text=True, timeout=300, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["patched"]
    assert result["after"] == result["before"] * 2  # same verdicts and messages, call after call
    assert [kind for kind, _ in result["before"]] == ["ok", "ok", "ok", "error", "error", "error", "error"]
    assert result["schema_checks"] == 1  # once for all 14 responses (Rasa's own: once per response)
