"""The one homes of shared concepts: the local calendar and the app's clock (app/clock.py), the
unit tree (app/places/tree.py) and the scope pairs (app/auth/scope.py)."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from app import clock as app_clock
from app.auth import scope
from app.errors import NotFound
from app.extensions import db
from app.places.tree import Tree, subtree_ids, township_named

TZ = "Asia/Shanghai"  # UTC+8, no daylight saving


def test_month_and_year_bounds_are_local():
    assert app_clock.month_bounds(date(2026, 12, 17), TZ) == (
        datetime(2026, 11, 30, 16, tzinfo=UTC), datetime(2026, 12, 31, 16, tzinfo=UTC))
    assert app_clock.year_bounds(2026, TZ) == (
        datetime(2025, 12, 31, 16, tzinfo=UTC), datetime(2026, 12, 31, 16, tzinfo=UTC))
    assert app_clock.shift(date(2026, 1, 1), -1) == date(2025, 12, 1)
    assert app_clock.shift(date(2026, 11, 1), 14) == date(2028, 1, 1)


def test_the_local_date_turns_at_local_midnight():
    evening = datetime(2026, 3, 31, 15, 59, tzinfo=UTC)  # 23:59 in Shanghai
    assert app_clock.local_date(evening, TZ) == date(2026, 3, 31)
    assert app_clock.local_date(evening + timedelta(minutes=1), TZ) == date(2026, 4, 1)
    assert app_clock.today(TZ, evening + timedelta(minutes=1)) == date(2026, 4, 1)


def test_the_clock_fixture_moves_the_apps_clock(app, clock):
    clock.now = datetime(2026, 3, 31, 16, tzinfo=UTC)
    assert app_clock.now() == clock.now
    assert app_clock.today() == date(2026, 4, 1)  # in the display timezone, from the settings
    clock.now += timedelta(days=1)
    assert app_clock.today() == date(2026, 4, 2)


def test_the_tree_read_once_agrees_with_the_walk(app, make):
    west = make.site("P-101", township="河口乡", village="西村")
    make.site("P-102", township="河口乡", village="石桥村")
    make.site("P-103", township="城关镇", village="东村")
    township = township_named("河口乡")
    tree = Tree()
    assert tree.subtree(township.id) == frozenset(subtree_ids(township.id))
    assert {tree.village(u) for u in tree.subtree(township.id)} - {None} == {"西村", "石桥村"}
    assert tree.township(west.unit_id) == "河口乡"
    assert tree.village(west.unit_id) == "西村"
    with pytest.raises(NotFound):
        township_named("西村")  # a village is not a township


def test_the_scope_pairs_agree(app, make):
    here = make.site("P-201", township="河口乡", village="西村")
    there = make.site("P-202", township="城关镇", village="东村")
    officer = make.user("officer", "township", township="河口乡")
    operator = make.user("op", "operator", site=there)
    assert set(db.session.scalars(scope.visible_sites(officer))) == {here}
    assert set(db.session.scalars(scope.visible_sites(operator))) == {there}
    people = {make.person("王五", village="西村"), make.person("赵六", village="东村")}
    for user in (officer, operator):
        visible = set(db.session.scalars(scope.visible_sites(user)))
        assert visible == {s for s in (here, there) if scope.can_see_site(user, s)}
        units = scope.visible_units(user)
        assert {p for p in people if scope.can_see_person(user, p)} == {
            p for p in people if p.village_id in units}


@pytest.mark.parametrize("module", ["app.auth.scope", "app.places.tree", "app.clock"])
def test_each_home_imports_first_in_a_fresh_interpreter(module):
    """Scope uses the tree; the places package must not load pages that use scope back."""
    done = subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True, text=True,
                          cwd=str(Path(__file__).resolve().parents[2]))
    assert done.returncode == 0, done.stderr
