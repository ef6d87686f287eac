"""The importer's two bulk steps: finding the rows already here, and writing the new ones.

Both talk to the driver more directly than the rest of the app: a bundle of 100,000 sign-ins
spends most of its import here (docs/performance.md, "Sync").
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime

from flask import current_app
from sqlalchemy import JSON, String, any_, cast, insert, literal, select, text, type_coerce
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import DBAPIError, IntegrityError

from ..extensions import db
from ..lookup import chunks

LOOKUP = 500  # ids looked up in one query
ANALYZE_AFTER = 10_000  # rows written to a PostgreSQL table at once that make us ANALYZE it
QUEUED_AFTER = 1_000  # rows written at once that a COPY sends from a thread of its own
_TYPES: dict[tuple[str, str], dict[str, int]] = {}  # (database, table) → column type oids


def set_aside_unchanged(table, chunk: list, known: dict | None,
                        seen: set[str]) -> tuple[list, set[str]]:
    """Set aside the rows held here at the same `updated_at`: merged before, unchanged.

    A full resend is mostly such rows. They are told apart by two columns read as the driver
    gives them (the id as text, no UUID objects either side) and are never decoded nor read
    whole. Returns the other rows, in their order, and which of their ids are here, both as
    text (`id_key`). `seen` holds the ids of the rows met so far, as text too.
    """
    sqlite = db.session.get_bind().dialect.name == "sqlite"
    mapped = {str(remote): str(local) for remote, local in known.items()} if known else {}
    keyed = []
    for line in chunk:
        try:
            row_id, stamp = line["id"], datetime.fromisoformat(line["updated_at"])
        except (TypeError, ValueError, KeyError, AttributeError):
            continue  # decoding the row says what is wrong with it
        if isinstance(row_id, str) and stamp.tzinfo is not None:
            row_id = mapped.get(row_id, row_id)
            # SQLite holds a UUID as 32 hex digits; anything not canonical is decoded instead.
            keyed.append((row_id.replace("-", "") if sqlite else row_id, stamp, line))
    if not keyed:
        return chunk, set()
    here = {}
    # PostgreSQL reads a table of 100,000 rows whole for 1,000 ids, where it takes the index
    # for 500 (three times faster).
    for wanted in chunks({row_id for row_id, _s, _l in keyed}, LOOKUP):
        if sqlite:
            where = type_coerce(table.c.id, String).in_(wanted)
        else:
            where = table.c.id == any_(cast(literal(wanted, ARRAY(String)),
                                            ARRAY(table.c.id.type)))
        for row_id, stamp in db.session.execute(select(
                type_coerce(table.c.id, String) if sqlite else cast(table.c.id, String),
                type_coerce(table.c.updated_at, String)).where(where)).all():
            if isinstance(stamp, str):
                stamp = datetime.fromisoformat(stamp)
            here[row_id] = stamp.replace(tzinfo=UTC)
    same = set()
    for row_id, stamp, line in keyed:
        if here.get(row_id) == stamp:
            same.add(id(line))
            seen.add(row_id)
    if not same:
        return chunk, set(here)
    return [line for line in chunk if id(line) not in same], set(here)


def id_key(row_id: uuid.UUID, sqlite: bool) -> str:
    """An id as set_aside_unchanged reads it from the database."""
    return row_id.hex if sqlite else str(row_id)


def _binder(kind, dialect) -> Callable | None:
    """The function that turns a value into what the driver takes for this column."""
    if dialect.name == "postgresql" and isinstance(kind, JSON):
        return None  # psycopg's binary COPY writes the object as JSON itself
    return kind.bind_processor(dialect)


def insert_rows(table, rows: list[dict]) -> None:
    """Insert rows in one go; a column a row lacks is NULL, one every row lacks its default.

    The values are bound by the columns' own types, then handed to the driver directly:
    PostgreSQL takes them by COPY, SQLite by one executemany. SQLAlchemy's insert() spent more
    time arranging each row's parameters than the database spent storing it.
    """
    conn = db.session.connection()
    dialect = conn.dialect
    present = set().union(*(row.keys() for row in rows))
    names, defaults = [], []
    for column in table.columns:
        if column.name in present:
            names.append(column.name)
        elif column.default is not None:
            if not (column.default.is_scalar or column.default.is_callable):
                db.session.execute(insert(table), rows)  # a kind of default we do not run
                return
            defaults.append(column)
    binders = [_binder(table.c[name].type, dialect) for name in names]
    pairs = list(zip(names, binders, strict=True))
    # A generator: PostgreSQL stores each row while the next ones are being bound.
    values = (tuple([None if (v := row.get(name)) is None else bind(v) if bind else v
                     for name, bind in pairs]) for row in rows)
    if defaults:  # columns no row has: run their defaults as insert() would
        names += [column.name for column in defaults]
        extra = [(column, _binder(column.type, dialect)) for column in defaults]
        values = (line + tuple(_default(column, bind) for column, bind in extra)
                  for line in values)
    quoted = ", ".join(dialect.identifier_preparer.quote(name) for name in names)
    target = dialect.identifier_preparer.format_table(table)
    postgres = dialect.name == "postgresql"
    if postgres:
        statement = f"COPY {target} ({quoted}) FROM STDIN (FORMAT BINARY)"
        # Binary: a fifth of the CPU of text for psycopg, and less parsing for the server. It
        # needs each column's type, which the catalog tells.
        types = _column_types(target)
    else:
        statement = f"INSERT INTO {target} ({quoted}) VALUES ({', '.join('?' for _n in names)})"
    dbapi = dialect.loaded_dbapi
    cursor = conn.connection.driver_connection.cursor()
    try:
        if postgres:
            from psycopg.copy import QueuedLibpqWriter  # sends while the next rows are bound

            # The queued writer's thread pays off for many rows; for a site's day of a few
            # dozen, starting and joining it cost more than the COPY itself.
            writer = QueuedLibpqWriter(cursor) if len(rows) >= QUEUED_AFTER else None
            with cursor.copy(statement, writer=writer) as copy:
                copy.set_types([types[name] for name in names])
                for line in values:
                    copy.write_row(line)
        else:
            cursor.executemany(statement, values)
    except dbapi.IntegrityError as exc:
        raise IntegrityError(statement, None, exc) from exc
    except dbapi.Error as exc:
        raise DBAPIError(statement, None, exc) from exc
    finally:
        cursor.close()
    if postgres and len(rows) >= ANALYZE_AFTER:
        _analyze(target)


def _column_types(target: str) -> dict[str, int]:
    """The PostgreSQL type oid of each column of a table (binary COPY needs them).

    Asked once a process and database: a hub importing a day's bundles of 1,600 sites asked it
    five times a bundle. A migration that changes a column's type is run with the hub stopped.
    """
    key = (str(db.engine.url), target)
    types = _TYPES.get(key)
    if types is None:
        types = _TYPES[key] = dict(db.session.execute(text(
            "SELECT attname, atttypid FROM pg_attribute WHERE attrelid = CAST(:t AS regclass) "
            "AND attnum > 0 AND NOT attisdropped"), {"t": target}).all())
    return types


def _analyze(target: str) -> None:
    """Refresh PostgreSQL's statistics of a table that just took many rows.

    A table never analysed, or analysed when it was small, is planned as small: the next
    chunk's lookups by id then read it whole (14 ms a chunk at 100,000 rows where the index
    takes 4), until autovacuum comes by. ANALYZE counts this transaction's own new rows.
    """
    try:
        with db.session.begin_nested():
            db.session.connection().exec_driver_sql(f"ANALYZE {target}")
    except DBAPIError:  # not the table's owner: the plans are slower, the import the same
        current_app.logger.info("sync: could not ANALYZE %s", target)


def _default(column, bind):
    default = column.default
    value = default.arg(None) if default.is_callable else default.arg
    return value if bind is None or value is None else bind(value)
