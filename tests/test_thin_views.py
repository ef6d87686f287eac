"""Page modules stay thin: they write through `app.pages` (`save`, `unit_of_work`), never by
committing or rolling back the session themselves, and build no error answer of their own."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

APP = Path(__file__).resolve().parent.parent / "app"


def _routes(tree: ast.AST) -> bool:
    """Whether a module declares a route (`@bp.route`, `@bp.get`, `@bp.post` ...)."""
    return any(isinstance(d, ast.Call) and isinstance(d.func, ast.Attribute)
               and d.func.attr in ("route", "get", "post") and getattr(d.func.value, "id", "") == "bp"
               for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)
               for d in node.decorator_list)


# The modules whose functions answer requests for pages: every module declaring a route, the
# API's aside (it answers JSON through its own error handler).
PAGE_MODULES = sorted(path for path in APP.rglob("*.py")
                      if "api" not in path.relative_to(APP).parts[:1]
                      and _routes(ast.parse(path.read_text(encoding="utf-8"))))

# module (relative to app/) → why it may end the session's transaction itself
ALLOWED = {
    "views.py": "the one error handler rolls back a refused request before rendering the envelope",
}


def _session_calls(tree: ast.AST) -> list[tuple[int, str]]:
    """Calls of `<...>.session.commit()` / `.rollback()` (db.session, self.session ...)."""
    found = []
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("commit", "rollback")
                and isinstance(node.func.value, ast.Attribute)
                and node.func.value.attr == "session"):
            found.append((node.lineno, node.func.attr))
    return found


def _error_json(tree: ast.AST) -> list[int]:
    """Lines building `jsonify(error={...})`: the error envelope is the error handler's alone."""
    return [node.lineno for node in ast.walk(tree)
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "jsonify"
            and any(k.arg == "error" and isinstance(k.value, ast.Dict) for k in node.keywords)]


def test_the_page_modules_are_found():
    names = {str(p.relative_to(APP)) for p in PAGE_MODULES}
    assert {"views.py", "people/views.py", "attendance/kiosk.py", "attendance/rollcall.py",
            "attendance/record.py", "distribution/views.py"} <= names
    assert not any(name.startswith("api/") for name in names)


@pytest.mark.parametrize("path", PAGE_MODULES, ids=lambda p: str(p.relative_to(APP)))
def test_page_modules_write_through_pages(path: Path):
    name = str(path.relative_to(APP))
    calls = _session_calls(ast.parse(path.read_text(encoding="utf-8")))
    if name in ALLOWED:
        assert calls, f"app/{name} no longer needs its place in ALLOWED"
        return
    assert calls == [], (f"app/{name} ends the transaction itself at lines "
                         f"{[line for line, _ in calls]}: use app.pages.save or unit_of_work")


@pytest.mark.parametrize("path", PAGE_MODULES, ids=lambda p: str(p.relative_to(APP)))
def test_page_modules_build_no_error_envelope(path: Path):
    name = str(path.relative_to(APP))
    lines = _error_json(ast.parse(path.read_text(encoding="utf-8")))
    if name == "views.py":  # the envelope itself
        return
    assert lines == [], f"app/{name} builds an error JSON at lines {lines}: raise a DianjiaoError"


def test_the_guard_sees_a_commit():
    tree = ast.parse("def view():\n    db.session.commit()\n    x.session.rollback()\n")
    assert _session_calls(tree) == [(2, "commit"), (3, "rollback")]
    assert _error_json(ast.parse("jsonify(error={'code': 'x'})")) == [1]
    assert _error_json(ast.parse("jsonify(status='failed', error=job.error)")) == []
