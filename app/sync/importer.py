"""Importing a bundle: verify it, then merge every row in one transaction, all or nothing.

Rows are matched by id (or by their natural key, when the same thing was born on both sides
under two ids). Append-only rows are never doubled; a mutable field goes to the side that owns
it, else to the newer change, the hub winning a tie. Conflicts are logged in sync_conflicts.
"""

from __future__ import annotations

import math
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import (
    Row,
    and_,
    delete,
    insert,
    select,
    tuple_,
    update,
)
from sqlalchemy.exc import DBAPIError, IntegrityError

from .. import limits
from ..auth.access import unit_subtree_ids
from ..dates import moment_in_range
from ..errors import DianjiaoError
from ..extensions import among, db
from ..lookup import chunks
from ..models import (
    Bundle,
    LibraryRoot,
    Screening,
    ScreeningItem,
    Site,
    SyncArrival,
    SyncConflict,
    SyncIdMap,
    SyncPeer,
    User,
)
from ..models.base import utcnow
from .bulk import id_key, insert_rows, set_aside_unchanged
from .bundle import BundleError, Opened, open_bundle
from .services import become_site, is_site, my_code, write_site_config
from .tables import DOWN, HUB_ORIGIN, SPECS, SYSTEM, UP, Codec, Spec, field_owner

CHUNK = 1000
WAITING = 50_000  # new rows of a table held back at most, to be written in one go
PROBES = 30  # index probes per row we accept for a natural-key lookup (see _match_natural)
SKEW_WARNING = timedelta(minutes=5)


class Refused(DianjiaoError):
    """A bundle that is not imported; nothing was written."""

    status = 422
    code = "refused"

    def __init__(self, message: str, *, reason: str = "refused", status: int | None = None):
        super().__init__(message)
        self.reason = reason
        if status:
            self.status = status


def _bundle_message(exc: BundleError) -> str:
    """The user's words for a bundle that cannot be read or trusted."""
    return {
        "signature": _("The bundle's signature does not match: it was changed after it was "
                       "made, or it was not made by this site. Nothing was imported."),
        "damaged": _("The bundle is damaged or incomplete (a truncated copy?). Copy it again "
                     "from the sender. Nothing was imported."),
        "format": _("This file is not a Dianjiao sync bundle. Choose the .zip file that "
                    "Dianjiao made (dianjiao sync export, or Export to USB on the Sync page). "
                    "Nothing was imported."),
        "version": _("The bundle was made by a newer version of Dianjiao (format %(v)s). "
                     "Update this install, then import it again.", v=exc.detail),
        "unreadable": _("The bundle cannot be read from the disk."),
    }.get(exc.reason, exc.message)


@dataclass
class Tally:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    conflicts: int = 0

    def as_dict(self) -> dict:
        return {"inserted": self.inserted, "updated": self.updated,
                "unchanged": self.unchanged, "conflicts": self.conflicts}


@dataclass
class Merge:
    """The state of one import."""

    peer: SyncPeer
    digest: str
    incoming: str  # "site" or "hub": the side the bundle comes from
    site: Site | None  # the site the bundle is about
    now: datetime
    idmap: dict[str, dict[uuid.UUID, uuid.UUID]] = field(default_factory=lambda: defaultdict(dict))
    tallies: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    arrivals: list[dict] = field(default_factory=list)
    conflicts: list[dict] = field(default_factory=list)
    site_screenings: set[uuid.UUID] = field(default_factory=set)
    site_roots: set[uuid.UUID] = field(default_factory=set)
    site_villages: set[uuid.UUID] | None = None
    # The bundle is newer than any imported from this peer: the fields its side owns are its
    # latest word, whatever the row's time says (an older bundle arriving late is not).
    fresh: bool = True
    new_maps: list[dict] = field(default_factory=list)
    # When the two sides last met: the other side holds our rows changed up to `they_have` (its
    # acknowledgement, our clock), and we hold theirs changed up to `we_have` (their clock).
    they_have: datetime | None = None
    we_have: datetime | None = None


