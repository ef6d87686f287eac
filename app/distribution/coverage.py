"""Coverage: per township and kind of site, how many sites hold a series (see holdings)."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import current_app
from flask_babel import lazy_gettext as _l

from ..auth.scope import visible_sites
from ..extensions import db
from ..labels import series_label
from ..models import Site, User
from ..models.places import SITE_KINDS
from ..places.tree import Tree
from .holdings import Holder, held_by_site, holdings, series_titles, sorted_holders

DEFAULT_COVERAGE_RULES = {"*": ["playback_point"]}  # every playback point must hold every series
KIND_PLURALS = {
    "station": _l("stations"),
    "playback_point": _l("playback points"),
    "center_household": _l("center households"),
    "demo_household": _l("demo households"),
    "local_talent": _l("local talents"),
    "tech_association": _l("tech associations"),
}


@dataclass
class CoverageRow:
    township: str | None
    kind: str
    total: int = 0
    holding: int = 0
    complete: int = 0
    required: bool = False
    short: list[str] = field(default_factory=list)


def required_kinds(series: str) -> list[str]:
    rules = current_app.config.get("COVERAGE_RULES") or DEFAULT_COVERAGE_RULES
    return list(rules.get(series, rules.get("*", [])))


def coverage(user: User, series: str) -> tuple[list[CoverageRow], int]:
    """Per township and site kind of the caller's area: active sites holding the series / all."""
    title_ids = series_titles(series)
    found = held_by_site(user, title_ids)
    places = Tree()
    required = set(required_kinds(series))
    rows: dict[tuple[str | None, str], CoverageRow] = {}
    for site_id, code, kind, unit_id in db.session.execute(
        visible_sites(user).where(Site.active.is_(True))
        .with_only_columns(Site.id, Site.code, Site.kind, Site.unit_id).order_by(Site.code)
    ):
        township = places.township(unit_id)
        row = rows.setdefault((township, kind), CoverageRow(township, kind, required=kind in required))
        row.total += 1
        h = found.get(site_id)
        if h is None:
            row.short.append(code)
            continue
        row.holding += 1
        if len(h[1]) >= len(title_ids):
            row.complete += 1
    kind_order = {k: i for i, k in enumerate(SITE_KINDS)}
    ordered = sorted(rows.values(), key=lambda r: (r.township or "", kind_order.get(r.kind, 99)))
    return ordered, len(title_ids)


def township_lines(series: str, rows: list[CoverageRow]) -> list[dict]:
    """One line per township: "农村实用科技: 163/169 playback points, 1102/1265 center households"."""
    by_township: dict[str | None, list[CoverageRow]] = {}
    for row in rows:
        by_township.setdefault(row.township, []).append(row)
    lines = []
    for township, group in by_township.items():
        parts = ", ".join(f"{r.holding}/{r.total} {KIND_PLURALS.get(r.kind, r.kind)}" for r in group)
        lines.append({"township": township,
                      "kinds": [{"kind": r.kind, "holding": r.holding, "total": r.total}
                                for r in group],
                      "line": f"{series_label(series)}: {parts}"})
    return lines




@dataclass
class SeriesHolders:
    """Where a series is: the sites holding it, its line per township, and its number of titles."""

    holders: list[Holder]
    lines: list[dict]
    of: int


def series_whereis(user: User, series: str) -> SeriesHolders:
    """The sites of the caller's area holding a series (NotFound when no title belongs to it)."""
    title_ids = series_titles(series)
    rows, _count = coverage(user, series)
    return SeriesHolders(sorted_holders(holdings(user, title_ids)), township_lines(series, rows),
                         len(title_ids))
