"""Show media_index's plain-English failure reasons in the UI language.

media_index is framework-free and reports reasons in English; they are stored as they are (the
CLI and API show them so) and translated only for display.
"""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l

EXACT = {
    "empty file (0 bytes)": _l("empty file (0 bytes)"),
    "not a regular file": _l("not a regular file"),
    "not a video file (it contains text)": _l("not a video file (it contains text)"),
    "not a video file (a still image)": _l("not a video file (a still image)"),
    "not a video file (no video stream)": _l("not a video file (no video stream)"),
    "unrecognised or corrupt video data": _l("unrecognised or corrupt video data"),
    "cannot read file: permission denied": _l("cannot read file: permission denied"),
    "timed out while reading the file": _l("timed out while reading the file"),
    "file changed while being read": _l("file changed while being read"),
    "broken symbolic link": _l("broken symbolic link"),
    "symbolic link loop": _l("symbolic link loop"),
    "permission denied": _l("permission denied"),
    "file not found (it vanished during the scan?)": _l("file not found (it vanished during the scan?)"),
    "input/output error (damaged disc or failing drive?)":
        _l("input/output error (damaged disc or failing drive?)"),
    "file name too long": _l("file name too long"),
    # disc images (media_index/iso.py)
    "not a readable ISO 9660 image (damaged or another format)":
        _l("not a readable ISO 9660 image (damaged or another format)"),
    "not a video disc image (no MPEGAV or VIDEO_TS folder with videos)":
        _l("not a video disc image (no MPEGAV or VIDEO_TS folder with videos)"),
    "damaged disc image: shorter than its volume (cut short?)":
        _l("damaged disc image: shorter than its volume (cut short?)"),
    "directory already scanned through another link":
        _l("directory already scanned through another link"),
    # copying a kit onto the PC (media_index/copier.py)
    "the disk of the target is full": _l("the disk of the target is full"),
    "the copy differs from the source (SHA-256)": _l("the copy differs from the source (SHA-256)"),
    "a different file of this name is already in the target":
        _l("a different file of this name is already in the target"),
    "the file shrank while it was copied": _l("the file shrank while it was copied"),
    "differs from the kit's manifest (SHA-256)": _l("differs from the kit's manifest (SHA-256)"),
    "in the kit's manifest but not on the source": _l("in the kit's manifest but not on the source"),
    # the player and the runner
    "the video could not be played (damaged or unsupported file)":
        _l("the video could not be played (damaged or unsupported file)"),
    "the player was not running at the start time": _l("the player was not running at the start time"),
    "interrupted: the player stopped while it was playing":
        _l("interrupted: the player stopped while it was playing"),
    "nothing to play": _l("nothing to play"),
    # a recurring plan's change (app/screenings/plans.py PLAN_DROPPED)
    "its plan no longer has this date": _l("its plan no longer has this date"),
    "this item has no file": _l("this item has no file"),
    "the file's path leaves its library folder": _l("the file's path leaves its library folder"),
    "libvlc is not installed (apt install libvlc5 vlc-plugin-base libvlc-bin)":
        _l("libvlc is not installed (apt install libvlc5 vlc-plugin-base libvlc-bin)"),
    # the player process (schedules/player_process.py) and the screen check
    "the player stopped answering": _l("the player stopped answering"),
    "another dianjiao serve on this instance drives the player":
        _l("another dianjiao serve on this instance drives the player"),
    # the readiness check (app/screenings/readiness.py)
    "no file of this title at the site": _l("no file of this title at the site"),
    "the file is not at this site": _l("the file is not at this site"),
    "not approved for this site": _l("not approved for this site"),
    "no screen: no display is connected (DISPLAY is not set) and DIANJIAO_VLC_ARGS names no "
    "video output": _l("no screen: no display is connected (DISPLAY is not set) and "
                       "DIANJIAO_VLC_ARGS names no video output"),
}
# The player's reasons that carry a path or a figure: (pattern, message with %(x)s).
PATTERNS = (
    (re.compile(r"^file not found: (?P<path>.+)$"), _l("file not found: %(path)s")),
    (re.compile(r"^not a regular file: (?P<path>.+)$"), _l("not a regular file: %(path)s")),
    (re.compile(r"^the video did not start within (?P<s>[\d.]+) s$"),
     _l("the video did not start within %(s)s s")),
    (re.compile(r"^the file's size changed since it was scanned: (?P<path>.+)$"),
     _l("the file's size changed since it was scanned: %(path)s")),
    (re.compile(r"^the file changed since it was scanned \(its SHA-256 no longer matches\): "
                r"(?P<path>.+)$"),
     _l("the file changed since it was scanned (its SHA-256 no longer matches): %(path)s")),
    (re.compile(r"^the file changed since it was scanned: (?P<path>.+)$"),
     _l("the file changed since it was scanned: %(path)s")),
    (re.compile(r"^the file is damaged \(the integrity check found its content changed\): "
                r"(?P<path>.+)$"),
     _l("the file is damaged (the integrity check found its content changed): %(path)s")),
    (re.compile(r"^its first seconds do not decode \(damaged file\?\): (?P<path>.+)$"),
     _l("its first seconds do not decode (damaged file?): %(path)s")),
    (re.compile(r"^insert disc 《(?P<label>.+)》: the file is on it$"),
     _l("insert disc 《%(label)s》: the file is on it")),
    (re.compile(r"^the player stopped unexpectedly \(signal (?P<n>\d+)\)$"),
     _l("the player stopped unexpectedly (signal %(n)s)")),
    (re.compile(r"^the player stopped unexpectedly \(exit code (?P<n>-?\d+)\)$"),
     _l("the player stopped unexpectedly (exit code %(n)s)")),
    (re.compile(r"^the player stopped (?P<n>\d+) times in a row; it tries again in (?P<s>\d+) s$"),
     _l("the player stopped %(n)s times in a row; it tries again in %(s)s s")),
)
TRUNCATED = re.compile(r"^truncated file \((\d+) of (\d+) bytes present\)$")


def show_reason(reason: str | None) -> str:
    """Return a stored reason in the current UI language (unknown ones as they are)."""
    if not reason:
        return ""
    if reason in EXACT:
        return str(EXACT[reason])
    if match := TRUNCATED.match(reason):
        return str(_l("truncated file (%(have)s of %(want)s bytes present)",
                      have=match.group(1), want=match.group(2)))
    for pattern, message in PATTERNS:
        if match := pattern.match(reason):
            return str(message) % match.groupdict()
    return reason
