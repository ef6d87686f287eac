"""Walk a library root and list its indexable videos: plain files, VCD tracks, DVD title sets.

Paths are handled as bytes throughout so names burned in GBK on Windows discs survive; the
readable `relpath` of each item is decoded component by component with `display_name`.

A DVD title set (`VIDEO_TS/VTS_NN_1.VOB`, `VTS_NN_2.VOB`, ...) is one item whose relpath is the
directory plus `VTS_NN`, e.g. `DISC/VIDEO_TS/VTS_01`. That name is stable across rescans but is
not a file: reopen a DVD item through its `parts`, or find them again from that name with
`title_set_parts`. Menus (`VTS_NN_0.VOB`, `VIDEO_TS.VOB`) are skipped.

Symbolic links are followed wherever they lead, to files and folders alike: links placed in a
library root (a folder of another disk, say) are part of the library. An item's relpath and
parts are the paths under the root as written, through the links, never resolved.
"""

from __future__ import annotations

import errno
import os
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass

from .formats import extension, is_video_name
from .iso import IsoError, disc_videos, member
from .names import display_name
from .reasons import os_error_reason

_DVD_VOB = re.compile(rb"^VTS_(\d\d)_(\d)\.VOB$", re.IGNORECASE)
_DVD_TITLE_SET = re.compile(rb"^VTS_(\d\d)$")

# Operating-system litter on USB sticks and discs; AppleDouble `._x.mp4` files look like videos.
_SKIP_DIRS = {b"$recycle.bin", b"system volume information", b".trashes", b".spotlight-v100",
              b".fseventsd", b"recycler", b"lost+found"}


@dataclass(frozen=True)
class Item:
    """One indexable video under a root."""

    relpath: str
    raw_relpath: bytes
    parts: tuple[bytes, ...]
    size: int
    mtime_ns: int
    layout: str  # 'file' | 'vcd' | 'dvd'


@dataclass(frozen=True)
class WalkError:
    """A path under the root that could not be walked or is not usable."""

    relpath: str
    error: str


def readable(raw_relpath: bytes) -> str:
    """Decode a '/'-separated byte path component by component."""
    return "/".join(display_name(part) for part in raw_relpath.split(b"/"))


def _join(rel: bytes, name: bytes) -> bytes:
    return rel + b"/" + name if rel else name


def walk(root: str | bytes) -> Iterator[Item | WalkError]:
    """Yield the videos under `root` and the paths that could not be walked, in a stable order.

    Symbolic links to directories are followed; a directory reached again (a loop, or the
    same directory linked twice) is reported once as a WalkError and not entered. Raises
    OSError if `root` itself is not a readable directory.
    """
    broot = os.path.normpath(os.fsencode(root))
    st = os.stat(broot)
    if not stat.S_ISDIR(st.st_mode):
        raise NotADirectoryError(f"not a directory: {display_name(broot)}")
    # Each stack entry: (relative dir path, its ancestors' (dev, ino) including itself).
    visited = {(st.st_dev, st.st_ino)}
    stack: list[tuple[bytes, frozenset[tuple[int, int]]]] = [(b"", frozenset(visited))]
    while stack:
        rel, ancestors = stack.pop()
        subdirs, results = _scan_dir(broot, rel, ancestors, visited)
        yield from results
        stack.extend(reversed(subdirs))


def _scan_dir(
    broot: bytes,
    rel: bytes,
    ancestors: frozenset[tuple[int, int]],
    visited: set[tuple[int, int]],
) -> tuple[list[tuple[bytes, frozenset[tuple[int, int]]]], list[Item | WalkError]]:
    """List one directory: its subdirectories to visit and its items and errors."""
    absdir = os.path.join(broot, rel) if rel else broot
    results: list[Item | WalkError] = []
    subdirs: list[tuple[bytes, frozenset[tuple[int, int]]]] = []
    try:
        with os.scandir(absdir) as it:
            entries = sorted(it, key=lambda e: e.name)
    except OSError as exc:
        return [], [WalkError(readable(rel) or ".", os_error_reason(exc))]
    dirname = os.path.basename(rel).upper()
    files: list[tuple[bytes, os.stat_result]] = []
    for entry in entries:
        name = entry.name
        erel = _join(rel, name)
        try:
            est = entry.stat(follow_symlinks=True)
        except OSError as exc:
            # A dangling link without an extension was most likely a directory (an unmounted disc).
            if is_video_name(name) or exc.errno == errno.ELOOP or not extension(name):
                reason = os_error_reason(exc)
                if entry.is_symlink() and isinstance(exc, FileNotFoundError):
                    reason = "broken symbolic link"
                results.append(WalkError(readable(erel), reason))
            continue
        if stat.S_ISDIR(est.st_mode):
            if name.lower() in _SKIP_DIRS:
                continue
            key = (est.st_dev, est.st_ino)
            if key in ancestors:
                results.append(WalkError(readable(erel), "symbolic link loop"))
            elif key in visited:
                results.append(
                    WalkError(readable(erel), "directory already scanned through another link")
                )
            else:
                visited.add(key)
                subdirs.append((erel, ancestors | {key}))
            continue
        if extension(name) == "iso" and not name.startswith(b"._"):
            if stat.S_ISREG(est.st_mode):
                results.extend(_disc_image(broot, erel, est))
            continue
        if name.startswith(b"._") or not is_video_name(name):
            continue
        if not stat.S_ISREG(est.st_mode):
            results.append(WalkError(readable(erel), "not a regular file"))
            continue
        files.append((name, est))
    results.extend(_items(broot, rel, dirname, files, readable(rel)))
    return subdirs, results


