"""The audit's flags, each from a hand-made screening (factories, the fixed clock)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.audit.evidence import add_photo
from app.audit.services import audit_dict, flags_of, run_audit
from app.extensions import db
from app.models import ScreeningEvidence
from tests.audit.pictures import jpeg


@pytest.fixture
def held(app, make, clock, now):
    """P-001 with a 60-minute screening held, ended an hour ago, and twelve villagers."""
    site = make.site("P-001")
    people = [make.person(f"村民{i}", village=site.unit) for i in range(12)]
    start = now - timedelta(hours=2)
    screening = make.screening(site, start=start, minutes=60)
    screening.status = "done"
    db.session.commit()
    return {"site": site, "people": people, "screening": screening, "start": start}


def _codes(screening) -> dict[str, str]:
    db.session.expire_all()
    return {f.code: f.severity for f in flags_of(screening.id)}


def _snapshot(screening, label: str, data: bytes) -> None:
    import hashlib

    db.session.add(ScreeningEvidence(screening_id=screening.id, site_id=screening.site_id,
                                     kind="snapshot", label=label, taken_at=screening.starts_at,
                                     width=320, height=180, jpeg=data,
                                     sha256=hashlib.sha256(data + label.encode()).hexdigest()))
    db.session.commit()


def _audit(screening, **kw):
    check = run_audit(screening, **kw)
    db.session.commit()
    return check


def test_a_screening_that_played_in_full_with_sign_ins_during_it_is_clean(held, make):
    s, start = held["screening"], held["start"]
    make.play_log(held["site"], started_at=start, played_s=3500, screening=s)
    for i, person in enumerate(held["people"][:3]):
        make.attendance(s, person, method="kiosk", at=start + timedelta(minutes=i), device=f"k{i}")
    _snapshot(s, "start", jpeg(seed=1))
    _snapshot(s, "end", jpeg(seed=5))
    check = _audit(s)
    assert _codes(s) == {}
    assert check.notes == []


def test_sign_ins_with_no_play_log_at_all_raise_no_playback(held, make):
    s = held["screening"]
    make.attendance(s, held["people"][0], method="operator")
    make.attendance(s, held["people"][1], method="paper")
    _audit(s)
    assert _codes(s)["no_playback"] == "high"
    detail = audit_dict(s)["flags"]
    assert any("nothing played at all" in f["detail"] for f in detail)


def test_sign_ins_long_after_the_film_ended_raise_no_playback(held, make):
    s, start = held["screening"], held["start"]
    make.play_log(held["site"], started_at=start, played_s=3500, screening=s)
    make.attendance(s, held["people"][0], method="kiosk", at=start + timedelta(minutes=5))
    make.attendance(s, held["people"][1], method="phone", at=start + timedelta(hours=3),
                    device="phone-1")
    _audit(s)
    assert "no_playback" in _codes(s)
    assert "1 of 2 sign-ins" in audit_dict(s)["flags"][0]["detail"]


def test_under_half_the_planned_length_raises_short_playback(held, make):
    s, start = held["screening"], held["start"]
    make.play_log(held["site"], started_at=start, played_s=20 * 60, screening=s)  # of 60
    _audit(s)
    assert _codes(s) == {"short_playback": "medium"}
    make.play_log(held["site"], started_at=start + timedelta(minutes=21), played_s=15 * 60,
                  screening=s)
    _audit(s)  # 35 of 60 minutes: more than half, and the open flag is gone
    assert _codes(s) == {}


def test_ten_kiosk_sign_ins_in_twenty_seconds_raise_signin_burst(held, make):
    s, start = held["screening"], held["start"]
    make.play_log(held["site"], started_at=start, played_s=3500, screening=s)
    for i, person in enumerate(held["people"][:10]):
        make.attendance(s, person, method="kiosk", device="kiosk-1",
                        at=start + timedelta(minutes=2, seconds=2 * i))
    _audit(s)
    assert _codes(s) == {"signin_burst": "medium"}
    assert "10 sign-ins from one kiosk within 20 seconds" in audit_dict(s)["flags"][0]["detail"]


def test_two_kiosks_side_by_side_are_two_devices(held, make):
    s, start = held["screening"], held["start"]
    make.play_log(held["site"], started_at=start, played_s=3500, screening=s)
    for i, person in enumerate(held["people"][:10]):
        make.attendance(s, person, method="kiosk", device="Mozilla/5.0 (X11; Linux)",
                        recorded_by=f"kiosk-{i % 2}", at=start + timedelta(minutes=2, seconds=i))
    _audit(s)
    assert _codes(s) == {}


def test_nine_kiosk_sign_ins_or_a_slower_queue_raise_nothing(held, make):
    s, start = held["screening"], held["start"]
    make.play_log(held["site"], started_at=start, played_s=3500, screening=s)
    for i, person in enumerate(held["people"][:10]):
        make.attendance(s, person, method="kiosk", device="kiosk-1",
                        at=start + timedelta(minutes=2, seconds=3 * i))  # 10 in 27 s
    _audit(s)
    assert _codes(s) == {}


def test_one_phone_signing_in_several_people_raises_signin_burst(held, make):
    s, start = held["screening"], held["start"]
    make.play_log(held["site"], started_at=start, played_s=3500, screening=s)
    for i, person in enumerate(held["people"][:3]):
        make.attendance(s, person, method="phone", device="phone-A",
                        at=start + timedelta(minutes=10 * i))
    _audit(s)
    assert _codes(s) == {"signin_burst": "medium"}
    assert "One phone signed in 3 people" in audit_dict(s)["flags"][0]["detail"]


def test_the_threshold_is_a_setting(held, make, app):
    s, start = held["screening"], held["start"]
    make.play_log(held["site"], started_at=start, played_s=3500, screening=s)
    for person in held["people"][:3]:
        make.attendance(s, person, method="phone", device="phone-A", at=start)
    app.config["AUDIT_PHONE_PEOPLE"] = 4
    _audit(s)
    assert _codes(s) == {}


def test_black_snapshots_raise_frozen_or_black(held, make):
    s, start = held["screening"], held["start"]
    make.play_log(held["site"], started_at=start, played_s=3500, screening=s)
    for label in ("start", "middle", "end"):
        _snapshot(s, label, jpeg("black"))
    _audit(s)
    assert _codes(s) == {"frozen_or_black": "medium"}
    assert "is black" in audit_dict(s)["flags"][0]["detail"]


def test_identical_snapshots_raise_frozen_or_black(held, make):
    s, start = held["screening"], held["start"]
    make.play_log(held["site"], started_at=start, played_s=3500, screening=s)
    for label in ("start", "middle", "end"):
        _snapshot(s, label, jpeg(seed=3))
    _audit(s)
    assert _codes(s) == {"frozen_or_black": "medium"}
    assert "all the same picture" in audit_dict(s)["flags"][0]["detail"]


def test_no_snapshots_is_a_note_not_a_flag(held, make):
    s, start = held["screening"], held["start"]
    make.play_log(held["site"], started_at=start, played_s=3500, screening=s)
    add_photo(s, jpeg(seed=2, size=(800, 600)), by="op-a")  # a photo is no snapshot
    check = _audit(s)
    assert _codes(s) == {}
    assert [n["code"] for n in check.notes] == ["no_snapshots"]
    assert "no snapshot of the screen" in audit_dict(s)["notes"][0]["detail"]


def test_a_paper_sheet_typed_in_days_later_with_nothing_played_raises_late_paper(
        held, make, clock):
    s = held["screening"]
    clock.now += timedelta(days=3)
    make.attendance(s, held["people"][0], method="paper")  # created now: three days on
    _audit(s)
    assert _codes(s) == {"late_paper": "high", "no_playback": "high", "short_playback": "medium"}


def test_a_paper_sheet_typed_in_the_next_day_is_not_late(held, make, clock):
    s = held["screening"]
    clock.now += timedelta(days=1)
    make.attendance(s, held["people"][0], method="paper")
    _audit(s)
    assert "late_paper" not in _codes(s)


def test_a_site_clock_hours_ahead_does_not_make_paper_late(held, make, clock, app):
    """Entered an hour after the end on a clock 48 h ahead: late by the clock, not in truth."""
    s = held["screening"]
    clock.now += timedelta(hours=49)
    make.attendance(s, held["people"][0], method="paper")
    _audit(s, clock_offset_s=0)
    assert "late_paper" in _codes(s)
    check = _audit(s, clock_offset_s=48 * 3600)
    assert "late_paper" not in _codes(s)
    assert "clock_off" in [n["code"] for n in check.notes]


def test_a_decided_flag_keeps_its_decision_when_audited_again(held, make):
    from app.audit.services import decide

    s = held["screening"]
    make.attendance(s, held["people"][0], method="operator")
    _audit(s)
    flag = flags_of(s.id)[0]
    decide(flag, "confirmed", "no film was shown", by="officer")
    db.session.commit()
    _audit(s)
    flag = flags_of(s.id)[0]
    assert (flag.code, flag.state, flag.note) == ("no_playback", "confirmed", "no film was shown")
