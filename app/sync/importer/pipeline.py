"""The import: the stages in order, in one transaction, all or nothing.

Manifest checks (manifest.py), the link or the enrollment (enrollment.py), the rows table by
table (rows.py, with claims.py and playlists.py), then the watermarks (watermarks.py). The import
runs as a Role: the install's own, or, for a fresh install's enrollment, the site it becomes,
which install.become_site makes its role only once the import is committed.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import insert, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError

from ... import install
from ...audit.services import audit_screenings, site_clock_offset
from ...clock import now as utcnow
from ...extensions import db
from ...install import Role
from ...models import Bundle, ScreeningItem, Site, SyncArrival, SyncConflict, SyncIdMap, User
from ..bundle import BundleError, Opened, open_bundle
from ..services import my_code
from ..tables import DOWN, HUB_ORIGIN, SPECS, UP
from . import enrollment
from .manifest import check_copy, check_link, check_manifest, manifest_time
from .playlists import whole_playlists
from .rows import merge_spec
from .state import Merge, Refused, bundle_message
from .watermarks import acknowledged, advance

log = logging.getLogger(__name__)


def import_bundle(source: str | bytes, *, now: datetime | None = None) -> dict:
    """Import a bundle file (path or bytes). Returns the summary; raises Refused, writing nothing.

    A bundle already imported is recognised by its digest and changes nothing.
    """
    now = now or utcnow()
    try:
        opened = open_bundle(source)
    except BundleError as exc:
        raise Refused(bundle_message(exc), reason=exc.reason) from exc
    m = opened.manifest
    check_manifest(m)
    role = install.role()
    earlier = _imported(opened.digest)
    if earlier is not None:
        check_copy(opened, role)
        enrollment.finish(m)
        return _already(opened, earlier)
    try:
        summary, became = _merge(opened, role, now)
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
    if became.is_site and not role.is_site:  # only a fresh install's own enrollment
        enrollment.become(became.site)
    return summary


def _merge(opened: Opened, role: Role, now: datetime) -> tuple[dict, Role]:
    """Run the stages and commit; return the summary and the role the import ran as."""
    m = opened.manifest
    if m["kind"] == "enroll":
        peer, role = enrollment.enroll(opened, role)
        code = my_code(role)
    else:
        code = my_code(role)
        peer = check_link(opened, role, code)
    incoming = "hub" if role.is_site else "site"
    site = db.session.scalar(select(Site).where(Site.code == (
        code if role.is_site else peer.code)))
    ctx = Merge(peer=peer, digest=opened.digest, incoming=incoming, site=site, now=now,
                role=role, code=code, fresh=m["seq"] > (peer.in_seq or 0),
                they_have=acknowledged(peer, m), we_have=peer.in_watermark)
    for mapped in db.session.execute(select(SyncIdMap.table, SyncIdMap.remote_id,
                                            SyncIdMap.local_id)):
        ctx.idmap[mapped.table][mapped.remote_id] = mapped.local_id
    _merge_parts(opened, ctx)
    if ctx.incoming == "site":
        _audit(ctx, manifest_time(m["created"], "created"))
    if incoming == "hub" and m.get("users") is not None:
        _retire_users(m["users"], ctx)
    if ctx.conflicts:
        db.session.execute(insert(SyncConflict.__table__), ctx.conflicts)
    if ctx.arrivals:
        db.session.execute(insert(SyncArrival.__table__), ctx.arrivals)
    if ctx.new_maps:
        db.session.execute(insert(SyncIdMap.__table__), ctx.new_maps)
    warnings = advance(peer, m, now, role)
    tables = {name: t.as_dict() for name, t in ctx.tallies.items()}
    totals = {key: sum(t[key] for t in tables.values())
              for key in ("inserted", "updated", "unchanged", "conflicts")}
    summary = {"digest": opened.digest, "origin": m["origin"], "kind": m["kind"],
               "seq": m["seq"], "already_imported": False, **totals, "tables": tables,
               "warnings": warnings}
    db.session.add(Bundle(origin=m["origin"], destination=m["destination"],
                          digest=opened.digest, counts=m.get("counts", {}),
                          bundle_created_at=manifest_time(m["created"], "created"),
                          imported_at=now, seq=m["seq"], kind=m["kind"],
                          summary={**totals, "warnings": warnings},
                          origin_site=role.site or HUB_ORIGIN))
    db.session.commit()
    return summary, role


def _merge_parts(opened: Opened, ctx: Merge) -> None:
    """Merge the bundle's tables in the order of SPECS (parents first)."""
    direction = DOWN if ctx.incoming == "hub" else UP
    names = {p["name"] for p in opened.manifest.get("parts", [])}
    for spec in SPECS:
        if spec.name not in names:
            continue
        if direction not in spec.directions:
            if any(True for _r in opened.rows(spec.name)):
                raise Refused(_("The bundle carries %(table)s, which a %(side)s does not "
                                "send. Nothing was imported.", table=spec.name,
                                side=_("site") if ctx.incoming == "site" else _("hub")),
                              reason="claim", status=403)
            continue
        rows = opened.rows(spec.name)
        if spec.model is ScreeningItem:
            rows = whole_playlists(rows, ctx)
        merge_spec(spec, rows, ctx)
        if spec.name == "sites" and ctx.site is None and ctx.role.is_site:
            ctx.site = db.session.scalar(select(Site).where(Site.code == ctx.code))


def _audit(ctx: Merge, created: datetime) -> None:
    """On the hub: audit again the screenings whose records this bundle brought, with the
    site's clock judged by this bundle's time (docs/township.md, "Audit"). An audit that fails
    is logged and undone alone: it never refuses a bundle."""
    if not ctx.touched or ctx.site is None:
        return
    try:
        with db.session.begin_nested():
            audit_screenings(ctx.touched, now=ctx.now, clock_offset_s=site_clock_offset(
                ctx.site, bundle_created=created, now=ctx.now))
    except Exception:
        log.exception("the audit after bundle %s failed", ctx.digest)


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


def _imported(digest: str) -> Bundle | None:
    return db.session.scalar(select(Bundle).where(Bundle.digest == digest))


def _already(opened: Opened, earlier: Bundle) -> dict:
    m = opened.manifest
    return {"digest": opened.digest, "origin": m["origin"], "kind": m["kind"], "seq": m["seq"],
            "already_imported": True, "imported_at": earlier.imported_at.isoformat(),
            "inserted": 0, "updated": 0, "unchanged": 0, "conflicts": 0, "tables": {},
            "warnings": []}
