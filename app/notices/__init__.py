"""Notices that reach people: the printed notice (明白纸), the loudspeaker script (广播稿), the
reminder outbox, and each person's reflection (心得) on a screening."""

from __future__ import annotations

from .blueprint import bp

__all__ = ["bp"]
