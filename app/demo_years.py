"""The demo's earlier years, copied in the database from its last generated year.

`dianjiao demo --years N` generates the last twelve months (and the month in progress) row by
row, as before; each earlier year is that year again, moved back a whole number of years by one
`INSERT … SELECT` a table (screenings, their playlists, play logs, sign-ins, and the kept monthly
figures). Ten years at ten times the network (~14 M sign-ins) take minutes this way, where
generating them took hours. A copied row gets a new id (its first byte moved on by the years moved
back) and keeps everything else but its times. Every site's year is copied, also before the site
was recorded: a site's figures count its neighbours' villagers (study hours), so leaving some
sites' years out would change the others' figures. Asia/Shanghai has no daylight saving time,
and the year copied holds no 29 February, so a moved time is the same local day and hour, in the
same month's figures.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from time import perf_counter

from sqlalchemy import Date, DateTime, Table, bindparam, func, select, text

from .clock import month_bounds, shift
from .extensions import db
from .models import Attendance, PlayLog, Screening, ScreeningItem
from .models.base import UTCDateTime
from .models.figures import SiteMonth

MOVED = (Screening, ScreeningItem, PlayLog, Attendance)  # a parent before its children


def copy_earlier_years(first: date, years: int, tz: str) -> Iterator[str]:
    """Copy the twelve months from `first` back 1 … `years - 1` years; yields progress lines."""
    if years <= 1:
        return
    started = perf_counter()
    since, _ = month_bounds(first, tz)
    until, _ = month_bounds(shift(first, 12), tz)
    dialect = db.engine.dialect.name
    for back in range(1, years):
        for model in MOVED:
            db.session.execute(text(_copy_rows(model.__table__, back, dialect)).bindparams(
                bindparam("since", since, type_=UTCDateTime),
                bindparam("until", until, type_=UTCDateTime)))
        db.session.execute(text(_copy_months(back, dialect)).bindparams(
            bindparam("first", first, type_=Date), bindparam("last", shift(first, 11), type_=Date)))
        db.session.commit()
        yield (f"History of {first.year - back}-{first.month:02d} to "
               f"{shift(first, 11).year - back}-{shift(first, 11).month:02d} copied from "
               f"{first:%Y-%m} to {shift(first, 11):%Y-%m} [{perf_counter() - started:.0f} s].")
    total = db.session.scalar(select(func.count()).select_from(Attendance))
    yield f"{years} years of history: {total} sign-ins in all."


def _moved_id(column: str, back: int, dialect: str) -> str:
    """The id with its first byte moved on by `back` (mod 256): ids differ in their other 15
    bytes already, so a copy's id is new, and each year's copies are apart."""
    if dialect == "postgresql":
        byte = f"(('x' || substr({column}::text, 1, 2))::bit(8)::int + {back}) % 256"
        return f"overlay({column}::text placing lpad(to_hex({byte}), 2, '0') from 1 for 2)::uuid"
    hexdigit = "instr('0123456789abcdef', substr({column}, {n}, 1)) - 1"
    byte = (f"(({hexdigit.format(column=column, n=1)}) * 16 + "
            f"{hexdigit.format(column=column, n=2)} + {back}) % 256")
    return f"(printf('%02x', {byte}) || substr({column}, 3))"  # a UUID is 32 hex digits here


def _moved_time(column: str, back: int, dialect: str) -> str:
    if dialect == "postgresql":
        return f"({column} - interval '{back} years')"
    # stored as 'YYYY-MM-DD HH:MM:SS.ffffff': move the year, keep the rest of the text
    return f"(printf('%04d', CAST(substr({column}, 1, 4) AS INTEGER) - {back}) || substr({column}, 5))"


def _copy_rows(table: Table, back: int, dialect: str) -> str:
    """INSERT … SELECT of the rows of the screenings held from :since to :until, moved back."""
    names, values = [], []
    for column in table.c:
        names.append(column.name)
        source = f"t.{column.name}"
        if column.name == "id" or column.name == "screening_id":
            values.append(_moved_id(source, back, dialect))
        elif isinstance(getattr(column.type, "impl", column.type), DateTime):
            values.append(_moved_time(source, back, dialect))
        else:
            values.append(source)
    parent = "t" if table.name == "screenings" else "s"
    join = "" if parent == "t" else "JOIN screenings s ON s.id = t.screening_id"
    return (f"INSERT INTO {table.name} ({', '.join(names)}) SELECT {', '.join(values)} "
            f"FROM {table.name} t {join} "
            f"WHERE {parent}.starts_at >= :since AND {parent}.starts_at < :until")


def _copy_months(back: int, dialect: str) -> str:
    """The kept figures of the copied months, moved back with them (the same rows, counted)."""
    table = SiteMonth.__table__
    names = [column.name for column in table.c]
    month = (f"(t.month - interval '{back} years')::date" if dialect == "postgresql"
             else _moved_time("t.month", back, dialect))
    values = [month if name == "month" else f"t.{name}" for name in names]
    return (f"INSERT INTO site_months ({', '.join(names)}) SELECT {', '.join(values)} "
            f"FROM site_months t WHERE t.month >= :first AND t.month <= :last")
