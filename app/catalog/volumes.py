"""Library roots on removable volumes: which volume a root is on, and volumes coming and going.

A root added on a removable volume (media_index/volumes.py says which mounts are) keeps the
volume's label, UUID and content fingerprint, and its folder inside the volume. Its `path` is a
link of its own, `<instance>/volumes/<site>/<label> [<uuid>]`, pointing at the folder while the
volume is in: the path never changes (a hub knows the root by it, docs/sync.md) and never leads
to another volume mounted at the same place. `poll` compares the mount table with those roots:
a root whose volume is out goes offline (its link is removed; its files are "on disc X", not
missing); a volume that comes back, at its old mount point or another, is recognised by its UUID,
or for a volume without one by its label and content fingerprint, and its roots are online again
without a rescan (a rescan only when its content changed).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from media_index.volumes import (
    PREFIXES,
    Mount,
    Volume,
    content_fingerprint,
    read_mounts,
    removable_volumes,
    volume_of,
)

from ..clock import now as utcnow
from ..errors import Invalid
from ..extensions import db
from ..models import FileEntry, LibraryRoot, Site
from ..models.base import current_origin


def mounted_volumes(config: Mapping, table: list[Mount] | None = None) -> list[Volume]:
    """The removable volumes mounted now, as the configured mount table (or `table`) says."""
    return removable_volumes(
        _mount_table(config) if table is None else table,
        disk_dir=config.get("VOLUME_DISK_DIR") or "/dev/disk",
        prefixes=config.get("VOLUME_PREFIXES") or PREFIXES,
        sys_block=config.get("VOLUME_SYS_BLOCK") or "/sys/class/block")


def _mount_table(config: Mapping) -> list[Mount]:
    return read_mounts(config.get("VOLUME_MOUNTS") or "/proc/mounts")


def mounted_volume(path: str, config: Mapping) -> Volume | None:
    """The removable volume holding `path`, if it is on one."""
    return volume_of(path, mounted_volumes(config))


def _fingerprint(path: str) -> str | None:
    try:
        return content_fingerprint(path)
    except OSError:
        return None


def _same(volume: Volume, root: LibraryRoot, fingerprint: str | None = None) -> bool:
    """Whether `volume` is the root's: the same UUID; without UUIDs, the same label and (when
    given) the same content fingerprint."""
    if root.volume_uuid or volume.uuid:
        return root.volume_uuid == volume.uuid
    if (root.volume_label or None) != (volume.label or None):
        return False
    return fingerprint is None or fingerprint == root.volume_fingerprint


def _path_in(volume: Volume, subpath: str) -> str:
    return os.path.join(volume.mount_point, subpath) if subpath else volume.mount_point


def _target(root: LibraryRoot) -> str | None:
    """Where a volume root's link leads now (None: the volume is out)."""
    try:
        return os.path.realpath(root.path) if os.path.islink(root.path) else None
    except OSError:
        return None


def _mount_point(root: LibraryRoot, target: str) -> str:
    sub = root.volume_subpath or ""
    return target[:-len(sub) - 1] if sub and target.endswith("/" + sub) else target


def _link(root: LibraryRoot, target: str | None) -> None:
    """Point the root's link at `target`, or remove it (None)."""
    if os.path.islink(root.path) or os.path.exists(root.path):
        os.unlink(root.path)
    if target is not None:
        os.makedirs(os.path.dirname(root.path), exist_ok=True)
        os.symlink(target, root.path)


def _link_path(site: Site, volume: Volume, subpath: str) -> str:
    """A new root's link: named for the volume, unique among the site's roots."""
    name = f"{volume.name} [{volume.uuid}]" if volume.uuid else volume.name
    if subpath:
        name += " " + subpath
    base = os.path.join(current_app.instance_path, "volumes", site.code,
                        name.replace("/", "_").strip(". ") or "volume")
    path, n = base, 1
    while db.session.scalar(select(LibraryRoot.id).where(
            LibraryRoot.site_id == site.id, LibraryRoot.path == path)) or os.path.lexists(path):
        n += 1
        path = f"{base} ({n})"
    return path


def volume_root(site: Site, path: str, label: str | None, config: Mapping) -> LibraryRoot | None:
    """The root of a folder on a removable volume (made, or found again and its link set);
    None for a folder on no removable volume, or one that is a root as a plain folder already."""
    volume = mounted_volume(path, config)
    if volume is None and _empty_mount_point(path, config):
        raise Invalid(_("Nothing is in the drive at %(path)s: insert the disc or USB stick "
                        "first.", path=path))
    if volume is None or db.session.scalar(select(LibraryRoot.id).where(
            LibraryRoot.site_id == site.id, LibraryRoot.path == path)):
        return None
    subpath = "" if path == volume.mount_point else os.path.relpath(path, volume.mount_point)
    fingerprint = _fingerprint(path)
    for root in db.session.scalars(select(LibraryRoot).where(
            LibraryRoot.site_id == site.id, LibraryRoot.volume_subpath == subpath,
            LibraryRoot.origin_site == current_origin())):
        if _same(volume, root, fingerprint):
            if _target(root) != path:
                _link(root, path)
            root.offline_since = None
            return root
    root = LibraryRoot(site=site, path=_link_path(site, volume, subpath),
                       label=label or volume.name, volume_label=volume.label,
                       volume_uuid=volume.uuid, volume_fingerprint=fingerprint,
                       volume_subpath=subpath)
    _link(root, path)
    db.session.add(root)
    db.session.flush()
    return root


