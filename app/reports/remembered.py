"""A finished month's roll-up counts, remembered by this process while nothing they count changed.

The roll-up page of a finished month (summary.py) asks the database to judge every site's
quotas: at ten times the seed's network, 150-300 ms of one statement, the roster per unit and
the unit tree. The answer changes only when the kept figures of that month (or the two before,
or whether a site screened before them) change, or the sites, people and units do; settings are
part of the question. The database stamps both kinds of change itself (report_stamps: triggers
move `roster` and `months` on in the transaction of the change, from any process or path; see
the migration c51d0e7a9b42). A remembered answer is used while the stamps read as they did
before it was counted, so one query (the stamps) stands for the whole count.

Only a settled month is remembered: from its first day + SETTLED_DAYS, past its end in any time
zone. The triggers stamp writes to months 27 days old and older, so any write to a month that
may be remembered moves `months` on, while this month's (a sign-in's, a day's imports') never
waits on the counter's row.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select, text

from ..extensions import db
from ..models import ReportStamp
from ..places.tree import Tree

SETTLED_DAYS = 33  # > 31 days of a month + a day of time zones, > the triggers' 27
SIZE = 128  # answers kept: townships × months × settings asked lately

_lock = threading.Lock()
_answers: OrderedDict[Hashable, tuple[tuple, Any]] = OrderedDict()


def settled(month: date, today: date) -> bool:
    """Whether a month (its first day) is long enough past to be remembered."""
    return month + timedelta(days=SETTLED_DAYS) <= today


ROSTER = ("roster",)  # what depends on the sites, people and units alone (the unit tree)
EVERYTHING = ("roster", "months")


def stamps(names: tuple[str, ...] = EVERYTHING) -> tuple:
    """The stamps as they read now: what a remembered answer is checked against."""
    return tuple(sorted(db.session.execute(
        select(ReportStamp.name, ReportStamp.epoch, ReportStamp.n)
        .where(ReportStamp.name.in_(names))).all()))


def remembered(key: Hashable, count: Callable[[], Any], on: tuple[str, ...] = EVERYTHING) -> Any:
    """`count()`'s answer to the question `key`, counted again only when a stamp it depends on
    (`on`) moved on since it was counted. The stamps are read before counting: a change
    committed meanwhile is either counted or moves a stamp, so an answer is never kept under
    stamps newer than what it read. The answer is shared by every request: callers copy what
    they change."""
    key = (str(db.engine.url), key)  # two databases in one process (tests) never mix
    now = stamps(on)
    with _lock:
        found = _answers.get(key)
        if found is not None and found[0] == now:
            _answers.move_to_end(key)
            return found[1]
    answer = count()
    if _wrote():  # the stamps read may yet be rolled back, and reached again by other changes
        return answer
    with _lock:
        _answers[key] = (now, answer)
        _answers.move_to_end(key)
        while len(_answers) > SIZE:
            _answers.popitem(last=False)
    return answer


def unit_tree() -> Tree:
    """The unit tree as it is: read once, and again after any change of sites, people or units
    (the reports and the kept figures walk it for every card, every cell, every bundle)."""
    return remembered(("tree",), Tree, on=ROSTER)


def _wrote() -> bool:
    """Whether this transaction has written anything (uncommitted: its stamps are its own)."""
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":  # an id is assigned at a transaction's first write
        return connection.execute(text("SELECT txid_current_if_assigned()")).scalar() is not None
    return bool(connection.connection.dbapi_connection.in_transaction)  # BEGIN at a first write


def forget() -> None:
    """Drop every remembered answer (tests; a restore of the database under a running app)."""
    with _lock:
        _answers.clear()
