"""Pictures for the audit's tests, made with Pillow: a black screen, a scene, a phone photo."""

from __future__ import annotations

import io


def jpeg(kind: str = "scene", *, size=(320, 180), seed: int = 0, exif: bool = False) -> bytes:
    """"black", or a "scene" that differs with `seed`; `exif` adds a camera make and GPS."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", size, (0, 0, 0) if kind == "black" else (40, 90, 160))
    if kind != "black":
        draw = ImageDraw.Draw(image)
        x = (seed * 53) % size[0]
        draw.rectangle([x, 10, x + size[0] // 3, size[1] - 10], fill=(240, 220, 60))
        draw.ellipse([10, 10 + seed * 7 % 60, 90, 90 + seed * 7 % 60], fill=(200, 30, 30))
    out = io.BytesIO()
    if exif:
        data = Image.Exif()
        data[0x010F] = "PhoneMaker"  # Make
        data[0x8825] = {1: "N", 2: (39.0, 54.0, 0.0)}  # GPS
        image.save(out, "JPEG", exif=data)
    else:
        image.save(out, "JPEG")
    return out.getvalue()


def png(kind: str = "scene", seed: int = 0) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.open(io.BytesIO(jpeg(kind, seed=seed))).save(out, "PNG")
    return out.getvalue()
