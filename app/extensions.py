"""Flask extensions, created unbound and bound in create_app()."""

from __future__ import annotations

import threading
from contextlib import contextmanager

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
limiter = Limiter(key_func=get_remote_address, default_limits=[])

_WRITER = threading.Lock()


@contextmanager
def one_writer():
    """On SQLite, let this process's threads take turns at a write transaction.

    SQLite allows one writer at a time; a second one waits in its busy handler, which sleeps and
    polls (1, 2, 5 … 100 ms), so a burst of sign-ins queued there wait far longer than their turn.
    Queued on a lock, each starts the moment the previous one commits. Other databases lock rows
    themselves: nothing to do there.
    """
    if db.engine.dialect.name != "sqlite":
        yield
        return
    with _WRITER:
        yield


def among(column, values: list):
    """`column IN values`; on PostgreSQL `column = ANY(array)`: one parameter, not thousands
    (psycopg parses and binds a statement of a thousand placeholders anew every time)."""
    from sqlalchemy import any_, literal
    from sqlalchemy.dialects.postgresql import ARRAY

    if db.session.get_bind().dialect.name == "postgresql":
        return column == any_(literal(values, ARRAY(column.type)))
    return column.in_(values)
