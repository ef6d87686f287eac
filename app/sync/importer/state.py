"""What every stage of an import shares: the refusal, and the state of one import."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _

from ...errors import DianjiaoError
from ...install import Role
from ...models import Site, SyncPeer
from ..bundle import BundleError


class Refused(DianjiaoError):
    """A bundle that is not imported; nothing was written."""

    status = 422
    code = "refused"

    def __init__(self, message: str, *, reason: str = "refused", status: int | None = None):
        super().__init__(message)
        self.reason = reason
        if status:
            self.status = status


def bundle_message(exc: BundleError) -> str:
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
    # The role the import runs as (a fresh install importing its enrollment: the site it
    # becomes) and this install's name in bundles under it.
    role: Role
    code: str
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
    # The screenings whose rows (their own, sign-ins, play logs, pictures) this bundle inserted
    # or changed: the hub audits them again once the rows are in.
    touched: set[uuid.UUID] = field(default_factory=set)

    def conflict(self, table: str, row_id, field: str, local, incoming, *, kept: str,
                 reason: str) -> None:
        """Log a conflict (written with the import) and count it."""
        self.conflicts.append({
            "id": uuid.uuid4(), "origin_site": self.code, "created_at": self.now,
            "updated_at": self.now, "peer": self.peer.code, "bundle_digest": self.digest,
            "table": table, "row_id": row_id, "field": field, "local_value": _text(local),
            "incoming_value": _text(incoming), "kept": kept, "reason": reason})
        self.tallies[table].conflicts += 1


def _text(value) -> str | None:
    return None if value is None else str(value)[:2000]
