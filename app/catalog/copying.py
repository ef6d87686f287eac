"""Copy a kit (or any folder of videos) onto this computer, then scan the copies.

media_index/copier.py does the file work (free space, .part files, fsync, SHA-256 against the
source, resuming); this module chooses the target, refuses up front what cannot work, checks
the copies against the batch manifest of the site's kits, and scans them into the catalog (the
scan's signal then verifies the kit, as after any scan).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from media_index.copier import (
    Copied,
    CopyError,
    CopyProgress,
    SourceFile,
    bytes_to_write,
    copy_tree,
    free_bytes,
    list_files,
    manifest_check,
)

from ..errors import Invalid
from ..extensions import db
from ..models import BatchManifest, Shipment, Site
from ..reasons import show_reason
from .scanning import scan_paths
from .volumes import mounted_volume

KIT_STATUSES = ("sent", "received", "verified")


class CopyStopped(Invalid):
    """A copy that stopped half-way: what is verified stays, the next run goes on."""


def copy_root(site: Site) -> str:
    """Where copies go when no --to is given: COPY_ROOT, else <instance>/library/<site code>."""
    return current_app.config.get("COPY_ROOT") or os.path.join(
        current_app.instance_path, "library", site.code)


def _size(n: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return str(n)


def target_for(src: str, to: str) -> str:
    """The folder the copy of `src` goes to under `to`: the disc's label, else the folder's name."""
    volume = mounted_volume(src, current_app.config)
    name = (volume.label if volume is not None and volume.mount_point == src and volume.label
            else os.path.basename(src.rstrip("/")) or "copy")
    return os.path.join(to, name.replace("/", "_"))


def _kit_manifest(site: Site) -> dict[str, dict[str, str]]:
    """The manifests of the site's kits, by kit serial: {serial: {file name: sha256}}."""
    kits: dict[str, dict[str, str]] = {}
    for serial, name, sha256 in db.session.execute(
            select(Shipment.serial, BatchManifest.name, BatchManifest.sha256)
            .join(BatchManifest, BatchManifest.batch_id == Shipment.batch_id)
            .where(Shipment.site_id == site.id, Shipment.status.in_(KIT_STATUSES))):
        kits.setdefault(serial or "", {})[name] = sha256
    return kits


def _kit_findings(site: Site, copied: list[Copied]) -> tuple[str | None, list[dict]]:
    """The kit these copies are (the one whose manifest shares most names), and what in them
    differs from its manifest or is not there."""
    names = {c.relpath.rsplit("/", 1)[-1] for c in copied}
    kits = _kit_manifest(site)
    best = max(kits, key=lambda s: len(names & set(kits[s])), default=None)
    if best is None or not names & set(kits[best]):
        return None, []
    expected = kits[best]
    errors = [{"path": path, "error": "differs from the kit's manifest (SHA-256)"}
              for path in manifest_check(copied, expected)]
    hashes = {c.sha256 for c in copied}
    errors += [{"path": name, "error": "in the kit's manifest but not on the source"}
               for name, sha in sorted(expected.items()) if sha not in hashes]
    return best, errors


@dataclass(frozen=True)
class CopyPlan:
    """A copy checked and ready to run: where from, where to, what."""

    src: str
    to: str
    target: str
    files: list[SourceFile]
    need: int  # bytes still to write

    @property
    def total(self) -> int:
        return sum(f.size for f in self.files)


def plan_copy(site: Site, src: str, to: str | None = None) -> CopyPlan:
    """Check a copy before anything is written: the source is a folder with files, the target
    is not inside it, and there is room for it (Invalid, in plain words, otherwise)."""
    src = os.path.realpath(os.path.expanduser(src))
    to = os.path.realpath(os.path.expanduser(to or copy_root(site)))
    if not os.path.isdir(src):
        raise Invalid(_("%(path)s is not a folder on this computer.", path=src))
    target = target_for(src, to)
    if os.path.commonpath([src, target]) in (src, target):
        raise Invalid(_("The copy cannot go inside the folder it copies, nor the other way "
                        "round."))
    try:
        files = list_files(src)
    except CopyError as exc:
        raise Invalid(_("Cannot read %(path)s: %(reason)s.", path=exc.path or src,
                        reason=show_reason(exc.reason))) from exc
    if not files:
        raise Invalid(_("%(path)s holds no files to copy.", path=src))
    need, free = bytes_to_write(files, target), free_bytes(target)
    if need > free:
        raise Invalid(_("Not enough free space: the copy needs %(need)s and %(free)s are free "
                        "on %(path)s. Nothing was copied.", need=_size(need), free=_size(free),
                        path=to))
    return CopyPlan(src, to, target, files, need)


def run_copy(site: Site, plan: CopyPlan,
             on_progress: Callable[[CopyProgress], None] | None = None) -> dict:
    """Copy as planned, verified; scan the copies; return the summary:
    {source, target, files, copied, resumed, skipped, bytes, kit, errors, scan, seconds}.
    A copy that stops raises CopyStopped (what is verified stays; the next run goes on)."""
    started = time.monotonic()
    copied: list[Copied] = []
    try:
        for done in copy_tree(plan.src, plan.target, plan.files, on_progress=on_progress):
            copied.append(done)
    except CopyError as exc:
        raise CopyStopped(_("The copy stopped at %(path)s: %(reason)s. The files copied so far "
                            "are verified; run the same copy again to continue.",
                            path=exc.path or plan.src, reason=show_reason(exc.reason))) from exc
    kit, errors = _kit_findings(site, copied)
    scan = scan_paths(site, [plan.to])
    return {"source": plan.src, "target": plan.target, "files": len(copied),
            "copied": sum(c.status == "copied" for c in copied),
            "resumed": sum(c.status == "resumed" for c in copied),
            "skipped": sum(c.status == "skipped" for c in copied),
            "bytes": sum(c.size for c in copied), "kit": kit, "errors": errors,
            "scan": {k: v for k, v in scan.items() if k != "errors"},
            "seconds": round(time.monotonic() - started, 3)}


def copy_folder(site: Site, src: str, *, to: str | None = None,
                on_progress: Callable[[CopyProgress], None] | None = None) -> dict:
    """Check, then copy `src` into `to` (see plan_copy and run_copy)."""
    return run_copy(site, plan_copy(site, src, to), on_progress)
