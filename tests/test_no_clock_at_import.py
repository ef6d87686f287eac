"""No test module reads the clock when it is imported.

A time taken at import is minutes old by the time a test near the end of a slow run uses it: a
screening "open now" is late by then (a fresh-clone run of 12 minutes failed that way). Take the
time in the test: the `now` fixture of tests/conftest.py, or a call inside a function.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

TESTS = Path(__file__).parent
CLOCKS = {"now", "today", "utcnow", "time"}  # datetime.now(), date.today(), utcnow(), time.time()


def clock_reads_at_import(source: str) -> list[tuple[int, str]]:
    """The calls that read the clock when the module runs: module and class bodies, decorators,
    and default values of parameters; not the bodies of functions, which run later."""
    found = []
    todo: list[ast.AST] = list(ast.parse(source).body)
    while todo:
        node = todo.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            if not isinstance(node, ast.Lambda):
                todo.extend(node.decorator_list)
            todo.extend(node.args.defaults)
            todo.extend(d for d in node.args.kw_defaults if d is not None)
            continue
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            # A bare time(19, 30) is datetime.time, a time of day: not a clock read.
            if name in CLOCKS and not (name == "time" and isinstance(func, ast.Name) and node.args):
                found.append((node.lineno, ast.unparse(node)))
        todo.extend(ast.iter_child_nodes(node))
    return sorted(found)


def test_no_test_module_reads_the_clock_at_import():
    offenders = [f"{path.relative_to(TESTS.parent)}:{line}: {call}"
                 for path in sorted(TESTS.rglob("*.py"))
                 for line, call in clock_reads_at_import(path.read_text(encoding="utf-8"))]
    assert not offenders, ("read the clock in the test (the `now` fixture), not at import:\n"
                           + "\n".join(offenders))


@pytest.mark.parametrize("source", [
    "NOW = datetime.now(UTC)",
    "TODAY = date.today() - timedelta(days=1)",
    "from app.models.base import utcnow\nSTART = utcnow()",
    "import time\nSTARTED = time.time()",
    "def plan(at=datetime.now(UTC)):\n    pass",
    "def plan(*, at=utcnow()):\n    pass",
    "@pytest.mark.parametrize('day', [date.today()])\ndef test(day):\n    pass",
    "class Case:\n    at = datetime.now()",
    "pick = lambda at=time.time(): at",
])
def test_the_guard_sees_a_clock_read_at_import(source):
    assert clock_reads_at_import(source)


@pytest.mark.parametrize("source", [
    "def test(now):\n    start = now - timedelta(minutes=5)\n    return datetime.now(UTC)",
    "def today():\n    return date.today()",
    "SEVEN_THIRTY = time(19, 30)",
    "START = datetime(2026, 11, 6, 11, 30, tzinfo=UTC)",
    "clock = datetime.now",
    "class Case:\n    def at(self):\n        return utcnow()",
])
def test_the_guard_leaves_times_taken_later_or_fixed(source):
    assert clock_reads_at_import(source) == []
