"""One policy for links in a library root: the scan follows them and the player plays what the
scan found, wherever a link leads; a relpath that itself leaves its root (`..`, absolute) is
refused, even when it names a real video."""

from __future__ import annotations

import os
import time

import pytest
from sqlalchemy import select

from app.catalog.scanning import entry_path
from app.errors import Invalid
from app.extensions import db
from app.models import FileEntry, PlayLog
from app.player.services import close_player, get_player, item_for
from tests.components import need_libvlc
from tests.media_fixtures import make_video


@pytest.fixture
def disks(tmp_path):
    """A library root holding a link to a video and a link to a folder on another disk."""
    other = tmp_path / "other-disk"
    (other / "shelf").mkdir(parents=True)
    make_video(other / "clip.mp4", 1.0)
    make_video(other / "shelf" / "lesson.mp4", 2.0)
    root = tmp_path / "library"
    root.mkdir()
    (root / "clip.mp4").symlink_to(other / "clip.mp4")
    (root / "shelf").symlink_to(other / "shelf", target_is_directory=True)
    return root, other


@pytest.fixture
def site(app, make, disks):
    app.config.update(VLC_ARGS="--vout=dummy --aout=dummy", PLAYER_SITE="P-001")
    site = make.site("P-001")
    result = app.test_cli_runner().invoke(args=["scan", str(disks[0]), "--site", "P-001"])
    assert result.exit_code == 0, result.output
    yield site
    close_player(app)


def entries() -> dict[str, FileEntry]:
    return {e.relpath: e for e in db.session.scalars(select(FileEntry))}


def test_links_out_of_the_root_are_indexed_and_playable(app, site, disks):
    root, other = disks
    found = entries()
    assert sorted(found) == ["clip.mp4", "shelf/lesson.mp4"]
    for relpath, target in (("clip.mp4", other / "clip.mp4"),
                            ("shelf/lesson.mp4", other / "shelf" / "lesson.mp4")):
        entry = found[relpath]
        assert not entry.missing and entry.error is None and entry.media_file is not None
        path = entry_path(entry)
        assert path == os.path.join(str(root), relpath) and os.path.samefile(path, target)
        assert item_for(entry.media_file, site).path == path


def test_a_linked_video_plays_to_the_end(app, site):
    need_libvlc()
    player = get_player(app)
    player.enqueue([item_for(entries()["clip.mp4"].media_file, site)])
    player.play()
    deadline = time.monotonic() + 10
    while db.session.scalar(select(db.func.count(PlayLog.id))) == 0:
        assert time.monotonic() < deadline, player.status()
        time.sleep(0.1)
        db.session.expire_all()
    (log,) = db.session.scalars(select(PlayLog)).all()
    assert (log.outcome, log.error) == ("completed", None)


@pytest.mark.parametrize("relpath", [
    "../other-disk/clip.mp4", "shelf/../../other-disk/clip.mp4", "shelf/..", "{other}/clip.mp4",
])
@pytest.mark.parametrize("raw", [False, True])
def test_a_crafted_relpath_is_refused_even_when_it_names_a_video(app, site, disks, relpath, raw):
    """Rows may come from a sync bundle: only a relpath a scan could have written is opened."""
    relpath = relpath.format(other=disks[1])
    entry = entries()["clip.mp4"]
    if raw:  # the path of a GBK name is kept as bytes
        entry.raw_relpath_hex = relpath.encode().hex()
    else:
        entry.relpath = relpath
    with pytest.raises(Invalid, match="outside its library folder"):
        entry_path(entry)
    item = item_for(entry.media_file, site)
    assert item.path is None and item.problem == "the file's path leaves its library folder"
    from flask_babel import force_locale

    from app.reasons import show_reason

    with force_locale("zh"):
        assert show_reason(item.problem) == "文件路径超出了其媒体库文件夹"
