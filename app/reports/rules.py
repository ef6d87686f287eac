"""The settings a month is judged by: each kind of site's quotas (REPORT_RULES) and each party
member's study target (STUDY_TARGET_HOURS_YEAR), and the verdict of a quota.

REPORT_RULES is either one set of quotas for every site, `{figure: at least}`, or quotas per site
kind, `{kind: {figure: at least}, "default": {...}}`; a kind not named takes "default" (none when
there is no "default"). The study-hours quota may require `"target"`: the average of the site's
party members' own monthly targets (their yearly target by role, divided by 12).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from flask_babel import gettext as _

from ..errors import Invalid
from ..models.places import SITE_KINDS

# The figures a quota rule may require. verified_sessions: sessions held without a flag of the
# audit an officer confirmed (app/audit).
RULES = ("sessions", "group_sessions", "hours", "study_hours", "six_days", "days_open",
         "attendance", "participation_rate", "plan_compliance", "verified_sessions")
DEFAULT = "default"
TARGET = "target"  # REPORT_RULES' study_hours: the members' own targets
SIX_DAYS = (6, 16, 26)
# A quota's verdict: a finished month's is met or not met; the month in progress is judged
# against the share of the quota due by now: met already, on track, or behind.
VERDICTS = ("met", "not_met", "on_track", "behind")

Rule = tuple[str, float | None]  # (figure, at least); None: the members' own targets
# Hours of collective study a year a party member must reach: 32, and 56 for branch secretaries
# and committee members (the cadres of the roster), after the national plan for the education
# of party members (2019-2023); the defaults of STUDY_TARGET_HOURS_YEAR.
NATIONAL_TARGETS = {"cadre": 56.0, DEFAULT: 32.0}


@dataclass(frozen=True)
class Rules:
    """The quotas of each kind of site, and the party members' yearly study targets by role."""

    default: tuple[Rule, ...] = ()
    kinds: Mapping[str, tuple[Rule, ...]] = field(default_factory=dict)
    targets: Mapping[str, float] = field(default_factory=lambda: dict(NATIONAL_TARGETS))

    def of(self, kind: str) -> tuple[Rule, ...]:
        return self.kinds.get(kind, self.default)

    @property
    def names(self) -> list[str]:
        """Every rule some kind requires, in the order of RULES."""
        used = {rule for rules in (self.default, *self.kinds.values()) for rule, _r in rules}
        return [rule for rule in RULES if rule in used]


def as_rules(rules: Rules | Iterable[Rule]) -> Rules:
    """Rules as they are, or a list of (figure, at least) pairs for every kind of site."""
    return rules if isinstance(rules, Rules) else Rules(default=tuple(rules))


def rules_from(config: object, targets: object = None) -> Rules:
    """The quotas of REPORT_RULES (see the module's docstring), checked, with the study targets
    of STUDY_TARGET_HOURS_YEAR (None: the national rule's)."""
    found = yearly_targets(NATIONAL_TARGETS if targets is None else targets)
    if isinstance(config, Mapping) and config and all(
            key == DEFAULT or key in SITE_KINDS for key in config):
        kinds = {kind: _pairs(value) for kind, value in config.items() if kind != DEFAULT}
        return Rules(default=_pairs(config.get(DEFAULT, {})), kinds=kinds, targets=found)
    return Rules(default=_pairs(config), targets=found)


def settings_rules(config: Mapping) -> Rules:
    """The rules of an app's configuration (REPORT_RULES and STUDY_TARGET_HOURS_YEAR)."""
    return rules_from(config["REPORT_RULES"], config.get("STUDY_TARGET_HOURS_YEAR"))


def _pairs(config: object) -> tuple[Rule, ...]:
    items = config.items() if isinstance(config, Mapping) else config
    rules = []
    for rule, required in items:
        if rule not in RULES:
            raise Invalid(_("Unknown report rule %(rule)s; use one of %(rules)s.",
                            rule=rule, rules=", ".join(RULES)))
        if rule == "study_hours" and required in (TARGET, None):
            rules.append((rule, None))
            continue
        try:
            rules.append((rule, float(required)))
        except (TypeError, ValueError) as exc:
            raise Invalid(_("The report rule %(rule)s needs a number.", rule=rule)) from exc
    return tuple(rules)


# --- study targets -----------------------------------------------------------------------------

def yearly_targets(config: object) -> dict[str, float]:
    """STUDY_TARGET_HOURS_YEAR as {role: hours a year, "default": ...}; a number: every role."""
    try:
        if isinstance(config, Mapping):
            targets = {role: float(hours) for role, hours in config.items()}
            targets.setdefault(DEFAULT, min(targets.values(), default=0.0))
            return targets
        return {DEFAULT: float(config)}
    except (TypeError, ValueError) as exc:
        raise Invalid(_("STUDY_TARGET_HOURS_YEAR needs hours a year, a number or one per "
                        "role.")) from exc


def yearly_target(role: str | None, targets: Mapping[str, float]) -> float:
    """A party member's study hours a year by their role (a cadre: 56 by the national rule)."""
    return targets.get(role or "", targets[DEFAULT])


def monthly_target(role: str | None, targets: Mapping[str, float]) -> float:
    """A month's share of the yearly target."""
    return yearly_target(role, targets) / 12


# --- verdicts ----------------------------------------------------------------------------------

RATES = ("participation_rate", "plan_compliance")  # shares 0..1; every other figure is a count


def due_by_now(rule: str, required: float, share: float, day: int) -> float:
    """The part of a quota due by now, `share` of the month gone by, on local day `day`.

    All of it once the month has ended. Before: the share gone by, in whole sessions, days or
    hours (one session of two is due from mid-month, a household's one hour only at the end;
    20 hours a month: 4 by the 7th), rates pro rata; the 6th, 16th and 26th on their days (on
    the 7th, one of three is due).
    """
    if share >= 1.0:
        return required
    if rule == "six_days":
        return min(required, sum(1 for d in SIX_DAYS if d < day))
    if rule in RATES:
        return round(required * share, 4)
    return float(math.floor(required * share))


def verdict(actual: float, required: float, due: float, *, complete: bool) -> str:
    """met / not_met once the month has ended; before it, met / on_track / behind."""
    if actual >= required:
        return "met"
    if complete:
        return "not_met"
    return "on_track" if actual >= due else "behind"
