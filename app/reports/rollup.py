"""The roll-up of the monthly cards per township and for the city, with their alerts."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import partial

from sqlalchemy import select

from .. import clock
from ..clock import shift
from ..extensions import among, db
from ..models import Site, Unit
from ..places.tree import Tree, subtree_ids
from ..terminals.services import rollup_alerts
from .alerts import LEVELS, Alert, alert_dict, escalate
from .card import Card, Figures, card_dict
from .kept_card import KeptFigures
from .months import elapsed, last_complete
from .rules import Rules, as_rules

SUMMED = ("sessions", "group_sessions", "hours", "six_day_sessions", "days_open", "attendance",
          "party_members", "participants", "missed", "planned", "cancelled")


@dataclass
class Rollup:
    """The cards of a township's (or the city's) sites for a month, summed, with their alerts."""

    name: str | None  # the township, or None for the city
    month: date
    cards: list[Card]
    alerts: list[Alert]
    totals: dict[str, float]
    quotas: list[dict]  # {rule, required, sites_met, sites, sites_on_track, sites_behind}
    townships: list[dict] = field(default_factory=list)  # the city's per-township lines
    complete: bool = True  # the month has ended; else its quotas are on track or behind
    # all the sites and alerts, counted (reports.summary lists only a page of them)
    sites: int = 0
    alert_count: int = 0
    levels: Counter = field(default_factory=Counter)



def rollup(township: Unit | None, month: date, *, tz: str, rules: Rules | list,
           now: datetime | None = None, recompute: bool = False) -> Rollup:
    """Sum the cards of a township's sites (or every site: the city) and list their alerts.

    The cards of all the sites, and of the earlier months their alerts escalate over, are
    computed together with a few queries (see Figures), not site by site. A month not yet over
    raises no quota alert: its quotas are on track or behind (see Card.shortfalls).
    """
    now = now or datetime.now(UTC)
    rules = as_rules(rules)
    query = select(Site).where(Site.active.is_(True)).order_by(Site.code)
    if township is not None:
        query = query.where(Site.unit_id.in_(subtree_ids(township.id)))
    sites = db.session.scalars(query).all()
    attach_places(sites)
    months = [shift(month, -back) for back in range(len(LEVELS))]
    # the kept monthly figures; `recompute` reads every row instead (the benchmark's baseline)
    figures = (Figures if recompute else KeptFigures)(sites, months, tz=tz, now=now)
    cards = [figures.card(site, month, rules) for site in sites]
    floors = figures.floors(months[-1])
    alerts = [a for card in cards for a in escalate(
        card, floors[card.site.id], partial(figures.card, card.site, rules=rules))]
    if month >= last_complete(tz, now):  # terminals: as they are now, on the latest months
        alerts += rollup_alerts(sites, now=now or clock.now())
    alerts.sort(key=lambda a: (-LEVELS.index(a.level), -a.months, a.site.code, a.rule))
    result = Rollup(name=township.name if township else None, month=month, cards=cards,
                    alerts=alerts, totals=_totals(cards), quotas=_quota_counts(cards, rules),
                    complete=elapsed(month, tz, now) >= 1.0, sites=len(cards),
                    alert_count=len(alerts), levels=Counter(a.level for a in alerts))
    if township is None:
        by_township: dict[str, list[Card]] = defaultdict(list)
        for card in cards:
            unit = card.site.township
            by_township[unit.name if unit else ""].append(card)
        result.townships = [{"township": name or None, "sites": len(group),
                             **_totals(group), "quotas": _quota_counts(group, rules)}
                            for name, group in sorted(by_township.items())]
    return result


def attach_places(sites: list[Site], tree: Tree | None = None) -> None:
    """Read the units once, so each site's township and village need no query of their own:
    every unit, or with the tree at hand only those above these sites (a page of cards)."""
    if not sites:
        return
    query = select(Unit)
    if tree is not None:
        query = query.where(among(Unit.id, list({u for s in sites for u in tree.above(s.unit_id)})))
    units = db.session.scalars(query).all()
    for site in sites:
        site.township, site.village  # noqa: B018 -- loads its chain of units from the session
    del units


def _totals(cards: list[Card]) -> dict[str, float]:
    totals: dict[str, float] = {key: sum(card.figure(key) for card in cards) for key in SUMMED}
    totals["hours"] = round(totals["hours"], 2)
    totals["participation_rate"] = (round(totals["participants"] / totals["party_members"], 4)
                                    if totals["party_members"] else 0.0)
    return totals


def _quota_counts(cards: list[Card], rules: Rules) -> list[dict]:
    """Per rule: the sites it applies to, and how many met it (a month in progress: met
    already, on track, behind). `required` is the rule's figure when every such site has the
    same one, else null (quotas differ by kind of site and by the members' roles)."""
    counts = []
    for rule in rules.names:
        quotas = [q for card in cards for q in card.quotas if q.rule == rule]
        required = {q.required for q in quotas}
        verdicts = Counter(q.status for q in quotas)
        counts.append({"rule": rule, "required": required.pop() if len(required) == 1 else None,
                       "sites": len(quotas), "sites_met": verdicts["met"],
                       "sites_on_track": verdicts["on_track"], "sites_behind": verdicts["behind"]})
    return counts


def rollup_dict(result: Rollup, *, tz: str) -> dict:
    return {
        "township": result.name, "month": result.month.strftime("%Y-%m"), "timezone": tz,
        "sites": result.sites, "complete": result.complete, **result.totals,
        "quotas": result.quotas, "alert_count": result.alert_count,
        "alerts": [alert_dict(a) for a in result.alerts],
        "cards": [card_dict(c, tz=tz) for c in result.cards],
        **({"townships": result.townships} if result.name is None else {}),
    }