def _empty_mount_point(path: str, config: Mapping) -> bool:
    """An empty folder where removable volumes are mounted, with none mounted: a drive without
    its disc (made a library folder, it would hold nothing and hide the disc's own)."""
    prefixes = [p.rstrip("/") for p in config.get("VOLUME_PREFIXES") or PREFIXES]
    if not any(path.startswith(p + "/") for p in prefixes):
        return False
    try:
        return not os.listdir(path)
    except OSError:
        return False


def root_mounted(root: LibraryRoot, config: Mapping) -> bool:
    """Whether a volume root's volume is in, where its link leads (True for any other root)."""
    if not root.on_volume:
        return True
    target = _target(root)
    if target is None or not os.path.isdir(target):
        return False
    volume = mounted_volume(target, config)
    return (volume is not None and volume.mount_point == _mount_point(root, target)
            and _same(volume, root))


@dataclass
class PollResult:
    """What one look at the mount table changed."""

    offline: list[LibraryRoot]
    online: list[LibraryRoot]
    changed: list[LibraryRoot]  # back online with other content: to rescan

    def as_dict(self) -> dict:
        def names(roots):
            return [{"path": r.path, "label": r.volume_label, "at": _target(r)} for r in roots]
        return {"offline": names(self.offline), "online": names(self.online),
                "changed": names(self.changed)}


def local_volume_roots() -> list[LibraryRoot]:
    """The volume roots this install added (a hub also holds its sites' roots, synced up)."""
    return list(db.session.scalars(select(LibraryRoot).where(
        LibraryRoot.volume_subpath.is_not(None), LibraryRoot.origin_site == current_origin())
        .order_by(LibraryRoot.path)))


def poll(config: Mapping, now: datetime | None = None) -> PollResult:
    """Compare the mount table with the volume roots; the caller commits."""
    now = now or utcnow()
    result = PollResult([], [], [])
    table = _mount_table(config)
    if not table:  # unreadable (a mount table always lists "/"): tell nothing from it
        return result
    volumes = {v.mount_point: v for v in mounted_volumes(config, table)}
    roots = local_volume_roots()
    taken: set[str] = set()
    for root in roots:
        target = _target(root)
        if root.offline_since is not None and target is None:
            continue
        volume = volumes.get(_mount_point(root, target)) if target else None
        # Without a UUID, only the content tells a stick from another of the same label
        # swapped in between two polls (a walk: names and sizes, nothing read).
        fingerprint = (_fingerprint(target) if volume is not None and not volume.uuid
                       and not root.volume_uuid else None)
        if volume is not None and _same(volume, root, fingerprint) and os.path.isdir(target):
            taken.add(volume.mount_point)
            root.offline_since = None
            continue
        _link(root, None)
        if root.offline_since is None:
            root.offline_since = now
            result.offline.append(root)
    for volume in volumes.values():
        if volume.mount_point in taken:
            continue
        for root in roots:
            if root.offline_since is None or not _same(volume, root):
                continue
            path = _path_in(volume, root.volume_subpath or "")
            fingerprint = _fingerprint(path) if os.path.isdir(path) else None
            if fingerprint is None or not _same(volume, root, fingerprint):
                continue
            _link(root, path)
            root.offline_since = None
            result.online.append(root)
            if fingerprint != root.volume_fingerprint:
                result.changed.append(root)
    db.session.flush()
    return result


@dataclass(frozen=True)
class VolumeRow:
    """A volume on the library page: a root's, or one mounted that is no library folder yet."""

    label: str
    uuid: str | None
    path: str | None  # where it is mounted (None: not known on this computer)
    online: bool
    since: datetime | None = None
    known: bool = True  # a library folder's volume (else one mounted, to add)


def site_volumes(site: Site, config: Mapping) -> list[VolumeRow]:
    """The site's volume roots with their state, then the removable volumes mounted now that
    hold none of the site's roots (to add)."""
    rows = []
    held = set()
    for root in db.session.scalars(select(LibraryRoot).where(
            LibraryRoot.site_id == site.id, LibraryRoot.volume_subpath.is_not(None))
            .order_by(LibraryRoot.volume_label, LibraryRoot.path)):
        name = root.volume_label or root.label or root.path
        if root.origin_site != current_origin():  # a site's, seen at the hub: as it reported
            rows.append(VolumeRow(name, root.volume_uuid, None, root.offline_since is None,
                                  root.offline_since))
            continue
        target = _target(root) if root.offline_since is None else None
        rows.append(VolumeRow(name, root.volume_uuid, target, target is not None,
                              root.offline_since))
        if target is not None:
            held.add(_mount_point(root, target))
    for volume in mounted_volumes(config):
        if volume.mount_point not in held:
            rows.append(VolumeRow(volume.name, volume.uuid, volume.mount_point, True, None,
                                  known=False))
    return rows


def offline_labels(site: Site, media_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, str]:
    """For files held at the site only on volumes that are out: {media file id: disc label}."""
    ids = list(media_ids)
    if not ids:
        return {}
    found: dict[uuid.UUID, str] = {}
    for media_id, label, name in db.session.execute(
            select(FileEntry.media_file_id, LibraryRoot.volume_label, LibraryRoot.label)
            .join(LibraryRoot, FileEntry.root_id == LibraryRoot.id)
            .where(LibraryRoot.site_id == site.id, LibraryRoot.offline_since.is_not(None),
                   FileEntry.missing.is_(False), FileEntry.media_file_id.in_(ids))
            .order_by(LibraryRoot.volume_label)):
        found.setdefault(media_id, label or name or "?")
    return found
