"""Formats of village discs played by real libvlc with dummy outputs: RealMedia (.rm, .rmvb)."""

from __future__ import annotations

import pytest

from media_index.synth import make_video
from schedules.player import Item


@pytest.fixture(scope="module")
def rm_clips(tmp_path_factory):
    folder = tmp_path_factory.mktemp("rm-clips")
    paths = {"rm": str(folder / "lesson.rm"), "rmvb": str(folder / "lesson.rmvb")}
    make_video(paths["rm"], 2.0)
    make_video(paths["rmvb"], 2.0)
    return paths


def test_realmedia_files_play_to_their_end(make_player, rm_clips):
    player, recorder = make_player()
    player.enqueue([Item(key=kind, path=path, name=kind, duration_s=2.0)
                    for kind, path in rm_clips.items()])
    player.play()
    records = recorder.wait(2)
    assert [r.item.key for r in records] == ["rm", "rmvb"]
    for record in records:
        assert record.outcome == "completed", record.error
        assert record.played_s == pytest.approx(2.0, abs=0.7)
