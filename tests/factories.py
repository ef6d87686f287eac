"""Row factories with defaults (after CTFd's tests/helpers.py): `make.x(**overrides)` adds one row
(or a few, for a world) and commits, so a test states only what matters to it.

They go through the services where a service derives fields (a person's pinyin, a screening's
overlap check, a batch's titles, a kit's serial) and write the row directly otherwise (a play log,
a file seen by a scan, a loan), as a sync import or an old row would. Times are never defaulted to
the clock: a test passes its `now` fixture (see tests/conftest.py).
"""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta

from app.auth.services import add_user
from app.catalog.titles import create_title
from app.distribution.batches import create_batch
from app.distribution.kits import consign
from app.extensions import db
from app.models import (
    Attendance,
    Batch,
    FileEntry,
    LibraryRoot,
    Loan,
    MediaFile,
    Person,
    PlayLog,
    Screening,
    Series,
    Shipment,
    Site,
    Title,
    Unit,
    User,
)
from app.people.services import create_person, village_named
from app.places.services import city, get_or_make_unit
from app.screenings.plans import create_series
from app.screenings.playlist import resolve_items
from app.screenings.single import create_screening

PASSWORD = "secret-pass-1"
_n = itertools.count(1)


# --- places and people -------------------------------------------------------------------------

def site(code: str | None = None, *, township: str = "城关镇", village: str | None = "东村",
         kind: str = "playback_point", name: str | None = None) -> Site:
    top = city() or get_or_make_unit("示范市", "city", None)
    unit = get_or_make_unit(township, "township", top)
    if village:
        unit = get_or_make_unit(village, "village", unit)
    code = code or f"P-{next(_n):03d}"
    row = Site(code=code, name=name or f"{village or township}播放点{code}", kind=kind, unit=unit)
    db.session.add(row)
    db.session.commit()
    return row


def user(username: str, role: str, *, site: Site | None = None, township: str | None = None,
         password: str = PASSWORD) -> User:
    row = add_user(username, role, password, site_code=site.code if site else None,
                   township=township)
    db.session.commit()
    return row


def person(name: str = "张三", *, village: Unit | str | None = None, **fields) -> Person:
    """A roster person; `village` a Unit or the name of a village made already (by make.site)."""
    if isinstance(village, str):
        village = village_named(village)
    row = create_person(name, village=village, **fields)
    db.session.commit()
    return row


def people(village: Unit | str | None, *specs: str | tuple, **fields) -> dict[str, Person]:
    """Several people of one village by name: `people(east, "张三", ("李四", {"role": "cadre"}))`."""
    made = {}
    for spec in specs:
        name, extra = (spec, {}) if isinstance(spec, str) else spec
        made[name] = person(name, village=village, **{**fields, **extra})
    return made


def three_sites() -> tuple[Site, Site]:
    """P-001 (城关镇 东村) and P-002 (城关镇 西村), P-003 (河口乡 石桥村); an admin, and P-001's
    operator op-a and kiosk kiosk-a. Returns (P-001, P-003)."""
    a = site("P-001", township="城关镇", village="东村")
    site("P-002", township="城关镇", village="西村")
    c = site("P-003", township="河口乡", village="石桥村")
    user("admin", "admin")
    user("op-a", "operator", site=a)
    user("kiosk-a", "kiosk", site=a)
    return a, c


# --- catalog and libraries -----------------------------------------------------------------------

def title(name: str = "果树修剪技术", *, approved: bool = True, **fields) -> Title:
    """A title, approved by the city unless `approved=False` (the approval gate's tests)."""
    row = create_title(name, approved=approved, approved_by="admin" if approved else None,
                       **fields)
    db.session.commit()
    return row


def media_file(title: Title | None = None, *, sha256: str | None = None, size: int = 1,
               **fields) -> MediaFile:
    """A content identity; a distinct sha256 of its own unless given."""
    sha256 = sha256 or f"{next(_n):064x}"
    row = MediaFile(sha256=sha256, fingerprint=fields.pop("fingerprint", sha256[:16]), size=size,
                    title_id=title.id if title else None, **fields)
    db.session.add(row)
    db.session.commit()
    return row


def library_root(site: Site, path: str = "/media/usb", **fields) -> LibraryRoot:
    row = LibraryRoot(site_id=site.id, path=path, **fields)
    db.session.add(row)
    db.session.commit()
    return row


