"""Terminal health: what a site records of itself every hour, and the hub's view of its sites.

A site (an install whose player drives a site's TV) keeps one TerminalHealth row, rewritten by
`record_health(now)` every HEALTH_EVERY_MIN and when `dianjiao serve` starts; the row travels up
in every bundle and the newest wins at the hub (app/sync/tables.py). The hub lists its sites'
rows with their alerts (`terminals(...)`), worst first.

The clock offset (the site's clock minus the hub's) is measured by the hub, never told by the
site: a signed pull carries the site's time, which the hub compares with its own to the second
(SyncPeer.clock_skew_s, kept on every pull). A bundle's creation time says nothing exact, since a
USB stick may travel for days; it only proves a clock *ahead*: a bundle made "later" than the hub
imports it comes from a clock at least that far ahead, which the page shows as "at least".
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from importlib.metadata import PackageNotFoundError, version

from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select

from ..catalog.integrity import damaged_count
from ..extensions import db
from ..models import Bundle, PlayLog, Screening, Site, SyncPeer, TerminalHealth
from ..models.base import current_origin
from ..player.services import player_site_code
from ..reasons import show_reason
from ..reports.alerts import TerminalAlert
from ..reports.export import Table
from ..screenings.readiness import known_readiness

FAULT_PREFIX = "the player stopped"  # the reasons the player process gives for a crash or hang
FAULT_DAYS = 30
UNCHECKED = "unchecked"
BUNDLE_SLACK_S = 60  # a bundle "from the future" by less than this proves nothing
GB = 10**9
# Alert codes, worst first, with the weight that sorts the list.
SILENT, AT_RISK, FAULTS, DISK, CLOCK = "silent", "next_at_risk", "player_faults", "disk_low", \
    "clock_off"
DAMAGED = "damaged_files"  # the integrity check found damaged copies in its library
WEIGHTS = {SILENT: 16, AT_RISK: 8, FAULTS: 4, DAMAGED: 3, DISK: 2, CLOCK: 1}


# --- at the site -------------------------------------------------------------------------------

def app_version() -> str | None:
    try:
        return version("dianjiao")
    except PackageNotFoundError:
        return None


def _libvlc_version() -> str | None:
    """The running player process's libvlc, if it started (the web process never loads it)."""
    player = current_app.extensions.get("dianjiao.player")
    backend = getattr(player, "backend", None)
    return getattr(backend, "libvlc_version", None)


def _free_disk() -> int | None:
    try:
        return shutil.disk_usage(current_app.instance_path).free
    except OSError:
        return None


def record_health(now: datetime, *, started_at: datetime | None = None) -> TerminalHealth | None:
    """Write this install's player site's health as of `now` (the caller commits).

    None when the install drives no site's TV (a hub without PLAYER_SITE): it has no terminal.
    `started_at` is when `dianjiao serve` started (its uptime), None outside serve.
    """
    code = player_site_code()
    site = db.session.scalar(select(Site).where(Site.code == code)) if code else None
    if site is None:
        return None
    row = db.session.scalar(select(TerminalHealth).where(TerminalHealth.site_id == site.id))
    if row is None:
        row = TerminalHealth(site_id=site.id)
        db.session.add(row)
    row.recorded_at = now
    row.app_version = app_version()
    row.libvlc_version = _libvlc_version()
    row.free_disk_bytes = _free_disk()
    row.last_played_at = db.session.scalar(select(func.max(PlayLog.ended_at)).where(
        PlayLog.site_id == site.id, PlayLog.outcome == "completed", PlayLog.ended_at <= now))
    row.player_faults_30d = db.session.scalar(select(func.count()).select_from(PlayLog).where(
        PlayLog.site_id == site.id, PlayLog.error.like(FAULT_PREFIX + "%"),
        PlayLog.started_at > now - timedelta(days=FAULT_DAYS), PlayLog.started_at <= now))
    upcoming = db.session.scalar(select(Screening).where(
        Screening.site_id == site.id, Screening.status == "planned", Screening.starts_at > now)
        .order_by(Screening.starts_at).limit(1))
    row.next_screening_id = upcoming.id if upcoming else None
    row.next_screening_at = upcoming.starts_at if upcoming else None
    known = known_readiness([upcoming]).get(upcoming.id) if upcoming else None
    row.next_readiness = known["status"] if known else (UNCHECKED if upcoming else None)
    row.next_problems = [{"position": p.get("position"), "sha256": p.get("sha256"),
                          "problem": p.get("problem")} for p in (known or {}).get("problems", [])]
    row.uptime_s = max(0, int((now - started_at).total_seconds())) if started_at else None
    db.session.flush()
    return row


