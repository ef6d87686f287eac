"""What a village is told: the screenings planned for it in a period, and the words read out.

A village is served by the sites of its own unit and of the units above it up to its township
(a screening is for the villages under its site's unit: app/attendance/services.villages_of).
The loudspeaker script and the reminders are written in Chinese whatever the page's language:
they are for the villagers, not for the operator reading the page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..clock import local
from ..extensions import db
from ..models import Screening, ScreeningItem, Site, Unit

SHOWN = ("planned", "running", "done", "partial")  # not cancelled, not missed
WEEKDAYS = "一二三四五六日"
MAX_DAYS = 92  # the longest period one notice covers


@dataclass
class Planned:
    """One screening as a notice shows it."""

    screening: Screening
    starts: datetime  # local time
    ends: datetime
    place: str
    titles: list[str]


def _tz() -> str:
    return current_app.config["TIMEZONE"]


def day_bounds(first: date, last: date) -> tuple[datetime, datetime]:
    """The UTC start of local day `first` and the end of local day `last`."""
    zone = ZoneInfo(_tz())
    start = datetime.combine(first, time(), tzinfo=zone)
    end = datetime.combine(last + timedelta(days=1), time(), tzinfo=zone)
    return start.astimezone(UTC), end.astimezone(UTC)


def serving_units(village: Unit) -> list:
    """The ids of the village and the units above it up to its township: their sites serve it."""
    ids = []
    for unit in reversed(village.lineage()):
        ids.append(unit.id)
        if unit.kind == "township":
            break
    return ids


def place_of(site: Site) -> str:
    return site.address or site.name


def village_screenings(village: Unit, first: date, last: date) -> list[Planned]:
    """The screenings not cancelled nor missed of the village's sites, from local day `first`
    to `last`, earliest first."""
    start, end = day_bounds(first, last)
    rows = db.session.scalars(
        select(Screening).join(Site, Screening.site_id == Site.id)
        .where(Site.unit_id.in_(serving_units(village)), Site.active.is_(True),
               Screening.status.in_(SHOWN), Screening.starts_at >= start,
               Screening.starts_at < end)
        .options(selectinload(Screening.items).selectinload(ScreeningItem.title),
                 selectinload(Screening.site))
        .order_by(Screening.starts_at)).all()
    tz = _tz()
    return [Planned(s, local(s.starts_at, tz), local(s.ends_at, tz), place_of(s.site),
                    [i.title.name for i in s.items if i.title is not None]) for s in rows]


def part_of_day(moment: datetime) -> str:
    if moment.hour < 12:
        return "上午"
    return "下午" if moment.hour < 18 else "晚上"


def chinese_day(day: date) -> str:
    return f"{day.month}月{day.day}日（星期{WEEKDAYS[day.weekday()]}）"


def clock_time(moment: datetime) -> str:
    return f"{part_of_day(moment)}{moment:%H:%M}"


def script(village: Unit, day: date) -> str | None:
    """The loudspeaker script (广播稿) for the village's screenings on `day`, read out the day
    before; None when nothing is planned that day."""
    planned = village_screenings(village, day, day)
    if not planned:
        return None
    lines = [f"{village.name}广播通知", "", "各位村民、各位党员同志：",
             f"明天，{chinese_day(day)}，安排了{len(planned)}场放映学习：", ""]
    for n, p in enumerate(planned, 1):
        shown = "、".join(f"《{t}》" for t in p.titles)
        lines.append(f"{n}. {clock_time(p.starts)}到{p.ends:%H:%M}，在{p.place}，"
                     f"主题：{p.screening.topic}。" + (f"放映{shown}。" if shown else ""))
    lines += ["", "请大家准时参加。党员同志到场后请扫码签到，或找管理员登记。",
              "再播送一遍：" + "；".join(f"明天{clock_time(p.starts)}，在{p.place}，{p.screening.topic}"
                                    for p in planned) + "。", "", f"{village.name}村民委员会"]
    return "\n".join(lines) + "\n"


def reminder_text(screening: Screening) -> str:
    """The text message reminding a person of a screening the day before."""
    starts = local(screening.starts_at, _tz())
    return (f"【{screening.site.name}】明天{clock_time(starts)}在{place_of(screening.site)}"
            f"放映学习：{screening.topic}。请准时参加。")[:500]
