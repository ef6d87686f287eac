"""Help where people are: a one-page guide per role, in the UI's language, printable as a leaflet."""

from __future__ import annotations

from .blueprint import bp

__all__ = ["bp"]
