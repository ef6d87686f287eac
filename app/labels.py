"""Translated display names for the codes stored in the database."""

from __future__ import annotations

from datetime import timedelta

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from wtforms.fields.choices import SelectChoice

from .reasons import show_reason

SITE_KIND_LABELS = {
    "station": _l("E-learning station"),
    "playback_point": _l("Playback point"),
    "center_household": _l("Center household"),
    "demo_household": _l("Demo household"),
    "local_talent": _l("Local talent"),
    "tech_association": _l("Tech association"),
}
UNIT_KIND_LABELS = {
    "city": _l("City"),
    "township": _l("Township"),
    "village": _l("Village"),
    "community": _l("Community"),
}
TOPIC_LABELS = {
    "planting": _l("Planting"),
    "breeding": _l("Breeding"),
    "processing": _l("Processing"),
    "pest_control": _l("Pest control"),
    "theory": _l("Theory"),
    "policy_law": _l("Policy and law"),
    "party_spirit": _l("Party spirit"),
    "exemplars": _l("Exemplars"),
}
AUDIENCE_LABELS = {
    "all": _l("Everyone"),
    "party_members": _l("Party members"),
    "cadres": _l("Cadres"),
    "villagers": _l("Villagers"),
}
# The series the station uses are a fixed vocabulary (models.catalog.SERIES), stored in Chinese;
# pages show them in the UI language, the API and downloads of raw rows keep the stored name.
SERIES_LABELS = {
    "乡土教材": _l("Local teaching material"),
    "农村实用科技": _l("Practical rural technology"),
    "自制片": _l("Self-produced"),
}
SCAN_STATUS_LABELS = {
    "queued": _l("queued"),
    "running": _l("scanning"),
    "done": _l("done"),
    "failed": _l("failed"),
}
SCREENING_STATUS_LABELS = {
    "planned": _l("planned"),
    "running": _l("running"),
    "done": _l("done"),
    "partial": _l("partly played"),
    "missed": _l("missed"),
    "cancelled": _l("cancelled"),
}
OUTCOME_LABELS = {
    "completed": _l("played to the end"),
    "skipped": _l("skipped"),
    "stopped": _l("stopped"),
    "error": _l("could not play"),
}
PERSON_ROLE_LABELS = {
    "cadre": _l("Cadre"),
    "member": _l("Member"),
    "activist": _l("Activist"),
    "villager": _l("Villager"),
}
ATTENDANCE_STATUS_LABELS = {
    "present": _l("present"),
    "late": _l("late"),
    "excused": _l("excused"),
    "absent": _l("absent"),
}
ATTENDANCE_METHOD_LABELS = {
    "kiosk": _l("kiosk"),
    "phone": _l("phone"),
    "operator": _l("roll-call"),
    "paper": _l("paper sheet"),
}
ROLE_LABELS = {
    "admin": _l("Administrator"),
    "township": _l("Township officer"),
    "operator": _l("Site operator"),
    "kiosk": _l("Sign-in kiosk"),
}


def init_app(app) -> None:
    app.jinja_env.globals.update(
        SITE_KIND_LABELS=SITE_KIND_LABELS,
        UNIT_KIND_LABELS=UNIT_KIND_LABELS,
        TOPIC_LABELS=TOPIC_LABELS,
        AUDIENCE_LABELS=AUDIENCE_LABELS,
        SERIES_LABELS=SERIES_LABELS,
        series_label=series_label,
        ROLE_LABELS=ROLE_LABELS,
        SCAN_STATUS_LABELS=SCAN_STATUS_LABELS,
        SCREENING_STATUS_LABELS=SCREENING_STATUS_LABELS,
        OUTCOME_LABELS=OUTCOME_LABELS,
        PERSON_ROLE_LABELS=PERSON_ROLE_LABELS,
        ATTENDANCE_STATUS_LABELS=ATTENDANCE_STATUS_LABELS,
        ATTENDANCE_METHOD_LABELS=ATTENDANCE_METHOD_LABELS,
        timedelta=timedelta,
    )
    app.jinja_env.filters["reason"] = show_reason


def series_label(name: str | None) -> str:
    """A series' name in the UI language (an unknown series as it is stored). The stored name is
    the Chinese one, so Chinese pages show it as it is."""
    if not name:
        return ""
    locale = get_locale()
    if locale is not None and locale.language == "zh":
        return name
    return str(SERIES_LABELS.get(name, name))


def choices(labels: dict) -> list[SelectChoice]:
    """Form choices from a {code: label} table."""
    return [SelectChoice(value, label) for value, label in labels.items()]
