"""Fixtures for the media_index tests: one generated corpus per session."""

from __future__ import annotations

import pytest

from tests.media_fixtures import make_corpus


@pytest.fixture(scope="session")
def media_corpus(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Build the mixed corpus once: make_corpus's dict plus "root"; tests must not modify it."""
    root = tmp_path_factory.mktemp("media-corpus")
    info = make_corpus(root)
    info["root"] = root
    return info
