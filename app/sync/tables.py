"""What travels, in which direction, who owns which field, and how a value is written down.

Every synced table is listed once, in foreign-key order (a row's parents come before it). The
rules here are the whole policy of docs/sync.md, "What travels" and "Merging".
"""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import JSON, Date, LargeBinary, Table, Uuid, select, true
from sqlalchemy.sql.elements import ColumnElement

from .. import limits
from ..dates import EARLIEST, LATEST, in_range, moment_in_range
from ..extensions import db
from ..models import (
    Attendance,
    Batch,
    BatchItem,
    BatchManifest,
    FileEntry,
    LibraryRoot,
    Loan,
    MediaFile,
    Person,
    PlayLog,
    Reflection,
    Screening,
    ScreeningEvidence,
    ScreeningItem,
    Series,
    Shipment,
    Site,
    TeachingPlan,
    TeachingSession,
    TerminalHealth,
    Title,
    TitleApproval,
    Unit,
    User,
)
from ..models.base import UTCDateTime
from ..places.tree import subtree_ids

UP, DOWN = "up", "down"  # site → hub, hub → site
HUB_ORIGIN = "HUB"  # origin_site of rows born at the hub
# Statuses that only move forward: the further one wins, whichever side and clock says it.
# A screening played is played, even if the township cancelled it meanwhile; a cancelled one is
# not "missed". Equal ranks fall back to the newer change.
SHIPMENT_RANK = {"planned": 0, "sent": 1, "received": 2, "verified": 3,
                 "lost": 4, "damaged": 4, "returned": 4}
SCREENING_RANK = {"planned": 0, "running": 1, "missed": 2, "cancelled": 3, "partial": 4,
                  "done": 4}


@dataclass(frozen=True)
class Spec:
    """One synced table."""

    model: type
    directions: tuple[str, ...]
    # Columns that identify a row besides its id (a unique constraint): an incoming row with a
    # new id but the same natural key is the same row, and its id is mapped to ours.
    natural: tuple[str, ...] = ()
    owner: str | None = None  # "hub": every field is the hub's; "origin": the birth side's
    site_fields: frozenset[str] = field(default_factory=frozenset)  # always the site's
    hub_fields: frozenset[str] = field(default_factory=frozenset)  # always the hub's
    # The hub → site scope: a WHERE clause for the site's rows, or None for every row.
    scope: Callable[[Site], ColumnElement | None] | None = None
    # The site → hub check: the site the row belongs to (its id), for rows that say.
    site_column: str | None = None
    forward: bool = True  # the hub passes a row that arrived from one site on to the others
    ranks: dict[str, dict[str, int]] = field(default_factory=dict)  # forward-only fields
    # (flag, fields): once the site set the flag on a row (a plan's screening it moved or
    # cancelled), those fields are the site's, whichever side changed them later.
    site_claims: tuple[str, frozenset[str]] | None = None
    scoped_up: bool = False  # a site sends only the rows of its scope (else all it may send)

    @property
    def table(self) -> Table:
        return self.model.__table__

    @property
    def name(self) -> str:
        return self.table.name


def _villages(site: Site) -> set[uuid.UUID]:
    return subtree_ids(site.unit_id)


def _guests(site: Site):
    """The people signed in (or reflecting) at the site's screenings: their rows travel with
    the site's attendance, wherever they live (a kiosk signs in the whole township)."""
    screenings = _site_screenings(site)
    return (select(Attendance.person_id).where(Attendance.screening_id.in_(screenings),
                                               Attendance.person_id.is_not(None))
            .union(select(Reflection.person_id).where(Reflection.screening_id.in_(screenings)))
            .scalar_subquery())


def _people(site: Site):
    return Person.village_id.in_(_villages(site)) | Person.id.in_(_guests(site))


def _lineage(site: Site) -> set[uuid.UUID]:
    """The units a site's rows refer to: its own lineage and villages, and the villages (with
    their lineage) of the guests of its screenings."""
    units = {u.id for u in site.unit.lineage()} | _villages(site)
    guest_villages = set(db.session.scalars(select(Person.village_id).where(
        Person.id.in_(_guests(site)), Person.village_id.is_not(None)).distinct())) - units
    for village in (db.session.get(Unit, v) for v in guest_villages):
        if village is not None:
            units |= {u.id for u in village.lineage()}
    return units


def _site_screenings(site: Site):
    return select(Screening.id).where(Screening.site_id == site.id).scalar_subquery()


def _site_sessions(site: Site):
    return select(Screening.teaching_session_id).where(
        Screening.site_id == site.id, Screening.teaching_session_id.is_not(None)).scalar_subquery()


def _site_plans(site: Site):
    return select(TeachingSession.plan_id).where(
        TeachingSession.id.in_(_site_sessions(site))).scalar_subquery()


def _site_batches(site: Site):
    return select(Shipment.batch_id).where(Shipment.site_id == site.id).scalar_subquery()


