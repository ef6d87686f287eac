"""The five-star rating of sites: weighted criteria from the monthly card, holdings and reporting.

Each criterion scores 0..1 with a plain sentence saying why; a criterion that does not apply to a
site (no party members on its roster, no series it must hold) is left out and the weights of the
others are scaled up. The weighted score gives round-half-up(5 × score) stars, at least 1; a site
with nothing to rate (no screening that month and no data ever received) gets 0: "not rated".
The definitions are in docs/township.md, "Five-star rating".
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from flask_babel import LazyString
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, union

from ..clock import month_bounds
from ..distribution.coverage import required_kinds
from ..errors import Invalid
from ..extensions import db
from ..i18n import show_date
from ..labels import series_label
from ..models import (
    Attendance,
    BatchItem,
    FileEntry,
    LibraryRoot,
    MediaFile,
    PlayLog,
    Screening,
    Shipment,
    Site,
    SyncPeer,
    Title,
)
from ..models.distribution import KITS_IN_HAND
from ..places.tree import Tree
from .card import Card
from .export import Table, percent
from .labels import RULE_LABELS

CRITERIA = ("quotas", "coverage", "attendance", "reporting", "plans", "audit")
SORTS = ("stars", "stars_asc", "site", "township")
CRITERION_LABELS = {
    "quotas": _l("Quotas met"),
    "coverage": _l("Distribution coverage"),
    "attendance": _l("Party member participation"),
    "reporting": _l("Data reported on time"),
    "plans": _l("Teaching plans followed"),
    "audit": _l("Screenings that pass the audit"),
}
# Reporting: full marks when the latest data is at most this many days older than the end of
# the month (or now, for the month in progress), none from the second number on, linear between.
REPORT_ON_TIME_DAYS = 7
REPORT_LATE_DAYS = 30


@dataclass
class Criterion:
    criterion: str
    weight: float  # the configured weight, scaled so that all weights sum to 1
    score: float | None  # 0..1; None: does not apply to this site, left out
    reason: str  # a lazy string: translated when shown (thousands of sites are rated at once)


@dataclass
class Rating:
    site: Site
    township: str | None
    stars: int  # 1..5, or 0: not rated (nothing to rate)
    score: float | None  # the weighted score 0..1 over the criteria that apply
    criteria: list[Criterion] = field(default_factory=list)
    summary: str = ""


def weights_from(config: object) -> dict[str, float]:
    """RATING_CRITERIA ({criterion: weight}) checked and scaled to sum to 1."""
    items = config.items() if isinstance(config, Mapping) else config
    weights: dict[str, float] = {}
    for name, weight in items:
        if name not in CRITERIA:
            raise Invalid(_("Unknown rating criterion %(name)s; use %(names)s.", name=name,
                            names=", ".join(CRITERIA)))
        try:
            value = float(weight)
        except (TypeError, ValueError) as exc:
            raise Invalid(_("The weight of %(name)s must be a number.", name=name)) from exc
        if value < 0 or math.isnan(value) or math.isinf(value):
            raise Invalid(_("The weight of %(name)s must be 0 or more.", name=name))
        weights[name] = value
    total = sum(weights.values())
    if total <= 0:
        raise Invalid(_("At least one rating criterion needs a weight above 0."))
    return {name: round(value / total, 4) for name, value in weights.items()}


# --- reporting back ----------------------------------------------------------------------------
# A site enrolled for sync reports back in bundles: the time its latest bundle was imported here.
# A site without its own install (its data typed in at the hub) reports through the rows made for
# it, its attendance and play logs (the latest created_at or updated_at).

def last_reports_at(site_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, datetime]:
    """The latest time each site's attendance or play-log rows were written (see above)."""
    ids = list(site_ids)
    latest: dict[uuid.UUID, datetime] = {}
    if not ids:
        return latest

    def keep(site_id, *values):
        for value in values:
            if value is None:
                continue
            value = value.replace(tzinfo=UTC) if value.tzinfo is None else value
            if site_id not in latest or value > latest[site_id]:
                latest[site_id] = value

    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        for site_id, created, updated in db.session.execute(
                select(Screening.site_id, func.max(Attendance.created_at),
                       func.max(Attendance.updated_at))
                .join(Screening, Attendance.screening_id == Screening.id)
                .where(Screening.site_id.in_(chunk)).group_by(Screening.site_id)):
            keep(site_id, created, updated)
        for site_id, created, updated in db.session.execute(
                select(PlayLog.site_id, func.max(PlayLog.created_at), func.max(PlayLog.updated_at))
                .where(PlayLog.site_id.in_(chunk)).group_by(PlayLog.site_id)):
            keep(site_id, created, updated)
    for site_id, imported in db.session.execute(
            select(Site.id, SyncPeer.last_import_at).join(SyncPeer, SyncPeer.code == Site.code)
            .where(SyncPeer.kind == "site", Site.id.in_(ids))):
        latest.pop(site_id, None)
        if imported is not None:
            latest[site_id] = imported
    return latest


