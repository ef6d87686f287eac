"""Sync: bundles carry a site's records to the township hub and the hub's plans back (#6)."""

from __future__ import annotations

from .blueprint import bp

__all__ = ["bp"]