# --- at the hub --------------------------------------------------------------------------------

@dataclass
class Limits:
    silent_days: float
    min_free_bytes: float
    clock_max_s: float

    @classmethod
    def from_config(cls, config) -> Limits:
        return cls(silent_days=float(config["TERMINAL_SILENT_DAYS"]),
                   min_free_bytes=float(config["TERMINAL_MIN_FREE_GB"]) * GB,
                   clock_max_s=float(config["TERMINAL_CLOCK_MAX_MIN"]) * 60)


@dataclass
class Terminal:
    """One site on the Terminals page."""

    site: Site
    health: TerminalHealth | None
    peer: SyncPeer | None
    last_heard_at: datetime | None
    silent_days: int | None  # whole days since last heard (or since enrolled, never heard)
    clock_offset_s: int | None  # the site's clock minus ours
    clock_at_least: bool = False  # a lower bound (from a bundle made "in the future")
    damaged_files: int = 0  # copies in its library the integrity check found damaged
    alerts: list[str] = field(default_factory=list)

    @property
    def weight(self) -> int:
        return sum(WEIGHTS[a] for a in self.alerts)

    @property
    def next_screening(self) -> dict | None:
        h = self.health
        if h is None or h.next_screening_id is None:
            return None
        return {"id": str(h.next_screening_id), "starts_at": h.next_screening_at,
                "readiness": h.next_readiness}


def clock_offset(peer: SyncPeer | None, bundle: Bundle | None) -> tuple[int | None, bool]:
    """The site's clock minus ours, and whether it is only a lower bound (see the module)."""
    measured = peer.clock_skew_s if peer is not None else None
    if bundle is not None and bundle.imported_at is not None:
        ahead = round((bundle.bundle_created_at - bundle.imported_at).total_seconds())
        if ahead > BUNDLE_SLACK_S and (measured is None or ahead > measured + BUNDLE_SLACK_S):
            return ahead, True
    return measured, False


def _latest_bundles(codes: Iterable[str]) -> dict[str, Bundle]:
    codes = list(codes)
    if not codes:
        return {}
    newest = (select(Bundle.origin, func.max(Bundle.imported_at).label("at"))
              .where(Bundle.origin.in_(codes)).group_by(Bundle.origin).subquery())
    rows = db.session.scalars(select(Bundle).join(
        newest, (Bundle.origin == newest.c.origin) & (Bundle.imported_at == newest.c.at)))
    return {b.origin: b for b in rows}


def terminals(sites_query, *, now: datetime, limits: Limits) -> list[Terminal]:
    """The enrolled or health-reporting sites among `sites_query`, with alerts, worst first."""
    return _terminals(db.session.scalars(sites_query.order_by(Site.code)), now=now, limits=limits)


