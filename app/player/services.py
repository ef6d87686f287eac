"""The local player of this install: one per process, driving the TV of the player site.

`schedules.player.Player` owns libvlc on its worker thread and calls back from there; the
callbacks below open their own app context and session to write proof of play.
"""

from __future__ import annotations

import os
import threading
import uuid

from flask import Flask, current_app
from flask_babel import gettext as _
from sqlalchemy import delete, select

from schedules.player import Item, NullBackend, Player, PlayRecord, make_backend, recover_heartbeat

from ..catalog.scanning import entry_files
from ..errors import Invalid, NotFound
from ..extensions import db
from ..install import site_code
from ..models import FileEntry, LibraryRoot, MediaFile, PlayLog, QueueEntry, Screening, Site
from ..signals import screening_ended

_lock = threading.Lock()


def player_site_code(app: Flask | None = None) -> str | None:
    return (app or current_app).config.get("PLAYER_SITE") or site_code(app)


def player_site() -> Site | None:
    code = player_site_code()
    return db.session.scalar(select(Site).where(Site.code == code)) if code else None


# The reason of a second `dianjiao serve` on one instance: one TV, one player (the one holding
# the scheduler lock).
ANOTHER_SERVE = "another dianjiao serve on this instance drives the player"


def heartbeat_path(app: Flask) -> str:
    return os.path.join(app.instance_path, "player-heartbeat.json")


SNAPSHOT_LABELS = ("start", "middle", "end")


def snapshot_path(app: Flask, screening_id: object, label: str) -> str:
    """Where the player saves a screening's proof-of-play picture (label: start, middle, end)."""
    if label not in SNAPSHOT_LABELS:
        raise ValueError(f"no snapshot label {label!r}")
    return os.path.join(app.instance_path, "snapshots", f"{screening_id}-{label}.png")


def saved_snapshots(app: Flask, screening_id: object) -> list[str]:
    """The labels of the proof-of-play pictures the player saved for a screening."""
    return [label for label in SNAPSHOT_LABELS
            if os.path.isfile(snapshot_path(app, screening_id, label))]


def get_player(app: Flask | None = None) -> Player:
    """Return this app's player, creating it (and restoring the saved queue) on first use."""
    app = app or current_app._get_current_object()
    with _lock:
        player = app.extensions.get("dianjiao.player")
        if player is None:
            # libvlc runs in a child process (schedules/player_process.py): its crash or hang
            # ends the item playing, not this server.
            if app.config.get("PLAYER_OWNER") is False:  # see serve_command
                backend = NullBackend(ANOTHER_SERVE)
            else:
                backend = make_backend(app.config.get("VLC_ARGS") or "",
                                       log_path=os.path.join(app.instance_path, "player.log"),
                                       answer_timeout_s=float(app.config["PLAYER_TIMEOUT_S"]))
            player = Player(
                backend,
                on_record=lambda record: _write_record(app, record),
                on_screening_end=lambda sid, records: _screening_ended(app, sid, records),
                heartbeat_path=heartbeat_path(app),
            )
            app.extensions["dianjiao.player"] = player
            restore_queue(player)
    return player


def stop_screening(screening_id: object) -> None:
    """A screening cancelled while it plays stops on this install's player (if it plays here)."""
    player = current_app.extensions.get("dianjiao.player")
    if player is not None and player.status().get("screening_id") == str(screening_id):
        player.stop()


def close_player(app: Flask) -> None:
    player = app.extensions.pop("dianjiao.player", None)
    if player is not None:
        player.close()


def recover_interrupted(app: Flask) -> PlayRecord | None:
    """After a crash or kill -9, log the item that was playing as stopped (seconds played kept)."""
    record = recover_heartbeat(heartbeat_path(app))
    with app.app_context():
        if record is not None:
            media = _media(record.item.key)
            already = db.session.scalar(select(PlayLog.id).where(
                PlayLog.started_at == record.started_at,
                PlayLog.media_file_id == (media.id if media else None)).limit(1))
            if already is None:
                _write_record(app, record)
        # A screening left running by a dead process ended early.
        code = player_site_code(app)
        for screening in db.session.scalars(select(Screening).join(Site).where(
                Site.code == code, Screening.status == "running")):
            screening.status = "partial"
            screening.status_reason = "interrupted: the player stopped while it was playing"
        db.session.commit()
        db.session.remove()
    return record


def _site_id(code: str | None) -> uuid.UUID | None:
    return db.session.scalar(select(Site.id).where(Site.code == code)) if code else None


def _write_record(app: Flask, record: PlayRecord) -> None:
    with app.app_context():
        media = _media(record.item.key)
        site_id = _site_id(player_site_code(app))
        screening = _screening(record.screening_id)
        if site_id is None and screening is not None:
            site_id = screening.site_id
        if site_id is None:
            return
        db.session.add(PlayLog(
            site_id=site_id, screening_id=screening.id if screening else None,
            media_file_id=media.id if media else None, sha256=media.sha256 if media else None,
            started_at=record.started_at, ended_at=record.ended_at, played_s=record.played_s,
            outcome=record.outcome, error=record.error))
        db.session.commit()
        db.session.remove()


