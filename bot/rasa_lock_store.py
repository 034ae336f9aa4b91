"""A Redis lock store for several Rasa instances (runs inside the Rasa server's venv, like rasa_channel.py).

Rasa 3.6's `RedisLockStore` keeps each conversation's ticket lock in one Redis key but changes it by
reading, changing and writing it back: two instances that receive messages of one conversation at the
same moment can both create the lock, or both draw the same ticket, and then work on the conversation
at once (its tracker loses or interleaves events). Rasa's maintainers call that path "far from atomic"
(RasaHQ/rasa#3933, #9213); the concurrent store they added was reverted (#11428).

This store does every read-change-write of a ticket lock while holding a short Redis mutex of that
conversation (redis-py's lock: SET NX with an expiry, released by a Lua check-and-delete), so tickets are
unique and served in order across instances. Waiting for one's turn stays Rasa's own polling.

A ticket also lives only `ticket_lifetime_s` (15 s) unless the Rasa instance that drew it is alive to renew
it: while a turn waits and runs, a heartbeat pushes its ticket's expiry on every third of that. A Rasa
killed mid-turn leaves a ticket nobody renews, so the conversation's next message waits at most that long,
not Rasa's fixed TICKET_LOCK_LIFETIME (60 s), and a slow turn that is still alive keeps its place.

endpoints.servers.yml:  lock_store: {type: bot.rasa_lock_store.AtomicRedisLockStore, url: ..., port: ...}
"""
from __future__ import annotations

import asyncio
import logging
import time
from contextlib import asynccontextmanager
from typing import Any, AsyncGenerator

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

# A mutex is held for a few Redis round trips; the expiry only matters when its holder dies meanwhile.
MUTEX_EXPIRY_S = 5.0
MUTEX_WAIT_S = 30.0
TICKET_LIFETIME_S = 15.0  # a ticket nobody renews (its Rasa died) is dropped after this long
RENEWALS_PER_LIFETIME = 3

logger = logging.getLogger(__name__)


class AtomicRedisLockStore(RedisLockStore):
    def __init__(self, endpoint_config: EndpointConfig | None = None, ticket_lifetime_s: float = TICKET_LIFETIME_S,
                 **kwargs: Any) -> None:
        if endpoint_config is not None:  # how Rasa builds a lock store named by its module path
            kwargs = {"host": endpoint_config.url or "localhost", **endpoint_config.kwargs, **kwargs}
        lifetime = kwargs.pop("ticket_lifetime_s", ticket_lifetime_s)
        self.ticket_lifetime_s = float(lifetime) if lifetime not in (None, "") else TICKET_LIFETIME_S
        super().__init__(**kwargs)

    @asynccontextmanager
    async def lock(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME,
                   wait_time_in_seconds: float = 1) -> AsyncGenerator[TicketLock, None]:
        """Rasa's ticket lock, with a short-lived ticket renewed for as long as this turn waits and runs."""
        lifetime = min(lock_lifetime, self.ticket_lifetime_s)
        ticket = self.issue_ticket(conversation_id, lifetime)
        heartbeat = asyncio.create_task(self._renew_forever(conversation_id, ticket, lifetime))
        try:
            yield await self._acquire_lock(conversation_id, ticket, wait_time_in_seconds)
        finally:
            heartbeat.cancel()
            self.cleanup(conversation_id, ticket)

    async def _renew_forever(self, conversation_id: str, ticket: int, lifetime: float) -> None:
        while True:
            await asyncio.sleep(lifetime / RENEWALS_PER_LIFETIME)
            try:
                await asyncio.to_thread(self.renew_ticket, conversation_id, ticket, lifetime)
            except Exception:  # Redis away for a moment: the next beat tries again
                logger.warning("could not renew the lock ticket of a conversation", exc_info=True)

    def renew_ticket(self, conversation_id: str, ticket: int, lifetime: float) -> bool:
        """Push the expiry of a live ticket `lifetime` seconds ahead; False when it is gone."""
        with self._mutex(conversation_id):
            lock = self.get_lock(conversation_id)
            held = [t for t in lock.tickets if t.number == ticket] if lock else []
            for t in held:
                t.expires = time.time() + lifetime
            if held:
                self.save_lock(lock)
            return bool(held)

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
