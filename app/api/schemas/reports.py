"""Reports: a site's monthly card, the township or city roll-up, and the five-star rating.

The card and the roll-up are computed by app/reports/ (card_dict, rollup_dict: their figures
depend on the time zone); these schemas say which of them the API answers, and how. A rating is
dumped from app/reports/rating.Rating itself."""

from __future__ import annotations

from .base import Out, fields, listing

INTEGERS = ("sessions", "group_sessions", "attendance", "party_members", "participants",
            "six_days", "six_day_sessions", "days_open", "missed", "planned", "cancelled")
NUMBERS = ("hours", "study_hours", "participation_rate")
NOT_ROLLED_UP = ("study_hours", "six_days")


def _figures(names=INTEGERS + NUMBERS, required=()) -> dict:
    return {name: (fields.Integer if name in INTEGERS else fields.Float)(required=name in required)
            for name in names}


class Quota(Out):
    rule = fields.String(required=True, metadata={
        "description": "the figure the rule requires (REPORT_RULES, by kind of site)"})
    required = fields.Float(required=True)
    actual = fields.Float(required=True)
    met = fields.Boolean(required=True, metadata={"description": "actual >= required"})
    status = fields.String(metadata={
        "enum": ["met", "not_met", "on_track", "behind"],
        "description": "a month that has ended: met or not_met; the month in progress: met, "
                       "on_track or behind (actual against the share due by now)"})
    due = fields.Float(metadata={
        "description": "the part of required due by now (all of it once the month has ended)"})


ReportCard = Out.from_dict({
    "site": fields.String(), "name": fields.String(), "township": fields.String(allow_none=True),
    "village": fields.String(allow_none=True), "month": fields.String(),
    "timezone": fields.String(),
    **_figures(required=("sessions", "group_sessions", "hours", "attendance")),
    "quotas": fields.List(fields.Nested(Quota), required=True),
    "complete": fields.Boolean(metadata={
        "description": "the month has ended: its quotas are judged"}),
    "elapsed": fields.Float(metadata={"description": "the share of the month gone by, 0..1"}),
    "audit_flagged": fields.Integer(metadata={
        "description": "held sessions with an audit flag an officer confirmed"}),
    "verified_sessions": fields.Integer(metadata={
        "description": "held sessions without a confirmed audit flag"}),
    "study_target": fields.Float(metadata={
        "description": "the average monthly study target of the site's party members "
                       "(STUDY_TARGET_HOURS_YEAR / 12)"}),
    }, name="ReportCard")


class ReportAlert(Out):
    site = fields.String()
    name = fields.String()
    rule = fields.String()
    required = fields.Float()
    actual = fields.Float()
    months = fields.Integer()
    level = fields.String(metadata={"enum": ["site", "township", "city"]})


class QuotaCount(Out):
    rule = fields.String()
    required = fields.Float(allow_none=True, metadata={
        "description": "null when it differs by kind of site or by the members' roles"})
    sites_met = fields.Integer()
    sites = fields.Integer(metadata={"description": "the sites the rule applies to"})
    sites_on_track = fields.Integer()
    sites_behind = fields.Integer()


ReportRollup = Out.from_dict({
    "township": fields.String(allow_none=True, metadata={"description": "null for the city"}),
    "month": fields.String(), "timezone": fields.String(), "sites": fields.Integer(),
    "complete": fields.Boolean(metadata={
        "description": "the month has ended; else no quota alerts"}),
    **_figures([n for n in INTEGERS + NUMBERS if n not in NOT_ROLLED_UP]),
    "quotas": fields.List(fields.Nested(QuotaCount)),
    "alert_count": fields.Integer(metadata={"description": "every alert, also those not listed"}),
    "alerts": fields.List(fields.Nested(ReportAlert), metadata={
        "description": "worst first; with limit/offset, that page of them"}),
    "cards": fields.List(fields.Nested(ReportCard), metadata={
        "description": "by site code; with limit/offset, that page of them"}),
    "townships": fields.List(fields.Dict(), metadata={
        "description": "the city's lines per township"})}, name="ReportRollup")


class Criterion(Out):
    criterion = fields.String(required=True, metadata={
        "enum": ["quotas", "coverage", "attendance", "reporting", "plans", "audit"]})
    weight = fields.Float(required=True, metadata={
        "description": "the configured weight, the weights scaled to sum to 1"})
    score = fields.Float(required=True, allow_none=True, metadata={
        "description": "0..1; null when it does not apply to the site"})
    reason = fields.Function(lambda c: str(c.reason), required=True,
                             metadata={"type": "string"})


class Rating(Out):
    """A site's stars (app/reports/rating.Rating)."""

    site = fields.String(attribute="site.code", required=True)
    name = fields.String(attribute="site.name", required=True)
    township = fields.String(required=True, allow_none=True)
    stars = fields.Integer(required=True, metadata={"minimum": 0, "maximum": 5})
    score = fields.Float(required=True, allow_none=True, metadata={
        "description": "the weighted score 0..1; null when not rated"})
    summary = fields.Function(lambda r: str(r.summary), metadata={"type": "string"})
    criteria = fields.List(fields.Nested(Criterion), required=True)


RatingList = listing(Rating)