def last_report_at(site: Site) -> datetime | None:
    """When the site last reported back (see above)."""
    return last_reports_at([site.id]).get(site.id)


# --- holdings ----------------------------------------------------------------------------------

def series_held(site_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, dict[str, int]]:
    """For each site, how many titles of each series it holds.

    The definition of distribution.holdings (a file of the title seen by a scan, or a
    kit carrying it received or verified) as one GROUP BY, for the sites rated rather than the
    user's whole area series by series. tests/web/test_rating.py checks it agrees with
    distribution.coverage.coverage.
    """
    wanted = set(site_ids)
    ids = sorted(wanted)
    # Most of the network: one pass over all of it beats long IN lists.
    chunks = [None] if len(ids) > 500 else [ids[i:i + 100] for i in range(0, len(ids), 100)]
    found: dict[uuid.UUID, dict[str, int]] = {}
    for chunk in chunks:
        seen = (select(LibraryRoot.site_id.label("site_id"), MediaFile.title_id.label("title_id"))
                .join(FileEntry, FileEntry.root_id == LibraryRoot.id)
                .join(MediaFile, FileEntry.media_file_id == MediaFile.id)
                .where(FileEntry.missing.is_(False), MediaFile.title_id.is_not(None)))
        received = (select(Shipment.site_id.label("site_id"), BatchItem.title_id.label("title_id"))
                    .join(BatchItem, BatchItem.batch_id == Shipment.batch_id)
                    .where(Shipment.status.in_(KITS_IN_HAND)))
        if chunk is not None:
            seen = seen.where(LibraryRoot.site_id.in_(chunk))
            received = received.where(Shipment.site_id.in_(chunk))
        held = union(seen, received).subquery()  # UNION: each (site, title) once
        for site_id, series, titles in db.session.execute(
                select(held.c.site_id, Title.series, func.count())
                .join(Title, Title.id == held.c.title_id).where(Title.series.is_not(None))
                .group_by(held.c.site_id, Title.series)):
            if site_id in wanted:
                found.setdefault(site_id, {})[series] = titles
    return found


def series_title_counts() -> dict[str, int]:
    return dict(db.session.execute(select(Title.series, func.count(Title.id))
                                   .where(Title.series.is_not(None)).group_by(Title.series)).all())


# --- scoring -----------------------------------------------------------------------------------

def _rule_label(rule: str):
    return RULE_LABELS.get(rule, rule)


