from __future__ import annotations

from . import views  # noqa: F401  (they register the pages on bp)
from .blueprint import bp

__all__ = ["bp"]
