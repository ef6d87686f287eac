"""The roll-up of a township or the city as its page shows it, counted by the database.

rollup() builds every site's card in Python, and the cards of the two months before for its
alerts: at ten times the seed's network that is 16,000 cards and seconds. The page shows totals,
a line per township, how many sites met each quota, and one page of alerts and of cards. Here
those counts are made by the database from the kept monthly figures (site_months), each site's
quotas judged in SQL as Figures._quotas judges them; Python works per unit (the party members a
site serves depend on its unit alone), per alert and per card of the page, not per site.
tests/app/test_rollup_summary.py checks every figure against rollup().
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import (
    Float,
    Integer,
    String,
    Uuid,
    and_,
    case,
    exists,
    func,
    literal,
    null,
    or_,
    select,
    text,
    type_coerce,
    union_all,
)
from sqlalchemy.dialects.postgresql import ARRAY

from .. import clock
from ..clock import month_bounds, shift
from ..extensions import among, db
from ..models import Person, Site, SyncPeer, TerminalHealth, Unit
from ..models.figures import SiteMonth
from ..models.people import PARTY_MEMBER
from ..places.tree import Tree
from ..terminals.services import rollup_alerts
from .alerts import LEVELS, Alert
from .kept_card import KeptFigures
from .months import elapsed, last_complete
from .quota_sql import figure, judged, kept_row
from .remembered import ROSTER, remembered, settled, unit_tree
from .rollup import SUMMED, Rollup, attach_places
from .rules import Rules, as_rules, due_by_now, monthly_target


@dataclass
class Place:
    """What an alert shows of its site (code and name), without loading the site."""

    code: str
    name: str


MANY = 10**9  # more alerts than any network has: a page asked for past them reads them all
Pick = slice | Callable[[int], slice]  # a slice, or one made from the number of rows


def summary(township: Unit | None, month: date, *, tz: str, rules: Rules | list,
            now: datetime | None = None, cards: Pick = slice(0, 50),
            alerts: Pick = slice(0, 50)) -> Rollup:
    """rollup() with only `cards` of the cards (by site code) and `alerts` of the alerts (worst
    first); the counts (Rollup.sites, .alert_count, .levels) are of all of them. A page is a
    slice, or a function of the count giving it (the page asked for, clamped to the pages)."""
    now = now or datetime.now(UTC)
    rules = as_rules(rules)
    share = elapsed(month, tz, now)
    complete = share >= 1.0
    tree = unit_tree()
    scope = tree.subtree(township.id) if township is not None else None
    today = clock.today(tz, now)
    day = today.day
    # a settled month's counts are remembered while nothing they count changes (remembered.py)
    settle = complete and settled(month, today)
    question = (township.id if township else None, month, tz, _key(rules))

    # the party members by role of each unit holding an active site in scope, remembered while
    # the roster does not change: for the units' targets below, and for the page's cards
    roles = remembered(("unit roles", township.id if township else None),
                       lambda: _roles(tree, scope), on=ROSTER)

    def per_unit():
        return _units(roles, rules, share, day)

    # a settled month's units with their targets; any month's party members per unit (_units)
    units = remembered(("units", *question), per_unit, on=ROSTER) if settle else per_unit()
    result = Rollup(name=township.name if township else None, month=month, cards=[], alerts=[],
                    totals={}, quotas=[], complete=complete)
    if not units:  # no site in scope; a page asked for is the first of none
        result.totals = _totals([])
        result.quotas = [_quota(rule, []) for rule in rules.names]
        for pick in (cards, alerts):
            if not isinstance(pick, slice):
                pick(0)
        return result
    # the alerts of the page asked for, as if there were no end to them (clamped below)
    asked = alerts if isinstance(alerts, slice) else alerts(MANY)
    first = min(asked.stop or MANY, MANY)

    def count():
        return _counts(units, month, rules, complete, share, day, tz, first)

    lines, levels, found = remembered(("counts", *question, first), count) if settle else count()
    found = list(found)  # remembered answers are shared: the terminals' alerts join a copy
    result.sites = sum(line["sites"] for line in lines)
    result.totals = _totals(lines)
    result.quotas = [_quota(rule, [line["quotas"][rule] for line in lines]) for rule in rules.names]
    if township is None:
        result.townships = [{"township": line["township"] or None, "sites": line["sites"],
                             **_totals([line]),
                             "quotas": [_quota(rule, [line["quotas"][rule]])
                                        for rule in rules.names]}
                            for line in sorted(lines, key=lambda line: line["township"])]
    terminal = (rollup_alerts(_terminal_sites(scope), now=now)
                if month >= last_complete(tz, now) else [])  # as they are now, latest months
    result.alert_count = sum(levels.values()) + len(terminal)
    result.levels = levels + Counter(a.level for a in terminal)
    wanted = alerts if isinstance(alerts, slice) else alerts(result.alert_count)
    found += terminal  # the page asked for, clamped to the pages, is within the alerts read
    found.sort(key=lambda a: (-LEVELS.index(a.level), -a.months, a.site.code, a.rule))
    result.alerts = found[wanted]
    result.cards = _cards(scope, month, tz, rules, now,
                          cards if isinstance(cards, slice) else cards(result.sites), tree,
                          roles)
    return result


def _counts(units: list[tuple], month: date, rules: Rules, complete: bool, share: float,
            day: int, tz: str, first: int) -> tuple[list[dict], Counter, list[Alert]]:
    """What the database counts for the page: a line per township, the quota alerts by level,
    and the first `first` alerts."""
    if db.session.get_bind().dialect.name == "postgresql":
        # JIT-compiling these wide expressions costs more (~180 ms, measured at x10) than
        # running them over a few thousand rows; for this transaction only
        db.session.execute(text("SET LOCAL jit = off"))
    rows = _site_rows(_unit_table(units), month, rules, complete, share, day, tz)
    return _counted(rows, rules, complete, first)


def _key(rules: Rules) -> tuple:
    """The settings as part of a remembered question."""
    return (rules.default, tuple(sorted(rules.kinds.items())), tuple(sorted(rules.targets.items())))


# --- per unit ------------------------------------------------------------------------------------

def _units(unit_roles: list[tuple], rules: Rules, share: float, day: int) -> list[tuple]:
    """(unit, township, party members, study target, target due by now) of every unit holding an
    active site in scope, from their party members by role (_roles: remembered while the roster
    does not change, whatever the month, a month in progress too); the targets come from the
    settings."""
    out = []
    for unit_id, township, roles in unit_roles:
        members = sum(roles.values())
        target = (round(sum(monthly_target(role, rules.targets) * n for role, n in roles.items())
                        / members, 2) if members else 0.0)
        out.append((unit_id, township, members, target,
                    due_by_now("study_hours", target, share, day)))
    return out


def _roles(tree: Tree, scope) -> list[tuple]:
    """(unit, township, party members by role) of every unit holding an active site in scope: a
    site's party members are those of its unit's subtree (within the scope, so only the scope's
    people are read: a township's page no longer counts the whole city's roster)."""
    held = select(Site.unit_id).where(Site.active.is_(True)).distinct()
    people = (select(Person.village_id, Person.role, func.count())
              .where(*PARTY_MEMBER)
              .group_by(Person.village_id, Person.role))
    if scope is not None:
        held = held.where(among(Site.unit_id, list(scope)))
        people = people.where(among(Person.village_id, list(scope)))
    roles_of: dict = defaultdict(Counter)
    for village_id, role, count in db.session.execute(people):
        roles_of[village_id][role] += count
    out = []
    for unit_id in db.session.scalars(held):
        roles: Counter = Counter()
        for below in tree.subtree(unit_id):
            roles.update(roles_of.get(below, {}))
        out.append((unit_id, tree.township(unit_id) or "", roles))
    return out


def _unit_table(units: list[tuple]):
    """The units as a table in the query, passed as one parameter whatever their number: unnest
    of arrays on PostgreSQL, json_each of a JSON array on SQLite. (A VALUES list has no cache
    key in SQLAlchemy: the statement holding one was compiled again at every view, 200 ms for
    1,736 units, more than SQLite then took to run it.)"""
    names = ("unit_id", "township", "members", "target", "due")
    types = (Uuid(), String(), Integer(), Float(), Float())
    if db.session.get_bind().dialect.name == "postgresql":
        arrays = [literal([row[i] for row in units], ARRAY(types[i])) for i in range(5)]
        return select(*[func.unnest(a).label(n) for a, n in zip(arrays, names, strict=True)]
                      ).subquery("u")
    # the ids as the Uuid type stores them on SQLite: 32 hex digits
    data = json.dumps([[row[0].hex if row[0] else None, *row[1:]] for row in units])
    each = func.json_each(literal(data, String())).table_valued("value").alias("each")
    return _materialized(select(*[
        type_coerce(func.json_extract(each.c.value, f"$[{i}]"), kind).label(name)
        for i, (name, kind) in enumerate(zip(names, types, strict=True))]).cte("u"))


# --- each site judged, then counted -------------------------------------------------------------

def _site_rows(unit, month: date, rules: Rules, complete: bool, share: float, day: int, tz: str):
    """One row per active site in scope: its township and code, the figures the roll-up sums,
    and per rule whether it applies, is met, is behind, what it requires, the figure, and the
    months running it was missed (0: no alert; escalate(): not before the site's first month;
    a month in progress raises none)."""
    # m, m-1, m-2: the two months before tell how long an alert has run. A month in progress
    # raises none, so its page reads its own month's kept rows alone (no gain measured beyond
    # the VM's noise at x10, but no work done for nothing).
    months = [shift(month, -back) for back in range(len(LEVELS) if complete else 1)]
    kept = [kept_row(m) for m in months]
    columns = [Site.code.label("code"), Site.name.label("name"), unit.c.township,
               unit.c.members.label("party_members")]
    columns += [figure(name, kept[0][0], unit).label(name) for name in SUMMED
                if name != "party_members"]
    counted = _counted_months(months, [table for table, _on in kept], tz) if complete else []
    for rule in rules.names:
        # what applies and is required is the same each month (the kind, the roster as now)
        j = judged(rule, rules, unit, share, day)
        actual = [figure(rule, table, unit) for table, _on in kept]
        short = [and_(j.applies, value < j.required) for value in actual]
        running = literal(0)
        if complete:
            running = case((and_(short[0], counted[0]), 1 + case(
                (and_(short[1], counted[1]), 1 + case((and_(short[2], counted[2]), 1), else_=0)),
                else_=0)), else_=0)
        columns += [
            case((j.applies, 1), else_=0).label(f"{rule}__applies"),
            case((and_(j.applies, actual[0] >= j.required), 1), else_=0).label(f"{rule}__met"),
            case((and_(short[0], actual[0] < j.due), 1), else_=0).label(f"{rule}__behind"),
            case((j.applies, j.required)).label(f"{rule}__required"),
            actual[0].label(f"{rule}__actual"),
            running.label(f"{rule}__months"),
        ]
    # Judged straight from the joined rows, a figure written out where each comparison needs
    # it: recomputing a coalesce or a division is cheaper than storing every figure of every
    # site first (a CTE of 60 columns was 80 % of the statement on SQLite at x10).
    query = select(*columns).select_from(Site).join(unit, unit.c.unit_id == Site.unit_id)
    for table, on in kept:
        query = query.outerjoin(table, on)
    return _materialized(query.where(Site.active.is_(True)).cte("judged"))  # read twice: once


def _materialized(cte):
    """A CTE computed once however often it is named (PostgreSQL 12+ and SQLite 3.35+ would
    otherwise inline one named once)."""
    return cte.prefix_with("MATERIALIZED")


def _counted_months(months: list[date], kept: list, tz: str) -> list:
    """Per month looked at (m, m-1, m-2): does it count toward an alert of the site? Not before
    the site's first month: its record's, or its first screening's (KeptFigures.floors)."""
    screened = [func.coalesce(table.c.screenings, 0) > 0 for table in kept]
    ends = [month_bounds(shift(m, 1), tz)[0] for m in months]  # a month's end: the next's start
    # a site recorded since m-1 began counts from its first screening: one before the months
    # looked at counts them all (read for those sites alone, not as a subquery of every site)
    table = SiteMonth.__table__
    before = list(db.session.scalars(select(Site.id).where(
        or_(Site.created_at.is_(None), Site.created_at >= ends[-1]),
        exists().where(table.c.site_id == Site.id, table.c.month < months[-1],
                       table.c.screenings > 0))))
    never = and_(Site.created_at.is_(None), ~or_(*screened))
    earlier = among(Site.id, before) if before else literal(False)
    return [or_(Site.created_at < ends[n], *screened[n:], never, earlier)
            for n in range(len(months))]