def _time(value, what: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except (TypeError, ValueError) as exc:
        raise Refused(_("The bundle's manifest has no valid %(what)s time.", what=what)) from exc
    if moment.tzinfo is None or not moment_in_range(moment):
        raise Refused(_("The bundle's manifest has no valid %(what)s time.", what=what))
    return moment.astimezone(UTC)


def _check_manifest(m: dict) -> None:
    for key in ("origin", "destination", "kind"):
        if not isinstance(m.get(key), str):
            raise Refused(_("The bundle's manifest is incomplete (%(key)s).", key=key))
    if not isinstance(m.get("seq"), int) or not isinstance(m.get("key_version"), int):
        raise Refused(_("The bundle's manifest is incomplete (%(key)s).", key="seq"))
    _time(m.get("created"), "created")
    _time(m.get("watermark"), "watermark")
    for key in ("ack", "rekey", "enroll", "counts"):  # objects when present; read unsigned
        if m.get(key) is not None and not isinstance(m[key], dict):
            raise Refused(_("The bundle's manifest is incomplete (%(key)s).", key=key))
    users = m.get("users")
    if users is not None and not (isinstance(users, list)
                                  and all(isinstance(u, str) for u in users)):
        raise Refused(_("The bundle's manifest is incomplete (%(key)s).", key="users"))
    parts = m.get("parts", [])
    if not isinstance(parts, list) or not all(
            isinstance(part, dict) and isinstance(part.get("name"), str)
            and isinstance(part.get("bytes"), int) and isinstance(part.get("sha256"), str)
            for part in parts):
        raise Refused(_("The bundle's manifest is incomplete (%(key)s).", key="parts"))
    known = {spec.name for spec in SPECS}
    for part in parts:
        if part["name"] not in known:
            raise Refused(_("The bundle carries %(name)s, which this version does not know.",
                            name=part.get("name")))


def _peer_for(opened: Opened) -> SyncPeer:
    """Find the link the bundle came over and check its signature (or enroll a fresh site)."""
    m = opened.manifest
    if m["kind"] == "enroll":
        return _enroll(opened)
    me = my_code()
    if m["destination"] != me:
        raise Refused(_("This bundle is for %(dest)s, not for this install (%(me)s).",
                        dest=m["destination"], me=me), reason="destination")
    kind = "hub" if is_site() else "site"
    peer = db.session.scalar(select(SyncPeer).where(SyncPeer.code == m["origin"],
                                                    SyncPeer.kind == kind))
    if peer is None:
        raise Refused(_("The bundle comes from %(origin)s, which is not enrolled here.",
                        origin=m["origin"]), reason="unknown", status=403)
    if peer.revoked_at is not None:
        raise Refused(_("Site %(origin)s was revoked on %(day)s; its bundles are refused. "
                        "Enroll it again to give it a new key.", origin=peer.code,
                        day=peer.revoked_at.date().isoformat()), reason="revoked", status=403)
    keys = []
    if m["key_version"] == peer.key_version:
        keys.append(peer.key)
    elif m["key_version"] == peer.key_version - 1 and peer.previous_key:
        keys.append(peer.previous_key)
    if not keys:
        raise Refused(_("The bundle is signed with key %(v)s of %(origin)s, which is no longer "
                        "valid here.", v=m["key_version"], origin=peer.code),
                      reason="signature", status=403)
    try:
        opened.verify(keys)
    except BundleError as exc:
        raise Refused(_bundle_message(exc), reason=exc.reason) from exc
    return peer


def _enroll(opened: Opened) -> SyncPeer:
    m = opened.manifest
    info = m.get("enroll") or {}
    code, hub, key = info.get("site"), info.get("hub"), info.get("key")
    if not (isinstance(code, str) and isinstance(hub, str) and isinstance(key, str)):
        raise Refused(_("The enrollment bundle is incomplete."))
    linked = db.session.scalar(select(SyncPeer).where(SyncPeer.kind == "hub"))
    # Anyone can make a bundle that carries its own key: only a fresh install trusts one. An
    # enrolled site takes a new enrollment only when it is signed with the key it already has.
    keys = [key] if linked is None else [k for k in (linked.key, linked.previous_key) if k]
    try:
        opened.verify(keys)
    except BundleError as exc:
        if linked is not None and exc.reason == "signature":
            raise Refused(_("This site is already enrolled with %(hub)s; an enrollment bundle "
                            "is imported on a fresh install only.", hub=linked.code),
                          reason="signature", status=403) from exc
        raise Refused(_bundle_message(exc), reason=exc.reason) from exc
    except ValueError as exc:
        raise Refused(_("The enrollment bundle is damaged."), reason="signature") from exc
    if not is_site():
        if db.session.scalar(select(Site.id).limit(1)) is not None:
            raise Refused(_("This install is a hub with its own data; an enrollment bundle is "
                            "imported on a fresh site install."), reason="destination")
        become_site(code)  # saved to instance/config.py once the import commits
    elif my_code() != code:
        raise Refused(_("This install is site %(me)s; the bundle enrolls %(code)s.",
                        me=my_code(), code=code), reason="destination")
    peer = db.session.scalar(select(SyncPeer).where(SyncPeer.kind == "hub"))
    if peer is not None and peer.code != hub:
        raise Refused(_("This site is enrolled with %(old)s; the bundle comes from %(new)s.",
                        old=peer.code, new=hub), reason="destination")
    if peer is None:
        peer = SyncPeer(code=hub, kind="hub", key=key, key_version=info.get("key_version", 1))
        db.session.add(peer)
    else:
        peer.key, peer.key_version = key, info.get("key_version", peer.key_version)
    # The hub holds everything this fresh site holds: start the watermark now, not at zero.
    peer.out_acked = utcnow()
    db.session.flush()
    return peer


# --- rows --------------------------------------------------------------------------------------

def _fk_targets(spec: Spec) -> dict[str, str]:
    return {col.name: next(iter(col.foreign_keys)).column.table.name
            for col in spec.table.columns if col.foreign_keys}


def _text(value) -> str | None:
    return None if value is None else str(value)[:2000]


def _merge_row(spec: Spec, local, row: dict, ctx: Merge) -> dict:
    """The changes to make to our row from the incoming one (empty: unchanged)."""
    changes: dict = {}
    newer = row["updated_at"] > local["updated_at"]
    tie = row["updated_at"] == local["updated_at"]
    # A conflict is two changes: ours since the other side last had the row, and theirs since
    # we last had it. A value that differs only because one side changed it is just news.
    both_changed = ((ctx.they_have is None or local["updated_at"] > ctx.they_have)
                    and (ctx.we_have is None or row["updated_at"] > ctx.we_have))
    for name, value in row.items():
        if name in SYSTEM:
            continue
        current = local[name]
        if current == value:
            continue
        ranks = spec.ranks.get(name)
        if ranks and ranks.get(value, -1) != ranks.get(current, -1):
            take = ranks.get(value, -1) > ranks.get(current, -1)
            reason, logged = "forward", not take and newer
        else:
            owner = field_owner(spec, name, local["origin_site"])
            if owner == ctx.incoming:
                take, reason, logged = ctx.fresh or newer or tie, "owned", False
            elif owner is not None:
                take, reason, logged = False, "owned", newer
            else:
                take = newer or (tie and ctx.incoming == "hub")
                reason = "tie" if tie else "newer"
                logged = both_changed
        if logged:
            ctx.conflicts.append({
                "id": uuid.uuid4(), "origin_site": my_code(), "created_at": ctx.now,
                "updated_at": ctx.now, "peer": ctx.peer.code, "bundle_digest": ctx.digest,
                "table": spec.name, "row_id": local["id"], "field": name,
                "local_value": _text(current), "incoming_value": _text(value),
                "kept": "incoming" if take else "local", "reason": reason})
            ctx.tallies[spec.name].conflicts += 1
        if take:
            changes[name] = value
    if changes:
        changes["updated_at"] = max(row["updated_at"], local["updated_at"])
    return changes


def _check_claims(spec: Spec, rows: list[dict], found: dict, ctx: Merge) -> None:
    """A site may send only its own rows (and changes to the hub's rows about it).

    Checked a chunk at a time, on the set of values the chunk names.
    """
    site = ctx.site
    assert site is not None
    _learn_site_rows(spec, rows, ctx)

    def refuse(message: str):
        raise Refused(message, reason="claim", status=403)

    origins = {row["origin_site"] for row in rows}
    others = origins - {site.code, HUB_ORIGIN}
    if others:
        refuse(_("The bundle of %(site)s carries rows born at %(other)s (%(table)s); a site "
                 "sends only its own. Nothing was imported.", site=site.code,
                 other=min(others), table=spec.name))
    if HUB_ORIGIN in origins and any(row["origin_site"] == HUB_ORIGIN and row["id"] not in found
                                     for row in rows):
        refuse(_("The bundle of %(site)s carries a row said to be born at the hub that the hub "
                 "does not have (%(table)s). Nothing was imported.", site=site.code,
                 table=spec.name))
    column = spec.site_column
    if column and any(row.get(column) != site.id for row in rows):
        refuse(_("The bundle of %(site)s carries %(table)s of another site. Nothing was "
                 "imported.", site=site.code, table=spec.name))
    if spec.name in ("attendance", "screening_items") and not {
            row["screening_id"] for row in rows if "screening_id" in row} <= ctx.site_screenings:
        refuse(_("The bundle of %(site)s carries %(table)s of a screening at another site. "
                 "Nothing was imported.", site=site.code, table=spec.name))
    if spec.name == "people":
        villages = {row.get("village_id") for row in rows} - {None}
        if villages and ctx.site_villages is None:
            ctx.site_villages = unit_subtree_ids(site.unit_id)
        if villages and not villages <= ctx.site_villages:
            refuse(_("The bundle of %(site)s carries people of villages it does not serve. "
                     "Nothing was imported.", site=site.code))
    if spec.name == "file_entries" and not {row.get("root_id") for row in rows} <= ctx.site_roots:
        refuse(_("The bundle of %(site)s carries files of another site's library. Nothing was "
                 "imported.", site=site.code))
    if any(row["origin_site"] == HUB_ORIGIN and found[row["id"]]._mapping["origin_site"]
           != HUB_ORIGIN for row in rows if row["id"] in found):
        refuse(_("The bundle of %(site)s carries a row said to be born at the hub that the hub "
                 "holds as another site's (%(table)s). Nothing was imported.", site=site.code,
                 table=spec.name))


def _held_elsewhere(spec: Spec, rows: list[dict], found: dict, ctx: Merge) -> set:
    """The ids of rows held here that are no longer the site's to change: the row here belongs
    to another site or village (moved there since the site got it, or a forged change).

    The incoming values were checked by _check_claims; this checks the row they would change.
    A row that moved away is not refused (the site could not know, and every later bundle would
    be refused too): it is left as it is here, and the change is logged as a conflict.
    """
    site = ctx.site
    held = [found[row["id"]]._mapping for row in rows if row["id"] in found]
    if not held:
        return set()
    if spec.site_column:
        column, allowed = spec.site_column, {site.id}
    elif spec.name == "people":
        if ctx.site_villages is None:
            ctx.site_villages = unit_subtree_ids(site.unit_id)
        column, allowed = "village_id", ctx.site_villages
    elif spec.name in ("attendance", "screening_items"):
        _learn_site_rows(spec, [dict(h) for h in held], ctx)
        column, allowed = "screening_id", ctx.site_screenings
    elif spec.name == "file_entries":
        _learn_site_rows(spec, [dict(h) for h in held], ctx)
        column, allowed = "root_id", ctx.site_roots
    else:
        return set()
    incoming = {row["id"]: row for row in rows}
    away = set()
    for local in held:
        if local[column] in allowed or (local[column] is None
                                        and local["origin_site"] == site.code):
            continue
        away.add(local["id"])
        ctx.conflicts.append({
            "id": uuid.uuid4(), "origin_site": my_code(), "created_at": ctx.now,
            "updated_at": ctx.now, "peer": ctx.peer.code, "bundle_digest": ctx.digest,
            "table": spec.name, "row_id": local["id"], "field": column,
            "local_value": _text(local[column]),
            "incoming_value": _text(incoming[local["id"]].get(column)),
            "kept": "local", "reason": "scope"})
        ctx.tallies[spec.name].conflicts += 1
    return away


def _learn_site_rows(spec: Spec, rows: list[dict], ctx: Merge) -> None:
    """Look up, in one query a chunk, which screenings or library roots named are the site's."""
    site = ctx.site
    assert site is not None
    if spec.name in ("attendance", "screening_items"):
        known, model, column = ctx.site_screenings, Screening, "screening_id"
    elif spec.name == "file_entries":
        known, model, column = ctx.site_roots, LibraryRoot, "root_id"
    else:
        return
    wanted = {row.get(column) for row in rows} - known - {None}
    if wanted:
        known.update(db.session.scalars(select(model.id).where(
            model.site_id == site.id, model.id.in_(list(wanted)))))


class _Decoder(Codec):
    """The table's codec, parsing each distinct foreign id once per import.

    A bundle names the same few screenings and people in thousands of sign-ins; parsing a UUID
    is the dearest step of decoding a row.
    """

    def __init__(self, spec: Spec, foreign: Iterable[str]):
        super().__init__(spec.table)
        for name in foreign:
            self.decoders[name] = _remembering(self.decoders[name])


def _remembering(decode: Callable) -> Callable:
    known: dict = {}

    def cached(value):
        if not isinstance(value, str):
            return decode(value)  # None, or a wrong type for decode to refuse
        if value not in known:
            known[value] = decode(value)
        return known[value]

    return cached


def _same(local: Row, row: dict, position: dict[str, int]) -> bool:
    """True when every field the incoming row carries equals ours (timestamps aside)."""
    return all(local[position[name]] == value for name, value in row.items()
               if name not in SYSTEM)


def merge_spec(spec: Spec, lines, ctx: Merge) -> None:
    table = spec.table
    fks = _fk_targets(spec)
    codec = _Decoder(spec, fks)
    position = {column.name: i for i, column in enumerate(table.columns)}
    at_id = position["id"]
    tally = ctx.tallies[spec.name]
    self_ref = spec.name in fks.values()
    seen: set[str] = set()
    sqlite = db.session.get_bind().dialect.name == "sqlite"
    # New rows are written a table at a time: one COPY lets PostgreSQL store rows while more
    # are being sent, where a COPY a chunk waited for the server a hundred times.
    waiting: list[dict] = []
    for chunk in chunks(lines, 1 if self_ref else CHUNK):
        size = len(chunk)
        chunk, here = set_aside_unchanged(table, chunk, ctx.idmap.get(spec.name), seen)
        tally.unchanged += size - len(chunk)
        if not chunk:
            continue
        try:
            rows = [codec.decode(line) for line in chunk]
        except (ValueError, TypeError, AttributeError) as exc:
            raise Refused(_("The bundle has a malformed row in %(table)s: %(error)s.",
                            table=spec.name, error=str(exc))) from exc
        for column, target in fks.items():
            ours = ctx.idmap.get(target)
            if ours:  # rows of `target` known here under another id
                for row in rows:
                    value = row.get(column)
                    if value is not None:
                        row[column] = ours.get(value, value)
        known = ctx.idmap.get(spec.name)
        if known:  # rows this side sent before under their id, matched to ours then
            for row in rows:
                row["id"] = known.get(row["id"], row["id"])
        # Plain rows (tuples), not mappings: reading a chunk is the dearest step of a re-import.
        keys = [id_key(row["id"], sqlite) for row in rows]
        ids = [row["id"] for row, key in zip(rows, keys, strict=True) if key in here]
        found = {r[at_id]: r for r in db.session.execute(
            select(table).where(among(table.c.id, ids))).all()} if ids else {}
        if spec.natural and _match_natural(spec, [r for r in rows if r["id"] not in found],
                                           found, ctx):
            keys = [id_key(row["id"], sqlite) for row in rows]  # some are ours now
        away = set()
        if ctx.incoming == "site":
            _check_claims(spec, rows, found, ctx)
            away = _held_elsewhere(spec, rows, found, ctx)
        inserts, updates = [], []
        for row, key in zip(rows, keys, strict=True):
            if key in seen:
                tally.unchanged += 1
                continue
            seen.add(key)
            local = found.get(row["id"])
            if local is None:
                inserts.append(row)
                continue
            if row["id"] in away:
                continue  # counted as a conflict
            changes = {} if _same(local, row, position) else _merge_row(
                spec, local._mapping, row, ctx)
            if changes:
                updates.append((row["id"], changes))
            else:
                tally.unchanged += 1
        waiting.extend(inserts)
        tally.inserted += len(inserts)
        if waiting and (self_ref or len(waiting) >= WAITING):
            insert_rows(table, waiting)
            waiting = []
        for row_id, changes in updates:
            db.session.execute(update(table).where(table.c.id == row_id).values(**changes))
        tally.updated += len(updates)
        if not is_site() and spec.forward and DOWN in spec.directions:
            ctx.arrivals.extend({"table": spec.name, "row_id": r["id"], "source": ctx.peer.code,
                                 "arrived_at": ctx.now} for r in inserts)
            ctx.arrivals.extend({"table": spec.name, "row_id": i, "source": ctx.peer.code,
                                 "arrived_at": ctx.now} for i, _c in updates)
    if waiting:
        insert_rows(table, waiting)


def _whole_playlists(lines: Iterable[dict], ctx: Merge) -> list[dict]:
    """Screening items: a playlist travels whole and the newer one wins as a whole.

    Sync sends no deletions, and a changed playlist is new rows: merged row by row, the old
    and the new playlist would both stay, and the site would play both. So `gather` sends every
    item of a playlist with any item changed, and here, for each screening: when the incoming
    playlist is the newer (its newest item), our items missing from it are deleted; when ours
    is, its items we do not have are left out. Only the peer's own screenings' playlists are
    touched (merge_spec refuses the others). A playlist emptied on one side is not known to be.
    """
    lines = list(lines)
    incoming: dict[uuid.UUID, list[dict]] = defaultdict(list)
    try:
        for line in lines:
            incoming[uuid.UUID(line["screening_id"])].append(line)
        newest = {screening: max(datetime.fromisoformat(item["updated_at"]) for item in items)
                  for screening, items in incoming.items()}
        theirs = {screening: {uuid.UUID(item["id"]) for item in items}
                  for screening, items in incoming.items()}
    except (TypeError, ValueError, KeyError, AttributeError):
        return lines  # merge_spec tells what is wrong with the rows
    for items in incoming.values():
        if len(items) > limits.PLAYLIST_ITEMS:
            raise Refused(_("The bundle has a malformed row in %(table)s: %(error)s.",
                            table="screening_items", error=_(
                                "%(field)s has more than %(num)d items.", field="playlist",
                                num=limits.PLAYLIST_ITEMS).rstrip(".。")))
    table = ScreeningItem.__table__
    query = select(table.c.id, table.c.screening_id, table.c.updated_at).where(
        among(table.c.screening_id, list(incoming)))
    if ctx.incoming == "site":
        query = query.join(Screening, Screening.id == table.c.screening_id).where(
            Screening.site_id == ctx.site.id)
    ours: dict[uuid.UUID, list] = defaultdict(list)
    for row in db.session.execute(query):
        ours[row.screening_id].append(row)
    kept, stale = [], []
    for screening, items in incoming.items():
        local = ours.get(screening, [])
        gone = [row.id for row in local if row.id not in theirs[screening]]
        if not gone or newest[screening] >= max(row.updated_at for row in local):
            kept += items
            stale += gone
        else:  # ours is the newer playlist: it goes to them with our next bundle
            known = {row.id for row in local}
            kept += [item for item in items if uuid.UUID(item["id"]) in known]
    for chunk in chunks(stale, 500):
        db.session.execute(delete(table).where(among(table.c.id, chunk)))
    return kept


def _match_natural(spec: Spec, unknown: list[dict], found: dict, ctx: Merge) -> bool:
    """Rows new by id but known by their natural key: the same thing, under our id.

    Gives those rows our id; returns whether there were any.
    """
    keys = spec.natural
    table = spec.table
    columns = [table.c[k] for k in keys]
    if len(keys) > 1:
        # Most rows new here belong to a parent that has none yet (the sign-ins of a screening
        # held since the last bundle): a probe a parent rules them out before every
        # combination of values is searched.
        parents = list({row.get(keys[0]) for row in unknown} - {None})
        if not parents:
            return False
        held = set(db.session.scalars(select(columns[0]).where(
            among(columns[0], parents)).distinct()))
        unknown = [row for row in unknown if row.get(keys[0]) in held]
    wanted = {tuple(row.get(k) for k in keys): row for row in unknown}
    wanted = {k: v for k, v in wanted.items() if all(part is not None for part in k)}
    if not wanted:
        return False
    # Row values IN a list make SQLite scan the whole table for every chunk. Plain INs, one a
    # column, search the unique index for every combination of their values: few in a usual
    # chunk (a few screenings and many people; one library root and many paths).
    sets = [list({key[i] for key in wanted}) for i in range(len(keys))]
    if math.prod(len(values) for values in sets) <= PROBES * len(wanted):
        where = and_(*(column.in_(values) for column, values in zip(columns, sets, strict=True)))
    else:
        where = tuple_(*columns).in_(list(wanted))
    matched = False
    for local in db.session.execute(select(table).where(where)):
        mapping = local._mapping
        key = tuple(mapping[k] for k in keys)
        row = wanted.get(key)
        if row is None:
            continue
        ctx.idmap[spec.name][row["id"]] = mapping["id"]
        ctx.new_maps.append({"table": spec.name, "remote_id": row["id"],
                             "local_id": mapping["id"]})
        row["id"] = mapping["id"]
        found[mapping["id"]] = local
        matched = True
    return matched


# --- the import --------------------------------------------------------------------------------

def import_bundle(source: str | bytes, *, now: datetime | None = None) -> dict:
    """Import a bundle file (path or bytes). Returns the summary; raises Refused, writing nothing.

    A bundle already imported is recognised by its digest and changes nothing.
    """
    now = now or utcnow()
    try:
        opened = open_bundle(source)
    except BundleError as exc:
        raise Refused(_bundle_message(exc), reason=exc.reason) from exc
    m = opened.manifest
    _check_manifest(m)
    earlier = _imported(opened.digest)
    if earlier is not None:
        _check_copy(opened)
        _finish_enrollment(m)
        return _already(opened, earlier)
    was_site = is_site()  # a fresh install becomes a site by importing its enrollment
    committed = False
    try:
        peer = _peer_for(opened)
        incoming = "hub" if is_site() else "site"
        site = db.session.scalar(select(Site).where(Site.code == (
            my_code() if is_site() else peer.code)))
        ctx = Merge(peer=peer, digest=opened.digest, incoming=incoming, site=site, now=now,
                    fresh=m["seq"] > (peer.in_seq or 0), they_have=_acknowledged(peer, m),
                    we_have=peer.in_watermark)
        for mapped in db.session.execute(select(SyncIdMap.table, SyncIdMap.remote_id,
                                                SyncIdMap.local_id)):
            ctx.idmap[mapped.table][mapped.remote_id] = mapped.local_id
        direction = DOWN if incoming == "hub" else UP
        names = {p["name"] for p in m.get("parts", [])}
        for spec in SPECS:
            if spec.name not in names:
                continue
            if direction not in spec.directions:
                if any(True for _r in opened.rows(spec.name)):
                    raise Refused(_("The bundle carries %(table)s, which a %(side)s does not "
                                    "send. Nothing was imported.", table=spec.name,
                                    side=_("site") if incoming == "site" else _("hub")),
                                  reason="claim", status=403)
                continue
            rows = opened.rows(spec.name)
            if spec.model is ScreeningItem:
                rows = _whole_playlists(rows, ctx)
            merge_spec(spec, rows, ctx)
            if spec.name == "sites" and ctx.site is None and is_site():
                ctx.site = db.session.scalar(select(Site).where(Site.code == my_code()))
        if incoming == "hub" and m.get("users") is not None:
            _retire_users(m["users"], ctx)
        if ctx.conflicts:
            db.session.execute(insert(SyncConflict.__table__), ctx.conflicts)
        if ctx.arrivals:
            db.session.execute(insert(SyncArrival.__table__), ctx.arrivals)
        if ctx.new_maps:
            db.session.execute(insert(SyncIdMap.__table__), ctx.new_maps)
        warnings = _advance(peer, m, now)
        tables = {name: t.as_dict() for name, t in ctx.tallies.items()}
        totals = {key: sum(t[key] for t in tables.values())
                  for key in ("inserted", "updated", "unchanged", "conflicts")}
        summary = {"digest": opened.digest, "origin": m["origin"], "kind": m["kind"],
                   "seq": m["seq"], "already_imported": False, **totals, "tables": tables,
                   "warnings": warnings}
        db.session.add(Bundle(origin=m["origin"], destination=m["destination"],
                              digest=opened.digest, counts=m.get("counts", {}),
                              bundle_created_at=_time(m["created"], "created"),
                              imported_at=now, seq=m["seq"], kind=m["kind"],
                              summary={**totals, "warnings": warnings}))
        db.session.commit()
        committed = True
        if not was_site and is_site():  # only a fresh install's own enrollment makes a site
            _save_site_config(my_code())
    except BundleError as exc:  # a signed part that is not JSON Lines: made by a faulty program
        db.session.rollback()
        raise Refused(_("The bundle is signed but its rows cannot be read (%(error)s). Nothing "
                        "was imported.", error=exc.message)) from exc
    except IntegrityError as exc:
        db.session.rollback()
        earlier = _imported(opened.digest)
        if earlier is not None:  # the same bundle, imported meanwhile by another process
            return _already(opened, earlier)
        raise Refused(_("The bundle's rows do not fit this database (%(error)s). Nothing was "
                        "imported. If this database was restored from a backup, ask the other "
                        "side for a full bundle (dianjiao sync export --full).",
                        error=str(exc.orig).splitlines()[0][:200])) from exc
    except DBAPIError as exc:
        db.session.rollback()
        raise Refused(_("The database refused the bundle (%(error)s). Nothing was imported.",
                        error=str(exc.orig).splitlines()[0][:200])) from exc
    except BaseException:
        db.session.rollback()
        raise
    finally:
        if not committed and not was_site and is_site():  # failed: this install stays a hub
            current_app.config["ROLE"], current_app.config["SITE"] = "hub", None
    return summary


def _imported(digest: str) -> Bundle | None:
    return db.session.scalar(select(Bundle).where(Bundle.digest == digest))


def _check_copy(opened: Opened) -> None:
    """A copy of a bundle imported before is whole: a damaged one is refused, not "already
    imported" (the sender would think it arrived, and may send the damaged file on).

    Its manifest is the one imported (same SHA-256), so it was trusted then; the parts are
    checked against it, and the signature too while this install still holds the key.
    """
    try:
        keys = _copy_keys(opened.manifest)
        if keys:
            opened.verify(keys)
        else:
            opened.check_parts()
    except BundleError as exc:
        raise Refused(_bundle_message(exc), reason=exc.reason) from exc


def _copy_keys(m: dict) -> list[str]:
    """The key that signed a bundle imported before, if this install still holds it."""
    if m["kind"] == "enroll":
        key = (m.get("enroll") or {}).get("key")
        return [key] if isinstance(key, str) else []  # valid: the bundle was imported
    peer = db.session.scalar(select(SyncPeer).where(
        SyncPeer.code == m["origin"], SyncPeer.kind == ("hub" if is_site() else "site")))
    if peer is None:
        return []
    if m["key_version"] == peer.key_version:
        return [peer.key]
    if m["key_version"] == peer.key_version - 1 and peer.previous_key:
        return [peer.previous_key]
    return []


def _already(opened: Opened, earlier: Bundle) -> dict:
    m = opened.manifest
    return {"digest": opened.digest, "origin": m["origin"], "kind": m["kind"], "seq": m["seq"],
            "already_imported": True, "imported_at": earlier.imported_at.isoformat(),
            "inserted": 0, "updated": 0, "unchanged": 0, "conflicts": 0, "tables": {},
            "warnings": []}


def _save_site_config(code: str) -> None:
    """Save the enrolled install's role; a failure is told plainly (the import itself is in)."""
    try:
        write_site_config(code)
    except OSError as exc:
        raise DianjiaoError(_(
            "The enrollment bundle was imported, but this install's settings could not be saved "
            "in instance/config.py (%(error)s). Fix that file or folder, then import the same "
            "bundle again to finish.", error=exc.strerror or str(exc))) from exc


def _finish_enrollment(m: dict) -> None:
    """An enrollment imported before whose settings were not saved (see _save_site_config):
    the install holds the hub's link but still starts as a hub. Importing it again finishes."""
    code = (m.get("enroll") or {}).get("site")
    if m["kind"] != "enroll" or is_site() or not isinstance(code, str):
        return
    if db.session.scalar(select(SyncPeer.id).where(SyncPeer.kind == "hub")) is None:
        return
    become_site(code)
    try:
        _save_site_config(code)
    except DianjiaoError:
        current_app.config["ROLE"], current_app.config["SITE"] = "hub", None
        raise


def _acknowledged(peer: SyncPeer, m: dict) -> datetime | None:
    """Up to when (our clock) the sender holds our rows, by the bundle's acknowledgement."""
    watermark = (m.get("ack") or {}).get("watermark")
    if not watermark:
        return None
    acked = _time(watermark, "ack")
    return min(acked, peer.last_export_at) if peer.last_export_at else acked


def _retire_users(listed: list[str], ctx: Merge) -> None:
    """On a site: the hub's users of this site not in its list (moved to another site, or
    removed) can no longer log in here. Users made at this install are not the hub's to list."""
    if ctx.site is None:
        return
    try:
        ids = {uuid.UUID(value) for value in listed}
    except ValueError as exc:
        raise Refused(_("The bundle's manifest is incomplete (%(key)s).", key="users")) from exc
    mapped = ctx.idmap.get("users", {})
    keep = [mapped.get(i, i) for i in ids]
    db.session.execute(update(User).where(
        User.site_id == ctx.site.id, User.origin_site == HUB_ORIGIN, User.active.is_(True),
        User.id.not_in(keep)).values(active=False, updated_at=ctx.now))


def _advance(peer: SyncPeer, m: dict, now: datetime) -> list[str]:
    """Move the link's watermarks and keys after a bundle is merged; return warnings."""
    warnings = []
    created = _time(m["created"], "created")
    watermark = _time(m["watermark"], "watermark")
    if created > now + SKEW_WARNING:
        minutes = int((created - now).total_seconds() // 60)
        warnings.append(_("The sender's clock is about %(n)s minutes ahead of this one; nothing "
                          "is lost, but set the clock right.", n=minutes))
    peer.in_watermark = max(filter(None, (peer.in_watermark, watermark)))
    peer.in_seq = max(peer.in_seq or 0, m["seq"])
    peer.last_import_at = now
    peer.last_bundle_at = max(filter(None, (peer.last_bundle_at, created)))
    acked = _acknowledged(peer, m)
    if acked is not None:
        peer.out_acked = max(filter(None, (peer.out_acked, acked)))
    rekey = m.get("rekey")
    if is_site() and rekey and rekey.get("key_version", 0) > peer.key_version:
        # The hub signs with the old key until the new one comes back: bundles it made since
        # the rotation, signed with the old key, may still arrive, in any order.
        peer.previous_key = peer.key
        peer.key, peer.key_version = rekey["key"], rekey["key_version"]
    elif peer.previous_key and m["key_version"] == peer.key_version:
        peer.previous_key = None  # the other side signs with the new key: the old one is done
    return warnings

