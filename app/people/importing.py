"""The roster import (CSV UTF-8/GBK or XLSX): every row checked first, all or nothing; people
already on the roster (same name and village) are reported and changed only when merging."""

from __future__ import annotations

import os
import secrets
import time
import uuid
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field

from flask_babel import gettext as _
from sqlalchemy import select

from ..errors import DianjiaoError, Invalid
from ..extensions import db
from ..models import Person, Unit
from ..models.people import PERSON_ROLES
from ..security import private_opener
from .services import MAX_NAME, clean_name, create_person, village_named

IMPORT_COLUMNS = ("name", "village", "party_member", "role", "phone")
# Chinese headings a hand-made sheet may carry instead of the English ones.
COLUMN_ALIASES = {"姓名": "name", "名字": "name", "村": "village", "村名": "village",
                  "村庄": "village", "所在村": "village", "党员": "party_member",
                  "是否党员": "party_member", "身份": "role", "角色": "role", "电话": "phone",
                  "手机": "phone", "联系电话": "phone", "乡镇": "township", "乡": "township",
                  "镇": "township"}
YES = {"yes", "y", "是", "1", "true", "t"}
NO = {"no", "n", "否", "0", "false", "f", ""}  # an empty cell is "not a party member"
ROLE_WORDS = {"cadre": "cadre", "member": "member", "activist": "activist", "villager": "villager",
              "干部": "cadre", "党员": "member", "积极分子": "activist", "群众": "villager",
              "": "villager"}  # an empty cell is a villager
MAX_PHONE = 20


@dataclass
class PeopleImportReport:
    created: int = 0
    merged: int = 0  # rows that changed a person already on the roster (only with merge)
    unchanged: int = 0  # rows equal to the person already on the roster (only with merge)
    duplicates_skipped: int = 0
    # [{row, name, village, township, of_row, person_id}]: of_row is the earlier row of the file it
    # repeats, None when it repeats a person already on the roster (person_id)
    duplicates: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class _Row:
    number: int
    name: str
    village: Unit
    party_member: bool
    role: str
    phone: str | None


def parse_yes_no(value) -> bool:
    text = str(value or "").strip().lower()
    if text in YES:
        return True
    if text in NO:
        return False
    raise Invalid(_("party_member must be yes or no (是/否, 1/0, true/false)"))


def parse_role(value) -> str:
    role = ROLE_WORDS.get(str(value or "").strip().lower())
    if role is None:
        raise Invalid(_("role must be one of %(roles)s (or 干部, 党员, 积极分子, 群众)",
                        roles=", ".join(PERSON_ROLES)))
    return role


def clean_phone(value) -> str | None:
    """Digits only; spaces and dashes people type between groups are dropped."""
    text = str(value or "").strip()
    if text.endswith(".0") and text[:-2].isdigit():  # a number cell read from a spreadsheet
        text = text[:-2]
    digits = text.replace(" ", "").replace("-", "")
    if not digits:
        return None
    if not digits.isdigit() or not digits.isascii():
        raise Invalid(_("phone must be digits"))
    if len(digits) > MAX_PHONE:
        raise Invalid(_("phone has at most %(n)d digits", n=MAX_PHONE))
    return digits


def normalise_columns(rows: list[dict]) -> list[dict]:
    return [{COLUMN_ALIASES.get(key, key): value for key, value in row.items()} for row in rows]


def import_people(rows: list[dict], *, merge: bool = False,
                  within: Iterable[uuid.UUID] | None = None) -> PeopleImportReport:
    """Add the rows to the roster; any bad row rejects the whole file with a row-by-row report.

    A row whose name and village equal a person already on the roster, or an earlier row of the
    file, is a duplicate: reported and skipped, or with `merge` used to update that person's
    party membership, role and phone (a walk-in so confirmed stops being one). `within` limits the
    villages rows may name (the importing user's area).
    """
    rows = normalise_columns(rows)
    if not rows:
        raise Invalid(_("The file has no rows of people."))
    if missing := [c for c in IMPORT_COLUMNS if c not in rows[0]]:
        raise Invalid(_("Missing columns: %(cols)s.", cols=", ".join(missing)))
    checked = _check(rows, set(within) if within is not None else None)
    return _apply(checked, merge)


