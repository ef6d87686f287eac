"""The pages and the HTTP API: every view module, and the blueprints they register their routes on.

Only an app that serves requests loads this module (`create_app()`, whose `pages` is True by
default: `dianjiao serve`, Flask's `run`/`routes`/`shell`, the tests' clients). The other
`dianjiao` commands make their app with `pages=False` and so import no view (docs/performance.md,
"Start-up"). A blueprint takes no more routes once registered: the view modules are imported here,
before any app registers it.
"""

from __future__ import annotations

from flask import Flask

from . import views
from .api import bp as api_bp
from .attendance import bp as attendance_bp
from .attendance import views as _attendance_views  # noqa: F401  (the view modules register
from .audit import bp as audit_bp
from .audit import views as _audit_views  # noqa: F401                   their pages on their blueprint)
from .auth import bp as auth_bp
from .auth import views as _auth_views  # noqa: F401
from .catalog import bp as catalog_bp
from .catalog import views as _catalog_views  # noqa: F401
from .distribution import bp as distribution_bp
from .distribution import views as _distribution_views  # noqa: F401
from .extensions import csrf
from .help import bp as help_bp
from .help import views as _help_views  # noqa: F401
from .loans import bp as loans_bp
from .loans import views as _loans_views  # noqa: F401
from .notices import bp as notices_bp
from .notices import views as _notices_views  # noqa: F401
from .people import bp as people_bp
from .people import views as _people_views  # noqa: F401
from .places import bp as places_bp
from .places import views as _places_views  # noqa: F401
from .player import bp as player_bp
from .player import views as _player_views  # noqa: F401
from .reports import bp as reports_bp
from .reports import views as _reports_views  # noqa: F401
from .screenings import bp as screenings_bp
from .screenings import views as _screenings_views  # noqa: F401
from .sync import bp as sync_bp
from .sync import views as _sync_views  # noqa: F401
from .teaching.views import bp as teaching_bp
from .terminals import bp as terminals_bp
from .terminals import views as _terminals_views  # noqa: F401

BLUEPRINTS = (auth_bp, places_bp, catalog_bp, screenings_bp, player_bp, people_bp, attendance_bp,
              distribution_bp, reports_bp, loans_bp, sync_bp, terminals_bp, teaching_bp, notices_bp,
              audit_bp, help_bp, api_bp)


def init_app(app: Flask) -> None:
    """Register the home pages and error handlers, then every feature's blueprint."""
    views.init_app(app)
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    csrf.exempt(api_bp)
