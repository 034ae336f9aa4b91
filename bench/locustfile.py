"""Locust scenario of the bench (run by bench/locust_load.py, never imported by the bench itself: Locust
patches the standard library with gevent). Each simulated shopper takes the next scripted conversation
(greeting, a fact question, a policy question, thanks), sends it turn by turn to Rasa's REST channel with
`think_s` seconds of think time between messages (0 = the closed loop; with `think_spread`, drawn from
0.5-1.5x think_s, Locust's `between`, so that shoppers who arrived together drift apart as people do), then
takes the next conversation nobody has had yet (a new sender) or stops when none is left; the run ends when
every conversation is done. Localhost only: any other host is refused.

Configuration: the JSON file named by SHOPBOT_LOCUST_CONFIG ({"scripts": [[[step, message], ...], ...],
"think_s", "think_spread", "timeout_s", "token", "technical": [...], "turns_file"}). Every turn is appended to
`turns_file` as one JSON line (step, start time, latency, error kind, and the reply's kinds and groundings)."""
from __future__ import annotations

import itertools
import json
import os
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import gevent
import requests
from locust import HttpUser, between, constant, events, task
from locust.exception import StopUser

from bench.turns import Reply, classify_reply

CONFIG = json.loads(Path(os.environ["SHOPBOT_LOCUST_CONFIG"]).read_text())
SCRIPTS: list[list[list[str]]] = CONFIG["scripts"]
TECHNICAL = frozenset(CONFIG.get("technical", ()))
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
_next_script = itertools.count()
_finished = itertools.count(1)
_turns_out = open(CONFIG["turns_file"], "a", buffering=1)  # noqa: SIM115 - one line per turn, for the run


@events.test_start.add_listener
def _loopback_only(environment, **_kwargs):
    host = urlsplit(environment.host or "").hostname
    if host not in LOOPBACK:
        raise SystemExit(f"the bench's Locust scenario only loads this machine, not {environment.host!r}")


THINK_S = float(CONFIG.get("think_s", 0.0))


class Shopper(HttpUser):
    wait_time = between(0.5 * THINK_S, 1.5 * THINK_S) if CONFIG.get("think_spread") else constant(THINK_S)

    def on_start(self) -> None:
        self._next_conversation()

    def _next_conversation(self) -> None:
        self.index = next(_next_script)
        if self.index >= len(SCRIPTS):
            raise StopUser()
        self.script = list(SCRIPTS[self.index])
        self.sender = f"locust-{self.index}-{uuid.uuid4().hex[:8]}"

    @task
    def say_next(self) -> None:
        if not self.script:
            self._done()
        step, message = self.script.pop(0)
        started = time.time()
        error, groundings = None, []
        with self.client.post("/webhooks/rest/webhook", json={"sender": self.sender, "message": message},
                              headers={"Authorization": f"Bearer {CONFIG['token']}"}, name=step,
                              timeout=float(CONFIG.get("timeout_s", 60)), catch_response=True) as response:
            if response.status_code != 200:
                error = "timeout" if isinstance(response.error, requests.exceptions.Timeout) else "http_error"
                response.failure(f"{error}: {response.status_code} {str(response.error)[:120]}")
            else:
                try:
                    reply = Reply.of(response.json())
                except ValueError:
                    error = "http_error"
                    response.failure("not JSON")
                else:
                    error = classify_reply(reply, TECHNICAL)
                    groundings = [list(pair) for pair in zip(reply.kinds, reply.groundings)]
                    if error:
                        response.failure(error)
                    else:
                        response.success()
        _turns_out.write(json.dumps({"shopper": self.index, "step": step, "started": started,
                                     "latency_s": time.time() - started, "error": error,
                                     "groundings": groundings}) + "\n")
        if not self.script:
            self._done()

    def _done(self) -> None:
        if next(_finished) >= len(SCRIPTS):  # the last conversation: end the run instead of idling to --run-time
            gevent.spawn_later(0.1, self.environment.runner.quit)
            raise StopUser()
        self._next_conversation()
