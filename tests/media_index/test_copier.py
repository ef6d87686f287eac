"""The verified, resumable copy of a folder (media_index/copier.py) on real videos."""

from __future__ import annotations

import errno
import hashlib
import os
import shutil

import pytest

from media_index import copier
from media_index.copier import CopyError, bytes_to_write, copy_tree, list_files
from tests.media_fixtures import GBK_NAME, make_video


@pytest.fixture(scope="session")
def kit_master(tmp_path_factory):
    src = tmp_path_factory.mktemp("kit-master") / "disc"
    (src / "VCD" / "MPEGAV").mkdir(parents=True)
    make_video(src / "第一集.mp4", 2.0)
    make_video(src / "VCD" / "MPEGAV" / "AVSEQ01.DAT", 2.0, container="mpeg")
    make_video(os.fsencode(src) + b"/" + GBK_NAME, 1.0)
    (src / "说明.txt").write_text("回执", encoding="utf-8")
    return src


@pytest.fixture
def kit(kit_master, tmp_path):
    """A fresh copy of the kit (a test may take files away)."""
    src = tmp_path / "disc"
    shutil.copytree(kit_master, src)
    return src


def sha(path) -> str:
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


def test_copy_is_byte_identical_with_gbk_names_and_leaves_no_part_files(kit, tmp_path):
    dest = tmp_path / "pc"
    done = list(copy_tree(kit, dest, list_files(kit)))
    assert {c.status for c in done} == {"copied"}
    assert len(done) == 4
    for c in done:
        assert c.sha256 == sha(os.path.join(os.fsencode(kit), next(
            f.rel for f in list_files(kit) if f.relpath == c.relpath)))
    assert (os.fsencode(dest) + b"/" + GBK_NAME) in [os.path.join(os.fsencode(dest), n)
                                                     for n in os.listdir(os.fsencode(dest))]
    assert not [n for _, _, names in os.walk(dest) for n in names if n.endswith(".part")]


def test_second_run_skips_verified_files_without_reading_the_source(kit, tmp_path, monkeypatch):
    dest = tmp_path / "pc"
    list(copy_tree(kit, dest, list_files(kit)))
    assert bytes_to_write(list_files(kit), dest) == 0
    monkeypatch.setattr(copier, "_copy_one", lambda *a, **k: pytest.fail("copied again"))
    again = list(copy_tree(kit, dest, list_files(kit)))
    assert {c.status for c in again} == {"skipped"}


def test_a_part_file_is_continued_and_the_result_verified(kit, tmp_path):
    dest = tmp_path / "pc"
    src_file = kit / "第一集.mp4"
    data = src_file.read_bytes()
    dest.mkdir()
    (dest / "第一集.mp4.part").write_bytes(data[: len(data) // 2])
    files = list_files(kit)
    assert bytes_to_write(files, dest) == sum(f.size for f in files) - len(data) // 2
    done = {c.relpath: c for c in copy_tree(kit, dest, files)}
    assert done["第一集.mp4"].status == "resumed"
    assert (dest / "第一集.mp4").read_bytes() == data


def test_a_damaged_part_file_is_copied_again_from_the_start(kit, tmp_path):
    dest = tmp_path / "pc"
    data = (kit / "第一集.mp4").read_bytes()
    dest.mkdir()
    (dest / "第一集.mp4.part").write_bytes(b"\0" * (len(data) // 2))  # not the source's bytes
    done = {c.relpath: c for c in copy_tree(kit, dest, list_files(kit))}
    assert done["第一集.mp4"].status == "copied"
    assert (dest / "第一集.mp4").read_bytes() == data


def test_a_full_disk_stops_the_copy_plainly_and_the_next_run_finishes(kit, tmp_path, monkeypatch):
    dest = tmp_path / "pc"
    real = copier._write
    calls = []

    def full(out, data):
        calls.append(1)
        if len(calls) > 1:
            raise OSError(errno.ENOSPC, "No space left on device")
        real(out, data)

    monkeypatch.setattr(copier, "_write", full)
    with pytest.raises(CopyError) as stopped:
        list(copy_tree(kit, dest, list_files(kit)))
    assert stopped.value.kind == "space"
    assert "disk of the target is full" in stopped.value.reason
    monkeypatch.setattr(copier, "_write", real)
    done = list(copy_tree(kit, dest, list_files(kit)))
    assert len(done) == 4
    assert all(sha(dest / c.relpath) == c.sha256 for c in done if "种植" not in c.relpath)


def test_the_source_vanishing_mid_copy_is_a_source_error_and_resumes(kit, tmp_path):
    dest = tmp_path / "pc"
    files = list_files(kit)
    (kit / "VCD" / "MPEGAV" / "AVSEQ01.DAT").unlink()  # the disc pulled out after the listing
    with pytest.raises(CopyError) as stopped:
        list(copy_tree(kit, dest, files))
    assert stopped.value.kind == "source"
    assert stopped.value.path == "VCD/MPEGAV/AVSEQ01.DAT"


def test_a_different_file_already_in_the_target_is_not_overwritten(kit, tmp_path):
    dest = tmp_path / "pc"
    dest.mkdir()
    (dest / "说明.txt").write_text("another", encoding="utf-8")
    with pytest.raises(CopyError) as stopped:
        list(copy_tree(kit, dest, list_files(kit)))
    assert stopped.value.kind == "conflict"
    assert (dest / "说明.txt").read_text(encoding="utf-8") == "another"
