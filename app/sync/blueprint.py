"""The sync blueprint. A module of its own: views.py registers the pages on it without importing
the package that imports them. `cli_group=None` puts its commands at the top level of `dianjiao`.

`dianjiao sync` (cli.py) is added here by name and imported when it runs: it loads the importer,
the export and the network stages, which no other command needs (~0.1 s).
"""

from __future__ import annotations

from flask import Blueprint

from ..cli_support import LazyCommand

# What `dianjiao sync` says of itself in `dianjiao --help`; tests/app/test_startup.py compares.
SYNC_HELP = "Carry records between the sites and the township hub."

bp = Blueprint("sync", __name__, url_prefix="/sync", cli_group=None)
bp.cli.add_command(LazyCommand("sync", "app.sync.cli:sync_group", help=SYNC_HELP))
