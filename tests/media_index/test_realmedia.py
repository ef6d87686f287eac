"""RealMedia (.rm, .rmvb): real RealVideo 2 + AC-3 files, made by FFmpeg (PyAV), indexed and probed."""

from __future__ import annotations

import pytest

from media_index import FileResult, scan_root
from media_index.synth import make_video


@pytest.fixture(scope="module")
def real_media(tmp_path_factory):
    folder = tmp_path_factory.mktemp("realmedia")
    make_video(folder / "养殖技术.rm", 3.0)
    make_video(folder / "lesson.RMVB", 2.0)
    return folder


def test_rm_and_rmvb_files_are_indexed_and_probed(real_media):
    results = {r.item.relpath: r for r in scan_root(real_media, {}) if isinstance(r, FileResult)}
    assert set(results) == {"养殖技术.rm", "lesson.RMVB"}
    for relpath, seconds in (("养殖技术.rm", 3.0), ("lesson.RMVB", 2.0)):
        result = results[relpath]
        assert result.status == "new" and result.error is None, result.error
        assert result.probe.container == "realmedia"
        assert (result.probe.video_codec, result.probe.audio_codec) == ("rv20", "ac3")
        assert (result.probe.width, result.probe.height) == (160, 120)
        assert result.probe.duration_s == pytest.approx(seconds, abs=0.2)
        assert len(result.sha256) == 64


def test_a_truncated_rm_file_is_an_error_with_a_reason(real_media, tmp_path):
    data = (real_media / "养殖技术.rm").read_bytes()
    (tmp_path / "cut.rm").write_bytes(data[:200])
    [result] = [r for r in scan_root(tmp_path, {}) if isinstance(r, FileResult)]
    assert result.status == "error" and result.error
