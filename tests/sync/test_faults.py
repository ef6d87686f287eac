"""Bundles that must be refused or handled, each with a plain message and nothing half-written."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import zipfile
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from app.models import Attendance, Bundle, PlayLog, Screening, SyncPeer
from app.sync.importer import Refused
from tests.sync.helpers import (
    START,
    count,
    enroll,
    export,
    import_,
    members,
    resign,
    rezip,
    seed_hub,
    sign_in,
    site_key,
)


@pytest.fixture
def linked(hub, new_site, tmp_path):
    """An enrolled site with two offline sign-ins in an unsent bundle."""
    ids = seed_hub(hub)
    site = new_site()
    enroll(hub, site, tmp_path / "enroll.zip")
    sign_in(site, ids["screening"], ids["zhang"])
    sign_in(site, ids["screening"], ids["li"])
    export(site, tmp_path / "up.zip")
    return hub, site, ids, tmp_path / "up.zip"


def _refused(hub, path) -> Refused:
    before = count(hub, Attendance), count(hub, Bundle)
    with pytest.raises(Refused) as caught:
        import_(hub, path)
    assert (count(hub, Attendance), count(hub, Bundle)) == before  # nothing written
    return caught.value


def test_one_flipped_byte_anywhere_is_caught_or_harmless(linked, tmp_path):
    """Every byte of the file, flipped in turn: the signed content never changes unnoticed.

    A flip in the zip's own bookkeeping (a timestamp, an attribute), or in a bit deflate does not
    read, leaves every signed byte as it was; such a file is still the same bundle. Any flip
    that changes the manifest, the signature or a part is refused.
    """
    from app.sync.bundle import BundleError, open_bundle

    hub, site, _ids, path = linked
    key = site_key(site)
    original = path.read_bytes()
    _manifest, parts = members(path)
    with zipfile.ZipFile(path) as zf:
        signed = set()
        for info in zf.infolist():
            data_start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
            signed.update(range(data_start, data_start + info.compress_size))
    caught = []
    for position in range(len(original)):
        damaged = bytearray(original)
        damaged[position] ^= 0x01
        try:
            opened = open_bundle(bytes(damaged))
            opened.verify([key])
            same = opened.body == parts["manifest.json"] and all(
                opened.zf.read(name) == body for name, body in parts.items())
        except BundleError:
            caught.append(position)
            continue
        assert same, f"flipping byte {position} changed the content unseen"
    # Deflate ignores a few bits; nearly every flip in the compressed content is caught.
    assert len(signed & set(caught)) > 0.9 * len(signed)
    for position in caught[:: max(1, len(caught) // 10)]:
        damaged = bytearray(original)
        damaged[position] ^= 0x01
        (tmp_path / "flip.zip").write_bytes(bytes(damaged))
        _refused(hub, tmp_path / "flip.zip")
    assert import_(hub, path)["inserted"] > 0  # the intact bundle still imports


def test_tampering_is_caught_by_the_signature(linked, tmp_path):
    hub, _site, ids, path = linked
    manifest, data = members(path)
    lines = data["rows/attendance.jsonl"].decode().splitlines()
    row = json.loads(lines[0])
    row["status"] = "excused"
    data["rows/attendance.jsonl"] = ("\n".join([json.dumps(row)] + lines[1:]) + "\n").encode()
    # A changed part with the old manifest: the manifest's hash of the part does not match.
    rezip(tmp_path / "part.zip", dict(data))
    assert _refused(hub, tmp_path / "part.zip").reason == "damaged"
    # A forger who also fixes the manifest's hashes cannot sign it without the key.
    resign(tmp_path / "forged.zip", manifest, data, "00" * 32)
    error = _refused(hub, tmp_path / "forged.zip")
    assert error.reason == "signature" and "signature" in error.message


def test_a_truncated_bundle_is_refused(linked, tmp_path):
    hub, _site, _ids, path = linked
    body = path.read_bytes()
    for cut in (len(body) // 2, len(body) - 10, 20):
        (tmp_path / "cut.zip").write_bytes(body[:cut])
        error = _refused(hub, tmp_path / "cut.zip")
        assert error.reason == "damaged" and "again" in error.message
    (tmp_path / "empty.zip").write_bytes(b"")
    assert _refused(hub, tmp_path / "empty.zip").reason == "damaged"

def _zip(path, members: dict[str, bytes]):
    with zipfile.ZipFile(path, "w") as zf:
        for name, body in members.items():
            zf.writestr(name, body)
    return path


NOT_A_BUNDLE = "This file is not a Dianjiao sync bundle"


@pytest.mark.parametrize("case", ["text", "photo", "random zip", "manifest not json",
                                  "json of another program", "json list", "no format marker"])
def test_a_file_that_is_not_a_bundle_is_told_so(linked, tmp_path, case):
    """Not "damaged or truncated, copy it again": copying it again would not help."""
    hub, _site, _ids, path = linked
    manifest, _data = members(path)
    sig = b"00" * 32
    target = tmp_path / "other.zip"
    if case == "text":
        target.write_text("name,village\n张三,东村\n")
    elif case == "photo":
        target.write_bytes(b"\xff\xd8\xff\xe0" + bytes(range(256)) * 8)
    else:
        body = {"random zip": None, "manifest not json": b"{not json",
                "json of another program": json.dumps({"name": "report", "rows": 3}).encode(),
                "json list": b"[1, 2]",
                "no format marker": json.dumps({k: v for k, v in manifest.items()
                                                if k != "format"}).encode()}[case]
        _zip(target, {"readme.txt": b"hello"} if body is None
             else {"manifest.json": body, "manifest.sig": sig})
    error = _refused(hub, target)
    assert error.reason == "format" and error.message.startswith(NOT_A_BUNDLE), error.message
    result = hub.app.test_cli_runner().invoke(args=["sync", "import", str(target)])
    assert result.exit_code == 1 and result.stderr.startswith(f"Error: {NOT_A_BUNDLE}")


def test_a_damaged_copy_of_an_imported_bundle_is_refused_not_already_imported(linked, tmp_path):
    """The second copy on the stick is checked like the first: "already imported" would tell
    the operator the file is fine, and the damaged copy would be carried on."""
    hub, _site, _ids, path = linked
    import_(hub, path)
    original = path.read_bytes()
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo("rows/attendance.jsonl")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    flipped = bytearray(original)
    flipped[start + info.compress_size // 2] ^= 0x01
    (tmp_path / "flipped.zip").write_bytes(bytes(flipped))
    error = _refused(hub, tmp_path / "flipped.zip")
    assert error.reason == "damaged" and "Copy it again" in error.message
    # A part changed under the same manifest, or the signature changed: refused as well.
    _manifest, data = members(path)
    rezip(tmp_path / "part.zip", {**data, "rows/attendance.jsonl": b"{}\n"})
    assert _refused(hub, tmp_path / "part.zip").reason == "damaged"
    rezip(tmp_path / "sig.zip", {**data, "manifest.sig": b"00" * 32})
    assert _refused(hub, tmp_path / "sig.zip").reason == "signature"
    runner = hub.app.test_cli_runner()
    bad = runner.invoke(args=["sync", "import", str(tmp_path / "flipped.zip")])
    assert bad.exit_code == 1 and bad.stderr.startswith("Error: The bundle is damaged")
    assert "already imported" not in bad.stderr
    # The whole copy is still "already imported", and nothing was written meanwhile.
    good = runner.invoke(args=["sync", "import", str(path)])
    assert good.exit_code == 0 and "already imported" in good.stderr
    assert count(hub, Attendance) == 2 and count(hub, Bundle) == 1


def test_unknown_revoked_and_other_hubs_bundles_are_refused(linked, tmp_path, new_site):
    from app.sync.services import revoke

    hub, site, _ids, path = linked
    manifest, data = members(path)
    manifest["origin"] = "P-404"  # a site this hub never enrolled
    resign(tmp_path / "unknown.zip", manifest, dict(data), site_key(site))
    error = _refused(hub, tmp_path / "unknown.zip")
    assert (error.reason, error.status) == ("unknown", 403)

    manifest, data = members(path)
    manifest["destination"] = "HUB-0THER000"
    resign(tmp_path / "other.zip", manifest, dict(data), site_key(site))
    error = _refused(hub, tmp_path / "other.zip")
    assert error.reason == "destination" and "HUB-0THER000" in error.message

    with hub.ctx() as db:
        revoke("P-001")
        db.session.commit()
    error = _refused(hub, path)
    assert (error.reason, error.status) == ("revoked", 403) and "Enroll it again" in error.message


def test_a_site_cannot_send_rows_born_elsewhere(linked, tmp_path):
    hub, site, ids, path = linked
    manifest, data = members(path)
    lines = data["rows/attendance.jsonl"].decode().splitlines()
    row = json.loads(lines[0])
    row["origin_site"] = "P-002"
    data["rows/attendance.jsonl"] = (json.dumps(row) + "\n").encode()
    resign(tmp_path / "claim.zip", manifest, dict(data), site_key(site))
    error = _refused(hub, tmp_path / "claim.zip")
    assert (error.reason, error.status) == ("claim", 403) and "P-002" in error.message

    # Its own row, but a play log said to be at the other site.
    with hub.ctx() as db:
        from app.models import Site

        other = db.session.scalar(select(Site.id).where(Site.code == "P-002"))
    manifest, data = members(path)
    log = {"id": "6a1f3b0e-8f51-4b59-9a57-0f7f5c1d2e3a", "origin_site": "P-001",
           "created_at": START.isoformat(), "updated_at": START.isoformat(),
           "site_id": str(other), "screening_id": None, "media_file_id": None, "sha256": None,
           "started_at": START.isoformat(), "ended_at": None, "played_s": 1.0,
           "outcome": "completed", "error": None}
    data["rows/play_logs.jsonl"] = (json.dumps(log) + "\n").encode()
    resign(tmp_path / "claim2.zip", manifest, dict(data), site_key(site))
    assert _refused(hub, tmp_path / "claim2.zip").reason == "claim"
    assert count(hub, PlayLog) == 0


def test_a_replayed_or_late_old_bundle_changes_nothing(linked, tmp_path):
    hub, site, ids, path = linked
    with site.ctx() as db:
        db.session.get(Screening, ids["screening"]).discussion = "第一稿"
        db.session.commit()
    export(site, tmp_path / "old.zip")
    with site.ctx() as db:
        db.session.get(Screening, ids["screening"]).discussion = "定稿"
        db.session.commit()
    export(site, tmp_path / "new.zip")
    import_(hub, tmp_path / "new.zip")
    late = import_(hub, tmp_path / "old.zip")  # made earlier, arrives later
    assert late["already_imported"] is False and late["inserted"] == 0
    replay = import_(hub, tmp_path / "new.zip")
    assert replay["already_imported"] is True
    with hub.ctx() as db:
        assert db.session.get(Screening, ids["screening"]).discussion == "定稿"
    assert count(hub, Attendance) == 2


def test_a_format_from_the_future_is_refused_plainly(linked, tmp_path):
    hub, site, _ids, path = linked
    manifest, data = members(path)
    manifest["version"] = 99
    resign(tmp_path / "future.zip", manifest, data, site_key(site))
    error = _refused(hub, tmp_path / "future.zip")
    assert error.reason == "version" and "99" in error.message and "Update" in error.message


def test_clocks_an_hour_apart_lose_and_double_nothing(hub, new_site, tmp_path):
    ids = seed_hub(hub)
    site = new_site()
    enroll(hub, site, tmp_path / "enroll.zip")
    ahead = datetime.now(UTC) + timedelta(hours=1)
    sign_in(site, ids["screening"], ids["zhang"])
    with site.ctx() as db:  # the site's clock runs an hour fast: its rows say so
        db.session.execute(update(Attendance).values(updated_at=ahead, created_at=ahead))
        db.session.commit()
    summary = import_(hub, export(site, tmp_path / "up1.zip", now=ahead) and tmp_path / "up1.zip")
    assert summary["inserted"] == 1
    assert any("ahead" in w for w in summary["warnings"])
    import_(site, export(hub, tmp_path / "down.zip", to="P-001") and tmp_path / "down.zip")
    behind = datetime.now(UTC) - timedelta(hours=1)  # then it is set an hour slow
    sign_in(site, ids["screening"], ids["li"])
    with site.ctx() as db:
        db.session.execute(update(Attendance).where(Attendance.person_id == ids["li"])
                           .values(updated_at=behind, created_at=behind))
        db.session.commit()
    for n in range(3):
        import_(hub, export(site, tmp_path / f"up{n + 2}.zip", now=behind) and
                tmp_path / f"up{n + 2}.zip")
    assert count(hub, Attendance) == 2


def test_a_failure_mid_import_writes_nothing(linked, monkeypatch):
    hub, _site, _ids, path = linked
    from app.sync.importer import pipeline

    real = pipeline.merge_spec

    def failing(spec, lines, ctx):
        real(spec, lines, ctx)
        if spec.name == "attendance":  # rows merged, then the power goes
            raise OSError("disk I/O error")

    monkeypatch.setattr(pipeline, "merge_spec", failing)
    with pytest.raises(OSError):
        import_(hub, path)
    assert count(hub, Attendance) == 0 and count(hub, Bundle) == 0
    monkeypatch.setattr(pipeline, "merge_spec", real)
    assert import_(hub, path)["tables"]["attendance"]["inserted"] == 2


def test_the_cli_reports_and_refuses_plainly(linked, tmp_path):
    hub, _site, _ids, path = linked
    runner = hub.app.test_cli_runner()
    result = runner.invoke(args=["sync", "import", str(path), "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert {"inserted", "updated", "unchanged", "conflicts"} <= summary.keys()
    assert summary["tables"]["attendance"]["inserted"] == 2
    again = runner.invoke(args=["sync", "import", str(path)])
    assert again.exit_code == 0 and "already imported" in again.stderr
    again = json.loads(runner.invoke(args=["sync", "import", str(path), "--json"]).stdout)
    assert again["already_imported"] is True and again["kind"] == "data"
    status = runner.invoke(args=["sync", "status"])
    assert status.exit_code == 0 and "P-001" in status.stdout and "in #1 out #1  key v1" in status.stdout
    (tmp_path / "bad.zip").write_bytes(path.read_bytes()[:100])
    bad = runner.invoke(args=["sync", "import", str(tmp_path / "bad.zip")])
    assert bad.exit_code == 1 and bad.stderr.startswith("Error: The bundle is damaged")


def test_a_killed_import_leaves_all_or_nothing(new_site, tmp_path):
    """kill -9 a real `dianjiao sync import` while it writes a big bundle (a SQLite hub, whose
    write-ahead log shows when the rows are being written)."""
    hub = new_site("hub")
    ids = seed_hub(hub)
    site = new_site()
    enroll(hub, site, tmp_path / "enroll.zip")
    _bulk_people_and_sign_ins(site, ids, 6000)
    export(site, tmp_path / "big.zip")
    instance = hub.app.instance_path
    env = dict(os.environ, DIANJIAO_INSTANCE=instance, DIANJIAO_SECRET_KEY="s")
    env["DIANJIAO_DATABASE_URL"] = hub.app.config["SQLALCHEMY_DATABASE_URI"]
    wal = hub.app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///") + "-wal"
    with hub.ctx() as db:
        db.engine.dispose()
    start = os.path.getsize(wal) if os.path.exists(wal) else 0
    dianjiao = os.path.join(os.path.dirname(sys.executable), "dianjiao")
    proc = subprocess.Popen([dianjiao, "sync", "import",
                             str(tmp_path / "big.zip")], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        if os.path.exists(wal) and os.path.getsize(wal) > start + 256 * 1024:
            break  # it is writing rows
        time.sleep(0.005)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    rows, bundles = count(hub, Attendance), count(hub, Bundle)
    assert (rows, bundles) in ((0, 0), (6000, 1))
    assert import_(hub, tmp_path / "big.zip")["already_imported"] is (bundles == 1)
    assert count(hub, Attendance) == 6000


def _bulk_people_and_sign_ins(site, ids, n: int) -> None:
    import uuid

    from sqlalchemy import insert

    from app.models import Person, Site

    now = datetime.now(UTC)
    with site.ctx() as db:
        village = db.session.scalar(select(Site.unit_id).where(Site.code == "P-001"))
        people = [{"id": uuid.uuid4(), "origin_site": "P-001", "created_at": now,
                   "updated_at": now, "name": f"村民{i}", "pinyin": f"cunmin{i}",
                   "initials": f"cm{i}", "pinyin_alt": "", "initials_alt": "",
                   "village_id": village, "party_member": False, "role": "villager",
                   "walkin": True, "active": True} for i in range(n)]
        db.session.execute(insert(Person), people)
        db.session.execute(insert(Attendance), [
            {"id": uuid.uuid4(), "origin_site": "P-001", "created_at": now, "updated_at": now,
             "screening_id": ids["screening"], "person_id": p["id"], "method": "paper",
             "status": "present", "signed_at": START} for p in people])
        db.session.commit()


def test_a_signed_bundle_with_a_line_that_is_not_json_is_refused(linked, tmp_path):
    hub, site, _ids, path = linked
    manifest, data = members(path)
    data["rows/attendance.jsonl"] += b"{not json\n"
    resign(tmp_path / "garbled.zip", manifest, data, site_key(site))
    error = _refused(hub, tmp_path / "garbled.zip")
    assert "cannot be read" in error.message and "Line 3" in error.message


def _rewrite_rows(path, out, site, table: str, change) -> None:
    """Re-sign the bundle at `path` as `out` with `change(rows)` applied to a part's rows."""
    manifest, data = members(path)
    rows = [json.loads(line) for line in data[f"rows/{table}.jsonl"].splitlines()]
    rows = change(rows)
    data[f"rows/{table}.jsonl"] = b"".join(
        json.dumps(row, ensure_ascii=False).encode() + b"\n" for row in rows)
    resign(out, manifest, data, site_key(site))


