"""Bundles through the browser: an upload saved to a file and imported, a download named."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Collection
from datetime import datetime

from flask import current_app
from flask_babel import gettext as _
from werkzeug.datastructures import FileStorage

from ..errors import Forbidden, Invalid
from .bundle import BundleError, open_bundle
from .importer import import_bundle


def save_upload(upload: FileStorage) -> str:
    """Copy an uploaded bundle to a temporary file in the instance folder; return its path.

    The copy streams (a bundle may be large), and the importer then reads the zip from the disk
    instead of from one more copy in memory. The caller deletes the file.
    """
    fd, path = tempfile.mkstemp(prefix=".upload-", suffix=".zip", dir=current_app.instance_path)
    try:
        with os.fdopen(fd, "wb") as out:
            shutil.copyfileobj(upload.stream, out, 1024 * 1024)
        if os.path.getsize(path) == 0:
            raise Invalid(_("The file is empty. Choose the bundle file (.zip) again."))
    except BaseException:
        os.unlink(path)
        raise
    return path


def import_upload(path: str, *, origins: Collection[str] | None = None, enrolled: bool = False,
                  now: datetime | None = None) -> dict:
    """Import a saved upload; with `origins`, only a bundle from one of those sites (a township
    officer imports the bundles of the township's sites only). On an `enrolled` site the page
    takes no enrollment bundle: one carries its own key, so it proves nothing about its maker,
    and it would replace the link's key and bring users (a fresh install is enrolled here)."""
    try:
        manifest = open_bundle(path).manifest
    except BundleError:
        manifest = {}  # unreadable: the importer says why
    origin = manifest.get("origin")
    if origins is not None and origin is not None and origin not in origins:
        raise Forbidden(_("This bundle comes from %(origin)s, which is not one of your "
                          "sites. Nothing was imported.", origin=origin))
    if enrolled and manifest.get("kind") == "enroll":
        raise Forbidden(_("This site is enrolled already; an enrollment bundle is imported on a "
                          "fresh install only. Nothing was imported."))
    return import_bundle(path, now=now)


def download_name(summary: dict, day: str) -> str:
    """dianjiao-P-001-to-HUB-1A2B3C4D-seq12-20261125.zip (and -enroll before -seq for an
    enrollment bundle)."""
    kind = "-enroll" if summary.get("kind") == "enroll" else ""
    safe = [str(part).replace("/", "_").replace("\\", "_")
            for part in (summary["origin"], summary["destination"])]
    return f"dianjiao-{safe[0]}-to-{safe[1]}{kind}-seq{summary['seq']}-{day}.zip"
