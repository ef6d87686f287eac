"""Fixtures for the media_index tests: one generated corpus per session."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import media_fixtures  # noqa: E402


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Build the mixed corpus once: make_corpus's dict plus "root"; tests must not modify it."""
    root = tmp_path_factory.mktemp("corpus")
    info = media_fixtures.make_corpus(root)
    info["root"] = root
    return info
