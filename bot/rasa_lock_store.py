"""A Redis lock store for several Rasa instances (runs inside the Rasa server's venv, like rasa_channel.py).

Rasa 3.6's `RedisLockStore` keeps each conversation's ticket lock in one Redis key but changes it by
reading, changing and writing it back: two instances that receive messages of one conversation at the
same moment can both create the lock, or both draw the same ticket, and then work on the conversation
at once (its tracker loses or interleaves events). Rasa's maintainers call that path "far from atomic"
(RasaHQ/rasa#3933, #9213); the concurrent store they added was reverted (#11428).

This store does every read-change-write of a ticket lock while holding a short Redis mutex of that
conversation (redis-py's lock: SET NX with an expiry, released by a Lua check-and-delete), so tickets are
unique and served in order across instances. Waiting for one's turn stays Rasa's own polling.

endpoints.servers.yml:  lock_store: {type: bot.rasa_lock_store.AtomicRedisLockStore, url: ..., port: ...}
"""
from __future__ import annotations

from typing import Any

from rasa.core.lock_store import LOCK_LIFETIME, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

# A mutex is held for a few Redis round trips; the expiry only matters when its holder dies meanwhile.
MUTEX_EXPIRY_S = 5.0
MUTEX_WAIT_S = 30.0


class AtomicRedisLockStore(RedisLockStore):
    def __init__(self, endpoint_config: EndpointConfig | None = None, **kwargs: Any) -> None:
        if endpoint_config is not None:  # how Rasa builds a lock store named by its module path
            kwargs = {"host": endpoint_config.url or "localhost", **endpoint_config.kwargs, **kwargs}
        super().__init__(**kwargs)

    def _mutex(self, conversation_id: str):
        # "<prefix>:mutex:<id>" beside the lock's "<prefix>:lock:<id>": no conversation id can collide with it.
        name = self.key_prefix.removesuffix("lock:") + "mutex:" + conversation_id
        return self.red.lock(name, timeout=MUTEX_EXPIRY_S,
                             blocking_timeout=MUTEX_WAIT_S, sleep=0.005)

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        with self._mutex(conversation_id):
            return super().issue_ticket(conversation_id, lock_lifetime)

    def update_lock(self, conversation_id: str) -> None:
        with self._mutex(conversation_id):
            super().update_lock(conversation_id)

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        # finish_serving (only ever called from here) and the delete happen under one mutex.
        with self._mutex(conversation_id):
            super().cleanup(conversation_id, ticket_number)
