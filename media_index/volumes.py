"""Removable volumes (USB sticks, discs) from the mount table, and who they are.

A volume is a mount of a device (not tmpfs or proc) under one of the removable prefixes (/media,
/run/media, /mnt), a disc's file system (iso9660, udf), or a device the kernel marks removable.
Its identity is the file system's UUID and label, read from the udev links in /dev/disk/by-uuid
and /dev/disk/by-label (the links point at the device named in the mount table), plus a
fingerprint of its content: the SHA-256 of the sorted (path, size) list of its videos. A volume
without a UUID (many VCDs, some sticks) is told apart from another of the same label by that
fingerprint.

The mount table is read from a file in /proc/mounts format, so the tests give their own.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass

from .walk import Item, walk

PREFIXES = ("/media", "/run/media", "/mnt")
DISC_TYPES = frozenset({"iso9660", "udf"})
_OCTAL = re.compile(r"\\([0-7]{3})")
_HEX = re.compile(rb"\\x([0-9a-fA-F]{2})")


@dataclass(frozen=True)
class Mount:
    device: str
    mount_point: str
    fstype: str


@dataclass(frozen=True)
class Volume:
    """A removable volume mounted now."""

    mount_point: str
    device: str
    fstype: str
    uuid: str | None
    label: str | None

    @property
    def name(self) -> str:
        """What to call it: its label, else its mount point's last part."""
        return self.label or os.path.basename(self.mount_point) or self.mount_point


def _unescape_mount(field: str) -> str:
    """Undo the mount table's octal escapes (a space is \\040; other bytes are written raw)."""
    return _OCTAL.sub(lambda m: chr(int(m.group(1), 8)), field)


def parse_mounts(text: str) -> list[Mount]:
    """The mounts of a /proc/mounts text (malformed lines are skipped)."""
    mounts = []
    for line in text.splitlines():
        fields = line.split()
        if len(fields) >= 3:
            mounts.append(Mount(_unescape_mount(fields[0]), _unescape_mount(fields[1]),
                                fields[2]))
    return mounts


def read_mounts(path: str) -> list[Mount]:
    """The mounts listed in the file at `path` (none when it cannot be read)."""
    try:
        with open(path, encoding="utf-8", errors="surrogateescape") as fh:
            return parse_mounts(fh.read())
    except OSError:
        return []


def _udev_name(name: str) -> str:
    """A /dev/disk/by-label name as written: udev writes unsafe bytes as \\xHH."""
    raw = _HEX.sub(lambda m: bytes([int(m.group(1), 16)]), os.fsencode(name))
    return raw.decode("utf-8", "replace")


def _links(folder: str) -> dict[str, str]:
    """{resolved device path: name} of the links in a /dev/disk/by-* folder."""
    found: dict[str, str] = {}
    try:
        names = os.listdir(folder)
    except OSError:
        return found
    for name in sorted(names):
        path = os.path.join(folder, name)
        if os.path.islink(path):
            found[os.path.realpath(path)] = name
    return found


def _removable_device(device: str, sys_block: str) -> bool:
    """Whether the kernel marks the device (or the disk it is a partition of) removable."""
    name = os.path.basename(device)
    for folder in (os.path.join(sys_block, name), os.path.join(sys_block, name, "..")):
        try:
            with open(os.path.join(folder, "removable"), encoding="ascii") as fh:
                if fh.read().strip() == "1":
                    return True
        except OSError:
            continue
    return False


def removable_volumes(mounts: Iterable[Mount], *, disk_dir: str = "/dev/disk",
                      prefixes: Iterable[str] = PREFIXES,
                      sys_block: str = "/sys/class/block") -> list[Volume]:
    """The mounts that are removable volumes, with their UUID and label, by mount point."""
    by_uuid = _links(os.path.join(disk_dir, "by-uuid"))
    by_label = _links(os.path.join(disk_dir, "by-label"))
    prefixes = tuple(p.rstrip("/") for p in prefixes)
    volumes: dict[str, Volume] = {}
    for m in mounts:
        if not m.device.startswith("/"):
            continue  # tmpfs, proc, a bind of "none": no device, no removable volume
        under = any(m.mount_point == p or m.mount_point.startswith(p + "/") for p in prefixes)
        if not (under or m.fstype in DISC_TYPES or _removable_device(m.device, sys_block)):
            continue
        device = os.path.realpath(m.device)
        label = by_label.get(device)
        volumes[m.mount_point] = Volume(m.mount_point, m.device, m.fstype, by_uuid.get(device),
                                        _udev_name(label) if label else None)
    return sorted(volumes.values(), key=lambda v: v.mount_point)


def volume_of(path: str, volumes: Iterable[Volume]) -> Volume | None:
    """The volume holding `path`: the one whose mount point is its longest prefix."""
    best = None
    for v in volumes:
        mp = v.mount_point.rstrip("/") or "/"
        if (path == mp or path.startswith(mp + "/") or mp == "/") and (
                best is None or len(mp) > len(best.mount_point)):
            best = v
    return best


def fingerprint_items(items: Iterable[tuple[bytes, int]]) -> str:
    """The content fingerprint of a set of (raw relative path, size): "<count>:<32 hex>"."""
    pairs = sorted(items)
    digest = hashlib.sha256()
    for rel, size in pairs:
        digest.update(rel + b"\0" + str(size).encode() + b"\n")
    return f"{len(pairs)}:{digest.hexdigest()[:32]}"


def content_fingerprint(path: str | bytes) -> str:
    """The fingerprint of the videos under `path` (a walk: names and sizes, no content read).

    Raises OSError when `path` cannot be listed."""
    return fingerprint_items((x.raw_relpath, x.size) for x in walk(path) if isinstance(x, Item))
