"""A site's quotas as SQL expressions over its kept monthly row (site_months), judged as
reports.card.Figures._quotas judges a card: the figure of each rule, what the site's kind
requires (or its party members' own study target), and the part due by now. reports.summary
counts them for a township or the city in one statement.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, case, func, literal, or_

from ..extensions import db
from ..models import Site
from ..models.figures import SiteMonth
from .rules import DEFAULT, Rules, due_by_now


def rounded(value, places: int):
    """round(value, places) as Python rounds a float: to the nearest, in binary floating point
    (PostgreSQL's round(numeric) would first print the float to 15 digits: 1.00499999... is
    1.005 there and 1.01 once rounded, where Python says 1.0; and casting costs time)."""
    if db.session.get_bind().dialect.name == "postgresql":
        scale = 10.0 ** places
        return func.round(value * scale) / scale
    return func.round(value, places)


def figure(rule: str, kept, unit):
    """A rule's figure of a site's card from its kept row (none: every count 0)."""
    def count(name):
        return func.coalesce(kept.c[name], 0)

    if rule == "hours":
        return rounded(count("minutes") / 60.0, 2)
    if rule == "verified_sessions":
        return count("sessions") - count("audit_flagged")
    if rule == "participation_rate":
        return case((unit.c.members > 0, rounded(count("participants") * 1.0 / unit.c.members, 4)),
                    else_=0.0)
    if rule == "plan_compliance":
        return case((count("plan_sessions") > 0,
                     rounded(count("plan_held") * 1.0 / count("plan_sessions"), 4)), else_=0.0)
    if rule == "study_hours":
        return case((unit.c.members > 0,
                     rounded(count("study_minutes") / unit.c.members / 60.0, 2)), else_=0.0)
    return count(rule)


def _kinds(rules: Rules, rule: str) -> dict[str, float | None]:
    """The kinds of site with this rule and what each requires (None: the members' targets);
    DEFAULT stands for every kind the rules do not name (Rules.of)."""
    found = {kind: dict(pairs)[rule] for kind, pairs in rules.kinds.items() if rule in dict(pairs)}
    if rule in dict(rules.default):
        found[DEFAULT] = dict(rules.default)[rule]
    return found


def _kind_in(kinds, rules: Rules):
    named = [kind for kind in kinds if kind != DEFAULT]
    condition = Site.kind.in_(named) if named else literal(False)
    if DEFAULT in kinds:
        condition = or_(condition, ~Site.kind.in_(list(rules.kinds)))
    return condition


def _kind_case(kinds: dict, value):
    whens = [(Site.kind == kind, value(required)) for kind, required in kinds.items()
             if kind != DEFAULT]
    fallback = value(kinds[DEFAULT]) if DEFAULT in kinds else literal(0.0)
    return case(*whens, else_=fallback) if whens else fallback


@dataclass
class Judged:
    """A rule's quota of a site as SQL expressions: does it apply, what it requires and the
    part due by now (Figures._quotas); its figure is `figure`, the same each month asked."""

    applies: object
    required: object
    due: object


def judged(rule: str, rules: Rules, unit, share: float, day: int) -> Judged:
    kinds = _kinds(rules, rule)
    applies = _kind_in(kinds, rules)
    by_target = [kind for kind, value in kinds.items() if value is None]
    if by_target:  # the members' own targets: a site without party members has no such quota
        applies = and_(applies, or_(unit.c.members > 0, ~_kind_in(by_target, rules)))

    def required(value):
        return unit.c.target if value is None else literal(float(value))

    def due(value):
        return unit.c.due if value is None else literal(
            float(due_by_now(rule, float(value), share, day)))

    return Judged(applies, _kind_case(kinds, required), _kind_case(kinds, due))


def kept_row(month: date):
    table = SiteMonth.__table__.alias(f"k{month:%Y%m}")
    return table, and_(table.c.site_id == Site.id, table.c.month == month)
