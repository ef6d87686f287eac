"""Sync page forms: the bundle upload and the small POST forms of the per-site actions."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField


class UploadForm(FlaskForm):
    file = FileField(_l("Bundle file (.zip)"), validators=[FileRequired(_l("Choose a bundle file."))])


class ExportForm(FlaskForm):
    full = BooleanField(_l("Send everything again (not only what the other side has not "
                           "acknowledged)"))


class ActionForm(FlaskForm):
    """A button that changes something: only its CSRF token."""


class ConfirmForm(FlaskForm):
    confirm = BooleanField(_l("Yes, I am sure"))
