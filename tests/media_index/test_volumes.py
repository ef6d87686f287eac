"""Removable volumes from a mount table and udev's links (media_index/volumes.py)."""

from __future__ import annotations

import os

from media_index.volumes import (
    content_fingerprint,
    parse_mounts,
    removable_volumes,
    volume_of,
)
from tests.media_fixtures import make_video

TABLE = """\
/dev/vda / ext4 rw,relatime 0 0
proc /proc proc rw 0 0
/dev/sdb1 /media/pi/乡土教材\\040第3辑 vfat rw,nosuid 0 0
/dev/sr0 /srv/cdrom iso9660 ro 0 0
/dev/sdc1 /data ext4 rw 0 0
/dev/sdd1 /opt/stick exfat rw 0 0
bad line
"""


def test_the_mount_table_and_udev_links_name_each_removable_volume(tmp_path):
    disk = tmp_path / "disk"
    (disk / "by-uuid").mkdir(parents=True)
    (disk / "by-label").mkdir()
    (disk / "by-uuid" / "1111-AAAA").symlink_to("/dev/sdb1")
    (disk / "by-label" / "乡土教材\\x20第3辑").symlink_to("/dev/sdb1")
    (disk / "by-label" / "VCD_2009").symlink_to("/dev/sr0")
    sys_block = tmp_path / "sys"
    (sys_block / "sdd").mkdir(parents=True)
    (sys_block / "sdd" / "removable").write_text("1\n")
    (sys_block / "sdd1").symlink_to(sys_block / "sdd" / "sdd1_dir", target_is_directory=True)
    (sys_block / "sdd" / "sdd1_dir").mkdir()
    mounts = parse_mounts(TABLE)
    assert mounts[2].mount_point == "/media/pi/乡土教材 第3辑"
    found = {v.mount_point: v for v in removable_volumes(mounts, disk_dir=str(disk),
                                                           sys_block=str(sys_block))}
    assert set(found) == {"/media/pi/乡土教材 第3辑", "/srv/cdrom", "/opt/stick"}  # not /data
    stick = found["/media/pi/乡土教材 第3辑"]
    assert (stick.uuid, stick.label, stick.name) == ("1111-AAAA", "乡土教材 第3辑", "乡土教材 第3辑")
    assert (found["/srv/cdrom"].uuid, found["/srv/cdrom"].label) == (None, "VCD_2009")
    assert found["/opt/stick"].name == "stick"  # marked removable by the kernel, no label
    assert volume_of("/media/pi/乡土教材 第3辑/VCD/MPEGAV", found.values()) is stick
    assert volume_of("/media/pi/other", found.values()) is None


def test_the_content_fingerprint_follows_names_and_sizes_only(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    for folder in (a, b):
        folder.mkdir()
        make_video(folder / "第一集.mp4", 1.0)
    (b / "readme.txt").write_text("not a video")
    assert content_fingerprint(a) == content_fingerprint(b)
    os.rename(b / "第一集.mp4", b / "第二集.mp4")
    assert content_fingerprint(a) != content_fingerprint(b)
    assert content_fingerprint(a).startswith("1:")
