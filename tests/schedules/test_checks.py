from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from schedules.checks import (
    PlanError,
    PlanItem,
    PlanWarning,
    Slot,
    Warning,
    check_plan,
    check_times,
    overlapping,
    playlist_seconds,
)

T0 = datetime(2025, 3, 6, 11, 30, tzinfo=UTC)


def slot(start_min: int, end_min: int, sid: str | None = "s", topic: str = "") -> Slot:
    return Slot(sid, T0 + timedelta(minutes=start_min), T0 + timedelta(minutes=end_min), topic)


def item(name: str = "a", duration_s: float | None = 600.0, **kw: object) -> PlanItem:
    values = {"key": name, "name": name, "duration_s": duration_s, "approved": True, "held_here": True}
    values.update(kw)
    return PlanItem(**values)


def codes(warnings: list[PlanWarning]) -> list[str]:
    return [w.code for w in warnings]


def test_warning_is_the_plan_warning_class() -> None:
    assert Warning is PlanWarning


def test_check_times_accepts_a_proper_slot() -> None:
    check_times(T0, T0 + timedelta(seconds=1))


@pytest.mark.parametrize("end", [T0, T0 - timedelta(minutes=1)])
def test_check_times_refuses_end_not_after_start(end: datetime) -> None:
    with pytest.raises(PlanError) as caught:
        check_times(T0, end)
    assert caught.value.code == "end_before_start"
    assert "end" in caught.value.message


@pytest.mark.parametrize(("start", "end"), [
    (datetime(2025, 3, 6, 19, 30), T0 + timedelta(hours=1)),
    (T0, datetime(2025, 3, 6, 21, 30)),
])
def test_check_times_refuses_naive_times(start: datetime, end: datetime) -> None:
    with pytest.raises(PlanError) as caught:
        check_times(start, end)
    assert caught.value.code == "naive_time"
    assert isinstance(caught.value, ValueError)


def test_overlap_fires_for_shared_time_across_offsets() -> None:
    shanghai = timezone(timedelta(hours=8))
    starts = (T0 + timedelta(minutes=30)).astimezone(shanghai)
    other = Slot("o", starts, starts + timedelta(hours=1))
    assert overlapping(slot(0, 60), [other]) == [other]


def test_overlap_contained_and_containing_slots_sorted_by_start() -> None:
    inner, outer = slot(10, 20, "inner"), slot(-30, 90, "outer")
    assert overlapping(slot(0, 60), [inner, outer]) == [outer, inner]


def test_back_to_back_slots_do_not_overlap() -> None:
    assert overlapping(slot(0, 60), [slot(60, 120, "after"), slot(-60, 0, "before")]) == []


def test_overlap_ignores_the_slots_own_id_but_not_for_unsaved_slots() -> None:
    itself = slot(0, 60, "s")
    assert overlapping(slot(10, 50, "s"), [itself]) == []
    assert overlapping(slot(10, 50, None), [itself]) == [itself]
    assert overlapping(slot(10, 50, None), [slot(0, 60, None)]) != []


def test_overlap_refuses_a_naive_other() -> None:
    naive = Slot("o", datetime(2025, 3, 6, 19, 30), datetime(2025, 3, 6, 20, 30))
    with pytest.raises(PlanError, match="offset"):
        overlapping(slot(0, 60), [naive])


def test_check_plan_overlap_warning_per_other_slot() -> None:
    others = [slot(30, 90, "o1", "Pest control"), slot(-10, 5, "o2"), slot(60, 70, "o3")]
    warnings = check_plan(slot(0, 60), [item()], others)
    assert codes(warnings) == ["overlap", "overlap"]
    first, second = warnings
    assert first.params == {"other_id": "o2", "topic": "", "starts_at": "2025-03-06T11:20:00+00:00",
                            "ends_at": "2025-03-06T11:35:00+00:00"}
    assert second.params["other_id"] == "o1" and second.params["topic"] == "Pest control"
    assert "Pest control" in second.message


def test_check_plan_refuses_an_impossible_slot() -> None:
    with pytest.raises(PlanError) as caught:
        check_plan(slot(60, 0), [], [])
    assert caught.value.code == "end_before_start"


def test_exactly_fitting_playlist_is_not_too_long() -> None:
    items = [item("a", 1800.0), item("b", 1800.0)]
    assert playlist_seconds(items) == 3600.0
    assert check_plan(slot(0, 60), items, []) == []


def test_playlist_one_second_too_long() -> None:
    warnings = check_plan(slot(0, 60), [item("a", 1800.0), item("b", 1801.0)], [])
    assert codes(warnings) == ["too_long"]
    assert warnings[0].params == {"total_s": 3601.0, "slot_s": 3600.0}


def test_unknown_lengths_are_named_and_left_out_of_the_fit() -> None:
    items = [item("a", 3000.0), item("b", None), item("c", None)]
    assert playlist_seconds(items) == 3000.0
    warnings = check_plan(slot(0, 60), items, [])
    assert codes(warnings) == ["unknown_length"]
    assert warnings[0].params == {"names": ["b", "c"]}
    assert "b, c" in warnings[0].message


def test_empty_playlist_has_no_warnings() -> None:
    assert playlist_seconds([]) == 0.0
    assert check_plan(slot(0, 60), [], []) == []


def test_not_held_says_where_it_is_and_what_is_coming() -> None:
    items = [
        item("here"),
        item("away", held_here=False, held_at=("P-002", "P-007"), on_the_way=("KIT-0042",)),
        item("nowhere", held_here=False),
    ]
    warnings = check_plan(slot(0, 60), items, [])
    assert codes(warnings) == ["not_held", "not_held"]
    away, nowhere = warnings
    assert away.params == {"name": "away", "held_at": ["P-002", "P-007"], "on_the_way": ["KIT-0042"]}
    assert "P-002, P-007" in away.message and "KIT-0042" in away.message
    assert nowhere.params == {"name": "nowhere", "held_at": [], "on_the_way": []}


def test_not_approved_per_item() -> None:
    warnings = check_plan(slot(0, 60), [item("ok"), item("draft", approved=False)], [])
    assert codes(warnings) == ["not_approved"]
    assert warnings[0].params == {"name": "draft"}


def test_all_warnings_together_in_a_stable_order() -> None:
    items = [item("a", 7200.0, approved=False, held_here=False), item("b", None)]
    warnings = check_plan(slot(0, 60), items, [slot(30, 40, "o")])
    assert codes(warnings) == ["overlap", "too_long", "unknown_length", "not_held", "not_approved"]