def _terminals(candidates, *, now: datetime, limits: Limits) -> list[Terminal]:
    """terminals() of sites already read (the roll-up's: not read a second time)."""
    peers = {p.code: p for p in db.session.scalars(select(SyncPeer).where(
        SyncPeer.kind == "site", SyncPeer.revoked_at.is_(None)))}
    healths = {h.site_id: h for h in db.session.scalars(select(TerminalHealth))}
    sites = [s for s in candidates if s.code in peers or s.id in healths]
    bundles = _latest_bundles(s.code for s in sites if s.code in peers)
    damaged = damaged_count([s.id for s in sites])
    here = current_origin()
    out = []
    for site in sites:
        health, peer = healths.get(site.id), peers.get(site.code)
        local = health is not None and health.origin_site == here
        heard = [peer.last_import_at if peer else None]
        if health is not None and (local or peer is None):
            heard.append(health.recorded_at)  # recorded here, or no link to date it by
        last = max((t for t in heard if t is not None), default=None)
        since = last or (peer.created_at if peer else None)
        offset, at_least = (0, False) if local else clock_offset(peer, bundles.get(site.code))
        row = Terminal(site=site, health=health, peer=peer, last_heard_at=last,
                       silent_days=(now - since).days if since else None,
                       clock_offset_s=offset, clock_at_least=at_least,
                       damaged_files=damaged.get(site.id, 0))
        row.alerts = _alerts(row, since, now=now, limits=limits)
        out.append(row)
    out.sort(key=lambda t: (-t.weight, -(t.silent_days or 0), t.site.code))
    return out


def _alerts(row: Terminal, since: datetime | None, *, now: datetime, limits: Limits) -> list[str]:
    alerts = []
    if since is not None and now - since > timedelta(days=limits.silent_days):
        alerts.append(SILENT)
    h = row.health
    if h is not None:
        if h.next_readiness == "at_risk" and h.next_screening_at and h.next_screening_at > now:
            alerts.append(AT_RISK)
        if (h.player_faults_30d or 0) >= 1:
            alerts.append(FAULTS)
    if row.damaged_files:
        alerts.append(DAMAGED)
    if h is not None:
        if h.free_disk_bytes is not None and h.free_disk_bytes < limits.min_free_bytes:
            alerts.append(DISK)
    if row.clock_offset_s is not None and abs(row.clock_offset_s) > limits.clock_max_s:
        alerts.append(CLOCK)
    return alerts


def gigabytes(n: int | None) -> float | None:
    return None if n is None else round(n / GB, 1)


