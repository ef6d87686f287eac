"""Background work (the runner's minute) done one row at a time.

Each row is its own unit of work: committed when it is done, rolled back alone when it fails, and
the failure logged. One bad row (a screening dated in year 1, a plan that cannot be extended) then
costs only itself, not the whole minute of every other screening and plan of the install.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

from .extensions import db

log = logging.getLogger(__name__)


def each_alone(keys: Iterable[Any], work: Callable[[Any], int | None], failed: str) -> int:
    """Run `work(key)` and commit, for each key; returns the sum of what `work` returned.

    A key whose work raises is rolled back and logged with `failed % key`, and the next goes on.
    """
    total = 0
    for key in keys:
        try:
            total += work(key) or 0
            db.session.commit()
        except Exception:
            db.session.rollback()
            log.exception(failed, key)
    return total
