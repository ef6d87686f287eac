"""Sync pages: export to USB and upload on a site; every site's last bundle on the hub."""

from __future__ import annotations

from . import bp  # noqa: F401
