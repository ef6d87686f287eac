"""`dianjiao` starts quickly: the slow libraries load only for the commands that use them, and
the commands each feature adds keep their names and help (DESIGN.md section 4).

The start-up time itself is measured by benchmarks/startup.py (docs/performance.md); here the
test is what a command imports, which does not depend on how busy the machine is. A command's app
has no pages (`create_app(pages=False)`): it imports no view, yet has every command and signal.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from app.cli import SERVE_HELP, main
from app.extensions import db
from app.models import Shipment
from media_index.synth import make_video

REPO = Path(__file__).resolve().parents[2]
DIANJIAO = os.path.join(os.path.dirname(sys.executable), "dianjiao")
# Each costs 10-150 ms to import, and none is needed to list the commands or scan an empty folder.
SLOW = ("av", "mutagen", "pygal", "openpyxl", "segno", "icalendar", "tqdm", "vlc", "pypinyin",
        "alembic", "flask_migrate", "jsonschema", "apispec", "apscheduler", "waitress", "rich")
REPORT = """
import sys
from app.cli import main
try:
    main(sys.argv[1:], prog_name="dianjiao")
finally:
    from app.models import Site
    with open({path!r}, "w") as out:
        out.write("\\n".join(sorted(sys.modules) + [{configured!r}] * Site.__mapper__.configured))
"""
CONFIGURED = "(mappers-configured)"  # listed with the modules when they were


def imported(args: list[str], instance: Path, tmp_path: Path) -> list[str]:
    """Every module a `dianjiao` command imports, run in a process of its own."""
    report = tmp_path / "modules.txt"
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DIANJIAO_")}
    environment.update(DIANJIAO_INSTANCE=str(instance), PYTHONPATH=str(REPO))
    script = REPORT.format(path=str(report), configured=CONFIGURED)
    done = subprocess.run([sys.executable, "-c", script, *args], env=environment,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return report.read_text().split()


def slow_imports(args: list[str], instance: Path, tmp_path: Path) -> list[str]:
    """The slow libraries a `dianjiao` command imports."""
    return sorted({name.split(".")[0] for name in imported(args, instance, tmp_path)} & set(SLOW))


def pages(modules: list[str]) -> list[str]:
    """The modules among `modules` that hold pages or API resources, or the commands loaded only
    when they run (`serve`, `demo`)."""
    return [name for name in modules if name in ("app.routes", "app.views", "app.serve", "app.demo")
            or name.startswith("app.api") or name.endswith(".views")]


@pytest.fixture(scope="module")
def instance(tmp_path_factory) -> Path:
    """An instance made by `dianjiao init`, with one site, X (made once for the module: each
    test only reads it, or scans an empty folder into it)."""
    tmp_path = tmp_path_factory.mktemp("startup")
    folder = tmp_path / "instance"
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DIANJIAO_")}
    environment.update(DIANJIAO_INSTANCE=str(folder), DIANJIAO_ADMIN_PASSWORD="startup-pass")
    sites = tmp_path / "sites.csv"
    sites.write_text("code,name,kind,township,village\nX,东村播放点,playback_point,城关镇,东村\n",
                     encoding="utf-8")
    for args in (["init"], ["sites", "import", str(sites)]):
        done = subprocess.run([DIANJIAO, *args], env=environment, capture_output=True, text=True,
                              timeout=120)
        assert done.returncode == 0, done.stderr
    return folder


def test_help_imports_none_of_the_slow_libraries_and_no_page(instance, tmp_path):
    modules = imported(["--help"], instance, tmp_path)
    assert "app.catalog.cli" in modules  # the commands are there...
    assert "app.sync.cli" not in modules  # (sync's: when it runs)
    # nor are the models' mappers configured (~0.1 s: a statement built at import did it)
    assert CONFIGURED not in modules
    assert pages(modules) == []  # ...and not one view
    assert slow_imports(["--help"], instance, tmp_path) == []


def test_scan_of_an_empty_folder_imports_only_its_progress_bar_and_no_page(instance, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    modules = imported(["scan", str(empty), "--site", "X"], instance, tmp_path)
    assert "app.catalog.scanning" in modules and pages(modules) == []
    assert slow_imports(["scan", str(empty), "--site", "X"], instance, tmp_path) == ["tqdm"]


def test_a_scan_by_the_command_verifies_the_kit_it_finds(app, make, monkeypatch, tmp_path):
    """The command's app has no pages but has the features' signals: distribution's scan listener."""
    stick = tmp_path / "usb-stick"
    stick.mkdir()
    make_video(stick / "种植技术.mp4", 1.0)
    site = make.site("P-001")
    film = make.title("种植技术")
    make.media_file(film, sha256=hashlib.sha256((stick / "种植技术.mp4").read_bytes()).hexdigest(),
                    size=(stick / "种植技术.mp4").stat().st_size)
    kit = make.shipment(make.batch([film]), site)
    kit.status = "sent"
    db.session.commit()
    for name, value in (("INSTANCE", app.instance_path), ("SECRET_KEY", app.config["SECRET_KEY"]),
                        ("DATABASE_URL", app.config["SQLALCHEMY_DATABASE_URI"])):
        monkeypatch.setenv(f"DIANJIAO_{name}", value)
    result = CliRunner().invoke(main, ["scan", str(stick), "--site", "P-001"], prog_name="dianjiao")
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert db.session.scalars(select(Shipment.status)).all() == ["verified"]


