"""The notices' forms: buttons and the reflections page carry only their CSRF token (the
per-person boxes are read from the posted form against the people shown)."""

from __future__ import annotations

from flask_wtf import FlaskForm


class ReflectionsForm(FlaskForm):
    """One text box per person who attended, named `text-<person id>`; one save button."""