def test_the_same_sign_in_twice_under_two_ids_is_refused_whole(linked, tmp_path):
    """A faulty sender: one sign-in, two ids, one bundle. The database's unique key says no."""
    hub, site, _ids, path = linked
    _rewrite_rows(path, tmp_path / "twice.zip", site, "attendance",
                  lambda rows: [*rows, {**rows[0], "id": "5b0cdf3a-52a4-4b8e-9c51-3d1f0f4f2a11"}])
    error = _refused(hub, tmp_path / "twice.zip")
    assert "do not fit this database" in error.message
    assert count(hub, PlayLog) == 0 and count(hub, Attendance) == 0


def test_a_malformed_value_in_a_new_row_is_refused(linked, tmp_path):
    hub, site, _ids, path = linked
    _rewrite_rows(path, tmp_path / "bad.zip", site, "attendance",
                  lambda rows: [rows[0], {**rows[1], "signed_at": "yesterday evening"}])
    error = _refused(hub, tmp_path / "bad.zip")
    assert "malformed row in attendance" in error.message


@pytest.mark.parametrize("value", ["0001-01-01T00:10:00+00:00", "9999-12-31T23:00:00-14:00"])
def test_a_time_out_of_range_in_a_row_refuses_the_bundle(linked, tmp_path, value):
    """Year 1 in a sign-in would reach the hub's tables (and its minute tick): refused whole,
    naming the table and the field."""
    hub, site, _ids, path = linked
    _rewrite_rows(path, tmp_path / "far.zip", site, "attendance",
                  lambda rows: [rows[0], {**rows[1], "signed_at": value}])
    error = _refused(hub, tmp_path / "far.zip")
    assert "malformed row in attendance" in error.message and "signed_at" in error.message


