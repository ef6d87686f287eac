"""`dianjiao serve`'s look at the mount table: volumes going out and coming back (see volumes.py).

A volume that comes back with other content (files added on another computer) is rescanned,
incrementally; one that comes back as it was is online again without reading anything.
"""

from __future__ import annotations

import logging

from flask import Flask

from ..extensions import db
from .scanning import scan_paths
from .volumes import poll

log = logging.getLogger(__name__)


def watch_volumes(app: Flask) -> dict | None:
    """One poll, in its own transaction; returns what changed ({offline, online, changed}:
    [{path, label}]). A failure is logged and the next poll tries again."""
    with app.app_context():
        try:
            result = poll(app.config)
            db.session.commit()
            summary = result.as_dict()
            for root in result.offline:
                log.info("volume %s went out (%s)", root.volume_label, root.path)
            for root in result.online:
                log.info("volume %s is back at %s", root.volume_label, root.path)
            for root in result.changed:
                scan_paths(root.site, [root.path])
            return summary
        except Exception:  # the next poll tries again
            db.session.rollback()
            log.exception("watching the removable volumes failed")
            return None
        finally:
            db.session.remove()
