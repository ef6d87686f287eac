"""Small in-process caches of the rows a hot path reads on every request, never stale here.

The sign-in reads the same few rows again and again: the API token and its user, the screening
and its site, the villages a site signs in, the person. Each `Cache` keeps such rows (as plain
values, never ORM objects: a cached value is shared by every thread) and is emptied whenever
they may have changed:

- **a write in this process**: every statement sent to the database passes an engine hook that
  reads its verb and table; an INSERT, UPDATE or DELETE of a watched table (or anything but a
  plain read or a write of an unwatched table, such as DDL) empties every cache at once, and
  again when the connection that wrote goes back to the pool (after its commit or rollback).
  While such a write is uncommitted nothing is stored, so a value read just before a commit is
  never kept after it. Writes that bypass SQLAlchemy's statements (the sync import's COPY) call
  `written()` themselves.
- **a write in another process** (a `dianjiao users` command, another gunicorn worker): a
  value is kept at most `HOT_CACHE_TTL_S` seconds (default 2), then read again.

`HOT_CACHE_TTL_S = 0` turns the caches off.
"""

from __future__ import annotations

import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

from flask import current_app
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.pool import Pool

from .extensions import db

# The tables whose rows a cache holds: a write to any other table (a sign-in, a play log) keeps
# every cache as it is.
WATCHED = frozenset({"users", "api_tokens", "screenings", "sites", "units", "people"})
_READS = ("SELECT", "PRAGMA", "SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN", "COMMIT", "SHOW",
          "SET", "EXPLAIN")
_DML = re.compile(r'\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?',
                  re.IGNORECASE)
_WRITE_WORD = re.compile(r"\b(?:INSERT|UPDATE|DELETE)\b", re.IGNORECASE)
_DIRTY = "hotcache_dirty"  # set in a DBAPI connection's info while it holds a watched write

_lock = threading.Lock()
_generation = 0  # moved on by every possible change; a read started before it is not stored
_writers = 0  # connections holding an uncommitted write of a watched table
MISSING = object()


class Cache:
    """A bounded map of key → value, emptied by any change to the watched tables."""

    def __init__(self, name: str, size: int = 4096):
        self.name = name
        self.size = size
        self._entries: OrderedDict[Hashable, tuple[Any, int, float]] = OrderedDict()

    def read(self, key: Hashable, load: Callable[[], Any]) -> Any:
        """The cached value of `key`, or `load()` (stored unless a change came meanwhile).

        A None from `load` (an unknown row) is not stored: the next request asks again."""
        ttl = float(current_app.config.get("HOT_CACHE_TTL_S", 2))
        key = (db.engine, key)  # two databases in one process (tests, commands) never mix
        entry = self._entries.get(key)
        now = time.monotonic()
        if entry is not None and entry[1] == _generation and now - entry[2] < ttl:
            return entry[0]
        began = _generation
        value = load()
        if value is not None and ttl > 0:
            with _lock:
                if began == _generation and not _writers:
                    self._entries[key] = (value, began, now)
                    if len(self._entries) > self.size:
                        self._entries.popitem(last=False)
        return value

    def clear(self) -> None:
        self._entries.clear()


CACHES: list[Cache] = []


def cache(name: str, size: int = 4096) -> Cache:
    """A new cache, emptied with the others."""
    made = Cache(name, size)
    CACHES.append(made)
    return made


def written() -> None:
    """Something a cache may hold changed (or may have): forget everything."""
    global _generation
    with _lock:
        _generation += 1
        for each in CACHES:
            each.clear()


def _writes_watched(statement: str) -> bool:
    head = statement.lstrip()[:10].upper()
    if head.startswith(_READS):
        return False
    if head.startswith("WITH"):  # a query with a CTE: a write only if it says so
        return _WRITE_WORD.search(statement) is not None
    match = _DML.match(statement)
    return match is None or match.group(1).lower() in WATCHED


def note_write(conn, table: str | None = None) -> None:
    """This connection (a SQLAlchemy Connection) wrote `table` (None: anything) in its open
    transaction. Called by the statements' hook, and by code that writes past it (raw cursors)."""
    global _writers
    if table is not None and table not in WATCHED:
        return
    info = conn.connection.info
    if not info.get(_DIRTY):
        info[_DIRTY] = True
        with _lock:
            _writers += 1
    written()


@event.listens_for(Engine, "before_cursor_execute")
def _before_execute(conn, _cursor, statement, _parameters, _context, _executemany):
    if _writes_watched(statement):
        note_write(conn)


@event.listens_for(Pool, "checkin")
def _checkin(_dbapi_connection, record):
    """The connection is back in the pool: its transaction is over (committed or rolled back),
    so its writes are seen by every other connection from now on."""
    global _writers
    if record is None or not record.info.pop(_DIRTY, False):  # (a detached one has no record)
        return
    with _lock:
        _writers -= 1
    written()


@event.listens_for(Pool, "invalidate")
def _invalidated(_dbapi_connection, record, _exception):
    _checkin(_dbapi_connection, record)