def test_rows_of_an_older_version_get_the_defaults_of_newer_columns(linked, tmp_path):
    """A bundle made before a column existed: every row lacks it, the column's default fills it."""
    hub, site, ids, path = linked

    def older(rows):
        return [{k: v for k, v in row.items() if k != "status"} for row in rows]

    _rewrite_rows(path, tmp_path / "older.zip", site, "attendance", older)
    summary = import_(hub, tmp_path / "older.zip")
    assert summary["tables"]["attendance"]["inserted"] == 2
    with hub.ctx() as db:
        statuses = db.session.scalars(select(Attendance.status)).all()
    assert statuses == ["present", "present"]


@pytest.mark.parametrize("field,value", [
    ("parts", [1]), ("parts", {"a": 1}), ("parts", "abc"), ("parts", [{"name": ["x"]}]),
    ("parts", [{"name": "attendance", "bytes": "12", "sha256": "x"}]),
    ("ack", ["x"]), ("enroll", "x"), ("rekey", 5), ("counts", [1]), ("users", "x"),
    ("users", [1])])
def test_a_manifest_of_the_wrong_shape_is_refused_plainly(linked, tmp_path, field, value):
    """Read before any signature is checked: a wrong shape is bad input, never a crash."""
    hub, site, _ids, path = linked
    manifest, data = members(path)
    manifest[field] = value
    data["manifest.json"] = json.dumps(manifest).encode()
    rezip(tmp_path / "shape.zip", data)
    error = _refused(hub, tmp_path / "shape.zip")
    assert error.status == 422 and field in error.message


