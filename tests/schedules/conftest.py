"""Fixtures for the schedules tests: small generated clips, made once per session."""

from __future__ import annotations

import pytest

from media_index.synth import make_video


@pytest.fixture(scope="session")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Return paths by name: a, b, c (2 s MP4), long (4 s MP4), zero (0 bytes), text (junk .mp4)."""
    folder = tmp_path_factory.mktemp("clips")
    paths = {name: str(folder / f"{name}.mp4") for name in ("a", "b", "c", "long", "zero", "text")}
    for name in ("a", "b", "c"):
        make_video(paths[name], seconds=2.0, container="mp4")
    make_video(paths["long"], seconds=4.0, container="mp4")
    open(paths["zero"], "wb").close()
    with open(paths["text"], "w", encoding="utf-8") as f:
        f.write("this is a text file, not a video\n" * 20)
    return paths
