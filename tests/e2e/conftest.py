"""A live `dianjiao serve` on a demo instance, and Chromium driven by Playwright (sync API)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest

from app.i18n import FORMATS
from tests.components import chromium_path

ADMIN_PASSWORD = "admin-pass-1"
DEMO_PASSWORD = "demo-pass-1"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
LOCALES = {"zh": "zh-CN", "en": "en-US"}
LIVE: dict = {}  # the live server's environment, for tests that run its CLI beside it


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1):
            return True
    except urllib.error.HTTPError:
        return True  # any HTTP answer means the server is up
    except OSError:
        return False


@contextmanager
def served(env: dict, log_path, *, append: bool = False, wait_s: float = 60):
    """`dianjiao serve` on the install `env` names, on a free port, until the block ends; its
    output goes to `log_path` (shown if it does not start within `wait_s`)."""
    dianjiao = os.path.join(os.path.dirname(sys.executable), "dianjiao")
    port = _free_port()
    with open(log_path, "a" if append else "w") as log:
        server = subprocess.Popen([dianjiao, "serve", "--host", "127.0.0.1", "--port", str(port)],
                                  env=env, stdout=log, stderr=log, stdin=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + wait_s
        while not _answers(f"{url}/login"):
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"dianjiao serve did not start:\n{log_path.read_text()}")
            time.sleep(0.1)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """Run `dianjiao init`, `dianjiao demo` and `dianjiao serve` on a fresh instance folder."""
    root = tmp_path_factory.mktemp("e2e")
    instance = root / "instance"
    instance.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("DIANJIAO_")}
    env.update({
        "DIANJIAO_INSTANCE": str(instance),
        "DIANJIAO_ADMIN_PASSWORD": ADMIN_PASSWORD,
        # every test logs in from 127.0.0.1; the default 10 per minute would answer 429
        "DIANJIAO_LOGIN_RATE_LIMIT": "1000 per minute",
        # the player plays for real, into libvlc's dummy outputs (no screen, no sound card)
        "DIANJIAO_VLC_ARGS": "--vout=dummy --aout=dummy",
        # removable volumes come from a mount table the tests write, not the machine's (a CI
        # runner may have a disk mounted on /mnt)
        "DIANJIAO_VOLUME_MOUNTS": str(root / "no-mounts"),
    })
    dianjiao = os.path.join(os.path.dirname(sys.executable), "dianjiao")
    LIVE.update(env=env, dianjiao=dianjiao, root=root)
    log_path = root / "server.log"
    with open(log_path, "w") as log:
        for command in (["init"], ["demo"]):  # the demo network takes minutes on a busy machine
            subprocess.run([dianjiao, *command], env=env, stdout=log, stderr=log, check=True,
                           timeout=900)
    with served(env, log_path, append=True) as base_url:
        yield base_url


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def login(page, username: str, password: str = DEMO_PASSWORD) -> None:
    """Log in through the login form and wait to leave it."""
    page.goto("/login")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(password)
    page.locator("button[type=submit]").click()
    page.wait_for_url(lambda url: "/login" not in url)


@pytest.fixture(scope="session")
def logged_in(browser, live_server):
    """`logged_in(username, password=DEMO_PASSWORD)`: a storage state with that user's session
    cookie, made once per session (a login hashes a password); pass it as `storage_state`."""
    states: dict[str, dict] = {}

    def state(username: str, password: str = DEMO_PASSWORD) -> dict:
        if username not in states:
            context = browser.new_context(base_url=live_server)
            login(context.new_page(), username, password)
            states[username] = context.storage_state()
            context.close()
        return states[username]

    return state


@pytest.fixture
def new_page(browser, live_server):
    """Open pages in fresh browser contexts: `new_page(lang="zh", **context_options)`."""
    contexts = []

    def make(lang: str = "zh", **options):
        context = browser.new_context(base_url=live_server, locale=LOCALES[lang], **options)
        context.set_default_timeout(10_000)
        # Loading a city-wide page of the demo network (dashboard, roll-up) takes a second on a
        # quiet machine and several beside the rest of the suite: navigation waits longer.
        context.set_default_navigation_timeout(45_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    """A fresh page in a Chinese browser."""
    return new_page("zh")


@pytest.fixture
def shoot():
    """Save a full-page PNG when DIANJIAO_SCREENSHOTS names a folder; otherwise do nothing."""
    folder = os.environ.get("DIANJIAO_SCREENSHOTS")

    def save(page, name: str) -> None:
        if folder:
            os.makedirs(folder, exist_ok=True)
            page.screenshot(path=os.path.join(folder, f"{name}.png"), full_page=True)

    return save


@contextmanager
def planned_open_screening(new_page, logged_in, topic: str):
    """A screening at P-001 whose sign-in window is open now (the demo's are not), planned through
    the API as admin and cancelled afterwards, so later tests find no open screening again.

    It starts in 20 minutes (sign-in opens 30 minutes before) so the player never starts it."""
    admin = new_page("zh", storage_state=logged_in("admin", ADMIN_PASSWORD))
    admin.goto("/")
    token = admin.locator("input[name=csrf_token]").first.get_attribute("value")
    now = datetime.now(UTC)
    response = admin.request.post("/api/v1/screenings", headers={"X-CSRFToken": token}, data={
        "site": "P-001", "topic": topic, "force": True,
        "starts_at": (now + timedelta(minutes=20)).isoformat(),
        "ends_at": (now + timedelta(minutes=80)).isoformat()})
    assert response.status == 201, response.text()
    screening_id = response.json()["id"]
    yield screening_id
    response = admin.request.patch(f"/api/v1/screenings/{screening_id}",
                                   headers={"X-CSRFToken": token}, data={"status": "cancelled"})
    assert response.status == 200, response.text()


def shown(value, lang: str, kind: str = "date") -> str:
    """A date or moment as the pages show it in `lang` (app/i18n.py FORMATS, one shape a
    language), to compare with what Chromium reads."""
    from babel.dates import format_date, format_datetime

    pattern = FORMATS[lang][kind]
    if kind in ("date", "month", "weekday"):
        return format_date(value, pattern, locale=lang)
    return format_datetime(value, pattern, locale=lang)
