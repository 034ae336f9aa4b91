"""The lock store of endpoints.servers.yml against the real Redis: four stores (four Rasa instances) draw
tickets for one conversation at the same moments; every ticket is drawn once and is kept in the lock.
(Rasa's own RedisLockStore draws the same ticket twice here: about half of 100 were duplicates.)"""
from __future__ import annotations

import json
import os
import subprocess

from tests.conftest import ROOT

# Runs in Rasa's venv (the lock store imports Rasa); prints the tickets it drew and those the lock holds.
RACE = """
import json, sys, threading
from bot.rasa_lock_store import AtomicRedisLockStore
from rasa.utils.endpoints import EndpointConfig
config = EndpointConfig(url="127.0.0.1", port=sys.argv[1], password=sys.argv[2], db="1", key_prefix="racetest")
stores = [AtomicRedisLockStore(endpoint_config=config) for _ in range(4)]
drawn, start = [], threading.Barrier(len(stores))
def draw(store):
    for _ in range(25):
        start.wait()
        drawn.append(store.issue_ticket("one-conversation", 60))
threads = [threading.Thread(target=draw, args=(store,)) for store in stores]
[t.start() for t in threads]
[t.join() for t in threads]
held = [t.number for t in stores[0].get_lock("one-conversation").tickets]
for number in sorted(drawn):
    stores[number % 4].cleanup("one-conversation", number)
print(json.dumps({"drawn": drawn, "held": held, "left": stores[0].get_lock("one-conversation") is not None}))
"""


def test_tickets_drawn_at_once_by_four_instances_are_unique(servers):
    redis = servers.env
    done = subprocess.run([str(ROOT / ".venv-rasa/bin/python"), "-c", RACE, redis["SHOPBOT_REDIS_PORT"],
                           redis["SHOPBOT_REDIS_PASSWORD"]], cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert sorted(result["drawn"]) == list(range(100))  # each ticket once, none skipped
    assert sorted(result["held"]) == list(range(100))  # and none lost from the lock
    assert result["left"] is False  # served in turn, the lock is gone with its last ticket
