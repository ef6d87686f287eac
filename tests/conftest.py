"""Shared fixtures: apps on a temporary instance (SQLite, and PostgreSQL where marked), users,
sites, media.

Which database a test runs on: SQLite, unless its behaviour may differ by database. Mark such a
test (or a whole module, `pytestmark = pytest.mark.both_databases`) with
`@pytest.mark.both_databases` and it runs on SQLite and on PostgreSQL. That is the case for:
concurrency and locking (simultaneous requests, row and advisory locks, a killed server), text
PostgreSQL refuses or reads otherwise (NUL, encodings, over-long or wrongly typed values),
ordering and collation (paging, sorted lists), SQL written per dialect (the reports and the
dashboard, sign-in's INSERT ... ON CONFLICT), dates compared in SQL (date ranges), transactions
and rollback, the migrations check, and a smoke test of every page. The sync tests' hub fixture
runs on both of its own. When unsure whether a test's behaviour differs, mark it.
`@pytest.mark.parametrize("backend", [...])` on a test chooses for it explicitly.
"""

from __future__ import annotations

import os
import re
import select
import shutil
import subprocess
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime

import pytest
from flask import g
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text

from tests.components import need_xvfb, postgres_url

os.environ.setdefault("PYPINYIN_NO_PHRASES", "true")


def _migrated_sqlite(path: str) -> None:
    from flask_migrate import upgrade

    from app import MIGRATIONS, create_app

    app = create_app({"INSTANCE": os.path.dirname(path), "DATABASE_URL": f"sqlite:///{path}",
                      "SECRET_KEY": "x", "TESTING": True})
    with app.app_context():
        upgrade(directory=MIGRATIONS)
        from app.extensions import db

        db.engine.dispose()  # closing the last connection checkpoints the WAL into the file


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> str:
    """A migrated SQLite database, copied for each test (migrating once is much faster)."""
    path = str(tmp_path_factory.mktemp("template") / "dianjiao.sqlite")
    _migrated_sqlite(path)
    return path


@pytest.fixture(scope="session")
def pg_database():
    """A fresh PostgreSQL database for this run, migrated once; dropped at the end."""
    base = postgres_url()
    name = f"dianjiao_test_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
        # A commit need not wait for the WAL to reach the disk (the server still sees every
        # commit; only a crash of the machine could lose the last): the tests' database only.
        conn.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
    url = re.sub(r"/[^/]*$", f"/{name}", base)
    from flask_migrate import upgrade

    from app import MIGRATIONS, create_app

    app = create_app({"INSTANCE": "/tmp", "DATABASE_URL": url, "SECRET_KEY": "x"})
    with app.app_context():
        upgrade(directory=MIGRATIONS)
        from app.extensions import db

        db.engine.dispose()
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def empty_postgres(db) -> None:
    """Delete every row a test left, children first, so the next test finds empty tables.

    DELETE on the few rows of a test takes milliseconds; TRUNCATE of every table takes ~0.3 s
    (a new file per table, synced at commit), once per PostgreSQL test. TRUNCATE ... CASCADE
    stays as the fallback should a cycle of foreign keys refuse the order.
    """
    from sqlalchemy.exc import IntegrityError

    tables = db.metadata.sorted_tables
    try:
        with db.engine.begin() as conn:
            for table in reversed(tables):
                conn.execute(table.delete())
    except IntegrityError:
        names = ", ".join(f'"{t.name}"' for t in tables)
        with db.engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {names} CASCADE"))


class FreshClient(FlaskClient):
    """A test client whose every request starts with an empty `g`, as it does when served.

    The `app` fixture keeps an app context pushed and a request reuses it, so without this
    Flask-Babel's cached locale, Flask-Login's user and Flask-WTF's CSRF token would carry over
    from one request (or one client) to the next.
    """

    def open(self, *args, **kwargs):
        vars(g).clear()
        return super().open(*args, **kwargs)


@pytest.fixture
def now() -> datetime:
    """This test's "now": timezone-aware UTC, to the second, taken when the test starts.

    Make times relative to it, never to a time taken at import: the whole suite runs for many
    minutes on a slow machine, and a screening "open now" at import is late by the time a test
    near the end runs (tests/test_no_clock_at_import.py keeps it so).
    """
    return datetime.now(UTC).replace(microsecond=0)


