"""Optional system components: skip a test without them, except under CI=true where it fails."""

from __future__ import annotations

import ctypes.util
import os
import shutil

import pytest

IN_CI = os.environ.get("CI", "").lower() == "true"


def need(ok: bool, reason: str) -> None:
    if ok:
        return
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: every component must be present)")
    pytest.skip(reason)


def postgres_url() -> str:
    url = os.environ.get("DIANJIAO_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    try:
        import psycopg

        psycopg.connect(url.replace("postgresql+psycopg", "postgresql"), connect_timeout=3).close()
        ok = True
    except Exception:
        ok = False
    need(ok, f"PostgreSQL is not reachable at {url} (set DIANJIAO_TEST_POSTGRES)")
    return url


def need_libvlc() -> None:
    need(ctypes.util.find_library("vlc") is not None,
         "libvlc is not installed (apt install libvlc5 vlc-plugin-base libvlc-bin)")


def chromium_path() -> str:
    path = os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    need(path is not None, "Chromium is not installed (apt install chromium)")
    return path


def need_xvfb() -> str:
    """Return the Xvfb binary (a real X screen for libvlc's X11 video output)."""
    path = shutil.which("Xvfb")
    need(path is not None,
         "Xvfb is not installed (apt install xvfb vlc-plugin-video-output)")
    return path


def iso_maker(name: str = "genisoimage") -> str:
    """Return genisoimage or xorriso, the Debian tools that make ISO 9660 images."""
    path = shutil.which(name)
    need(path is not None, f"{name} is not installed (apt install genisoimage xorriso)")
    return path
