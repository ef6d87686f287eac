"""Sync over the network: a site pushes its bundles to the hub and pulls the hub's for it."""

from __future__ import annotations

from . import bp  # noqa: F401