def test_the_same_bundle_imported_twice_at_once_is_already_imported(linked, monkeypatch):
    """Two hub workers take the same pushed bundle at once: both find it new, the second to
    commit breaks the digest's unique key, and is told "already imported", not refused."""
    from app.sync.importer import pipeline

    hub, _site, _ids, path = linked
    import_(hub, path)
    real, calls = pipeline._imported, []

    def missed_once(digest):
        calls.append(digest)
        return None if len(calls) == 1 else real(digest)  # the other worker had not committed

    monkeypatch.setattr(pipeline, "_imported", missed_once)
    again = import_(hub, path)
    assert again["already_imported"] is True and len(calls) == 2
    assert count(hub, Attendance) == 2 and count(hub, Bundle) == 1


def test_an_enrollment_whose_settings_cannot_be_saved_is_finished_by_importing_again(
        hub, new_site, tmp_path):
    from app.errors import DianjiaoError
    from app.sync.export import export_bundle
    from app.sync.services import enroll_peer

    seed_hub(hub)
    site = new_site()
    config = os.path.join(site.app.instance_path, "config.py")
    os.mkdir(config)  # a folder where the file should go: the write fails
    with hub.ctx():
        enroll_peer("P-001")
        export_bundle(str(tmp_path / "enroll.zip"), to="P-001", enroll=True)
    with site.ctx(), pytest.raises(DianjiaoError) as failed:
        from app.sync.importer import import_bundle

        import_bundle(str(tmp_path / "enroll.zip"))
    assert "could not be saved" in failed.value.message and "import the same" in failed.value.message
    site.app.config["ROLE"], site.app.config["SITE"] = "hub", None  # as the next start finds it
    os.rmdir(config)
    again = import_(site, tmp_path / "enroll.zip")
    assert again["already_imported"] is True
    assert site.app.config["ROLE"] == "site" and site.app.config["SITE"] == "P-001"
    saved = open(config, encoding="utf-8").read()
    assert 'ROLE = "site"' in saved and 'SITE = "P-001"' in saved