def _counted(rows, rules: Rules, complete: bool, first: int
             ) -> tuple[list[dict], Counter, list[Alert]]:
    """One statement over the judged sites (computed once): per township the sites, the sums of
    their figures, per rule the sites it applies to, met, on track, behind, the least and most
    it requires, the alerts by level; and the first `first` quota alerts, worst first (more
    months running, then by site and rule)."""
    line_columns = [rows.c.township, func.count().label("sites")]
    line_columns += [func.sum(rows.c[name]).label(name) for name in SUMMED]
    for rule in rules.names:
        line_columns += [func.sum(rows.c[f"{rule}__{what}"]).label(f"{rule}__{what}")
                         for what in ("applies", "met", "behind")]
        line_columns += [func.min(rows.c[f"{rule}__required"]).label(f"{rule}__least"),
                         func.max(rows.c[f"{rule}__required"]).label(f"{rule}__most")]
        line_columns += [func.sum(case((rows.c[f"{rule}__months"] == n, 1), else_=0)).label(
            f"{rule}__alerts{n}") for n in range(1, len(LEVELS) + 1)]
    alert_names = ("code", "name", "rule", "required", "actual", "months")
    lines_part = select(literal("line").label("part"), *line_columns,
                        *[null().label(name) for name in alert_names]).group_by(rows.c.township)
    statement = lines_part
    if first and rules.names:
        each = [select(rows.c.code, rows.c.name, literal(rule).label("rule"),
                       rows.c[f"{rule}__required"].label("required"),
                       rows.c[f"{rule}__actual"].label("actual"),
                       rows.c[f"{rule}__months"].label("months"))
                .where(rows.c[f"{rule}__months"] > 0) for rule in rules.names]
        alerts = union_all(*each).subquery("alerts")
        worst = (select(alerts).order_by(alerts.c.months.desc(), alerts.c.code, alerts.c.rule)
                 .limit(first).subquery("worst"))
        statement = union_all(lines_part, select(
            literal("alert"), *[null() for _column in line_columns],
            *[worst.c[name] for name in alert_names]))
    lines, levels, found = [], Counter(), []
    for row in db.session.execute(statement).mappings():
        if row["part"] == "alert":
            found.append(Alert(Place(row["code"], row["name"]), row["rule"],
                               float(row["required"]), float(row["actual"]), row["months"]))
            continue
        line = {"township": row["township"], "sites": row["sites"],
                **{name: row[name] or 0 for name in SUMMED}, "quotas": {}}
        for rule in rules.names:
            sites, met = row[f"{rule}__applies"] or 0, row[f"{rule}__met"] or 0
            behind = 0 if complete else row[f"{rule}__behind"] or 0
            line["quotas"][rule] = {
                "sites": sites, "met": met, "behind": behind,
                "on_track": 0 if complete else sites - met - behind,
                "least": row[f"{rule}__least"], "most": row[f"{rule}__most"]}
            for n, level in enumerate(LEVELS, start=1):
                levels[level] += row[f"{rule}__alerts{n}"] or 0
        lines.append(line)
    return lines, +levels, found


