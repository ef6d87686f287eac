"""The hub's terminals under /api/v1: each site's health report and its alerts."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import current_app, jsonify
from flask_login import current_user

from ..auth.scope import visible_sites
from ..terminals.services import Limits, terminal_dict, terminals
from .blueprint import bp
from .helpers import api_roles, paging, schemas
from .schemas import COMPONENTS


@bp.get("/v1/terminals")
@api_roles("admin", "township")
@schemas(get={200: ("The sites", COMPONENTS["TerminalList"])})
def terminals_list():
    """The enrolled or health-reporting sites of the user's area, worst first.
    ---
    get:
      summary: Each site's health (its hourly report) and alerts, worst first
      description: >-
        An administrator sees every site, a township officer the sites of their township;
        operators and kiosks 403. Alerts: silent (not heard from for TERMINAL_SILENT_DAYS),
        player_faults (the player stopped at least once in 30 days), disk_low (under
        TERMINAL_MIN_FREE_GB), clock_off (more than TERMINAL_CLOCK_MAX_MIN off the hub's),
        next_at_risk (the next screening's readiness check found a problem).
      parameters:
        - limit
        - offset
      responses:
        401: {$ref: '#/components/responses/Error'}
        403: {$ref: '#/components/responses/Error'}
        422: {$ref: '#/components/responses/Error'}
    """
    limit, offset = paging()
    rows = terminals(visible_sites(current_user), now=datetime.now(UTC),
                     limits=Limits.from_config(current_app.config))
    return jsonify(COMPONENTS["TerminalList"]().dump({
        "items": [terminal_dict(r) for r in rows[offset:offset + limit]], "total": len(rows)}))
