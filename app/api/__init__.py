from __future__ import annotations

from . import (  # noqa: F401  (they register the resources on bp)
    audit,
    distribution,
    errors,
    loans,
    people,
    player,
    readiness,
    reports,
    screenings,
    sync,
    teaching,
    terminals,
    views,
)
from .blueprint import bp

__all__ = ["bp"]