def test_the_pages_are_there_for_the_flask_commands_that_serve_or_list_them(monkeypatch, tmp_path):
    monkeypatch.setenv("DIANJIAO_INSTANCE", str(tmp_path))
    listing = CliRunner().invoke(main, ["routes"], prog_name="dianjiao")
    assert listing.exit_code == 0, listing.output
    assert "/api/v1/screenings" in listing.output and "auth.login" in listing.output


def listed_commands() -> dict[str, str]:
    """Command name -> its line of help, as `dianjiao --help` lists them."""
    listing = CliRunner().invoke(main, ["--help"], prog_name="dianjiao").output
    return dict(line.split(maxsplit=1) for line in listing.split("Commands:\n")[1].splitlines())


def test_every_command_is_listed_at_the_top_level_with_its_help(monkeypatch, tmp_path):
    monkeypatch.setenv("DIANJIAO_INSTANCE", str(tmp_path))
    commands = listed_commands()
    assert set(commands) >= {"init", "serve", "demo", "scan", "sites", "people", "users", "sync",
                             "readiness", "db", "limiter"}
    assert commands["scan"] == "Index video folders of a site into the catalog."


def test_serve_is_listed_as_it_describes_itself_without_being_imported(monkeypatch, tmp_path):
    from app.serve import serve_command

    monkeypatch.setenv("DIANJIAO_INSTANCE", str(tmp_path))
    assert listed_commands()["serve"] == SERVE_HELP == serve_command.get_short_help_str(limit=100)
    assert "--threads INTEGER" in CliRunner().invoke(main, ["serve", "--help"]).output


@pytest.mark.parametrize("name, module, help_of, option", [
    ("demo", "app.demo:demo_command", "app.features:DEMO_HELP", "--if-empty"),
    ("sync", "app.sync.cli:sync_group", "app.sync.blueprint:SYNC_HELP", "export"),
])
def test_commands_loaded_when_they_run_are_listed_as_they_describe_themselves(
        monkeypatch, tmp_path, name, module, help_of, option):
    from werkzeug.utils import import_string

    command = import_string(module)
    monkeypatch.setenv("DIANJIAO_INSTANCE", str(tmp_path))
    listed = listed_commands()[name]  # cut to the width of the listing
    assert listed == command.get_short_help_str(limit=len(listed))
    assert import_string(help_of) == command.get_short_help_str(limit=100)
    assert option in CliRunner().invoke(main, [name, "--help"]).output


def test_plugin_commands_are_listed_as_they_describe_themselves_and_run(monkeypatch, tmp_path):
    from importlib import metadata

    monkeypatch.setenv("DIANJIAO_INSTANCE", str(tmp_path))
    commands = listed_commands()
    for entry_point in metadata.entry_points(group="flask.commands"):
        assert commands[entry_point.name] == entry_point.load().get_short_help_str()
    assert "Flask-Limiter" in CliRunner().invoke(main, ["limiter", "--help"]).output


def test_the_migrations_command_lists_and_runs_as_flask_migrate_wrote_it(monkeypatch, instance):
    from flask_migrate.cli import db as flask_migrate_db

    monkeypatch.setenv("DIANJIAO_INSTANCE", str(instance))
    runner = CliRunner()
    assert listed_commands()["db"] == flask_migrate_db.get_short_help_str()
    assert runner.invoke(main, ["db", "--help"], prog_name="dianjiao").output == runner.invoke(
        flask_migrate_db, ["--help"], prog_name="dianjiao db").output
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DIANJIAO_")}
    current = subprocess.run([DIANJIAO, "db", "current"], capture_output=True, text=True,
                             env={**environment, "DIANJIAO_INSTANCE": str(instance)}, timeout=120)
    assert current.returncode == 0 and "(head)" in current.stdout, current.stderr
