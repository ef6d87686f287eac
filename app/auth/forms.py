from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired

from .. import limits
from ..formlimits import text


class LoginForm(FlaskForm):
    username = StringField(_l("User name"), validators=[DataRequired(), text(limits.USERNAME)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), text(limits.PASSWORD)])
