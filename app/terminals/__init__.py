"""Terminal health: each site's hourly report, and the hub's Terminals page (#15)."""

from __future__ import annotations

from .blueprint import bp

__all__ = ["bp"]
