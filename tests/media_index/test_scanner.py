from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from media_index import (
    FileResult,
    Known,
    Progress,
    WalkError,
    classify_moves,
    scan_root,
    sha256_parts,
)

# File opens seen by the interpreter (builtin open and os.open) while a test watches a folder.
# Audit hooks cannot be removed, so this one is installed once and does nothing unless armed.
_watch: dict[str, list[str]] = {}


def _audit(event: str, args: tuple) -> None:
    if event == "open" and _watch and isinstance(args[0], str | bytes):
        path = os.fsdecode(args[0])
        for prefix, seen in _watch.items():
            if path.startswith(prefix):
                seen.append(path)


sys.addaudithook(_audit)


def opens_under(root: Path) -> list[str]:
    """Start recording the files opened under `root`; return the live list."""
    seen: list[str] = []
    _watch[str(root)] = seen
    return seen


@pytest.fixture(autouse=True)
def _disarm():
    yield
    _watch.clear()


def results_of(root: Path, known: dict | None = None, **kw) -> dict[str, FileResult]:
    out = {}
    for result in scan_root(root, known or {}, **kw):
        assert isinstance(result, FileResult), result
        out[result.item.relpath] = result
    return out


def known_from(results: dict[str, FileResult]) -> dict[str, Known]:
    return {
        rel: Known(r.item.size, r.item.mtime_ns, r.sha256, r.fingerprint)
        for rel, r in results.items()
    }


def copy_tree(media_corpus: dict, tmp_path: Path, names: list[str]) -> Path:
    root = tmp_path / "lib"
    root.mkdir()
    for name in names:
        shutil.copy2(media_corpus["root"] / name, root / name)
    return root


def test_first_scan_then_rescan_reads_nothing(media_corpus: dict) -> None:
    root = media_corpus["root"]
    first = results_of(root)
    expected = set(media_corpus["durations"]) | set(media_corpus["bad"])
    assert set(first) == expected
    for rel, seconds in media_corpus["durations"].items():
        r = first[rel]
        assert r.status == "new" and r.error is None, rel
        assert r.sha256 == sha256_parts(r.item.parts)
        assert r.fingerprint and r.fingerprint.startswith(f"{r.item.size}:")
        assert r.probe is not None and r.probe.duration_s == pytest.approx(seconds, abs=0.5)
    for rel, keyword in media_corpus["bad"].items():
        assert first[rel].status == "error" and first[rel].error.startswith(keyword), rel
        assert first[rel].probe is None

    progress: list[Progress] = []
    opened = opens_under(root)
    again = results_of(root, known_from(first), on_progress=progress.append)
    assert {r.status for r in again.values()} == {"unchanged"}
    assert {rel: r.sha256 for rel, r in again.items()} == {
        rel: r.sha256 for rel, r in first.items()
    }
    assert all(r.probe is None for r in again.values())
    assert opened == [], "a rescan of unchanged files opened some of them"
    assert progress[-1] == Progress(len(again), len(again), 0, 0)


