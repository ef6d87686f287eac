"""Small JPEGs for the evidence of a screening, and what the audit reads in them (Pillow).

Pillow is imported inside the functions (a heavy optional library: see docs/conventions.md).
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from flask_babel import gettext as _

from ..errors import Invalid

JPEG_QUALITY = 72
PROBE_PX = 32  # snapshots are compared at this size: noise and compression do not count


@dataclass(frozen=True)
class Jpeg:
    data: bytes
    width: int
    height: int


def _open(data: bytes):
    from PIL import Image, ImageOps, UnidentifiedImageError

    Image.MAX_IMAGE_PIXELS = 60_000_000  # a phone's 50 MP photo; more is a decompression bomb
    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError,
            Image.DecompressionBombWarning) as exc:
        raise Invalid(_("This file is not a picture Dianjiao can read: choose a JPEG or PNG "
                        "photo.")) from exc
    # A phone stores "rotate me" in EXIF: apply it, since the EXIF itself is dropped.
    return ImageOps.exif_transpose(image)


def small_jpeg(data: bytes, longest: int, *, budget: int | None = None) -> Jpeg:
    """The picture in `data` as a JPEG of at most `longest` pixels a side, EXIF and every other
    piece of metadata left out; smaller still (lower quality, then size) to fit `budget` bytes."""
    image = _open(data).convert("RGB")
    image.thumbnail((longest, longest))
    quality, out = JPEG_QUALITY, b""
    while True:
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=quality, optimize=True)  # no exif= : none is written
        out = buffer.getvalue()
        if budget is None or len(out) <= budget or min(image.size) <= 16:
            break
        if quality > 40:
            quality -= 15
        else:
            image.thumbnail((image.width * 3 // 4, image.height * 3 // 4))
    return Jpeg(out, image.width, image.height)


def probe(data: bytes) -> list[int]:
    """The picture as PROBE_PX × PROBE_PX grey levels, to compare snapshots."""
    image = _open(data).convert("L").resize((PROBE_PX, PROBE_PX))
    return list(image.getdata())


def brightness(levels: list[int]) -> float:
    return sum(levels) / len(levels) if levels else 0.0


def difference(a: list[int], b: list[int]) -> float:
    """The mean difference of two probes per pixel (0: the same picture)."""
    return sum(abs(x - y) for x, y in zip(a, b, strict=True)) / len(a) if a else 0.0
