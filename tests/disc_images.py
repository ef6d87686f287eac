"""Real VCD and DVD disc images for tests: videos made with PyAV, images made by genisoimage
or xorriso (Debian), as a kit's ISO would be."""

from __future__ import annotations

import subprocess
from pathlib import Path

from media_index.synth import make_video
from tests.components import iso_maker


def make_image(folder: Path, image: Path, label: str, tool: str = "genisoimage") -> Path:
    """Make an ISO 9660 image of `folder` with genisoimage or xorriso."""
    maker = iso_maker(tool)
    if tool == "xorriso":
        args = [maker, "-as", "mkisofs", "-quiet", "-V", label, "-o", str(image), str(folder)]
    else:
        args = [maker, "-quiet", "-V", label, "-o", str(image), str(folder)]
    subprocess.run(args, check=True, capture_output=True, timeout=60)
    return image


def make_disc_images(directory: Path) -> dict[str, Path]:
    """Build under `directory`: the folders and images of a VCD (MPEGAV/AVSEQ01.DAT, 3 s,
    genisoimage) and a DVD (VIDEO_TS/VTS_01_1.VOB 2 s + VTS_01_2.VOB 1 s and a menu, xorriso),
    an image holding no video, two damaged (cut) images and junk named .iso. Images go to
    `directory / "library"`; the folders they were made from stay in `directory / "src"`."""
    src, library = directory / "src", directory / "library"
    (src / "vcd" / "MPEGAV").mkdir(parents=True)
    (src / "vcd" / "VCD").mkdir()
    (src / "vcd" / "VCD" / "INFO.VCD").write_bytes(b"VIDEO_CD" + bytes(2040))
    make_video(src / "vcd" / "MPEGAV" / "AVSEQ01.DAT", 3.0, container="mpeg")
    dvd = src / "dvd" / "VIDEO_TS"
    dvd.mkdir(parents=True)
    make_video(dvd / "VTS_01_0.VOB", 1.0, container="vob")
    make_video(dvd / "VTS_01_1.VOB", 2.0, container="vob")
    make_video(dvd / "VTS_01_2.VOB", 1.0, container="vob")
    (dvd / "VIDEO_TS.IFO").write_bytes(b"DVDVIDEO-VMG" + bytes(500))
    (src / "docs").mkdir()
    (src / "docs" / "README.TXT").write_text("乡土教材 第3辑 说明\n" * 50, encoding="utf-8")
    library.mkdir()
    images = {
        "vcd": make_image(src / "vcd", library / "乡土教材第3辑.iso", "VCD_3"),
        "dvd": make_image(src / "dvd", library / "DVD.ISO", "DVD_7", tool="xorriso"),
        "docs": make_image(src / "docs", library / "docs.iso", "DOCS"),
    }
    whole = images["dvd"].read_bytes()
    (library / "cut.iso").write_bytes(whole[: 40 * 1024])  # cut inside its directory
    vcd = images["vcd"].read_bytes()
    track = vcd.find((src / "vcd" / "MPEGAV" / "AVSEQ01.DAT").read_bytes()[:4096])
    (library / "short.iso").write_bytes(vcd[: track + 1000])  # cut inside its video
    (library / "junk.iso").write_bytes(b"this is not a disc image\n" * 200)
    images.update(cut=library / "cut.iso", short=library / "short.iso",
                  junk=library / "junk.iso", src=src, library=library)
    return images