def test_an_enrollment_that_fails_mid_import_leaves_a_hub(hub, new_site, tmp_path, monkeypatch):
    """The import runs as the site it enrolls, but the install becomes that site only once the
    import is in (meanwhile the running app is still a hub): a failure leaves a hub with nothing
    written, and the same bundle then imports."""
    from app.sync.importer import pipeline

    seed_hub(hub)
    site = new_site()
    real, seen = pipeline.merge_spec, []

    def failing(spec, lines, ctx):
        real(spec, lines, ctx)
        seen.append(site.app.config["ROLE"])  # what another request would find meanwhile
        if spec.name == "people":  # rows merged, then the power goes
            raise OSError("disk I/O error")

    monkeypatch.setattr(pipeline, "merge_spec", failing)
    with pytest.raises(OSError):
        enroll(hub, site, tmp_path / "enroll.zip")
    assert seen and set(seen) == {"hub"}
    assert site.app.config["ROLE"] == "hub" and site.app.config["SITE"] is None
    assert not os.path.exists(os.path.join(site.app.instance_path, "config.py"))
    assert count(site, Bundle) == 0 and count(site, SyncPeer) == 0
    monkeypatch.setattr(pipeline, "merge_spec", real)
    assert import_(site, tmp_path / "enroll.zip")["already_imported"] is False
    assert site.app.config["ROLE"] == "site" and site.app.config["SITE"] == "P-001"


