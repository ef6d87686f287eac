"""The step every form page repeats: run a service, then commit and say so, or roll back and
say why.

    return save(lambda: cancel_screening(screening), _("Screening cancelled."),
                url_for("screenings.detail", screening_id=screening.id), back=True)

A page that shows its form again on a refusal leaves `back` off: `save` then returns None after
the refusal and the view renders the form (with `refused` to show a refusal its own way, e.g.
as warnings beside the form instead of a flash).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

from flask import flash, redirect
from werkzeug.wrappers import Response

from .errors import DianjiaoError
from .extensions import db

T = TypeVar("T")


def save(action: Callable[[], T], success: str | Callable[[T], str | tuple[str, str]],
         to: str | Callable[[T], str], *, notes: Callable[[T], Iterable[str]] | None = None,
         back: bool = False,
         refused: Callable[[DianjiaoError], None] | None = None) -> Response | None:
    """Run `action` as the request's unit of work.

    Done: commit, flash `success` (then each of `notes` as a warning) and redirect to `to`;
    `success`, `to` and `notes` may be functions of what `action` returned, and `success` a
    (message, category) pair when the outcome is not a plain success. Refused with a
    DianjiaoError: roll back, flash its message (or hand it to `refused`), then redirect to
    `to` (an address then) if `back`, else return None for the view to render its page again.
    """
    try:
        result = action()
    except DianjiaoError as exc:
        db.session.rollback()
        if refused is None:
            flash(exc.message, "error")
        else:
            refused(exc)
        return redirect(to) if back else None
    db.session.commit()
    message = success(result) if callable(success) else success
    flash(*(message if isinstance(message, tuple) else (message, "success")))
    for note in notes(result) if notes else ():
        flash(note, "warning")
    return redirect(to(result) if callable(to) else to)
