"""The periodic job of a site's `dianjiao serve`: pull then push, every SYNC_INTERVAL_MIN."""

from __future__ import annotations

import logging
import threading

from flask import Flask

from ...errors import DianjiaoError
from ...extensions import db
from ...install import is_site
from .client import describe, pull, push
from .exchange import Retry

log = logging.getLogger(__name__)


class SyncJob:
    """Pull then push every SYNC_INTERVAL_MIN minutes, in a thread of `dianjiao serve`.

    The first round runs a minute after the start (or sooner, for a shorter interval), so a PC
    switched on in the morning sends yesterday's records soon. A failed round is logged and the
    next one tries again: a bundle is only ever made from what the hub has not acknowledged.
    """

    def __init__(self, app: Flask):
        self.app = app
        self.interval = max(1.0, float(app.config["SYNC_INTERVAL_MIN"]) * 60)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="sync-job", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        delay = min(self.interval, 60.0)
        while not self._stop.wait(delay):
            try:
                self.run_once()
            except Exception:  # a bad round must not stop the next one
                log.exception("sync with the hub failed")
            delay = self.interval

    def run_once(self) -> list[str]:
        """One round, pull then push; returns one line per step for the log."""
        lines = []
        retry = Retry(wait=self._stop.wait)
        with self.app.app_context():
            try:
                for step in (pull, push):
                    try:
                        result = step(retry=retry)
                    except DianjiaoError as exc:
                        db.session.rollback()
                        if getattr(exc, "reason", "") == "stopped":
                            break
                        lines.append(f"{step.__name__} failed: {exc.message}")
                        log.warning("sync %s failed: %s", step.__name__, exc.message)
                        continue
                    line = describe(result)
                    lines.append(line)
                    log.info("sync: %s", line)
            finally:
                db.session.remove()
        return lines

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)


def start_job(app: Flask) -> SyncJob | None:
    """Start the job when this install is a site with SYNC_HUB_URL set; else None."""
    if not is_site(app) or not app.config.get("SYNC_HUB_URL"):
        return None
    job = SyncJob(app)
    job.start()
    log.info("sync: pulling from and pushing to %s every %s minutes",
                app.config["SYNC_HUB_URL"], app.config["SYNC_INTERVAL_MIN"])
    return job