def _totals(lines: list[dict]) -> dict[str, float]:
    totals: dict[str, float] = {key: sum(line[key] for line in lines) for key in SUMMED}
    totals["hours"] = round(totals["hours"], 2)
    totals["participation_rate"] = (round(totals["participants"] / totals["party_members"], 4)
                                    if totals["party_members"] else 0.0)
    return totals


def _quota(rule: str, counts: list[dict]) -> dict:
    """rollup._quota_counts from the lines' counts: `required` when every site has the same."""
    least = [c["least"] for c in counts if c["sites"]]
    most = [c["most"] for c in counts if c["sites"]]
    same = least and min(least) == max(most)
    return {"rule": rule, "required": float(min(least)) if same else None,
            "sites": sum(c["sites"] for c in counts),
            "sites_met": sum(c["met"] for c in counts),
            "sites_on_track": sum(c["on_track"] for c in counts),
            "sites_behind": sum(c["behind"] for c in counts)}


# --- terminals and cards ------------------------------------------------------------------------

def _in_scope(scope):
    """Active sites of the township's units (None: the city's), without the units' table (a
    join with a VALUES list has no index on SQLite)."""
    where = [Site.active.is_(True)]
    if scope is not None:
        where.append(among(Site.unit_id, list(scope)))
    return where


