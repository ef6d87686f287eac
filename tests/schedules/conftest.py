"""Fixtures for the schedules tests: small generated clips, made once per session."""

from __future__ import annotations

import pytest

from media_index.synth import make_video
from tests.components import need_libvlc

VLC_ARGS = "--vout=dummy --aout=dummy"


@pytest.fixture(scope="session")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Return paths by name: a, b, c (2 s MP4), long (4 s MP4), zero (0 bytes), text (junk .mp4),
    and the two parts of a DVD title set, vts_1 (2 s) and vts_2 (1 s)."""
    folder = tmp_path_factory.mktemp("clips")
    paths = {name: str(folder / f"{name}.mp4") for name in ("a", "b", "c", "long", "zero", "text")}
    (folder / "VIDEO_TS").mkdir()
    for part, seconds in ((1, 2.0), (2, 1.0)):
        paths[f"vts_{part}"] = str(folder / "VIDEO_TS" / f"VTS_01_{part}.VOB")
        make_video(paths[f"vts_{part}"], seconds=seconds, container="vob")
    for name in ("a", "b", "c"):
        make_video(paths[name], seconds=2.0, container="mp4")
    make_video(paths["long"], seconds=4.0, container="mp4")
    open(paths["zero"], "wb").close()
    with open(paths["text"], "w", encoding="utf-8") as f:
        f.write("this is a text file, not a video\n" * 20)
    return paths


@pytest.fixture
def make_player():
    """Build players on real libvlc; close them after the test."""
    need_libvlc()
    players = []

    from schedules.player import Player, VlcBackend
    from tests.schedules.test_player import Recorder

    def make(backend=None, **kwargs) -> tuple[Player, Recorder]:
        recorder = Recorder()
        player = Player(backend or VlcBackend(VLC_ARGS), on_record=recorder.record,
                        on_screening_end=recorder.screening_end, **kwargs)
        players.append(player)
        return player, recorder

    yield make
    for player in players:
        player.close()
