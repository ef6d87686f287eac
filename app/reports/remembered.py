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

from sqlalchemy import select

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


def stamps(names: tuple[str, ...] = EVERYTHING, connection=None) -> tuple:
    """The stamps as they read now (in this session, or on another connection): what a
    remembered answer is checked against."""
    query = (select(ReportStamp.name, ReportStamp.epoch, ReportStamp.n)
             .where(ReportStamp.name.in_(names)))
    return tuple(sorted((connection or db.session).execute(query).all()))


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
    if not _committed(now, on):  # this transaction's own change: it may yet be rolled back
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


def _committed(read: tuple, on: tuple[str, ...]) -> bool:
    """Whether the stamps this session read are the committed ones, so that what was counted
    with them is no change of this transaction's own (which a rollback would undo, and other
    changes could then bring the stamps back to). Another connection sees committed rows only:
    it reads the same stamps unless this transaction moved one (or another committed since,
    which leaves the answer unkept too)."""
    with db.engine.connect() as other:
        return stamps(on, other) == read


def forget() -> None:
    """Drop every remembered answer (tests; a restore of the database under a running app)."""
    with _lock:
        _answers.clear()
