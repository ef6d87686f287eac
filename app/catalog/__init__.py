from __future__ import annotations

from .blueprint import bp

__all__ = ["bp"]