def _quotas(card: Card) -> tuple[float | None, str]:
    if not card.quotas:
        return None, _l("No quotas are set (REPORT_RULES): not counted.")
    if not card.complete:  # judged later; for now, the share met or on track
        behind = [q for q in card.quotas if q.status == "behind"]
        score = 1 - len(behind) / len(card.quotas)
        if not behind:
            return score, _l("Month in progress: all %(n)d quotas met or on track.",
                             n=len(card.quotas))
        parts = [_l("%(rule)s %(actual)g of %(required)g", rule=_rule_label(q.rule),
                    actual=q.actual, required=q.required) for q in behind]
        names = LazyString(lambda: "; ".join(str(p) for p in parts))
        return score, _l("Month in progress: %(ok)d of %(n)d quotas met or on track; behind: "
                         "%(behind)s.", ok=len(card.quotas) - len(behind), n=len(card.quotas),
                         behind=names)
    met = [q for q in card.quotas if q.met]
    score = len(met) / len(card.quotas)
    if len(met) == len(card.quotas):
        return score, _l("Met all %(n)d quotas of the monthly card.", n=len(card.quotas))
    parts = [_l("%(rule)s %(actual)g of %(required)g", rule=_rule_label(q.rule), actual=q.actual,
                required=q.required) for q in card.shortfalls]
    missed = LazyString(lambda: "; ".join(str(p) for p in parts))
    return score, _l("Met %(met)d of %(n)d quotas; not met: %(missed)s.", met=len(met),
                    n=len(card.quotas), missed=missed)


def _coverage(site: Site, counts: dict[str, int], held: dict[str, int]) -> tuple[float | None, str]:
    """Of the series the coverage rule requires at this kind of site, the share it holds."""
    required = [s for s in sorted(counts) if site.kind in required_kinds(s)]
    if not required:
        return None, _l("No series is required at this kind of site: not counted.")
    missing = [s for s in required if not held.get(s)]
    holding = len(required) - len(missing)
    score = holding / len(required)
    if not missing:
        return score, _l("Holds all %(n)d series it must hold.", n=len(required))
    return score, _l("Holds %(held)d of the %(n)d series it must hold; missing: %(missing)s.",
                    held=holding, n=len(required), missing=", ".join(series_label(s) for s in missing))


def _attendance(card: Card) -> tuple[float | None, str]:
    if not card.party_members:
        return None, _l("No party members on the roster of the villages it serves: not counted.")
    return card.participation_rate, _l(
        "%(n)d of %(of)d party members (%(rate)s%%) attended a held session this month.",
        n=card.participants, of=card.party_members, rate=f"{card.participation_rate * 100:.0f}")


def _plans(card: Card) -> tuple[float | None, str]:
    if card.plan_compliance is None:
        return None, _l("No teaching plan's screening was due this month: not counted.")
    return card.plan_compliance, _l(
        "Held %(held)d of the %(n)d screenings its teaching plans asked for this month.",
        held=card.plan_held, n=card.plan_sessions)


def _audit(card: Card) -> tuple[float | None, str]:
    """The share of held sessions without a confirmed audit flag; counted only where an officer
    confirmed one this month (a site with none keeps the score of the other criteria)."""
    if not card.audit_flagged or not card.sessions:
        return None, _l("No audit flag was confirmed this month: not counted.")
    return round(card.verified_sessions / card.sessions, 4), _l(
        "%(n)d of %(of)d held sessions have an audit flag an officer confirmed.",
        n=card.audit_flagged, of=card.sessions)


def _reporting(last: datetime | None, month: date, *, tz: str,
               now: datetime) -> tuple[float, str]:
    if last is None:
        return 0.0, _l("No sign-ins or play logs have ever been received from this site.")
    end = min(month_bounds(month, tz)[1], now)
    lag = (end - last).total_seconds() / 86400
    when = LazyString(show_date, last)  # formatted when shown: a page shows 100 of thousands
    if lag <= REPORT_ON_TIME_DAYS:
        return 1.0, _l("Latest data received %(when)s: on time (within %(days)d days of the month "
                      "end).", when=when, days=REPORT_ON_TIME_DAYS)
    score = max(0.0, min(1.0, (REPORT_LATE_DAYS - lag) / (REPORT_LATE_DAYS - REPORT_ON_TIME_DAYS)))
    return round(score, 4), _l("Latest data received %(when)s, %(days)d days before the month end: "
                              "late.", when=when, days=int(lag))


