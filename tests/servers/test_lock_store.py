"""The lock store of endpoints.servers.yml against the real Redis: four stores (four Rasa instances) draw
tickets for one conversation at the same moments; every ticket is drawn once and is kept in the lock.
(Rasa's own RedisLockStore draws the same ticket twice here: about half of 100 were duplicates.)"""
from __future__ import annotations

from tests.conftest import run_in_rasa_venv

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
    result = run_in_rasa_venv(RACE, servers.env["SHOPBOT_REDIS_PORT"], servers.env["SHOPBOT_REDIS_PASSWORD"])
    assert sorted(result["drawn"]) == list(range(100))  # each ticket once, none skipped
    assert sorted(result["held"]) == list(range(100))  # and none lost from the lock
    assert result["left"] is False  # served in turn, the lock is gone with its last ticket


# A turn that outlives its ticket's lifetime keeps its place (the heartbeat renews it), and a ticket whose
# Rasa died (drawn, never renewed nor cleaned up) stops blocking the conversation after that lifetime.
HEARTBEAT = """
import asyncio, json, sys, time
from bot.rasa_lock_store import AtomicRedisLockStore
from rasa.utils.endpoints import EndpointConfig
LIFETIME = 2.0  # renewed every 0.67 s: a renewal would have to be 1.3 s late for the test to fail
config = EndpointConfig(url="127.0.0.1", port=sys.argv[1], password=sys.argv[2], db="1", key_prefix="beattest")
first, second, dead, late = (AtomicRedisLockStore(endpoint_config=config, ticket_lifetime_s=LIFETIME) for _ in range(4))
events = []

async def slow_turn(entered):
    async with first.lock("slow-conversation", wait_time_in_seconds=0.05):
        events.append("first in")
        entered.set()
        await asyncio.sleep(3 * LIFETIME)
        events.append("first out")

async def next_turn(entered):
    await entered.wait()
    async with second.lock("slow-conversation", wait_time_in_seconds=0.05):
        events.append("second in")

async def after_a_crash():
    dead.issue_ticket("crashed-conversation", LIFETIME)  # its Rasa was killed: no heartbeat, no cleanup
    async with late.lock("crashed-conversation", wait_time_in_seconds=0.05):
        return "served"

async def main():
    entered = asyncio.Event()
    await asyncio.gather(slow_turn(entered), next_turn(entered))
    served = await asyncio.wait_for(after_a_crash(), timeout=30)
    left = [s.get_lock(c) is not None for s, c in ((first, "slow-conversation"), (late, "crashed-conversation"))]
    print(json.dumps({"events": events, "after_crash": served, "left": left}))

asyncio.run(main())
"""


def test_a_live_turn_keeps_its_ticket_and_a_dead_ones_ticket_lapses(servers):
    result = run_in_rasa_venv(HEARTBEAT, servers.env["SHOPBOT_REDIS_PORT"], servers.env["SHOPBOT_REDIS_PASSWORD"])
    assert result["events"] == ["first in", "first out", "second in"]  # renewed past 3 lifetimes, in order
    assert result["after_crash"] == "served"  # within 30 s, where Rasa's own ticket blocks for 60 s
    assert result["left"] == [False, False]
