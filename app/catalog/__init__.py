from __future__ import annotations

from . import cli, views  # noqa: F401  (they register the commands and pages on bp)
from .blueprint import bp

__all__ = ["bp"]
