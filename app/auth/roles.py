"""The roles of a login, and the groups of them that pages and API calls admit.

One home for these names: every view, API call and check imports them from here.
"""

from __future__ import annotations

ADMIN, TOWNSHIP, OPERATOR, KIOSK = "admin", "township", "operator", "kiosk"
ROLES = (ADMIN, TOWNSHIP, OPERATOR, KIOSK)  # every role a login can have
STAFF = (ADMIN, TOWNSHIP, OPERATOR)  # people who run screenings: everyone but a kiosk
OFFICERS = (ADMIN, TOWNSHIP)  # who plans for, and changes, sites of an area
