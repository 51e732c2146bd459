"""A bounded, thread-safe cache of built SQLAlchemy statements, least recently used out.

Composing a large statement in Python (and SQLAlchemy's cache key of a new statement object)
can cost more than the database takes to answer it; a statement reused as is costs neither.
Only statements that follow entirely from their key belong here.
"""

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any


class StatementCache:
    def __init__(self, size: int):
        self._size = size
        self._items: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, build: Callable[[], Any]) -> Any:
        """The statement kept under ``key``, built by ``build()`` the first time."""
        with self._lock:
            statement = self._items.get(key)
            if statement is not None:
                self._items.move_to_end(key)
                return statement
        statement = build()
        with self._lock:
            self._items[key] = statement
            if len(self._items) > self._size:
                self._items.popitem(last=False)
        return statement

    def __len__(self) -> int:
        return len(self._items)