def _terminal_sites(scope) -> list[Site]:
    """The sites in scope a terminal alert may concern (the others have no terminal)."""
    codes = list(db.session.scalars(select(SyncPeer.code).where(SyncPeer.kind == "site")))
    ids = list(db.session.scalars(select(TerminalHealth.site_id)))
    if not codes and not ids:
        return []
    known = or_(among(Site.code, codes) if codes else literal(False),
                among(Site.id, ids) if ids else literal(False))
    return db.session.scalars(select(Site).where(*_in_scope(scope), known)).all()


# --- the page's cards -----------------------------------------------------------------------------

def _cards(scope, month: date, tz: str, rules: Rules, now: datetime, page: slice,
           tree: Tree | None = None, roles: list[tuple] | None = None) -> list:
    """The page of cards; `roles` (_roles), when given, spares the cards reading the roster."""
    if page.stop is not None and page.stop <= (page.start or 0):
        return []  # no card asked for (a home page's alerts)
    query = select(Site).where(*_in_scope(scope)).order_by(Site.code)
    if page.stop is not None:
        query = query.limit(page.stop - (page.start or 0))
    sites = db.session.scalars(query.offset(page.start or 0)).all()
    attach_places(sites, tree)
    by_unit = {unit_id: by_role for unit_id, _township, by_role in roles} if roles else None
    figures = KeptFigures(sites, [month], tz=tz, now=now, tree=tree, roles=by_unit)
    return [figures.card(site, month, rules) for site in sites]
