"""A bounded in-memory key-value store for LangChain's embedding cache (action-server venv)."""
from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterator, Sequence

from langchain_core.stores import BaseStore


class RecentStore(BaseStore[str, list[float]]):
    """A key-value store that keeps the `size` most recently used entries (LangChain's cache interface)."""

    def __init__(self, size: int):
        self.size = size
        self._items: OrderedDict[str, list[float]] = OrderedDict()
        self._lock = threading.Lock()

    def mget(self, keys: Sequence[str]) -> list[list[float] | None]:
        with self._lock:
            found = [self._items.get(k) for k in keys]
            for k, v in zip(keys, found):
                if v is not None:
                    self._items.move_to_end(k)
            return found

    def mset(self, key_value_pairs: Sequence[tuple[str, list[float]]]) -> None:
        with self._lock:
            for k, v in key_value_pairs:
                self._items[k] = v
                self._items.move_to_end(k)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def mdelete(self, keys: Sequence[str]) -> None:
        with self._lock:
            for k in keys:
                self._items.pop(k, None)

    def yield_keys(self, prefix: str | None = None) -> Iterator[str]:
        with self._lock:
            keys = list(self._items)
        return iter([k for k in keys if not prefix or k.startswith(prefix)])
