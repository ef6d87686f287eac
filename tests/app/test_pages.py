"""The save-flash-redirect step of form pages: done is saved and said; refused is undone and
said, and nothing of it stays."""

from __future__ import annotations

import pytest
from flask import get_flashed_messages
from sqlalchemy import func, select

from app.errors import Conflict, Invalid
from app.extensions import db
from app.models import Person
from app.pages import save
from app.people.services import create_person

pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)  # no SQL of its own


def _people() -> int:
    return db.session.scalar(select(func.count(Person.id)))


def test_done_is_committed_said_and_redirected(app):
    with app.test_request_context("/"):
        response = save(lambda: create_person("张三"),
                        lambda person: f"{person.name} added.", lambda person: "/people",
                        notes=lambda person: ["Same name as someone in 东村."])
        db.session.rollback()  # a later failure of the request cannot take it back
        assert _people() == 1
        assert response.status_code == 302 and response.location == "/people"
        assert get_flashed_messages(with_categories=True) == [
            ("success", "张三 added."), ("warning", "Same name as someone in 东村.")]


def test_an_outcome_that_is_not_a_success_is_said_as_such(app):
    with app.test_request_context("/"):
        save(lambda: create_person("张三"), lambda person: ("Some may not play.", "error"), "/x")
        assert _people() == 1
        assert get_flashed_messages(with_categories=True) == [("error", "Some may not play.")]


def _refused():
    create_person("李四")
    raise Invalid("The village is not one of yours.")


def test_refused_is_rolled_back_and_said_and_the_page_shown_again(app):
    with app.test_request_context("/"):
        assert save(_refused, "Saved.", "/people") is None
        assert _people() == 0
        assert get_flashed_messages(with_categories=True) == [
            ("error", "The village is not one of yours.")]


def test_refused_can_go_back_or_be_shown_beside_the_form(app):
    with app.test_request_context("/"):
        response = save(_refused, "Saved.", "/people/1", back=True)
        assert response.status_code == 302 and response.location == "/people/1"
        assert _people() == 0
        shown = []

        def conflict():
            create_person("王五")
            raise Conflict("Overlaps 党课.")

        assert save(conflict, "Saved.", "/x", refused=lambda exc: shown.append(exc.message)) is None
        assert shown == ["Overlaps 党课."] and _people() == 0
        assert get_flashed_messages(with_categories=True) == [
            ("error", "The village is not one of yours.")]  # the first refusal only