SPECS: tuple[Spec, ...] = (
    Spec(Unit, (DOWN,), natural=("parent_id", "name"), owner="hub",
         scope=lambda s: Unit.id.in_(_lineage(s))),
    # A site's record is the hub's, but for its usual start time, which the operator may set at
    # the site too (the newer change wins); a site sends only its own record.
    Spec(Site, (UP, DOWN), natural=("code",), scope=lambda s: Site.id == s.id, scoped_up=True,
         site_column="id", forward=False,
         hub_fields=frozenset(c.name for c in Site.__table__.columns) - {"usual_start"}),
    Spec(User, (DOWN,), natural=("username",), owner="hub",
         scope=lambda s: User.site_id == s.id),
    Spec(Title, (DOWN,), owner="hub"),
    # A township's approval of a title reaches the sites of that township (the city's is the
    # title's own `approved`).
    Spec(TitleApproval, (DOWN,), natural=("title_id", "unit_id"), owner="hub",
         scope=lambda s: TitleApproval.unit_id.in_(_lineage(s))),
    # A scan at a site finds new content: the file's identity travels up, its title comes down.
    Spec(MediaFile, (UP, DOWN), natural=("sha256",), hub_fields=frozenset({"title_id", "part"})),
    Spec(LibraryRoot, (UP,), natural=("site_id", "path"), owner="origin",
         site_column="site_id", forward=False),
    Spec(FileEntry, (UP,), natural=("root_id", "relpath"), owner="origin", forward=False),
    Spec(Person, (UP, DOWN), scope=_people),
    Spec(Series, (UP, DOWN), scope=lambda s: Series.site_id == s.id, site_column="site_id"),
    # A township's teaching plan comes down to the sites it has screenings at.
    Spec(TeachingPlan, (DOWN,), owner="hub", scope=lambda s: TeachingPlan.id.in_(_site_plans(s))),
    Spec(TeachingSession, (DOWN,), owner="hub",
         scope=lambda s: TeachingSession.id.in_(_site_sessions(s))),
    Spec(Screening, (UP, DOWN), scope=lambda s: Screening.site_id == s.id,
         site_column="site_id", ranks={"status": SCREENING_RANK},
         site_fields=frozenset({"late", "status_reason", "discussion", "attendance_closed",
                                "phone_shared", "site_change"}),
         site_claims=("site_change", frozenset({"starts_at", "ends_at", "edited"}))),
    Spec(ScreeningItem, (UP, DOWN), scope=lambda s: ScreeningItem.screening_id.in_(
        _site_screenings(s))),
    Spec(Batch, (DOWN,), owner="hub", scope=lambda s: Batch.id.in_(_site_batches(s))),
    Spec(BatchItem, (DOWN,), natural=("batch_id", "title_id"), owner="hub",
         scope=lambda s: BatchItem.batch_id.in_(_site_batches(s))),
    # What a batch carries, by hash: the site verifies its kit against it after a scan.
    Spec(BatchManifest, (DOWN,), natural=("batch_id", "sha256"), owner="hub",
         scope=lambda s: BatchManifest.batch_id.in_(_site_batches(s))),
    Spec(Shipment, (UP, DOWN), natural=("serial",), scope=lambda s: Shipment.site_id == s.id,
         site_column="site_id", ranks={"status": SHIPMENT_RANK},
         site_fields=frozenset({"received_at", "received_by", "verified_at"})),
    Spec(PlayLog, (UP,), owner="origin", site_column="site_id", forward=False),
    # The pictures backing a screening (snapshot thumbnails, room photos): up only, the JPEG as
    # base64; a bundle carries at most SYNC_EVIDENCE_MB of them (export.py defers the rest).
    Spec(ScreeningEvidence, (UP,), natural=("screening_id", "kind", "label", "sha256"), owner="origin",
         site_column="site_id", forward=False),
    Spec(Attendance, (UP, DOWN), natural=("screening_id", "person_id"), owner="origin",
         scope=lambda s: Attendance.screening_id.in_(_site_screenings(s)), forward=False),
    # A person's reflection on a screening: typed at the site (phone or operator) or at the hub;
    # the newer change wins. Checked like attendance: a site sends those of its own screenings.
    Spec(Reflection, (UP, DOWN), natural=("screening_id", "person_id"),
         scope=lambda s: Reflection.screening_id.in_(_site_screenings(s)), forward=False),
    Spec(Loan, (UP, DOWN), owner="origin", scope=lambda s: Loan.site_id == s.id,
         site_column="site_id"),
    # A site's hourly health report: one row a site, its own to write. A bundle newer than any
    # imported from the site (by its sequence number) brings its latest word even if the site's
    # clock went back; an older bundle arriving late does not replace a newer report.
    Spec(TerminalHealth, (UP,), natural=("site_id",), owner="origin", site_column="site_id",
         forward=False),
)
SYSTEM = frozenset({"id", "origin_site", "created_at", "updated_at"})