def test_in_place_change_same_size(media_corpus: dict, tmp_path: Path) -> None:
    root = copy_tree(media_corpus, tmp_path, ["lesson.avi", "film.mp4"])
    first = results_of(root)
    path = root / "lesson.avi"
    size = path.stat().st_size
    with open(path, "r+b") as f:  # change one byte of the media data, not the headers
        f.seek(size // 2)
        byte = f.read(1)
        f.seek(size // 2)
        f.write(bytes([byte[0] ^ 0xFF]))
    mtime = first["lesson.avi"].item.mtime_ns + 1_000_000_000
    os.utime(path, ns=(mtime, mtime))
    opened = opens_under(root)
    again = results_of(root, known_from(first))
    assert again["film.mp4"].status == "unchanged"
    changed = again["lesson.avi"]
    assert changed.status == "changed"
    assert changed.item.size == size and changed.item.mtime_ns == mtime
    assert changed.sha256 == sha256_parts([path]) != first["lesson.avi"].sha256
    assert changed.probe is not None
    assert all("film.mp4" not in p for p in opened)


def test_touched_file_is_reread_but_unchanged(media_corpus: dict, tmp_path: Path) -> None:
    root = copy_tree(media_corpus, tmp_path, ["lesson.mkv"])
    first = results_of(root)
    os.utime(root / "lesson.mkv", ns=(1, 1))
    again = results_of(root, known_from(first), already_probed=lambda sha: True)
    result = again["lesson.mkv"]
    assert result.status == "unchanged" and result.item.mtime_ns == 1
    assert result.sha256 == first["lesson.mkv"].sha256 and result.probe is None


def test_quick_mode_defers_sha256(media_corpus: dict, tmp_path: Path) -> None:
    root = copy_tree(media_corpus, tmp_path, ["lesson.flv", "lesson.wmv"])
    asked: list[str] = []

    def already(key: str) -> bool:
        asked.append(key)
        return False

    quick = results_of(root, quick=True, already_probed=already)
    assert all(r.status == "new" and r.sha256 is None for r in quick.values())
    assert sorted(asked) == sorted(r.fingerprint for r in quick.values())
    assert all(r.probe is not None for r in quick.values())

    known = known_from(quick)
    assert {r.status for r in results_of(root, known, quick=True).values()} == {"unchanged"}

    full = results_of(root, known, already_probed=lambda sha: True)
    for rel, r in full.items():
        assert r.status == "unchanged"
        assert r.sha256 == sha256_parts(r.item.parts)
        assert r.fingerprint == quick[rel].fingerprint


def test_same_content_probed_once(media_corpus: dict, tmp_path: Path) -> None:
    root = copy_tree(media_corpus, tmp_path, ["lesson.avi", "notes.avi"])
    for copy in ("a", "b", "c"):
        (root / copy).mkdir()
        shutil.copy2(root / "lesson.avi", root / copy / "lesson.avi")
        shutil.copy2(root / "notes.avi", root / copy / "notes.avi")
    results = results_of(root, workers=2)
    good = [r for rel, r in results.items() if rel.endswith("lesson.avi")]
    bad = [r for rel, r in results.items() if rel.endswith("notes.avi")]
    assert len({r.sha256 for r in good}) == 1 and len(good) == 4
    assert sum(r.probe is not None for r in good) == 1
    assert all(r.status == "new" for r in good)
    assert all(r.status == "error" and r.error for r in bad) and len(bad) == 4


def test_already_probed_content_is_not_probed(media_corpus: dict, tmp_path: Path) -> None:
    root = copy_tree(media_corpus, tmp_path, ["lesson.avi", "film.mp4"])
    known_sha = sha256_parts([root / "film.mp4"])
    results = results_of(root, already_probed=lambda sha: sha == known_sha)
    assert results["film.mp4"].probe is None and results["film.mp4"].status == "new"
    assert results["lesson.avi"].probe is not None


def test_walk_errors_come_first_and_scan_goes_on(media_corpus: dict, tmp_path: Path) -> None:
    root = copy_tree(media_corpus, tmp_path, ["lesson.avi", "empty.mp4"])
    (root / "loop").symlink_to(root, target_is_directory=True)
    os.mkfifo(root / "pipe.mp4")
    out = list(scan_root(root, {}))
    errors = [x for x in out if isinstance(x, WalkError)]
    assert out[: len(errors)] == errors
    assert {e.relpath: e.error for e in errors} == {
        "loop": "symbolic link loop",
        "pipe.mp4": "not a regular file",
    }
    statuses = {x.item.relpath: x.status for x in out if isinstance(x, FileResult)}
    assert statuses == {"lesson.avi": "new", "empty.mp4": "error"}


def test_progress_counts_files_and_bytes(media_corpus: dict, tmp_path: Path) -> None:
    root = copy_tree(media_corpus, tmp_path, ["lesson.avi", "film.mp4", "lesson.mkv"])
    total = sum(p.stat().st_size for p in root.iterdir())
    progress: list[Progress] = []
    results_of(root, on_progress=progress.append)
    assert progress[0] == Progress(0, 3, 0, total)
    assert progress[-1] == Progress(3, 3, total, total)
    assert [p.files_done for p in progress] == sorted(p.files_done for p in progress)
    quick: list[Progress] = []
    results_of(root, quick=True, on_progress=quick.append)
    assert quick[-1].bytes_done == quick[-1].bytes_total <= 3 * 128 * 1024


def test_classify_moves() -> None:
    moved, missing = classify_moves(
        {"new/a.mp4": "h1", "b2.mp4": "h2", "c.mp4": "h9", "d.mp4": "h1", "e.mp4": None},
        {"old/a.mp4": "h1", "b.mp4": "h2", "gone.mp4": "h3", "x.mp4": None},
    )
    assert moved == {"b2.mp4": "b.mp4", "d.mp4": "old/a.mp4"}
    assert missing == {"gone.mp4", "x.mp4"}
    assert classify_moves({}, {}) == ({}, set())


def test_known_bad_file_is_read_again_and_keeps_its_reason(
        media_corpus: dict, tmp_path: Path) -> None:
    root = copy_tree(media_corpus, tmp_path, ["empty.mp4", "notes.avi", "film.mp4"])
    first = results_of(root)
    known = {
        rel: Known(r.item.size, r.item.mtime_ns, None if r.error else r.sha256,
                   None if r.error else r.fingerprint, r.error)
        for rel, r in first.items()
    }
    opened = opens_under(root)
    again = results_of(root, known)
    assert any(p.endswith("notes.avi") for p in opened)  # read again
    assert not any(p.endswith("film.mp4") for p in opened)  # a good unchanged file is not read
    assert again["notes.avi"].status == "error"
    assert again["notes.avi"].error == first["notes.avi"].error
    assert again["empty.mp4"].error.startswith("empty file")
    assert again["film.mp4"].status == "unchanged"


def test_a_file_unreadable_once_is_indexed_when_it_becomes_readable(
        media_corpus: dict, tmp_path: Path) -> None:
    """Permission denied on one scan; fixed (chmod, which keeps size and mtime); the next scan
    reads it. As root the first scan runs without the right to read anything."""
    root = copy_tree(media_corpus, tmp_path, ["film.mp4"])
    film = root / "film.mp4"
    film.chmod(0)
    first = results_of_unprivileged(root)
    assert first["film.mp4"]["error"] == "cannot read file: permission denied"
    film.chmod(0o644)
    st = film.stat()
    known = {"film.mp4": Known(st.st_size, st.st_mtime_ns, None, None, first["film.mp4"]["error"])}
    again = results_of(root, known)["film.mp4"]
    assert again.error is None and again.status != "error"
    assert again.sha256 == sha256_parts([film])
    assert again.probe is not None and again.probe.video_codec == "h264"


def results_of_unprivileged(root: Path) -> dict[str, dict]:
    """Scan `root` in a child process that cannot read other people's files, even as root."""
    code = (
        "import json, sys\n"
        "from media_index import FileResult, scan_root\n"
        "print(json.dumps({r.item.relpath: {'status': r.status, 'error': r.error}\n"
        "                  for r in scan_root(sys.argv[1], {}) if isinstance(r, FileResult)}))\n"
    )
    command = [sys.executable, "-c", code, str(root)]
    if os.geteuid() == 0:
        if shutil.which("setpriv") is None:
            pytest.skip("setpriv (util-linux) is needed to drop root's right to read anything")
        command = ["setpriv", "--inh-caps=-all",
                   "--bounding-set=-dac_override,-dac_read_search", "--", *command]
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=True)
    return json.loads(done.stdout)