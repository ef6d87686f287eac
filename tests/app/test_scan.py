"""`dianjiao scan` over the mixed corpus: durations, bad files by name, rescans, moves, deletions."""

from __future__ import annotations

import json
import os

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import FileEntry, MediaFile


@pytest.fixture
def site(make):
    return make.site("P-001")


def scan(app, *args):
    result = app.test_cli_runner().invoke(args=["scan", *args])
    return result


def run_json(app, path, *extra):
    result = scan(app, path, "--site", "P-001", "--json", *extra)
    assert result.exit_code == 0, result.output + result.stderr
    return json.loads(result.stdout)


def test_first_scan_indexes_every_video_with_right_durations(app, site, corpus):
    root, expected = corpus
    summary = run_json(app, root)
    assert summary["files"] == len(expected["durations"]) + len(expected["bad"])
    assert summary["new"] == len(expected["durations"])
    assert {e["path"] for e in summary["errors"]} == set(expected["bad"])
    for error in summary["errors"]:
        assert error["error"].startswith(expected["bad"][error["path"]])
    entries = {e.relpath: e for e in db.session.scalars(select(FileEntry))}
    for relpath, seconds in expected["durations"].items():
        media = entries[relpath].media_file
        assert media is not None, relpath
        assert media.duration_s == pytest.approx(seconds, abs=0.5), relpath
        assert len(media.sha256) == 64
    assert entries["DVD/VIDEO_TS/VTS_01"].layout == "dvd"
    assert entries["VCD/MPEGAV/AVSEQ01.DAT"].layout == "vcd"
    assert "种植.mpg" in entries  # the GBK name, readable
    assert entries["film.mp4"].media_file.tags.get("title") == "种植技术"


def test_rescan_is_all_unchanged_and_reports_bad_files_again(app, site, corpus):
    root, expected = corpus
    first = run_json(app, root)
    again = run_json(app, root)
    assert again["unchanged"] == again["files"] == first["files"]
    assert again["new"] == again["changed"] == again["moved"] == again["missing"] == 0
    assert {e["path"] for e in again["errors"]} == set(expected["bad"])


def test_a_file_that_could_not_be_read_is_read_again_when_it_can(app, site, corpus):
    """A rescan tries a file with an error again even though its size and mtime are the same:
    "permission denied" (or a drive that failed once) is gone once the cause is fixed."""
    root, _ = corpus
    run_json(app, root)
    entry = db.session.scalar(select(FileEntry).where(FileEntry.relpath == "lesson.mkv"))
    # What a scan that could not open the file left (tests/media_index shows a real one).
    entry.error, entry.media_file = "cannot read file: permission denied", None
    db.session.commit()
    summary = run_json(app, root)
    assert {"path": "lesson.mkv", "error": "cannot read file: permission denied"} not in (
        summary["errors"])
    assert summary["changed"] == 1
    db.session.expire_all()
    entry = db.session.scalar(select(FileEntry).where(FileEntry.relpath == "lesson.mkv"))
    assert entry.error is None
    assert entry.media_file.duration_s == pytest.approx(2.0, abs=0.5)


def test_rename_counts_as_moved_and_keeps_the_media_file(app, site, corpus):
    root, _ = corpus
    run_json(app, root)
    before = db.session.scalar(select(FileEntry).where(FileEntry.relpath == "lesson.mkv"))
    media_id = before.media_file_id
    os.rename(os.path.join(root, "lesson.mkv"), os.path.join(root, "第一课.mkv"))
    summary = run_json(app, root)
    assert summary["moved"] == 1
    assert summary["new"] == 0 and summary["missing"] == 0
    db.session.expire_all()
    moved = db.session.scalar(select(FileEntry).where(FileEntry.relpath == "第一课.mkv"))
    assert moved.media_file_id == media_id


def test_deleted_file_is_marked_missing_not_dropped(app, site, corpus):
    root, _ = corpus
    run_json(app, root)
    os.remove(os.path.join(root, "lesson.flv"))
    summary = run_json(app, root)
    assert summary["missing"] == 1
    db.session.expire_all()
    entry = db.session.scalar(select(FileEntry).where(FileEntry.relpath == "lesson.flv"))
    assert entry is not None and entry.missing


def test_file_changed_in_place_is_rehashed(app, site, corpus):
    from tests.media_fixtures import make_video

    root, _ = corpus
    run_json(app, root)
    old = db.session.scalar(select(FileEntry).where(FileEntry.relpath == "lesson.avi"))
    old_sha = old.media_file.sha256
    make_video(os.path.join(root, "lesson.avi"), 4.0)
    summary = run_json(app, root)
    assert summary["changed"] == 1
    db.session.expire_all()
    entry = db.session.scalar(select(FileEntry).where(FileEntry.relpath == "lesson.avi"))
    assert entry.media_file.sha256 != old_sha
    assert entry.media_file.duration_s == pytest.approx(4.0, abs=0.5)


def test_copies_share_one_media_file(app, site, corpus):
    root, _ = corpus
    import shutil

    shutil.copy(os.path.join(root, "film.mp4"), os.path.join(root, "copy-of-film.mp4"))
    run_json(app, root)
    entries = db.session.scalars(select(FileEntry).where(
        FileEntry.relpath.in_(["film.mp4", "copy-of-film.mp4"]))).all()
    assert len({e.media_file_id for e in entries}) == 1


def test_quick_scan_defers_hashes_then_full_scan_completes_them(app, site, corpus):
    root, _ = corpus
    quick = run_json(app, root, "--quick")
    assert quick["new"] > 0
    assert db.session.scalar(select(MediaFile).where(MediaFile.sha256.is_not(None))) is None
    run_json(app, root)
    db.session.expire_all()
    entry = db.session.scalar(select(FileEntry).where(FileEntry.relpath == "film.mp4"))
    assert len(entry.media_file.sha256) == 64


def test_unknown_site_is_a_plain_error_exit_1(app, corpus):
    result = scan(app, corpus[0], "--site", "NOPE")
    assert result.exit_code == 1
    assert "No site with code NOPE" in result.stderr


def test_missing_folder_is_a_plain_error(app, site, tmp_path):
    result = scan(app, str(tmp_path / "nowhere"), "--site", "P-001")
    assert result.exit_code == 1
    assert "is not a folder" in result.stderr


def test_interrupted_scan_keeps_committed_work_and_the_next_scan_carries_on(
        app, site, corpus, monkeypatch):
    """Ctrl-C (an injected KeyboardInterrupt) after 7 files, committing every 3."""
    import media_index

    root, expected = corpus
    real_scan = media_index.scan_root

    def interrupted(*args, **kwargs):
        for n, result in enumerate(real_scan(*args, **kwargs)):
            if n == 7:
                raise KeyboardInterrupt
            yield result

    app.config["SCAN_BATCH"] = 3
    monkeypatch.setattr(media_index, "scan_root", interrupted)
    result = scan(app, root, "--site", "P-001", "--json")
    assert result.exit_code != 0
    db.session.remove()
    kept = db.session.scalars(select(FileEntry)).all()
    assert len(kept) == 6  # two whole batches; the third was never committed
    monkeypatch.setattr(media_index, "scan_root", real_scan)
    summary = run_json(app, root)
    assert summary["unchanged"] == 6
    kept_good = sum(1 for k in kept if k.media_file_id is not None)
    assert summary["new"] == len(expected["durations"]) - kept_good
    assert summary["files"] == len(expected["durations"]) + len(expected["bad"])
