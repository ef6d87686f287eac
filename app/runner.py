"""The screening runner of `dianjiao serve`: jobs derived from the Screening table.

Started only by `serve` (never by create_app, tests' apps, CLI commands or a reloader's parent),
and only by the one process holding the instance's scheduler lock. Jobs are rebuilt from the
table at start, after every commit that changes screenings, and every minute, so the table is
the only truth.
"""

from __future__ import annotations

import logging
import threading
import uuid
from datetime import UTC, datetime, timedelta

from flask import Flask
from sqlalchemy import select

from schedules.runner import Due, InstanceLock, Runner

from .attendance.services import close_due_screenings
from .audit.events import audit_due
from .catalog.integrity import run_slice
from .catalog.volume_watch import watch_volumes
from .extensions import db
from .models import Screening, Site
from .notices import reminders
from .player.services import player_site_code, recover_interrupted, start_screening
from .screenings.plans import extend_all_series
from .screenings.readiness import run_due_checks
from .signals import screenings_changed
from .sync.net import SyncJob, start_job
from .terminals.services import record_health

log = logging.getLogger(__name__)
INTEGRITY_JOB = "integrity"  # the scheduler job of the rolling integrity check
LOOKAHEAD = timedelta(days=2)  # jobs exist for this window; the minute tick moves it on


class ScreeningRunner:
    """Keeps APScheduler's jobs equal to the planned screenings of the player site."""

    def __init__(self, app: Flask):
        self.app = app
        self.lock = InstanceLock(app.instance_path)
        self.runner: Runner | None = None
        self._stop = threading.Event()
        self._reconcile_lock = threading.Lock()
        self.sync_job: SyncJob | None = None  # a site with SYNC_HUB_URL: pull and push
        self.started_at: datetime | None = None  # serve's start: the health report's uptime
        self.health_at: datetime | None = None  # the last health report written (or tried)

    def start(self) -> bool:
        """Take the instance lock and start scheduling; False when another process has it."""
        if not self.lock.acquire():
            log.warning("another `dianjiao serve` on this instance schedules; this one only serves")
            return False
        self.started_at = datetime.now(UTC)
        recover_interrupted(self.app)
        grace = timedelta(minutes=int(self.app.config["START_GRACE_MIN"]))
        self.runner = Runner(timezone=self.app.config["TIMEZONE"], grace=grace,
                             start=lambda sid, late: start_screening(self.app, sid, late))
        self.runner.start()
        self.runner.every(INTEGRITY_JOB, float(self.app.config["FSCK_EVERY_MIN"]) * 60,
                          self.check_integrity)
        self.runner.every("volumes", float(self.app.config["VOLUME_POLL_S"]),
                          lambda: watch_volumes(self.app))
        screenings_changed.connect(self._screenings_changed, sender=self.app)
        self.tick()
        threading.Thread(target=self._every_minute, name="screening-tick", daemon=True).start()
        self.sync_job = start_job(self.app)
        return True

    def _every_minute(self) -> None:
        while not self._stop.wait(60):
            try:
                self.tick()
            except Exception:  # a bad minute must not stop the next one
                log.exception("screening tick failed")

    def tick(self) -> None:
        if self.sync_job is None:  # enrolled through the Sync page since serve started
            self.sync_job = start_job(self.app)
        with self.app.app_context():
            try:  # each plan and each screening is its own unit: one failing stops no other
                extend_all_series()
                close_due_screenings()  # expected people not signed in become absent
            finally:
                db.session.remove()
        self.reconcile()
        self.check_readiness()
        self.audit_ended()
        self.record_health()
        self.send_reminders()

    def send_reminders(self) -> None:
        """Queue tomorrow's reminders and send those due (nothing leaves without a gateway)."""
        with self.app.app_context():
            try:
                reminders.run()
            except Exception:
                db.session.rollback()
                log.exception("sending reminders failed")
            finally:
                db.session.remove()

    def audit_ended(self) -> None:
        """Audit the screenings that ended and were not audited since their records last
        changed (app/audit/events.py; each on its own, a failure logged)."""
        with self.app.app_context():
            try:
                audit_due()
            except Exception:
                db.session.rollback()
                log.exception("the audit of ended screenings failed")
            finally:
                db.session.remove()

    def record_health(self, now: datetime | None = None) -> None:
        """This site's health report, at the start and every HEALTH_EVERY_MIN (a failure is
        logged and tried again at the next interval; the tick goes on)."""
        now = now or datetime.now(UTC)
        every = timedelta(minutes=float(self.app.config["HEALTH_EVERY_MIN"]))
        if self.health_at is not None and now - self.health_at < every:
            return
        self.health_at = now
        with self.app.app_context():
            try:
                record_health(now, started_at=self.started_at)
                db.session.commit()
            except Exception:
                db.session.rollback()
                log.exception("recording the terminal's health failed")
            finally:
                db.session.remove()

    def check_integrity(self) -> dict | None:
        """A slice of the rolling integrity check (app/catalog/integrity.py): the due copies,
        paced at FSCK_MAX_MBPS, for at most FSCK_SLICE_MIN; stopped when serve stops."""
        with self.app.app_context():
            try:
                return run_slice(should_stop=self._stop.is_set)
            except Exception:
                db.session.rollback()
                log.exception("integrity check failed")
                return None
            finally:
                db.session.remove()

    def check_readiness(self) -> None:
        """The day-before and just-before readiness checks that are due (hashing: may take a
        while on a DVD; one screening's failure does not stop the others' checks next minute)."""
        with self.app.app_context():
            try:
                run_due_checks()
            except Exception:
                db.session.rollback()
                log.exception("readiness check failed")
            finally:
                db.session.remove()

    def _screenings_changed(self, _app: Flask) -> None:
        self.reconcile()

    def reconcile(self) -> None:
        """Make the jobs match the table; mark screenings missed past the grace."""
        if self.runner is None:
            return
        with self._reconcile_lock, self.app.app_context():
            code = player_site_code(self.app)
            horizon = datetime.now(UTC) + LOOKAHEAD
            due = []
            if code:
                due = [Due(str(s.id), s.starts_at) for s in db.session.scalars(
                    select(Screening).join(Site).where(
                        Site.code == code, Screening.status == "planned",
                        Screening.starts_at < horizon))]
            for decision in self.runner.reconcile(due):
                if decision.action == "missed":
                    screening = db.session.get(Screening, uuid.UUID(decision.id))
                    if screening is not None and screening.status == "planned":
                        screening.status = "missed"
                        screening.status_reason = "the player was not running at the start time"
            db.session.commit()
            db.session.remove()

    def stop(self) -> None:
        self._stop.set()
        if self.sync_job is not None:
            self.sync_job.stop()
        screenings_changed.disconnect(self._screenings_changed, sender=self.app)
        if self.runner is not None:
            self.runner.shutdown()
        self.lock.release()