def _screening_ended(app: Flask, screening_id: str, records: list[PlayRecord]) -> None:
    with app.app_context():
        screening = _screening(screening_id)
        if screening is not None and screening.status == "running":
            complete = bool(records) and all(r.outcome == "completed" for r in records)
            screening.status = "done" if complete else "partial"
            failed = [r.error for r in records if r.error]
            screening.status_reason = failed[0] if failed and not complete else None
            db.session.commit()
            screening_ended.send(app, screening_id=screening.id)
        db.session.remove()


def _media(key: str | None) -> MediaFile | None:
    try:
        return db.session.get(MediaFile, uuid.UUID(str(key)))
    except (ValueError, TypeError):
        return None


def _screening(value: str | None) -> Screening | None:
    try:
        return db.session.get(Screening, uuid.UUID(str(value))) if value else None
    except ValueError:
        return None


# The play log's reason for a file whose recorded path leaves its library folder (a damaged or
# crafted row: app/catalog/scanning.py entry_path refuses it); shown translated (app/reasons.py).
OUTSIDE_ROOT = "the file's path leaves its library folder"


def item_for(media: MediaFile, site: Site, name: str | None = None) -> Item:
    """A playable item: the path of a present copy at the site, or None (logged as an error)."""
    entry = db.session.scalar(
        select(FileEntry).join(LibraryRoot)
        .where(LibraryRoot.site_id == site.id, FileEntry.media_file_id == media.id,
               FileEntry.missing.is_(False))
        # a disc in the drive first, then a sound copy before a damaged one
        .order_by(LibraryRoot.offline_since.is_not(None), FileEntry.damaged).limit(1))
    files: list[str] = []
    problem = None
    if entry is not None:
        try:
            files = entry_files(entry)
        except Invalid:
            problem = OUTSIDE_ROOT
    label = name or (media.title.name if media.title else (entry.relpath if entry else media.sha256))
    # A DVD title set plays its parts one after another as one item (one play log).
    return Item(key=str(media.id), path=files[0] if files else None, name=label or "",
                duration_s=media.duration_s, parts=tuple(files) if len(files) > 1 else (),
                problem=problem)


def screening_items(screening: Screening) -> list[Item]:
    """The playlist of a screening as playable items at its site (a title plays a held file)."""
    site = screening.site
    present = set(db.session.scalars(
        select(FileEntry.media_file_id).join(LibraryRoot)
        .where(LibraryRoot.site_id == site.id, FileEntry.missing.is_(False))))
    items = []
    for row in screening.items:
        if row.media_file is not None:
            items.append(item_for(row.media_file, site, row.title.name if row.title else None))
            continue
        files = sorted(row.title.files, key=lambda f: (f.id not in present, f.created_at))
        if files:
            items.append(item_for(files[0], site, row.title.name))
        else:
            items.append(Item(key=str(row.title.id), path=None, name=row.title.name))
    return items


def start_screening(app: Flask, screening_id: str, late: bool) -> None:
    """Start a due screening on the player (called by the runner on its worker thread)."""
    with app.app_context():
        screening = _screening(screening_id)
        if screening is None or screening.status != "planned":
            db.session.remove()
            return
        screening.status, screening.late = "running", late
        screening_id = str(screening.id)  # the snapshots' names: see snapshot_path()
        items = screening_items(screening)
        player = get_player(app)
        if not items:
            screening.status, screening.status_reason = "done", "nothing to play"
        elif not player.status()["available"]:
            screening.status_reason = player.status()["reason"]
        db.session.commit()
        db.session.remove()
    if items:
        snapshots = os.path.join(app.instance_path, "snapshots")
        os.makedirs(snapshots, exist_ok=True)
        player.play_screening(screening_id, items, snapshot_dir=snapshots)


# --- the operator's ad-hoc queue, kept in QueueEntry rows so it survives a restart -----------

def restore_queue(player: Player) -> None:
    site = player_site()
    if site is None:
        return
    rows = db.session.scalars(select(QueueEntry).where(QueueEntry.site_id == site.id)
                              .order_by(QueueEntry.position)).all()
    items = [item_for(media, site) for row in rows if (media := _media(str(row.media_file_id)))]
    if items:
        player.enqueue(items)


def save_queue(player: Player, site: Site) -> None:
    db.session.execute(delete(QueueEntry).where(QueueEntry.site_id == site.id))
    for position, entry in enumerate(player.status()["queue"]):
        media = _media(entry["key"])
        if media is not None:
            db.session.add(QueueEntry(site_id=site.id, position=position, media_file_id=media.id))


def media_for_spec(spec: dict, site: Site) -> MediaFile:
    """The file a queue request names, held at `site` (a copy there, present or not).

    A file held only at another site answers as one that does not exist, so the player's API
    does not tell an operator what other sites hold."""
    held = (select(FileEntry.media_file_id).join(LibraryRoot)
            .where(LibraryRoot.site_id == site.id))
    query = select(MediaFile).where(MediaFile.id.in_(held))
    media = None
    if isinstance(spec, dict) and spec.get("sha256"):
        media = db.session.scalar(query.where(
            MediaFile.sha256 == str(spec["sha256"]).strip().lower()))
    elif isinstance(spec, dict) and spec.get("file_id") and (found := _media(spec["file_id"])):
        media = db.session.scalar(query.where(MediaFile.id == found.id))
    if media is None:
        raise NotFound(_("No such file at this site."))
    return media
