"""Formats of village discs played by real libvlc with dummy outputs: RealMedia (.rm, .rmvb),
and VCD and DVD videos inside ISO images."""

from __future__ import annotations

import os

import pytest

from media_index.iso import member
from media_index.synth import make_video
from schedules.player import Item, ProcessBackend
from tests.disc_images import make_disc_images
from tests.schedules.conftest import VLC_ARGS


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


@pytest.fixture(scope="module")
def images(tmp_path_factory):
    return make_disc_images(tmp_path_factory.mktemp("disc-images"))


def test_videos_inside_vcd_and_dvd_images_play_through_libvlc(make_player, images):
    """A VCD track and a DVD title set (two VOBs) inside ISO images, not mounted, played by
    libvlc in the player's own process, as `dianjiao serve` plays them."""
    vcd = member(os.fsencode(images["vcd"]), "MPEGAV/AVSEQ01.DAT")
    dvd = [member(os.fsencode(images["dvd"]), f"VIDEO_TS/VTS_01_{n}.VOB") for n in (1, 2)]
    backend = ProcessBackend(VLC_ARGS, answer_timeout_s=5.0)
    player, recorder = make_player(backend)
    player.enqueue([
        Item(key="vcd", path=os.fsdecode(vcd), name="VCD", duration_s=3.0),
        Item(key="dvd", path=os.fsdecode(dvd[0]), name="DVD", duration_s=3.0,
             parts=tuple(os.fsdecode(p) for p in dvd)),
        Item(key="gone", path=os.fsdecode(os.fsencode(images["library"]) + b"/gone.iso!/A.DAT"),
             name="gone", duration_s=1.0),
    ])
    player.play()
    records = recorder.wait(3, timeout=30)
    assert [r.item.key for r in records] == ["vcd", "dvd", "gone"]
    assert [r.outcome for r in records] == ["completed", "completed", "error"]
    assert records[0].played_s == pytest.approx(3.0, abs=0.8)
    assert 3.0 <= records[1].played_s <= 5.0  # libvlc takes ~0.5 s to start each MPEG-PS part
    assert records[2].error.startswith("file not found: ")  # the player closes the backend
