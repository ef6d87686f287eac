"""Videos inside ISO 9660 images of VCDs and DVDs, read without mounting (pycdlib).

A disc image in a library (`kit/第3辑.iso`) is indexed by its contents: a VCD's
`MPEGAV/*.DAT` tracks and a DVD's title sets (`VIDEO_TS/VTS_NN_1.VOB`, `VTS_NN_2.VOB`, ...),
like the same folders on a disc or copied to a disk.

A file inside an image is named by a *member path*: the image's path, `!/`, and the file's path
in the image, e.g. `/media/usb/第3辑.iso!/MPEGAV/AVSEQ01.DAT` (after VLC's `#!/` notation). Files
in an ISO 9660 image are stored in one contiguous extent, so a member is a byte range of the
image: `open_part` reads it like a file (for hashing, probing and the player) and `part_size`
gives its length. Every part of media_index that opens an item's parts goes through these two,
so a member hashes to the same SHA-256 as the same file copied out of the image.
"""

from __future__ import annotations

import io
import os
import re
import threading
from dataclasses import dataclass

SEPARATOR = b"!/"
SECTOR = 2048
_MEMBER = re.compile(rb"^(.*?\.iso)!/(.+)$", re.IGNORECASE | re.DOTALL)
_DAT = re.compile(r"^MPEGAV/[^/]+\.DAT$", re.IGNORECASE)
_VOB = re.compile(r"^(?:.*/)?VIDEO_TS/VTS_(\d\d)_(\d)\.VOB$", re.IGNORECASE)

NOT_AN_IMAGE = "not a readable ISO 9660 image (damaged or another format)"
NOT_A_VIDEO_DISC = "not a video disc image (no MPEGAV or VIDEO_TS folder with videos)"
TRUNCATED = "damaged disc image: shorter than its volume (cut short?)"