def test_a_row_with_a_text_over_its_limit_is_refused_whole(linked, tmp_path):
    """A bundle is held to the limits of the API and the pages (app/limits.py); SQLite stored an
    over-long text and PostgreSQL answered with its own error."""
    hub, site, _ids, path = linked
    _rewrite_rows(path, tmp_path / "long.zip", site, "attendance",
                  lambda rows: [rows[0], {**rows[1], "device": "长" * 121}])
    error = _refused(hub, tmp_path / "long.zip")
    assert error.message == ("The bundle has a malformed row in attendance: device is longer "
                             "than 120 characters.")


def test_a_screening_with_a_discussion_over_its_limit_is_refused_whole(linked, tmp_path):
    hub, site, ids, path = linked
    with site.ctx() as db:
        screening = db.session.get(Screening, ids["screening"])
        screening.discussion = "长" * 20_001
        db.session.commit()
    export(site, tmp_path / "discussion.zip")
    error = _refused(hub, tmp_path / "discussion.zip")
    assert error.message == ("The bundle has a malformed row in screenings: discussion is longer "
                             "than 20000 characters.")


def test_a_playlist_over_its_limit_is_refused_whole(linked, tmp_path):
    from app.models import ScreeningItem

    hub, site, ids, path = linked
    with site.ctx() as db:
        db.session.add_all(ScreeningItem(screening_id=ids["screening"], position=i)
                           for i in range(201))
        db.session.commit()
    export(site, tmp_path / "playlist.zip")
    error = _refused(hub, tmp_path / "playlist.zip")
    assert error.message == ("The bundle has a malformed row in screening_items: playlist has "
                             "more than 200 items.")