def offset_text(row: Terminal) -> str:
    """The clock offset in the user's words: "+12 min", "at least +3 days", "unknown"."""
    s = row.clock_offset_s
    if s is None:
        return _("unknown")
    sign = "+" if s > 0 else "−" if s < 0 else "±"
    a = abs(s)
    if a >= 2 * 86400:
        amount = _("%(n)s days", n=a // 86400)
    elif a >= 2 * 3600:
        amount = _("%(n)s h", n=a // 3600)
    elif a >= 120:
        amount = _("%(n)s min", n=a // 60)
    else:
        amount = _("%(n)s s", n=a)
    text = f"{sign}{amount}"
    return _("at least %(offset)s", offset=text) if row.clock_at_least else text


def problems(row: Terminal, limits: Limits) -> list[str]:
    """Each alert of a site in plain words, in the UI language."""
    h = row.health
    words = []
    for code in row.alerts:
        if code == SILENT:
            words.append(_("not heard from for %(n)s days", n=row.silent_days)
                         if row.last_heard_at else
                         _("never heard from since its enrollment (%(n)s days)",
                           n=row.silent_days))
        elif code == AT_RISK:
            first = next((p.get("problem") for p in h.next_problems or [] if p.get("problem")),
                         None)
            words.append(_("the next screening is at risk: %(problem)s",
                           problem=show_reason(first))
                         if first else _("the next screening is at risk"))
        elif code == FAULTS:
            words.append(ngettext("the player stopped %(num)d time in 30 days",
                                  "the player stopped %(num)d times in 30 days",
                                  h.player_faults_30d))
        elif code == DAMAGED:
            words.append(ngettext("%(num)d damaged video file (the integrity check): copy it "
                                  "again from the kit",
                                  "%(num)d damaged video files (the integrity check): copy them "
                                  "again from the kit", row.damaged_files))
        elif code == DISK:
            words.append(_("only %(gb)s GB free on the disk (under %(min)s GB)",
                           gb=f"{gigabytes(h.free_disk_bytes):g}",
                           min=f"{gigabytes(limits.min_free_bytes):g}"))
        elif code == CLOCK:
            words.append(_("the clock is off by %(offset)s: set it right",
                           offset=offset_text(row)))
    return words


def terminal_dict(row: Terminal) -> dict:
    h = row.health
    nxt = row.next_screening
    if nxt is not None:
        nxt = {**nxt, "starts_at": nxt["starts_at"].isoformat() if nxt["starts_at"] else None}
    return {
        "site": row.site.code, "name": row.site.name,
        "last_heard_at": row.last_heard_at.isoformat() if row.last_heard_at else None,
        "recorded_at": h.recorded_at.isoformat() if h and h.recorded_at else None,
        "app_version": h.app_version if h else None,
        "libvlc_version": h.libvlc_version if h else None,
        "free_disk_bytes": h.free_disk_bytes if h else None,
        "player_faults_30d": h.player_faults_30d if h else None,
        "last_played_at": h.last_played_at.isoformat() if h and h.last_played_at else None,
        "uptime_s": h.uptime_s if h else None,
        "clock_offset_s": row.clock_offset_s, "clock_offset_at_least": row.clock_at_least,
        "next_screening": nxt, "alerts": list(row.alerts), "damaged_files": row.damaged_files,
    }


def terminals_table(rows: list[Terminal], limits: Limits, *, show_time) -> Table:
    """The page as a download: the same columns, problems in words."""
    table = Table("terminals", _("Terminals"), [
        ("site", _("Site")), ("name", _("Name")), ("last_heard", _("Last heard")),
        ("app_version", _("Version")), ("free_gb", _("Free disk (GB)")),
        ("faults", _("Player faults (30 days)")), ("last_played", _("Last played")),
        ("clock", _("Clock offset")), ("clock_s", _("Clock offset (s)")),
        ("next", _("Next screening")), ("readiness", _("Readiness")),
        ("problems", _("Problems"))])
    for row in rows:
        h, nxt = row.health, row.next_screening
        table.rows.append({
            "site": row.site.code, "name": row.site.name,
            "last_heard": show_time(row.last_heard_at) if row.last_heard_at else None,
            "app_version": h.app_version if h else None,
            "free_gb": gigabytes(h.free_disk_bytes) if h else None,
            "faults": h.player_faults_30d if h else None,
            "last_played": show_time(h.last_played_at) if h and h.last_played_at else None,
            "clock": offset_text(row), "clock_s": row.clock_offset_s,
            "next": show_time(nxt["starts_at"]) if nxt and nxt["starts_at"] else None,
            "readiness": readiness_label(nxt["readiness"]) if nxt else None,
            "problems": "; ".join(problems(row, limits)),
        })
    return table


def readiness_label(status: str | None) -> str:
    return {"ready": _("Ready"), "at_risk": _("At risk"), UNCHECKED: _("Not checked yet")}.get(
        status or "", status or "")


def rollup_alerts(sites: list[Site], *, now: datetime) -> list:
    """The terminals' alerts of these sites for the report roll-up's list (rule `terminal_` and
    the code; actual and required in days, faults, GB or minutes)."""
    if not sites:
        return []
    limits = Limits.from_config(current_app.config)
    out = []
    for row in _terminals(sorted(sites, key=lambda s: s.code), now=now, limits=limits):
        site, h = row.site, row.health
        for code in row.alerts:
            months, start, required, actual = 1, "site", 0.0, 1.0
            if code == SILENT:
                days = row.silent_days or 0
                months, start = 1 + days // 30, "township"
                required, actual = limits.silent_days, float(days)
            elif code == FAULTS:
                actual = float(h.player_faults_30d)
            elif code == DAMAGED:
                actual = float(row.damaged_files)
            elif code == DISK:
                required = gigabytes(limits.min_free_bytes)
                actual = gigabytes(h.free_disk_bytes)
            elif code == CLOCK:
                required = limits.clock_max_s / 60
                actual = round(abs(row.clock_offset_s) / 60, 1)
            out.append(TerminalAlert(site, f"terminal_{code}", required, actual, months,
                                     start=start))
    return out
