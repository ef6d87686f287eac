"""A hub set up as the README says (no DIANJIAO_ROLE: a hub is the default) stays a hub.

Importing a site's bundles, by the command or over HTTP, never rewrites the hub's own settings;
only a fresh install's own enrollment bundle makes it a site.
"""

from __future__ import annotations

import json

import pytest

from tests.sync.test_http import Instance


@pytest.fixture
def readme_hub(tmp_path):
    hub = Instance(tmp_path / "hub")  # no DIANJIAO_ROLE, as the README's `make run`
    hub.run("init")
    (tmp_path / "sites.csv").write_text("code,name,kind,township,village\n"
                                        "P-001,东村放映点,playback_point,城关镇,东村\n")
    hub.run("sites", "import", str(tmp_path / "sites.csv"))
    hub.run("sync", "enroll", "P-001", "--to", str(tmp_path / "enroll.zip"))
    site = Instance(tmp_path / "site")
    site.run("init")
    site.run("sync", "import", str(tmp_path / "enroll.zip"))
    yield hub, site
    hub.stop()
    site.stop()


def _settings(instance) -> str:
    path = instance.folder / "config.py"
    return path.read_text() if path.exists() else ""


def test_a_readme_hub_imports_bundle_after_bundle_and_stays_a_hub(readme_hub, tmp_path):
    hub, site = readme_hub
    assert 'ROLE = "site"' in _settings(site) and '"P-001"' in _settings(site)
    before = _settings(hub)
    for n in (1, 2, 3):
        site.run("sync", "export", "--to", str(tmp_path / f"up{n}.zip"))
        done = hub.run("sync", "import", "--json", str(tmp_path / f"up{n}.zip"))
        assert json.loads(done.stdout)["origin"] == "P-001"
        assert _settings(hub) == before, f"bundle {n} rewrote the hub's settings"
    status = json.loads(hub.run("sync", "status", "--json").stdout)
    assert "P-001" in json.dumps(status, ensure_ascii=False)
    back = hub.run("sync", "export", "--site", "P-001", "--to", str(tmp_path / "down.zip"))
    assert back.returncode == 0
    assert site.run("sync", "import", "--json", str(tmp_path / "down.zip")).returncode == 0


def test_a_readme_hub_takes_pushed_bundles_across_a_restart(readme_hub, tmp_path):
    hub, site = readme_hub
    before = _settings(hub)
    hub.serve()
    to_hub = {"DIANJIAO_SYNC_HUB_URL": hub.url}
    pushed = json.loads(site.run("sync", "push", "--json", **to_hub).stdout)
    assert pushed["status"] == 201
    hub.stop()
    assert _settings(hub) == before
    hub.serve()  # the next start reads the same settings: still a hub, P-001 still enrolled
    to_hub = {"DIANJIAO_SYNC_HUB_URL": hub.url}
    site.run("sync", "pull", "--json", **to_hub)
    again = site.run("sync", "push", "--json", **to_hub)
    assert json.loads(again.stdout)["status"] in (200, 201)
    hub.stop()
    assert _settings(hub) == before
    assert hub.run("sync", "export", "--site", "P-001", "--to", str(tmp_path / "d.zip")).returncode == 0
