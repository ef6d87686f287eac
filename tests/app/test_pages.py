"""The save-flash-redirect step of form pages: done is saved and said; refused is undone and
said, and nothing of it stays. Pages that answer otherwise write in a unit of work."""

from __future__ import annotations

import pytest
from flask import get_flashed_messages
from sqlalchemy import func, select

from app.errors import Conflict, Forbidden, Invalid
from app.extensions import db
from app.models import Person
from app.pages import checked, save, unit_of_work
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


def test_nothing_to_say_flashes_nothing_and_none_stays_on_the_page(app):
    with app.test_request_context("/"):
        response = save(lambda: create_person("张三"), lambda person: None, "/people")
        assert response.status_code == 302 and _people() == 1
        assert get_flashed_messages() == []
    with app.test_request_context("/"):  # (flashes are read once a request)
        assert save(lambda: create_person("李四"), "Imported.", lambda person: None) is None
        db.session.rollback()
        assert _people() == 2  # committed all the same
        assert get_flashed_messages(with_categories=True) == [("success", "Imported.")]


def test_a_refusal_of_a_kind_raised_goes_on_to_the_error_page_undone(app):
    def outside():
        create_person("王五")
        raise Forbidden("This site is outside your area.")

    with app.test_request_context("/"):
        with pytest.raises(Forbidden):
            save(outside, "Saved.", "/people", back=True, raising=(Forbidden,))
        assert _people() == 0 and get_flashed_messages() == []
    with app.test_request_context("/"):  # other refusals are still the form's to show
        assert save(_refused, "Saved.", "/people", raising=(Forbidden,)) is None
        assert get_flashed_messages() == ["The village is not one of yours."]


def test_a_unit_of_work_commits_at_its_end_and_undoes_what_raised(app):
    with app.test_request_context("/"):
        with unit_of_work(one_at_a_time=True):
            create_person("张三")
        db.session.rollback()
        assert _people() == 1
        with pytest.raises(Invalid), unit_of_work():
            _refused()
        assert _people() == 1


def test_a_check_that_is_refused_is_flashed_and_undone(app):
    with app.test_request_context("/"):
        assert checked(lambda: ["Overlaps 党课."]) == ["Overlaps 党课."]
        assert checked(_refused) is None
        assert _people() == 0
        assert get_flashed_messages() == ["The village is not one of yours."]