class FixedClock:
    """A clock that stands still at `now` until a test moves it: `clock.now += timedelta(...)`."""

    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock(now):
    """The app's clock (app/clock.py) fixed at this test's `now`, and moved by hand."""
    from app import clock as app_clock

    fixed = FixedClock(now)
    before = app_clock.use(fixed)
    yield fixed
    app_clock.use(before)


BOTH_DATABASES = ("sqlite", "postgres")

# The apps of the tests hash passwords cheaply: the default scrypt costs ~0.1 s of CPU for each
# user made and each login, minutes over the suite. Still a real werkzeug hash, checked at login;
# tests/web/test_access.py keeps the default (scrypt) honest, and the e2e server uses it.
FAST_PASSWORD_HASH = "pbkdf2:sha256:1000"


MEMORY_FOLDER = "/dev/shm"


def pytest_configure(config) -> None:
    # Temporary folders (instances, their SQLite files, media) in memory where there is a tmpfs:
    # the app syncs every SQLite commit to disk (synchronous=FULL), 3 ms a commit on this
    # machine's disk against 0.04 ms in memory, tens of thousands of commits over the suite.
    # What the tests check is the same; power loss, the one thing the sync is for, no test shows.
    # `--basetemp` still chooses; pytest-xdist's workers take their folders from this process.
    if (config.option.basetemp is None and os.path.isdir(MEMORY_FOLDER)
            and os.access(MEMORY_FOLDER, os.W_OK)):
        tempfile.tempdir = MEMORY_FOLDER
    config.addinivalue_line(
        "markers", "both_databases: run on PostgreSQL as well as SQLite (behaviour may differ "
                   "by database; see tests/conftest.py)")


def pytest_generate_tests(metafunc) -> None:
    """Parametrize `backend` (through the `app` fixture): SQLite, or both when marked.

    Always parametrized, so every database test's id names its database (`-k sqlite` works).
    """
    if "backend" not in metafunc.fixturenames or not _is_database_backend(metafunc):
        return
    if any("backend" in _argnames(mark) for mark in metafunc.definition.iter_markers("parametrize")):
        return  # the test chose for itself
    marked = metafunc.definition.get_closest_marker("both_databases") is not None
    metafunc.parametrize("backend", BOTH_DATABASES if marked else ("sqlite",))


def _is_database_backend(metafunc) -> bool:
    """True unless the module or a closer conftest has a `backend` fixture of its own (a player's)."""
    definitions = metafunc._arg2fixturedefs.get("backend")
    return not definitions or getattr(definitions[-1].func, "__module__", None) == __name__


def _argnames(mark) -> list[str]:
    names = mark.args[0] if mark.args else mark.kwargs.get("argnames", ())
    return [n.strip() for n in names.split(",")] if isinstance(names, str) else list(names)


@pytest.fixture
def backend(request) -> str:
    """The database of the test: "sqlite" or "postgres" (set by pytest_generate_tests)."""
    return request.param


@pytest.fixture
def app(backend, tmp_path, request):
    """An app on a temporary instance folder, on SQLite or PostgreSQL."""
    from app import create_app
    from app.extensions import db, limiter

    config = {"INSTANCE": str(tmp_path / "instance"), "SECRET_KEY": "test-secret",
              "TESTING": True, "TIMEZONE": "Asia/Shanghai", "SITE": None,
              "PASSWORD_HASH_METHOD": FAST_PASSWORD_HASH,
              # removable volumes come from a mount table a test writes (tests/app/test_volumes.py),
              # never the machine's: a CI runner may have a disk mounted on /mnt
              "VOLUME_MOUNTS": str(tmp_path / "no-mounts")}
    os.makedirs(config["INSTANCE"])
    if backend == "sqlite":
        target = os.path.join(config["INSTANCE"], "dianjiao.sqlite")
        shutil.copy(request.getfixturevalue("sqlite_template"), target)
        config["DATABASE_URL"] = f"sqlite:///{target}"
    else:
        config["DATABASE_URL"] = request.getfixturevalue("pg_database")
    application = create_app(config)
    application.test_client_class = FreshClient
    limiter.reset()
    with application.app_context():
        yield application
        db.session.remove()
        if backend == "postgres":
            empty_postgres(db)
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def make(app):
    """Row factories (tests/factories.py): make.site(...), make.title(...), make.screening(...)."""
    from tests import factories

    return factories


