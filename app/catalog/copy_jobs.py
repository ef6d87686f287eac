"""Copies started from the Copy page: one at a time per site, on a worker thread, their progress
kept in memory for the page to poll (a copy is checked before it starts, so what the page is
refused it says at once; a copy cut short by a restart is resumed by starting it again)."""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass, field

from flask import Flask, current_app
from flask_babel import gettext as _

from media_index.copier import CopyProgress

from ..errors import Conflict, DianjiaoError
from ..extensions import db
from ..models import Site
from .copying import CopyPlan, plan_copy, run_copy

KEPT = 20  # finished jobs remembered for their pages


@dataclass
class CopyJob:
    id: str
    site_code: str
    source: str
    target: str
    started_by: str
    status: str = "queued"  # queued, running, done, failed
    files_done: int = 0
    files_total: int = 0
    bytes_done: int = 0
    bytes_total: int = 0
    summary: dict | None = None
    error: str | None = None
    started: float = field(default_factory=time.monotonic)

    def as_dict(self) -> dict:
        return {"status": self.status, "files_done": self.files_done,
                "files_total": self.files_total, "bytes_done": self.bytes_done,
                "bytes_total": self.bytes_total, "summary": self.summary, "error": self.error,
                "source": self.source, "target": self.target}


_jobs: dict[str, CopyJob] = {}
_lock = threading.Lock()


def copy_job(job_id: str) -> CopyJob | None:
    return _jobs.get(job_id)


def site_jobs(code: str) -> list[CopyJob]:
    """The site's copies this server remembers, newest first."""
    return sorted((j for j in _jobs.values() if j.site_code == code),
                  key=lambda j: j.started, reverse=True)


def start_copy(site: Site, src: str, to: str | None, by: str) -> CopyJob:
    """Check the copy now (raising what is wrong), then run it on a worker thread."""
    plan = plan_copy(site, src, to)
    with _lock:
        if any(j.site_code == site.code and j.status in ("queued", "running")
               for j in _jobs.values()):
            raise Conflict(_("A copy for this site is already running."))
        job = CopyJob(str(uuid.uuid4()), site.code, plan.src, plan.target, by,
                      files_total=len(plan.files), bytes_total=plan.total)
        _jobs[job.id] = job
        for old in sorted(_jobs.values(), key=lambda j: j.started)[:-KEPT]:
            if old.status not in ("queued", "running"):
                del _jobs[old.id]
    app = current_app._get_current_object()
    threading.Thread(target=_run, args=(app, job, site.id, plan), daemon=True,
                     name=f"copy-{site.code}").start()
    return job


def _run(app: Flask, job: CopyJob, site_id: uuid.UUID, plan: CopyPlan) -> None:
    with app.app_context():
        job.status = "running"

        def progress(p: CopyProgress) -> None:
            job.files_done, job.bytes_done = p.files_done, p.bytes_done

        try:
            job.summary = run_copy(db.session.get(Site, site_id), plan, progress)
            job.status = "done"
        except DianjiaoError as exc:
            db.session.rollback()
            job.status, job.error = "failed", exc.message
        except Exception as exc:  # the page must say why, whatever went wrong
            db.session.rollback()
            job.status, job.error = "failed", str(exc)
        finally:
            db.session.remove()
