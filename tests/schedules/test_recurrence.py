from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from schedules.recurrence import (
    PRESETS,
    RecurrenceError,
    describe,
    occurrences,
    preset_rule,
    validate_rule,
)

SH = "Asia/Shanghai"
NY = "America/New_York"


def local(tz: str, *args: int) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo(tz))


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def days(found: list[datetime], tz: str) -> list[str]:
    return [moment.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M") for moment in found]


def test_six_days_rule_across_month_ends_keeps_1930_shanghai_as_1130_utc() -> None:
    rule = preset_rule("six_days", local(SH, 2024, 1, 6, 19, 30), SH)
    assert rule == "FREQ=MONTHLY;BYMONTHDAY=6,16,26"
    found = occurrences(rule, local(SH, 2024, 1, 6, 19, 30), SH, utc(2024, 1, 1), utc(2024, 4, 1))
    assert days(found, SH) == [
        f"2024-{month:02d}-{day:02d} 19:30" for month in (1, 2, 3) for day in (6, 16, 26)
    ]
    assert all(moment.tzinfo is UTC and (moment.hour, moment.minute) == (11, 30) for moment in found)
    assert found == sorted(found)


def test_first_saturday_over_months_starting_on_saturday_and_on_sunday() -> None:
    rule = preset_rule("first_saturday", local(SH, 2025, 1, 4, 9, 0), SH)
    assert rule == "FREQ=MONTHLY;BYDAY=1SA"
    found = occurrences(rule, local(SH, 2025, 1, 4, 9, 0), SH, utc(2025, 1, 1), utc(2025, 7, 1))
    # February and March 2025 start on a Saturday; June 2025 starts on a Sunday.
    assert days(found, SH) == [
        "2025-01-04 09:00", "2025-02-01 09:00", "2025-03-01 09:00",
        "2025-04-05 09:00", "2025-05-03 09:00", "2025-06-07 09:00",
    ]
    assert all(moment.astimezone(ZoneInfo(SH)).weekday() == 5 for moment in found)


def test_weekly_across_a_year_boundary() -> None:
    first = local(SH, 2024, 12, 18, 19, 30)  # a Wednesday
    rule = preset_rule("weekly", first, SH)
    assert rule == "FREQ=WEEKLY;BYDAY=WE"
    found = occurrences(rule, first, SH, utc(2024, 12, 1), utc(2025, 1, 20))
    assert days(found, SH) == [
        "2024-12-18 19:30", "2024-12-25 19:30", "2025-01-01 19:30", "2025-01-08 19:30", "2025-01-15 19:30",
    ]


def test_weekday_and_day_of_month_are_taken_in_the_plans_zone() -> None:
    first = utc(2025, 3, 5, 17, 0)  # Wednesday 17:00 UTC is Thursday 01:00 in Shanghai
    assert preset_rule("weekly", first, SH) == "FREQ=WEEKLY;BYDAY=TH"
    assert preset_rule("monthly", first, SH) == "FREQ=MONTHLY;BYMONTHDAY=6"
    assert preset_rule("weekly", first, "UTC") == "FREQ=WEEKLY;BYDAY=WE"


def test_monthly_from_the_31st_skips_shorter_months() -> None:
    first = local(SH, 2025, 1, 31, 19, 0)
    rule = preset_rule("monthly", first, SH)
    found = occurrences(rule, first, SH, utc(2025, 1, 1), utc(2025, 8, 1))
    assert days(found, SH) == ["2025-01-31 19:00", "2025-03-31 19:00", "2025-05-31 19:00", "2025-07-31 19:00"]


def test_window_is_half_open_and_cuts_occurrences() -> None:
    first = local(SH, 2024, 1, 6, 19, 30)
    rule = "FREQ=MONTHLY;BYMONTHDAY=6,16,26"
    # Starts exactly on 16 Jan 19:30 (included), ends exactly on 6 Feb 19:30 (excluded).
    found = occurrences(rule, first, SH, local(SH, 2024, 1, 16, 19, 30), local(SH, 2024, 2, 6, 19, 30))
    assert days(found, SH) == ["2024-01-16 19:30", "2024-01-26 19:30"]
    assert occurrences(rule, first, SH, utc(2024, 1, 7), utc(2024, 1, 8)) == []


def test_nothing_before_first_and_first_counts_only_when_it_matches() -> None:
    rule = "FREQ=MONTHLY;BYMONTHDAY=6,16,26"
    first = local(SH, 2024, 1, 10, 19, 30)
    found = occurrences(rule, first, SH, utc(2023, 1, 1), utc(2024, 2, 1))
    assert days(found, SH) == ["2024-01-16 19:30", "2024-01-26 19:30"]


def test_count_and_until() -> None:
    first = local(SH, 2024, 1, 6, 19, 30)
    window = (utc(2024, 1, 1), utc(2025, 1, 1))
    assert len(occurrences("FREQ=MONTHLY;BYMONTHDAY=6,16,26;COUNT=4", first, SH, *window)) == 4
    # A bare UNTIL date includes that whole local day.
    by_day = occurrences("FREQ=MONTHLY;BYMONTHDAY=6,16,26;UNTIL=20240216", first, SH, *window)
    assert days(by_day, SH)[-1] == "2024-02-16 19:30"
    # UNTIL in UTC: 11:29 UTC on 16 Feb is a minute before that day's 19:30 in Shanghai.
    by_utc = occurrences("FREQ=MONTHLY;BYMONTHDAY=6,16,26;UNTIL=20240216T112900Z", first, SH, *window)
    assert days(by_utc, SH)[-1] == "2024-02-06 19:30"
    floating = occurrences("FREQ=MONTHLY;BYMONTHDAY=6,16,26;UNTIL=20240216T193000", first, SH, *window)
    assert days(floating, SH)[-1] == "2024-02-16 19:30"


def test_new_york_dst_keeps_local_wall_clock_time() -> None:
    first = local(NY, 2025, 3, 1, 19, 30)  # a Saturday, before clocks go forward on 9 March
    found = occurrences("FREQ=WEEKLY;BYDAY=SA", first, NY, utc(2025, 2, 1), utc(2025, 3, 20))
    assert days(found, NY) == ["2025-03-01 19:30", "2025-03-08 19:30", "2025-03-15 19:30"]
    # 19:30 EST is 00:30 UTC the next day; 19:30 EDT is 23:30 UTC the same day.
    assert [(m.day, m.hour, m.minute) for m in found] == [(2, 0, 30), (9, 0, 30), (15, 23, 30)]
    autumn = occurrences("FREQ=WEEKLY;BYDAY=SA", first, NY, utc(2025, 10, 25), utc(2025, 11, 10))
    assert days(autumn, NY) == ["2025-10-25 19:30", "2025-11-01 19:30", "2025-11-08 19:30"]


def test_a_local_time_skipped_by_dst_lands_after_the_change() -> None:
    first = local(NY, 2025, 3, 2, 2, 30)
    # 02:30 on 9 March does not exist in New York: clocks go from 02:00 to 03:00.
    found = occurrences("FREQ=DAILY", first, NY, utc(2025, 3, 8), utc(2025, 3, 11))
    assert days(found, NY) == ["2025-03-08 02:30", "2025-03-09 03:30", "2025-03-10 02:30"]


def test_naive_input_is_refused() -> None:
    aware, naive = utc(2025, 1, 1), datetime(2025, 1, 1)
    with pytest.raises(ValueError, match="timezone-aware"):
        occurrences("FREQ=DAILY", naive, SH, aware, aware + timedelta(days=1))
    with pytest.raises(ValueError, match="timezone-aware"):
        occurrences("FREQ=DAILY", aware, SH, naive, aware)
    with pytest.raises(ValueError, match="timezone-aware"):
        preset_rule("weekly", naive, SH)
    with pytest.raises(ValueError, match="time zone"):
        occurrences("FREQ=DAILY", aware, "Mars/Olympus", aware, aware + timedelta(days=1))


@pytest.mark.parametrize(
    ("rule", "words"),
    [
        ("", "empty"),
        ("hello", "NAME=VALUE"),
        ("BYDAY=MO", "FREQ is missing"),
        ("FREQ=FORTNIGHTLY", "FREQ=FORTNIGHTLY"),
        ("FREQ=WEEKLY;BYDAY=XX", "BYDAY"),
        ("FREQ=WEEKLY;BYDAY=1SA", "numbered weekday"),
        ("FREQ=MONTHLY;BYMONTHDAY=32", "BYMONTHDAY"),
        ("FREQ=MONTHLY;BYMONTHDAY=0", "BYMONTHDAY"),
        ("FREQ=WEEKLY;INTERVAL=0", "INTERVAL"),
        ("FREQ=WEEKLY;COUNT=x", "COUNT"),
        ("FREQ=WEEKLY;UNTIL=2025", "UNTIL"),
        ("FREQ=WEEKLY;UNTIL=20250230", "not a real date"),
        ("FREQ=WEEKLY;COUNT=2;UNTIL=20250301", "not both"),
        ("FREQ=WEEKLY;FREQ=DAILY", "twice"),
        ("FREQ=WEEKLY;FOO=1", "FOO"),
        ("FREQ=WEEKLY\nEXDATE:20250101", "one RRULE line"),
    ],
)
def test_junk_rules_are_refused_with_a_readable_message(rule: str, words: str) -> None:
    with pytest.raises(RecurrenceError) as caught:
        validate_rule(rule)
    assert caught.value.message.startswith("The repeat rule could not be read: ")
    assert words in caught.value.message
    assert str(caught.value) == caught.value.message


@pytest.mark.parametrize("freq", ["HOURLY", "MINUTELY", "SECONDLY"])
def test_more_than_daily_is_refused(freq: str) -> None:
    with pytest.raises(RecurrenceError, match="at most one screening a day"):
        validate_rule(f"FREQ={freq}")


def test_time_of_day_parts_are_refused() -> None:
    with pytest.raises(RecurrenceError, match="BYHOUR.*at most one screening a day"):
        validate_rule("FREQ=DAILY;BYHOUR=9,18")


def test_dtstart_inside_the_rule_is_refused() -> None:
    for rule in ("DTSTART:20250101T193000\nRRULE:FREQ=WEEKLY", "FREQ=WEEKLY;DTSTART=20250101T193000"):
        with pytest.raises(RecurrenceError, match="DTSTART") as caught:
            validate_rule(rule)
        assert "first screening" in caught.value.message


def test_a_rule_that_never_happens_is_refused_quickly() -> None:
    with pytest.raises(RecurrenceError, match="never happens"):
        validate_rule("FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30")


def test_validate_normalises_and_accepts_infinite_rules() -> None:
    assert validate_rule(" rrule:freq=weekly; byday=sa ;") == "FREQ=WEEKLY;BYDAY=SA"
    assert validate_rule("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29") == "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29"
    assert validate_rule("FREQ=MONTHLY;BYDAY=-1FR;INTERVAL=2") == "FREQ=MONTHLY;BYDAY=-1FR;INTERVAL=2"


def test_unknown_preset() -> None:
    with pytest.raises(RecurrenceError, match="Unknown repeat choice"):
        preset_rule("daily-ish", utc(2025, 1, 1), SH)


@pytest.mark.parametrize("name", PRESETS)
def test_describe_recognises_each_preset_back(name: str) -> None:
    rule = preset_rule(name, local(SH, 2025, 1, 4, 19, 30), SH)
    assert describe(rule) == {"preset": name, "rule": rule}
    assert describe("RRULE:" + rule.lower())["preset"] == name


@pytest.mark.parametrize(
    "rule",
    ["FREQ=WEEKLY;BYDAY=SA,SU", "FREQ=MONTHLY;BYMONTHDAY=6,16", "FREQ=MONTHLY;BYDAY=2SA",
     "FREQ=WEEKLY;BYDAY=SA;COUNT=4", "FREQ=MONTHLY;BYMONTHDAY=-1", "FREQ=DAILY"],
)
def test_describe_leaves_other_rules_custom(rule: str) -> None:
    assert describe(rule) == {"preset": None, "rule": rule}


def test_describe_is_order_insensitive() -> None:
    assert describe("BYMONTHDAY=26,6,16;FREQ=MONTHLY")["preset"] == "six_days"
    assert describe("FREQ=WEEKLY;INTERVAL=1;BYDAY=MO")["preset"] == "weekly"