def field_owner(spec: Spec, column: str, origin: str, claimed: bool = False) -> str | None:
    """Who owns a field of a row: "hub", "site", or None (the newer change wins).

    `claimed`: the row carries its spec's site claim (either side's copy)."""
    if claimed and column in spec.site_claims[1]:
        return "site"
    if column in spec.hub_fields:
        return "hub"
    if column in spec.site_fields:
        return "site"
    if spec.owner == "hub":
        return "hub"
    if spec.owner == "origin":
        return "hub" if origin == HUB_ORIGIN else "site"
    return None


def scope_clause(spec: Spec, site: Site) -> ColumnElement:
    if spec.scope is None:
        return true()
    clause = spec.scope(site)
    return true() if clause is None else clause


# --- values ------------------------------------------------------------------------------------

def _encoder(column) -> Callable:
    kind = column.type
    if isinstance(kind, Uuid):
        return lambda v: None if v is None else str(v)
    if isinstance(kind, UTCDateTime):
        return lambda v: None if v is None else v.isoformat()
    if isinstance(kind, Date):
        return lambda v: None if v is None else v.isoformat()
    if isinstance(kind, LargeBinary):
        return lambda v: None if v is None else base64.b64encode(v).decode("ascii")
    return lambda v: v


def _limited(decode: Callable, column) -> Callable:
    """`decode`, refusing a text longer than its column holds (or than app/limits.py allows a
    Text column) and a JSON list with more items than allowed: a bundle is held to the limits of
    the API and the pages, and SQLite, unlike PostgreSQL, would store an over-long String(n)."""
    limit = limits.SYNCED_COLUMNS.get((column.table.name, column.name)) or getattr(
        column.type, "length", None)
    if not limit:
        return decode

    def checked(value):
        if isinstance(value, str) and len(value) > limit:
            message = _("%(field)s is longer than %(num)d characters.", field=column.name,
                        num=limit)
        elif isinstance(value, list) and len(value) > limit:
            message = _("%(field)s has more than %(num)d items.", field=column.name, num=limit)
        else:
            return decode(value)
        raise ValueError(message.rstrip(".。"))  # the importer's message ends the sentence

    return checked


def _decoder(column) -> Callable:
    return _limited(_plain_decoder(column), column)


def _plain_decoder(column) -> Callable:
    kind = column.type
    if isinstance(kind, Uuid):
        return lambda v: None if v is None else uuid.UUID(v)
    if isinstance(kind, UTCDateTime):
        def to_time(v, name=column.name):
            if v is None:
                return None
            value = datetime.fromisoformat(v)
            if value.tzinfo is None:
                raise ValueError("a time without its offset")
            if not moment_in_range(value):  # as written and in UTC: the local time then fits
                raise ValueError(f"{name} {v} is not from {EARLIEST} to {LATEST}")
            return value
        return to_time
    if isinstance(kind, Date):
        def to_date(v, name=column.name):
            if v is None:
                return None
            value = date.fromisoformat(v)
            if not in_range(value):
                raise ValueError(f"{name} {v} is not from {EARLIEST} to {LATEST}")
            return value
        return to_date
    if isinstance(kind, JSON):
        return lambda v: v
    if isinstance(kind, LargeBinary):
        return _jpeg
    python = getattr(kind, "python_type", None)
    if python in (int, float, bool, str):
        def checked(v, python=python):
            if v is None or isinstance(v, python) or (python is float and isinstance(v, int)):
                return v
            raise ValueError(f"{v!r} is not a {python.__name__}")
        return checked
    return lambda v: v


def _jpeg(value):
    """A picture's bytes from base64: a JPEG, or the row is refused (its size is held to
    limits.EVIDENCE_B64 before)."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"{type(value).__name__} is not base64 text")
    try:
        data = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError("a picture that is not base64") from exc
    if not data.startswith(b"\xff\xd8\xff"):
        raise ValueError("a picture that is not a JPEG")
    return data


class Codec:
    """Turns a table's rows into JSON-ready dicts and back, column by column."""

    def __init__(self, table: Table):
        self.columns = [c.name for c in table.columns]
        self.encoders = {c.name: _encoder(c) for c in table.columns}
        self.decoders = {c.name: _decoder(c) for c in table.columns}
        self.required = {c.name for c in table.columns
                         if not c.nullable and c.default is None and c.server_default is None}

    def encode(self, row) -> dict:
        mapping = row._mapping
        return {name: self.encoders[name](mapping[name]) for name in self.columns}

    def decode(self, data: dict) -> dict:
        if not isinstance(data, dict):
            raise ValueError("a row that is not a JSON object")
        decoders = self.decoders  # a key that is no column here (a newer version's) is left
        out = {name: decoders[name](value) for name, value in data.items() if name in decoders}
        missing = [name for name in ("id", "origin_site", "updated_at") if out.get(name) is None]
        if missing:
            raise ValueError(f"a row without {', '.join(missing)}")
        return out


CODECS = {spec.name: Codec(spec.table) for spec in SPECS}
