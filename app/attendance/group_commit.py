"""The lean sign-ins of a burst written together: on SQLite, one transaction and one commit.

SQLite has one writer, and with `synchronous=FULL` every commit waits for the disk. When a room
of phones signs in at once, each sign-in used to take its own turn at the writer for its INSERT,
its commit and its sync, and the queue of turns was the burst's latency. Here a sign-in joins a
queue instead: the first in line (the leader) takes the writer, writes every sign-in queued by
then, each with its own `INSERT ... ON CONFLICT DO NOTHING`, and commits once; the others wait
for its word (a group commit, as databases do with their own logs). A sign-in is answered only
after the commit holding its row, so nothing answered is lost, and the unique (screening,
person) key still keeps one row per person however the sign-ins are grouped.

If the group's transaction fails, each sign-in of it is written again alone, so one bad row
(a person deleted a moment ago) costs only its own sign-in. Other databases let writers work
side by side: there each sign-in is written and committed on its own.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from ..extensions import db, one_writer

Write = Callable[[], bool]  # writes one sign-in in the open transaction; True if a row was new


@dataclass
class _Waiting:
    write: Write
    done: threading.Event = field(default_factory=threading.Event)
    new: bool = False
    error: BaseException | None = None


_turn = threading.Condition()
_queue: list[_Waiting] = []
_leading = False  # a leader is writing a group; who queues now waits for the next


def write_and_commit(write: Write) -> bool:
    """Run `write` in a transaction and commit it, grouped with the sign-ins queued meanwhile;
    return what `write` returned, or raise what writing it raised."""
    if db.engine.dialect.name != "sqlite":
        new = write()
        db.session.commit()
        return new
    me = _Waiting(write)
    global _leading
    with _turn:
        _queue.append(me)
        while _leading and not me.done.is_set():
            _turn.wait()
        if not me.done.is_set():
            _leading = True
    if not me.done.is_set():
        try:
            _lead()
        finally:
            with _turn:
                _leading = False
                _turn.notify_all()
    me.done.wait()
    if me.error is not None:
        raise me.error
    return me.new


def queued() -> int:
    """How many sign-ins wait for the next group (for tests)."""
    with _turn:
        return len(_queue)


def _lead() -> None:
    """Take the writer, then every sign-in queued by now; write them and commit once."""
    group: list[_Waiting] = []
    try:
        with one_writer():
            with _turn:
                group = _queue[:]
                _queue.clear()
            try:
                news = [item.write() for item in group]
                db.session.commit()
            except Exception as error:
                db.session.rollback()
                if len(group) == 1:
                    group[0].error = error
                else:
                    for item in group:  # each alone: only a bad one fails
                        _alone(item)
            else:
                for item, new in zip(group, news, strict=True):
                    item.new = new
    except BaseException as error:  # the writer itself failed: no sign-in of the group is known
        for item in group:
            item.error = item.error or error
        raise
    finally:
        for item in group:
            item.done.set()


def _alone(item: _Waiting) -> None:
    try:
        item.new = item.write()
        db.session.commit()
    except Exception as error:  # handed to the sign-in's own request
        db.session.rollback()
        item.error = error