def _check(rows: list[dict], within: set[uuid.UUID] | None) -> list[_Row]:
    errors, checked, villages = [], [], {}
    for number, row in enumerate(rows, start=2):  # row 1 is the header
        problems, values = [], {}
        for key, parse in (("name", _name), ("village", None), ("party_member", parse_yes_no),
                           ("role", parse_role), ("phone", clean_phone)):
            try:
                if key == "village":
                    values[key] = _village(row, villages, within)
                else:
                    values[key] = parse(row.get(key))
            except DianjiaoError as exc:
                problems.append(exc.message.rstrip("."))
        if problems:
            errors.append({"row": number, "error": "; ".join(problems)})
        else:
            checked.append(_Row(number, **values))
    if errors:
        raise Invalid(_("The file has errors; nothing was imported."), details=errors)
    return checked


def _name(value) -> str:
    text = " ".join(str(value or "").split())
    if not text:
        raise Invalid(_("name is empty"))
    if len(text) > MAX_NAME:
        raise Invalid(_("name has %(len)d characters, at most %(n)d", len=len(text), n=MAX_NAME))
    return clean_name(text)


def _village(row: dict, cache: dict, within: set[uuid.UUID] | None) -> Unit:
    name, township = (row.get("village") or "").strip(), (row.get("township") or "").strip()
    if not name:
        raise Invalid(_("village is empty"))
    key = (name, township)
    if key not in cache:
        try:
            cache[key] = village_named(name, township=township or None)
        except DianjiaoError as exc:
            cache[key] = exc
    found = cache[key]
    if isinstance(found, DianjiaoError):
        raise found
    if within is not None and found.id not in within:
        raise Invalid(_("village %(name)s is outside your area", name=name))
    return found


def _apply(rows: list[_Row], merge: bool) -> PeopleImportReport:
    report = PeopleImportReport()
    village_ids = {r.village.id for r in rows}
    known: dict[tuple[str, uuid.UUID], tuple[Person, int | None]] = {}
    existing = db.session.scalars(select(Person).where(Person.village_id.in_(village_ids))
                                  .order_by(Person.created_at))
    for person in existing:
        known.setdefault((person.name, person.village_id), (person, None))
    with db.session.no_autoflush:
        for row in rows:
            key = (row.name, row.village.id)
            if key not in known:
                person = create_person(row.name, village=row.village,
                                       party_member=row.party_member, role=row.role,
                                       phone=row.phone)
                known[key] = (person, row.number)
                report.created += 1
                continue
            person, first_row = known[key]
            if not merge:
                report.duplicates_skipped += 1
                report.duplicates.append({
                    "row": row.number, "name": row.name, "village": row.village.name,
                    "township": row.village.parent.name if row.village.parent else None,
                    "of_row": first_row, "person_id": str(person.id) if first_row is None else None})
                continue
            new = (row.party_member, row.role, row.phone, False)
            if (person.party_member, person.role, person.phone, person.walkin) == new:
                report.unchanged += 1
            else:
                person.party_member, person.role, person.phone, person.walkin = new
                report.merged += 1
    db.session.flush()
    return report


# An upload with duplicates waits in the instance folder for the user to confirm the merge: the
# confirm button carries only a random token (the session holds it too), never the file itself.
STASH_DIR = "imports"
STASH_MAX_AGE_S = 24 * 3600


def stash_upload(instance: str, filename: str, data: bytes) -> str:
    """Keep an uploaded file under a random name; returns the token naming it."""
    folder = os.path.join(instance, STASH_DIR)
    os.makedirs(folder, mode=0o700, exist_ok=True)  # names and phone numbers
    _drop_stale(folder)
    token = secrets.token_urlsafe(18)
    ext = ".xlsx" if filename.lower().endswith(".xlsx") else ".csv"
    with open(os.path.join(folder, token + ext), "wb", opener=private_opener) as fh:
        fh.write(data)
    return token + ext


def read_stash(instance: str, token: str) -> bytes | None:
    """The stashed file's bytes, or None when the token is malformed, unknown or expired."""
    path = _stash_path(instance, token)
    if path is None or not os.path.isfile(path):
        return None
    with open(path, "rb") as fh:
        return fh.read()


def drop_stash(instance: str, token: str) -> None:
    path = _stash_path(instance, token)
    if path is not None and os.path.isfile(path):
        os.remove(path)


def _stash_path(instance: str, token: str) -> str | None:
    stem, _dot, ext = (token or "").rpartition(".")
    if ext not in ("csv", "xlsx") or not stem or not all(c.isalnum() or c in "-_" for c in stem):
        return None
    return os.path.join(instance, STASH_DIR, token)


def _drop_stale(folder: str) -> None:
    now = time.time()
    for entry in os.scandir(folder):
        try:
            if entry.is_file() and now - entry.stat().st_mtime > STASH_MAX_AGE_S:
                os.remove(entry.path)
        except OSError:
            continue