class IsoError(OSError):
    """An image that cannot be indexed: damaged, not ISO 9660, or not a video disc."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Extent:
    """A file inside an image: its path there (no ';1' version) and its byte range."""

    path: str
    offset: int
    length: int


@dataclass(frozen=True)
class DiscVideo:
    """One video of a disc image: a VCD track (one extent) or a DVD title set (its VOBs)."""

    relpath: str  # inside the image: MPEGAV/AVSEQ01.DAT, VIDEO_TS/VTS_01
    layout: str  # 'isovcd' | 'isodvd'
    extents: tuple[Extent, ...]

    @property
    def size(self) -> int:
        return sum(e.length for e in self.extents)


_cache: dict[bytes, tuple[tuple[int, int], dict[str, Extent]]] = {}
_cache_lock = threading.Lock()


def _files(image: bytes) -> dict[str, Extent]:
    """Every file of the image by its upper-case path, read once per image version."""
    st = os.stat(image)
    key = (st.st_size, st.st_mtime_ns)
    with _cache_lock:
        cached = _cache.get(image)
    if cached is not None and cached[0] == key:
        return cached[1]
    files = _read_directory(image, st.st_size)
    with _cache_lock:
        if len(_cache) > 64:
            _cache.clear()
        _cache[image] = (key, files)
    return files


def _read_directory(image: bytes, size: int) -> dict[str, Extent]:
    import pycdlib  # pure Python but not needed by a scan without images

    iso = pycdlib.PyCdlib()
    files: dict[str, Extent] = {}
    with open(image, "rb") as f:
        _check_volume_size(f, size)
        try:
            iso.open_fp(f)
        except Exception as exc:  # noqa: BLE001 - a damaged image fails in many ways
            raise IsoError(NOT_AN_IMAGE) from exc
        try:
            for folder, _dirs, names in iso.walk(iso_path="/"):
                for name in names:
                    record = iso.get_record(iso_path=f"{folder.rstrip('/')}/{name}")
                    path = f"{folder.strip('/')}/{name.split(';')[0]}".lstrip("/")
                    # The length the directory declares (pycdlib's inode length is cut
                    # down to what a truncated image still holds).
                    extent = Extent(path, record.extent_location() * SECTOR,
                                    record.data_length)
                    files[path.upper()] = extent
        except Exception as exc:  # noqa: BLE001
            raise IsoError(NOT_AN_IMAGE) from exc
        finally:
            iso.close()
    for extent in files.values():
        if extent.offset + extent.length > size:
            raise IsoError(TRUNCATED)
    return files


def _check_volume_size(f, size: int) -> None:
    """Refuse an image shorter than its primary volume descriptor says: pycdlib would quietly
    cut the files that run past its end."""
    f.seek(16 * SECTOR)
    pvd = f.read(SECTOR)
    if len(pvd) < 132 or pvd[1:6] != b"CD001":
        raise IsoError(NOT_AN_IMAGE)
    blocks = int.from_bytes(pvd[80:84], "little")
    block_size = int.from_bytes(pvd[128:130], "little") or SECTOR
    if size < blocks * block_size:
        raise IsoError(TRUNCATED)


def disc_videos(image: str | bytes) -> list[DiscVideo]:
    """The videos of a VCD or DVD image, in path order; raise IsoError when there are none."""
    files = _files(os.fsencode(image))
    videos: list[DiscVideo] = []
    title_sets: dict[tuple[str, str], list[tuple[int, Extent]]] = {}
    for upper in sorted(files):
        extent = files[upper]
        if _DAT.match(extent.path):
            videos.append(DiscVideo(extent.path, "isovcd", (extent,)))
        elif (match := _VOB.match(extent.path)) and int(match.group(2)) >= 1:
            folder = extent.path.rsplit("/", 1)[0]
            title_sets.setdefault((folder, match.group(1)), []).append(
                (int(match.group(2)), extent))
    for (folder, number), vobs in sorted(title_sets.items()):
        vobs.sort(key=lambda v: v[0])
        videos.append(DiscVideo(f"{folder}/VTS_{number}", "isodvd",
                                tuple(extent for _, extent in vobs)))
    videos = [v for v in videos if v.size > 0]
    if not videos:
        raise IsoError(NOT_A_VIDEO_DISC)
    return sorted(videos, key=lambda v: v.relpath)


def member(image: bytes, inner: str) -> bytes:
    """The member path of a file inside an image."""
    return image + SEPARATOR + inner.encode()


def split_member(part: str | bytes) -> tuple[bytes, str] | None:
    """(image path, path inside) of a member path; None for a plain path."""
    match = _MEMBER.match(os.fsencode(part))
    if match is None:
        return None
    return match.group(1), match.group(2).decode("utf-8", "surrogateescape")


def is_member(part: str | bytes) -> bool:
    return split_member(part) is not None


def _extent(part: str | bytes) -> tuple[bytes, Extent]:
    image, inner = split_member(part)
    extent = _files(image).get(inner.upper())
    if extent is None:
        raise FileNotFoundError(2, "No such file in the disc image", os.fsdecode(part))
    return image, extent


def part_size(part: str | bytes) -> int:
    """The size of a file or of a member of an image."""
    if is_member(part):
        return _extent(part)[1].length
    return os.stat(part).st_size


def part_mtime_ns(part: str | bytes) -> int:
    """The mtime of a file, or of the image holding a member."""
    found = split_member(part)
    return os.stat(found[0] if found else part).st_mtime_ns


def open_part(part: str | bytes) -> io.RawIOBase:
    """Open a file, or a member of an image, for unbuffered binary reading."""
    if not is_member(part):
        return open(part, "rb", buffering=0)
    image, extent = _extent(part)
    return RangeFile(image, extent.offset, extent.length)


def item_parts(path: str | bytes) -> tuple[bytes, ...]:
    """The member paths that play a disc video named like a library entry, e.g.
    `/media/usb/kit.iso/VIDEO_TS/VTS_01` (its VOBs) or `/media/usb/kit.iso/MPEGAV/AVSEQ01.DAT`;
    () when `path` names no video inside an image."""
    raw = os.fsencode(path)
    match = re.match(rb"^(.*?\.iso)/(.+)$", raw, re.IGNORECASE | re.DOTALL)
    if match is None:
        return ()
    image, inner = match.group(1), match.group(2).decode("utf-8", "surrogateescape")
    for video in disc_videos(image):
        if video.relpath.upper() == inner.upper():
            return tuple(member(image, e.path) for e in video.extents)
    return ()


class RangeFile(io.RawIOBase):
    """A read-only, seekable view of `length` bytes of a file from `offset`."""

    def __init__(self, path: bytes, offset: int, length: int) -> None:
        super().__init__()
        self._f = open(path, "rb", buffering=0)  # noqa: SIM115 - closed by close()
        self._start, self._length, self._pos = offset, length, 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        want = min(len(buffer), self._length - self._pos)
        if want <= 0:
            return 0
        self._f.seek(self._start + self._pos)
        n = self._f.readinto(memoryview(buffer)[:want])
        self._pos += n or 0
        return n or 0

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._length}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def tell(self) -> int:
        return self._pos

    def close(self) -> None:
        if not self.closed:
            self._f.close()
        super().close()