def _items(
    broot: bytes,
    rel: bytes,
    dirname: bytes,
    files: list[tuple[bytes, os.stat_result]],
    shown: str,
) -> list[Item]:
    """Turn the video files of one directory into items, grouping DVD title sets."""
    prefix = broot.rstrip(b"/") + b"/"
    shown_prefix = shown + "/" if shown else ""
    items: list[Item] = []
    title_sets: dict[bytes, list[tuple[int, bytes, os.stat_result]]] = {}
    for name, st in files:
        if dirname == b"VIDEO_TS":
            match = _DVD_VOB.match(name)
            if match:
                if _is_title_part(match):
                    title_sets.setdefault(match.group(1), []).append(
                        (int(match.group(2)), name, st)
                    )
                continue
            if name.upper() == b"VIDEO_TS.VOB":
                continue
        layout = "vcd" if dirname == b"MPEGAV" and extension(name) == "dat" else "file"
        erel = _join(rel, name)
        items.append(
            Item(shown_prefix + display_name(name), erel, (prefix + erel,), st.st_size,
                 st.st_mtime_ns, layout)
        )
    for number, vobs in sorted(title_sets.items()):
        vobs.sort()
        erel = _join(rel, b"VTS_" + number)
        items.append(
            Item(
                relpath=shown_prefix + display_name(b"VTS_" + number),
                raw_relpath=erel,
                parts=tuple(prefix + _join(rel, name) for _, name, _ in vobs),
                size=sum(st.st_size for _, _, st in vobs),
                mtime_ns=max(st.st_mtime_ns for _, _, st in vobs),
                layout="dvd",
            )
        )
    items.sort(key=lambda item: item.raw_relpath)
    return items


def _disc_image(broot: bytes, erel: bytes, st: os.stat_result) -> list[Item | WalkError]:
    """The videos inside a VCD or DVD image (media_index/iso.py), or why there are none."""
    image = broot.rstrip(b"/") + b"/" + erel
    try:
        videos = disc_videos(image)
    except IsoError as exc:
        return [WalkError(readable(erel), exc.reason)]
    except OSError as exc:
        return [WalkError(readable(erel), os_error_reason(exc))]
    return [Item(relpath=f"{readable(erel)}/{video.relpath}",
                 raw_relpath=erel + b"/" + video.relpath.encode(),
                 parts=tuple(member(image, e.path) for e in video.extents),
                 size=video.size, mtime_ns=st.st_mtime_ns, layout=video.layout)
            for video in videos]


def _is_title_part(match: re.Match[bytes]) -> bool:
    """A VTS_NN_P.VOB that belongs to its title set's video: part 1 on (part 0 is its menu)."""
    return int(match.group(2)) >= 1


def title_set_parts(path: str | bytes) -> tuple[bytes, ...]:
    """Return the files of the DVD title set at `path` (`.../VIDEO_TS/VTS_NN`) in play order.

    These are the `parts` a walk gives its item: `VTS_NN_1.VOB`, `VTS_NN_2.VOB`, ... that are
    regular files (through links), without the menu `VTS_NN_0.VOB`; () when there are none
    or `path` does not name a title set. Raises OSError when its folder cannot be listed.
    """
    folder, name = os.path.split(os.fsencode(path))
    title_set = _DVD_TITLE_SET.match(name)
    if title_set is None or os.path.basename(folder).upper() != b"VIDEO_TS":
        return ()
    vobs: list[tuple[int, bytes]] = []
    with os.scandir(folder) as it:
        for entry in it:
            match = _DVD_VOB.match(entry.name)
            if match is None or match.group(1) != title_set.group(1) or not _is_title_part(match):
                continue
            try:
                if not stat.S_ISREG(entry.stat(follow_symlinks=True).st_mode):
                    continue
            except OSError:
                continue
            vobs.append((int(match.group(2)), entry.name))
    return tuple(_join(folder, vob) for _, vob in sorted(vobs))
