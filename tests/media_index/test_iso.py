"""VCD and DVD images in a library, indexed by their contents without mounting them; damaged
images and images that are not video discs give a plain reason and cost nothing else."""

from __future__ import annotations

import hashlib
import os

import pytest

from media_index import FileResult, WalkError, scan_root
from media_index.integrity import DAMAGED, OK, rehash
from media_index.iso import NOT_A_VIDEO_DISC, NOT_AN_IMAGE, TRUNCATED, open_part, split_member
from media_index.synth import make_video
from tests.disc_images import make_disc_images

VCD = "乡土教材第3辑.iso/MPEGAV/AVSEQ01.DAT"
DVD = "DVD.ISO/VIDEO_TS/VTS_01"


@pytest.fixture(scope="module")
def discs(tmp_path_factory):
    images = make_disc_images(tmp_path_factory.mktemp("discs"))
    make_video(images["library"] / "film.mp4", 1.0)
    return images


@pytest.fixture(scope="module")
def scanned(discs):
    found = list(scan_root(discs["library"], {}))
    return ({r.item.relpath: r for r in found if isinstance(r, FileResult)},
            {r.relpath: r.error for r in found if isinstance(r, WalkError)})


def sha256_of(*paths) -> str:
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.read_bytes())
    return digest.hexdigest()


def test_vcd_and_dvd_images_are_indexed_by_their_videos(discs, scanned):
    results, _errors = scanned
    assert set(results) == {VCD, DVD, "film.mp4"}
    vcd, dvd = results[VCD], results[DVD]
    assert (vcd.item.layout, dvd.item.layout) == ("isovcd", "isodvd")
    # The same bytes as the files the images were made from: the same catalog identity.
    src = discs["src"]
    assert vcd.sha256 == sha256_of(src / "vcd/MPEGAV/AVSEQ01.DAT")
    assert dvd.sha256 == sha256_of(src / "dvd/VIDEO_TS/VTS_01_1.VOB",
                                   src / "dvd/VIDEO_TS/VTS_01_2.VOB")
    assert vcd.probe.duration_s == pytest.approx(3.0, abs=0.5)
    assert dvd.probe.duration_s == pytest.approx(3.0, abs=0.5)
    assert vcd.probe.video_codec == "mpeg1video" and dvd.probe.video_codec == "mpeg2video"
    assert [split_member(p)[1] for p in dvd.item.parts] == [
        "VIDEO_TS/VTS_01_1.VOB", "VIDEO_TS/VTS_01_2.VOB"]  # not the menu (VTS_01_0)


def test_damaged_or_non_video_images_give_a_reason_and_the_rest_is_indexed(scanned):
    results, errors = scanned
    assert errors == {"docs.iso": NOT_A_VIDEO_DISC, "cut.iso": TRUNCATED,
                      "short.iso": TRUNCATED, "junk.iso": NOT_AN_IMAGE}
    assert results["film.mp4"].error is None


def test_a_rescan_of_unchanged_images_reads_nothing(discs, scanned):
    from media_index import Known

    results, _ = scanned
    known = {path: Known(r.item.size, r.item.mtime_ns, r.sha256, r.fingerprint)
             for path, r in results.items()}
    again = [r for r in scan_root(discs["library"], known) if isinstance(r, FileResult)]
    assert {r.status for r in again} == {"unchanged"}


def test_a_bad_sector_inside_an_image_is_found_by_the_integrity_check(discs, scanned, tmp_path):
    results, _ = scanned
    vcd = results[VCD]
    copy = tmp_path / "copy.iso"
    copy.write_bytes(discs["vcd"].read_bytes())
    os.utime(copy, ns=(vcd.item.mtime_ns, vcd.item.mtime_ns))
    image, inner = split_member(vcd.item.parts[0])
    part = bytes(copy) + b"!/" + inner.encode()
    assert rehash([part], size=vcd.item.size, mtime_ns=vcd.item.mtime_ns,
                  sha256=vcd.sha256).status == OK
    with open_part(part) as f:
        offset = f._start + 1000  # inside the video's range of the image
    with open(copy, "r+b") as f:
        f.seek(offset)
        f.write(b"\xff\xfe")
    os.utime(copy, ns=(vcd.item.mtime_ns, vcd.item.mtime_ns))
    assert rehash([part], size=vcd.item.size, mtime_ns=vcd.item.mtime_ns,
                  sha256=vcd.sha256).status == DAMAGED
