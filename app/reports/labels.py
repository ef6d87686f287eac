"""Translated names of the report rules (quotas and terminal alerts) and of the alert levels."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

RULE_LABELS = {
    "sessions": _l("Sessions held"),
    "group_sessions": _l("Group study sessions"),
    "hours": _l("Hours played"),
    "study_hours": _l("Study hours per party member"),
    "six_days": _l("Screenings on the 6th, 16th and 26th (days)"),
    "days_open": _l("Days open"),
    "attendance": _l("Attendance (present or late)"),
    "participation_rate": _l("Party member participation rate"),
    "plan_compliance": _l("Share of teaching plans' screenings held"),
    "verified_sessions": _l("Sessions held without a confirmed audit flag"),
    # The terminals' alerts (app/terminals): actual / the limit
    "terminal_silent": _l("Terminal not heard from (days)"),
    "terminal_player_faults": _l("Player faults in 30 days"),
    "terminal_disk_low": _l("Free disk on the terminal (GB)"),
    "terminal_damaged_files": _l("Damaged video files on the terminal"),
    "terminal_clock_off": _l("Terminal clock off (minutes)"),
    "terminal_next_at_risk": _l("Next screening at risk"),
}
LEVEL_LABELS = {"site": _l("Site"), "township": _l("Township"), "city": _l("City")}
