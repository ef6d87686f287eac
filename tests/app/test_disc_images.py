"""A kit's VCD and DVD images in a site's library: `dianjiao scan` indexes their videos, the
readiness check and `dianjiao fsck` read them inside the image, the player gets their ranges."""

from __future__ import annotations

import json
import os
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.catalog.scanning import entry_files
from app.extensions import db
from app.models import FileEntry
from app.player.services import item_for
from app.screenings.readiness import FULL, check_screening
from media_index.iso import NOT_A_VIDEO_DISC, NOT_AN_IMAGE, TRUNCATED, split_member
from tests.disc_images import make_disc_images

VCD = "乡土教材第3辑.iso/MPEGAV/AVSEQ01.DAT"
DVD = "DVD.ISO/VIDEO_TS/VTS_01"


@pytest.fixture(scope="module")
def master(tmp_path_factory):
    return make_disc_images(tmp_path_factory.mktemp("kit-images"))


@pytest.fixture
def library(master, tmp_path, make, app):
    make.site("P-001")
    root = tmp_path / "library"
    root.mkdir()
    for name in ("vcd", "dvd", "docs", "short", "junk"):
        (root / master[name].name).write_bytes(master[name].read_bytes())
    return root


def run(app, *args):
    result = app.test_cli_runner().invoke(args=[*args, "--json"])
    assert result.exit_code == 0, result.output + result.stderr
    return json.loads(result.stdout)


def entry(relpath: str) -> FileEntry:
    db.session.expire_all()
    return db.session.scalar(select(FileEntry).where(FileEntry.relpath == relpath))


def test_scan_indexes_the_images_videos_and_names_the_bad_images(app, library):
    summary = run(app, "scan", str(library), "--site", "P-001")
    assert summary["new"] == 2
    assert {e["path"]: e["error"] for e in summary["errors"]} == {
        "docs.iso": NOT_A_VIDEO_DISC, "short.iso": TRUNCATED, "junk.iso": NOT_AN_IMAGE}
    vcd, dvd = entry(VCD), entry(DVD)
    assert (vcd.layout, dvd.layout) == ("isovcd", "isodvd")
    assert vcd.media_file.duration_s == pytest.approx(3.0, abs=0.5)
    assert dvd.media_file.duration_s == pytest.approx(3.0, abs=0.5)
    assert [split_member(p)[1] for p in entry_files(dvd)] == [
        "VIDEO_TS/VTS_01_1.VOB", "VIDEO_TS/VTS_01_2.VOB"]
    assert split_member(item_for(vcd.media_file, vcd.root.site).path) == (
        os.fsencode(library / "乡土教材第3辑.iso"), "MPEGAV/AVSEQ01.DAT")
    assert run(app, "scan", str(library), "--site", "P-001")["unchanged"] == 2


def test_readiness_and_fsck_read_the_videos_inside_the_images(app, library, make, clock):
    run(app, "scan", str(library), "--site", "P-001")
    vcd, dvd = entry(VCD), entry(DVD)
    screening = make.screening(vcd.root.site, start=clock.now + timedelta(hours=20),
                               playlist=[{"sha256": vcd.media_file.sha256},
                                         {"sha256": dvd.media_file.sha256}])
    check = check_screening(screening, FULL)
    assert check.status == "ready", check.problems
    assert run(app, "fsck")["checked"] == 2
    # A bad sector inside the VCD track of the image, the image's size and mtime kept.
    image = library / "乡土教材第3辑.iso"
    data = bytearray(image.read_bytes())
    st = os.stat(image)
    start = data.find(bytes.fromhex("000001ba"))  # the track's first MPEG pack
    data[start + 3000] ^= 0xFF
    image.write_bytes(bytes(data))
    os.utime(image, ns=(st.st_atime_ns, st.st_mtime_ns))
    damaged = run(app, "fsck")["damaged"]
    assert [d["path"] for d in damaged] == [str(library / VCD)]
    assert check_screening(screening, FULL).status == "at_risk"
