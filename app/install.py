"""The install's role: the township's hub, or a village site with its code.

Read from one place, the ROLE and SITE settings (instance/config.py, or DIANJIAO_ROLE and
DIANJIAO_SITE), as the app starts. They change at most once, when a fresh install imports its own
enrollment bundle: become_site() saves them into instance/config.py, then tells the running app.
Nothing else writes them; code that acts for a role it is not yet (the import of that enrollment
bundle) is given a Role to act as.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass

from flask import Flask, current_app

from .security import private_opener

HUB, SITE = "hub", "site"


@dataclass(frozen=True)
class Role:
    """Who an install is: `kind` hub or site, and `site` the site's code (SITE) if set."""

    kind: str = HUB
    site: str | None = None

    @property
    def is_site(self) -> bool:
        return self.kind == SITE


def init_app(app: Flask) -> None:
    """Settle the settings as read (a site code is text, even "123") and let pages ask."""
    if app.config.get("SITE") is not None:
        app.config["SITE"] = str(app.config["SITE"])
    app.jinja_env.globals["is_site"] = is_site


def role(app: Flask | None = None) -> Role:
    """This install's role now."""
    return Role(SITE if is_site(app) else HUB, site_code(app))


def is_site(app: Flask | None = None) -> bool:
    return (app or current_app).config.get("ROLE") == SITE


def site_code(app: Flask | None = None) -> str | None:
    """The SITE setting: a site install's code (None on a hub that has none)."""
    return (app or current_app).config.get("SITE")


def become_site(code: str, app: Flask | None = None) -> Role:
    """Make this fresh install site `code`: saved first, so the running app and the next start
    agree. Raises OSError when instance/config.py cannot be written (the app stays a hub)."""
    app = app or current_app
    write_site_config(code, app)
    app.config["ROLE"], app.config["SITE"] = SITE, code
    return role(app)


def write_site_config(code: str, app: Flask | None = None) -> None:
    """Append ROLE and SITE to instance/config.py (made readable by its owner only)."""
    path = os.path.join((app or current_app).instance_path, "config.py")
    existing = ""
    if os.path.exists(path):
        with open(path, encoding="utf-8") as fh:
            existing = fh.read()
    with open(path, "a", encoding="utf-8", opener=private_opener) as fh:
        if existing and not existing.endswith("\n"):
            fh.write("\n")
        fh.write(f'# Written by `dianjiao sync import` of the enrollment bundle.\n'
                 f'ROLE = "site"\nSITE = {json.dumps(code)}\n')
