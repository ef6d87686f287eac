"""What the dashboard page shows: its tables (also its CSV and XLSX downloads) and its charts,
made from the figures of reports.dashboard."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _
from markupsafe import Markup

from ..auth.scope import Area
from ..clock import local_date
from ..labels import SITE_KIND_LABELS, series_label
from ..models import User
from . import charts
from .dashboard import (
    IdleSite,
    MonthFigures,
    SeriesCoverage,
    TitleFigures,
    idle_sites,
    monthly_figures,
    most_watched,
    scope_site_count,
    series_coverage,
    silent_sites,
)
from .export import Table, join, percent


@dataclass
class Params:
    """What the dashboard was asked for: its last month, the idle threshold and kind, the clock."""

    last: date
    tz: str
    days: int
    kind: str | None
    now: datetime


def monthly_table(figures: list[MonthFigures]) -> Table:
    return Table("monthly", _("Screenings by month"), [
        ("month", _("Month")), ("held", _("Held")), ("planned", _("Planned")),
        ("missed", _("Missed")), ("cancelled", _("Cancelled")), ("hours", _("Hours played")),
        ("attendance", _("Attendance (present or late)")),
        ("participants", _("Party members attending")), ("party_members", _("Party members")),
        ("participation_rate", _("Participation rate (%)")),
    ], [{"month": f.month.strftime("%Y-%m"), "held": f.held, "planned": f.planned,
         "missed": f.missed, "cancelled": f.cancelled, "hours": f.hours,
         "attendance": f.attendance, "participants": f.participants,
         "party_members": f.party_members, "participation_rate": percent(f.participation_rate)}
        for f in figures])


def titles_table(titles: list[TitleFigures]) -> Table:
    return Table("titles", _("Most watched titles"), [
        ("rank", _("Rank")), ("title", _("Title")), ("series", _("Series")),
        ("viewers", _("Viewers")), ("plays", _("Plays")), ("hours", _("Hours played")),
    ], [{"rank": i, "title": t.name, "series": series_label(t.series), "viewers": t.viewers, "plays": t.plays,
         "hours": t.hours} for i, t in enumerate(titles, start=1)])


def idle_table(rows: list[IdleSite], *, now: datetime, tz: str) -> Table:
    return Table("idle", _("Idle sites"), [
        ("site", _("Site")), ("name", _("Name")), ("kind", _("Kind")),
        ("township", _("Township")), ("village", _("Village")),
        ("last_held", _("Last screening held")), ("days_idle", _("Days without a screening")),
    ], [{"site": r.code, "name": r.name, "kind": str(SITE_KIND_LABELS.get(r.kind, r.kind)),
         "township": r.township, "village": r.village,
         "last_held": local_date(r.last_held, tz) if r.last_held else _("never"),
         "days_idle": r.days_idle(now)} for r in rows])


def coverage_table(lines: list[SeriesCoverage]) -> Table:
    return Table("coverage", _("Distribution coverage"), [
        ("series", _("Series")), ("titles", _("Titles")), ("kinds", _("Must be held by")),
        ("holding", _("Sites holding it")), ("required", _("Sites required")),
        ("rate", _("Coverage (%)")), ("complete", _("Holding every title")),
        ("all_holding", _("All sites holding it")), ("all_sites", _("All sites")),
    ], [{"series": series_label(c.series), "titles": c.titles,
         "kinds": join(str(SITE_KIND_LABELS.get(k, k)) for k in c.kinds) or "—",
         "holding": c.holding, "required": c.required, "rate": percent(c.rate),
         "complete": c.complete, "all_holding": c.all_holding, "all_sites": c.all_sites}
        for c in lines])


TABLES = ("monthly", "titles", "idle", "coverage")


def table(name: str, user: User, scope: Area, params: Params) -> Table | None:
    """One of the dashboard's tables, computed alone (for a download); None if there is none."""
    if name == "monthly":
        return monthly_table(monthly_figures(scope, params.last, tz=params.tz))
    if name == "titles":
        return titles_table(most_watched(scope, params.last, tz=params.tz))
    if name == "idle":
        rows = idle_sites(scope, days=params.days, now=params.now, kind=params.kind)
        return idle_table(rows, now=params.now, tz=params.tz)
    if name == "coverage":
        return coverage_table(series_coverage(user, scope))
    return None


IDLE_SHOWN = 50  # idle sites listed on the page; the download has them all


@dataclass
class Page:
    figures: list[MonthFigures]
    titles: list[TitleFigures]
    idle: list[IdleSite]
    sites: int  # active sites in the scope (of the kind asked for)
    coverage: list[SeriesCoverage]
    tables: dict[str, Table]
    charts: dict[str, Markup]
    silent: list[dict] = field(default_factory=list)  # enrolled sites whose bundles stopped
    silent_days: int = 0


def dashboard_page(user: User, scope: Area, params: Params) -> Page:
    """Everything the dashboard page shows: figures, tables and charts."""
    figures = monthly_figures(scope, params.last, tz=params.tz)
    titles = most_watched(scope, params.last, tz=params.tz)
    idle = idle_sites(scope, days=params.days, now=params.now, kind=params.kind)
    lines = series_coverage(user, scope)
    tables = {"monthly": monthly_table(figures), "titles": titles_table(titles),
              "idle": idle_table(idle, now=params.now, tz=params.tz),
              "coverage": coverage_table(lines)}
    this_month = params.now.astimezone(ZoneInfo(params.tz)).date().replace(day=1)
    months = [f.month.strftime("%Y-%m") + ("*" if f.month == this_month else "") for f in figures]
    no_data = _("No data for these months")
    made = {
        "screenings": charts.screenings_chart(months, [
            (_("Held"), [f.held for f in figures]), (_("Planned"), [f.planned for f in figures]),
            (_("Missed"), [f.missed for f in figures])],
            title=_("Screenings by month"), no_data=no_data),
        "hours": charts.hours_chart(
            months, [f.hours for f in figures], [f.participation_rate for f in figures],
            hours_label=_("Hours played"), rate_label=_("Participation rate (%)"),
            title=_("Hours played and party member participation"), no_data=no_data),
        "coverage": charts.coverage_chart(
            [series_label(c.series) for c in lines if c.required], [c.rate for c in lines if c.required],
            label=_("Coverage (%)"), title=_("Distribution coverage"),
            no_data=_("No series is required here")),
    }
    stale = int(current_app.config["SYNC_STALE_DAYS"])
    return Page(figures, titles, idle, scope_site_count(scope, params.kind), lines, tables, made,
                silent=silent_sites(scope, days=stale, now=params.now), silent_days=stale)