def stars_for(score: float) -> int:
    """round-half-up(5 × score), clamped to 1..5."""
    return max(1, min(5, math.floor(5 * score + 0.5)))


def rate(cards: list[Card], *, month: date, tz: str, weights: dict[str, float],
         now: datetime | None = None) -> list[Rating]:
    """Rate the sites of the cards (one month's) on the weighted criteria."""
    now = now or datetime.now(UTC)
    sites = [card.site for card in cards]
    counts = series_title_counts()
    held = series_held([s.id for s in sites]) if weights.get("coverage") else {}
    last = last_reports_at(s.id for s in sites)  # also whether a site was ever heard from
    places = Tree()
    ratings = []
    for card in cards:
        site = card.site
        scores = {
            "quotas": _quotas(card),
            "coverage": _coverage(site, counts, held.get(site.id, {})),
            "attendance": _attendance(card),
            "reporting": _reporting(last.get(site.id), month, tz=tz, now=now),
            "plans": _plans(card),
            "audit": _audit(card),
        }
        criteria = [Criterion(name, weight, *scores[name]) for name, weight in weights.items()]
        ratings.append(_combine(card, criteria, township=places.township(site.unit_id),
                                reported=last.get(site.id) is not None))
    return ratings


def _combine(card: Card, criteria: list[Criterion], *, township: str | None,
             reported: bool) -> Rating:
    site = card.site
    counted = [c for c in criteria if c.score is not None and c.weight > 0]
    screened = card.sessions + card.missed + card.planned + card.cancelled
    if not counted or (not screened and not reported):
        return Rating(site, township, 0, None, criteria,
                      _l("Not rated: no screening this month and no data ever received.")
                      if counted else _l("Not rated: none of the criteria applies to this site."))
    total = sum(c.weight for c in counted)
    score = round(sum(c.weight * c.score for c in counted) / total, 4)
    stars = stars_for(score)
    if not card.complete:
        return Rating(site, township, stars, score, criteria, _l(
            "%(stars)d of 5 stars so far: weighted score %(score)s%%; the month is not over.",
            stars=stars, score=f"{score * 100:.0f}"))
    return Rating(site, township, stars, score, criteria,
                  _l("%(stars)d of 5 stars: weighted score %(score)s%%.", stars=stars,
                    score=f"{score * 100:.0f}"))


def parse_sort(value: str | None) -> str:
    """stars (best first, the default), stars_asc (worst first), site (code) or township."""
    how = value or "stars"
    if how not in SORTS:
        raise Invalid(_("sort must be one of %(sorts)s.", sorts=", ".join(SORTS)))
    return how


def sort_ratings(ratings: list[Rating], how: str | None) -> list[Rating]:
    """Order the ratings as parse_sort names it."""
    how = parse_sort(how)
    if how == "site":
        return sorted(ratings, key=lambda r: r.site.code)
    if how == "township":
        return sorted(ratings, key=lambda r: (r.township or "", r.site.code))
    sign = -1 if how == "stars" else 1
    return sorted(ratings, key=lambda r: (sign * r.stars, sign * (r.score or 0), r.site.code))


def rating_table(ratings: list[Rating], criteria: list[str]) -> Table:
    """The rating list for a download: stars, score and each criterion's score in percent."""
    columns = [("site", _("Site")), ("name", _("Name")), ("township", _("Township")),
               ("stars", _("Stars")), ("score", _("Score (%)"))]
    columns += [(name, _("%(criterion)s (%%)", criterion=CRITERION_LABELS[name]))
                for name in criteria]
    columns.append(("summary", _("Reasons")))
    rows = []
    for r in ratings:
        row = {"site": r.site.code, "name": r.site.name, "township": r.township,
               "stars": r.stars, "score": percent(r.score)}
        for c in r.criteria:
            row[c.criterion] = percent(c.score)
        row["summary"] = " ".join(str(text) for text in [r.summary] + [c.reason for c in r.criteria])
        rows.append(row)
    return Table("rating", _("Five-star rating"), columns, rows)
