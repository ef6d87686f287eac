"""Units and sites: lookups, the CSV/XLSX import (all or nothing), and plain dicts for the API."""

from __future__ import annotations

import csv
import io
import os
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError

from ..errors import Conflict, Invalid
from ..extensions import db
from ..models import FileEntry, LibraryRoot, Site, Unit
from ..models.places import SITE_KINDS
from .tree import subtree_ids

IMPORT_COLUMNS = ("code", "name", "kind", "township", "village")


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[dict] = field(default_factory=list)  # [{"row": n, "error": "..."}]


def site_dict(site: Site) -> dict:
    township, village = site.township, site.village
    return {
        "code": site.code,
        "name": site.name,
        "kind": site.kind,
        "township": township.name if township else None,
        "village": village.name if village else None,
        "usual_start": site.usual_start,
    }


def filter_sites(query: Select, *, kind: str | None = None, township: str | None = None,
                 q: str | None = None) -> Select:
    """Narrow a site query by kind, township name and a text match on code or name."""
    if kind:
        query = query.where(Site.kind == kind)
    if township:
        unit = db.session.scalar(select(Unit).where(Unit.kind == "township", Unit.name == township))
        if unit is None:
            return query.where(Site.id.is_(None))
        query = query.where(Site.unit_id.in_(subtree_ids(unit.id)))
    if q:
        like = f"%{q.strip()}%"
        query = query.where(Site.code.ilike(like) | Site.name.ilike(like))
    return query.order_by(Site.code)


def get_or_make_unit(name: str, kind: str, parent: Unit | None) -> Unit:
    parent_id = parent.id if parent else None
    unit = db.session.scalar(
        select(Unit).where(Unit.name == name, Unit.kind == kind, Unit.parent_id == parent_id)
    )
    if unit is None:
        unit = Unit(name=name, kind=kind, parent=parent)
        db.session.add(unit)
        db.session.flush()
    return unit


def city() -> Unit | None:
    return db.session.scalar(select(Unit).where(Unit.kind == "city").order_by(Unit.created_at))


def read_table(filename: str, data: bytes) -> list[dict]:
    """Read a CSV (UTF-8 or GBK) or XLSX file into rows of lower-cased column names."""
    ext = os.path.splitext(filename)[1].lower()
    if ext == ".xlsx":
        from openpyxl import load_workbook

        try:
            sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).active
        except Exception as exc:  # openpyxl raises many types for a bad file
            raise Invalid(_("This is not a readable XLSX file (%(reason)s).", reason=exc)) from exc
        rows = list(sheet.iter_rows(values_only=True))
        if not rows:
            return []
        header = [str(h or "").strip().lower() for h in rows[0]]
        return [
            {h: ("" if v is None else str(v).strip()) for h, v in zip(header, row, strict=False)}
            for row in rows[1:]
            if any(v not in (None, "") for v in row)
        ]
    if ext not in (".csv", ".txt"):
        raise Invalid(_("Upload a .csv or .xlsx file."))
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise Invalid(_("The file is neither UTF-8 nor GBK text."))
    reader = csv.DictReader(io.StringIO(text))
    reader.fieldnames = [f.strip().lower() for f in reader.fieldnames or []]
    return [{k: (v or "").strip() for k, v in row.items() if k} for row in reader]


def import_sites(rows: list[dict]) -> ImportReport:
    """Create or update sites by code; any bad row rejects the whole file."""
    report = ImportReport()
    if rows and (missing := [c for c in IMPORT_COLUMNS if c not in rows[0]]):
        raise Invalid(_("Missing columns: %(cols)s.", cols=", ".join(missing)))
    seen: dict[str, int] = {}
    for n, row in enumerate(rows, start=2):  # row 1 is the header
        problems = []
        code = row.get("code", "")
        if not code:
            problems.append(_("code is empty"))
        elif code in seen:
            problems.append(_("code %(code)s repeats row %(row)s", code=code, row=seen[code]))
        if not row.get("name"):
            problems.append(_("name is empty"))
        if row.get("kind") not in SITE_KINDS:
            problems.append(_("kind must be one of %(kinds)s", kinds=", ".join(SITE_KINDS)))
        if not row.get("township"):
            problems.append(_("township is empty"))
        seen.setdefault(code, n)
        if problems:
            report.errors.append({"row": n, "error": "; ".join(problems)})
    if report.errors:
        raise Invalid(_("The file has errors; nothing was imported."), details=report.errors)
    top = city()
    with db.session.no_autoflush:
        for row in rows:
            township = get_or_make_unit(row["township"], "township", top)
            unit = get_or_make_unit(row["village"], "village", township) if row["village"] else township
            site = db.session.scalar(select(Site).where(Site.code == row["code"]))
            if site is None:
                db.session.add(Site(code=row["code"], name=row["name"], kind=row["kind"], unit=unit))
                report.created += 1
            elif (site.name, site.kind, site.unit_id) == (row["name"], row["kind"], unit.id):
                report.unchanged += 1
            else:
                site.name, site.kind, site.unit = row["name"], row["kind"], unit
                report.updated += 1
            db.session.flush()
    return report


def township_names() -> list[str]:
    """Every township's name, in order (the sites page's filter)."""
    return list(db.session.scalars(
        select(Unit.name).where(Unit.kind == "township").order_by(Unit.name)))


def present_files(site: Site) -> int:
    """How many files a scan saw present in the site's library folders."""
    return db.session.scalar(
        select(func.count(FileEntry.id)).join(LibraryRoot)
        .where(LibraryRoot.site_id == site.id, FileEntry.missing.is_(False))) or 0


def sites_by_kind(site_ids: Select) -> list[tuple[str, int]]:
    """How many of the given sites there are of each kind."""
    return list(db.session.execute(
        select(Site.kind, func.count(Site.id)).where(Site.id.in_(site_ids)).group_by(Site.kind)
    ).all())


def rename_unit(unit: Unit, name: str) -> None:
    """Rename a place; refused when a place under the same parent already has the name."""
    unit.name = name.strip()
    try:
        db.session.flush()
    except IntegrityError as exc:
        raise Conflict(_("Another place under the same parent already has this name.")) from exc