def file_entry(root: LibraryRoot, media_file: MediaFile | None = None, *, seen: datetime,
               relpath: str = "a.mp4", missing: bool = False, **fields) -> FileEntry:
    """A file a scan saw under `root` at `seen` (present, unless `missing`)."""
    row = FileEntry(root_id=root.id, relpath=relpath, size=fields.pop("size", 1),
                    mtime_ns=fields.pop("mtime_ns", 1),
                    media_file_id=media_file.id if media_file else None,
                    first_seen=seen, last_seen=seen, missing=missing, **fields)
    db.session.add(row)
    db.session.commit()
    return row


def held(site: Site, media_file: MediaFile, *, seen: datetime, missing: bool = False) -> FileEntry:
    """`site` holds `media_file`: a file of it seen under a library root of the site."""
    root = db.session.scalar(db.select(LibraryRoot).where(LibraryRoot.site_id == site.id)) \
        or library_root(site)
    return file_entry(root, media_file, seen=seen, relpath=f"{media_file.sha256[:12]}.mp4",
                      missing=missing)


# --- screenings, plans, sign-ins, proof of play --------------------------------------------------

def screening(site: Site, *, start: datetime, minutes: int = 60, topic: str = "党课",
              audience: str = "all", playlist: list[dict] | None = None, force: bool = True,
              **fields) -> Screening:
    """One screening of `minutes` from `start`, its playlist as the API takes it
    (`[{"sha256": ...} or {"title_id": ...}]`); overlaps allowed unless `force=False`."""
    if playlist is not None:
        fields["items"] = resolve_items(site, playlist)
    row, _warnings = create_screening(site, starts_at=start,
                                      ends_at=start + timedelta(minutes=minutes), topic=topic,
                                      audience=audience, force=force, **fields)
    db.session.commit()
    return row


def series(site: Site, *, first: datetime, rule: str = "FREQ=WEEKLY", minutes: int = 60,
           topic: str = "每周党课", now: datetime | None = None, **fields) -> Series:
    """A recurring plan (its occurrences in the planning horizon made as a plan's are)."""
    row, _occurrences = create_series(site, rule=rule, first=first, duration_min=minutes,
                                      topic=topic, now=now, **fields)
    db.session.commit()
    return row


def attendance(screening: Screening, person: Person, *, status: str = "present",
               method: str = "operator", at: datetime | None = None, **fields) -> Attendance:
    """A mark of `person` at `screening` (signed at its start unless `at` says otherwise), written
    as it stands: no sign-in window or rule applies (call `sign_in` to test those)."""
    row = Attendance(screening_id=screening.id, person_id=person.id, method=method, status=status,
                     signed_at=at or screening.starts_at, **fields)
    db.session.add(row)
    db.session.commit()
    return row


def play_log(site: Site, *, started_at: datetime, played_s: float = 60.0,
             screening: Screening | None = None, media_file: MediaFile | None = None,
             outcome: str = "completed", ended: bool = True, **fields) -> PlayLog:
    """Proof of play of one item; ended `played_s` after its start unless `ended=False`."""
    row = PlayLog(site_id=site.id, screening_id=screening.id if screening else None,
                  media_file_id=media_file.id if media_file else None,
                  sha256=fields.pop("sha256", media_file.sha256 if media_file else None),
                  started_at=started_at,
                  ended_at=started_at + timedelta(seconds=played_s) if ended else None,
                  played_s=played_s, outcome=outcome, **fields)
    db.session.add(row)
    db.session.commit()
    return row


# --- distribution and loans --------------------------------------------------------------------

def batch(titles: list[Title] | None = None, *, name: str = "2025年第一批", form: str = "DVD",
          **fields) -> Batch:
    row = create_batch(name, form, [t.id for t in (titles or [title()])], **fields)
    db.session.commit()
    return row


def shipment(batch: Batch, site: Site, *, copies: int = 1, form: str | None = None) -> Shipment:
    """A kit of `batch` consigned to `site` (planned)."""
    (row,) = consign(batch, [site], copies=copies, form=form).created
    db.session.commit()
    return row


def loan(site: Site, *, lent_on: date, due_on: date, item: str = "农村实用科技 DVD 第3辑",
         kind: str = "courseware", borrower: str = "李明", **fields) -> Loan:
    row = Loan(site_id=site.id, item=item, kind=kind, borrower=borrower, lent_on=lent_on,
               due_on=due_on, **fields)
    db.session.add(row)
    db.session.commit()
    return row