def client_of(app, username: str):
    """A test client of `app` logged in as `username` (factory password) through the form."""
    client = app.test_client()
    response = client.post("/login", data={"username": username, "password": "secret-pass-1",
                                           "csrf_token": csrf_token(client)})
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def csrf_token(client, path: str = "/login") -> str:
    """Read a CSRF token from a page's form, as a browser would."""
    html = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def token_client(app, username: str):
    """A test client that sends a new API token of the user, as an API client would."""
    token = app.test_cli_runner().invoke(args=["users", "token", username]).stdout.split()[-1]
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return client


def at_once(app, count: int, send) -> list:
    """`count` threads, each with its own app context and API client (an admin token), call
    `send(client)` at the same moment; returns what each returned, or the name of what it raised
    (a 500 is raised under TESTING)."""
    from app.extensions import db

    token = app.test_cli_runner().invoke(args=["users", "token", "admin"]).stdout.split()[-1]
    results, barrier = [], threading.Barrier(count)

    def one():
        with app.app_context():
            client = app.test_client()
            client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
            barrier.wait()
            try:
                results.append(send(client))
            except Exception as exc:
                results.append(type(exc).__name__)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=one) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.fixture
def login(client):
    """Log the test client in as a user (by name) with the factory password."""

    def do(username: str, password: str = "secret-pass-1"):
        response = client.post("/login", data={"username": username, "password": password,
                                               "csrf_token": csrf_token(client)})
        assert response.status_code == 302, response.get_data(as_text=True)
        return client

    return do


@pytest.fixture(scope="session")
def corpus_master(tmp_path_factory) -> tuple[str, dict]:
    """The mixed acceptance corpus, generated once per session with PyAV."""
    from tests.media_fixtures import make_corpus

    root = tmp_path_factory.mktemp("corpus-master") / "library"
    expected = make_corpus(root)
    return str(root), expected


@pytest.fixture
def corpus(corpus_master, tmp_path) -> tuple[str, dict]:
    """A private copy of the corpus a test may rename, change or delete files in."""
    master, expected = corpus_master
    copy = tmp_path / "library"
    shutil.copytree(os.fsencode(master), os.fsencode(str(copy)), symlinks=True)
    return str(copy), expected


@pytest.fixture
def xvfb(monkeypatch, tmp_path) -> str:
    """A private X server (640x480) as DISPLAY for the test; returns the display, e.g. ":3"."""
    binary = need_xvfb()
    log_path = tmp_path / "xvfb.log"
    read_fd, write_fd = os.pipe()  # Xvfb picks a free display and writes it here when ready
    with open(log_path, "wb") as log:
        try:
            server = subprocess.Popen(
                [binary, "-displayfd", str(write_fd), "-screen", "0", "640x480x24", "-nolisten", "tcp"],
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, pass_fds=(write_fd,))
        finally:
            os.close(write_fd)
    try:
        answer = b""
        deadline = time.monotonic() + 10
        try:
            while not answer.endswith(b"\n") and time.monotonic() < deadline:
                if select.select([read_fd], [], [], 0.1)[0]:
                    chunk = os.read(read_fd, 16)
                    if not chunk:
                        break  # Xvfb exited
                    answer += chunk
        finally:
            os.close(read_fd)
        assert answer.strip().isdigit(), f"Xvfb did not start: {log_path.read_text(errors='replace')}"
        socket = f"/tmp/.X11-unix/X{int(answer)}"
        while not os.path.exists(socket):
            assert time.monotonic() < deadline, f"Xvfb made no socket {socket}"
            time.sleep(0.02)
        monkeypatch.setenv("DISPLAY", f":{int(answer)}")
        yield f":{int(answer)}"
    finally:
        server.terminate()
        try:
            server.wait(5)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
