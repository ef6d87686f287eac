"""The step every form page repeats: run a service, then commit and say so, or roll back and
say why.

    return save(lambda: cancel_screening(screening), _("Screening cancelled."),
                url_for("screenings.detail", screening_id=screening.id), back=True)

A page that shows its form again on a refusal leaves `back` off: `save` then returns None after
the refusal and the view renders the form (with `refused` to show a refusal its own way, e.g.
as warnings beside the form instead of a flash).

A page whose answer is not a flash and a redirect (the kiosk's, a JSON answer, a download)
writes in a `unit_of_work()` block instead: committed when the block ends, rolled back when it
raises. Page modules never call `db.session.commit()` or `rollback()` themselves
(tests/test_thin_views.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, nullcontext
from typing import TypeVar

from flask import flash, redirect
from werkzeug.wrappers import Response

from .errors import DianjiaoError
from .extensions import db, one_writer

T = TypeVar("T")


@contextmanager
def unit_of_work(*, one_at_a_time: bool = False) -> Iterator[None]:
    """The request's writes: committed when the block ends, rolled back (and the exception
    raised on) when it raises. `one_at_a_time` takes this process's writer turn around the
    block and its commit (`extensions.one_writer`), for writes that come in bursts (sign-ins)."""
    try:
        with one_writer() if one_at_a_time else nullcontext():
            yield
            db.session.commit()
    except BaseException:
        db.session.rollback()
        raise


def save(action: Callable[[], T], success: str | Callable[[T], str | tuple[str, str] | None],
         to: str | Callable[[T], str | None], *,
         notes: Callable[[T], Iterable[str]] | None = None,
         back: bool = False,
         refused: Callable[[DianjiaoError], None] | None = None,
         raising: tuple[type[DianjiaoError], ...] = (),
         one_at_a_time: bool = False) -> Response | None:
    """Run `action` as the request's unit of work.

    Done: commit, flash `success` (then each of `notes` as a warning) and redirect to `to`;
    `success`, `to` and `notes` may be functions of what `action` returned, and `success` a
    (message, category) pair when the outcome is not a plain success, or None when there is
    nothing to say (nothing changed). `to` giving None keeps the user on the page: `save`
    returns None and the view renders it. Refused with a DianjiaoError: roll back, flash its
    message (or hand it to `refused`), then redirect to `to` (an address then) if `back`, else
    return None for the view to render its page again. A refusal of a kind in `raising` is not
    the form's to show: it goes on to the error page (after the rollback).
    """
    try:
        with unit_of_work(one_at_a_time=one_at_a_time):
            result = action()
    except DianjiaoError as exc:
        if isinstance(exc, raising):
            raise
        if refused is None:
            flash(exc.message, "error")
        else:
            refused(exc)
        return redirect(to) if back else None
    message = success(result) if callable(success) else success
    if message is not None:
        flash(*(message if isinstance(message, tuple) else (message, "success")))
    for note in notes(result) if notes else ():
        flash(note, "warning")
    target = to(result) if callable(to) else to
    return None if target is None else redirect(target)


def checked(read: Callable[[], T]) -> T | None:
    """Run a look that writes nothing but may be refused (a form's Check button): its answer,
    or None after the refusal is rolled back and flashed."""
    try:
        return read()
    except DianjiaoError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return None
