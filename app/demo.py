"""The demo: a small named network (sites, titles, users, people and real demo videos the tour
and the browser tests use), and around it the seed's network at full scale (app/demo_network.py).

`dianjiao demo` imports this module only when it runs (app/features.py): it draws its videos with
PyAV and builds the whole network.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from time import perf_counter
from zoneinfo import ZoneInfo

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from media_index.synth import make_video
from schedules.recurrence import preset_rule

from .auth.services import add_user
from .catalog.approval import approve_township
from .catalog.scanning import scan_paths
from .catalog.titles import create_title
from .cli_support import plain_errors
from .clock import shift
from .demo_network import TOWNSHIPS, build_network
from .demo_years import copy_earlier_years
from .extensions import db
from .models import MediaFile, Person, Screening, Series, Site, TerminalHealth, Title, Unit, User
from .people.services import create_person, village_named
from .places.services import get_or_make_unit, import_sites
from .reports import kept
from .screenings.plans import create_series
from .screenings.playlist import resolve_items
from .screenings.single import create_screening
from .security import private_opener
from .terminals.services import app_version

CITY = "示范市"
SITES = [
    # code, name, kind, township, village
    ("S-000", "示范市电教站", "station", "城关镇", ""),
    ("P-001", "东村播放点", "playback_point", "城关镇", "东村"),
    ("P-002", "西村播放点", "playback_point", "城关镇", "西村"),
    ("P-003", "柳树湾播放点", "playback_point", "河口乡", "柳树湾村"),
    ("P-004", "石桥播放点", "playback_point", "河口乡", "石桥村"),
    ("H-001", "王大山中心户", "center_household", "城关镇", "东村"),
    ("H-002", "欧阳娜娜中心户", "center_household", "河口乡", "柳树湾村"),
    ("D-001", "李明科技示范户", "demo_household", "河口乡", "石桥村"),
    ("T-001", "张巧手(乡土人才)", "local_talent", "城关镇", "西村"),
    ("A-001", "河口乡果树协会", "tech_association", "河口乡", ""),
]
TITLES = [
    # name, series, topics, audience, approved, demo file (seconds) or None
    ("果树修剪技术", "农村实用科技", ["planting"], "villagers", True, 6),
    ("生猪科学养殖", "农村实用科技", ["breeding"], "villagers", True, 5),
    ("水稻病虫害防治", "农村实用科技", ["pest_control", "planting"], "villagers", True, 4),
    ("农产品加工与保鲜", "农村实用科技", ["processing"], "all", False, 3),
    ("家乡的变化", "乡土教材", ["exemplars"], "all", True, 5),
    ("村规民约讲解", "乡土教材", ["policy_law"], "all", True, None),
    ("追寻周念民足迹", "自制片", ["exemplars", "party_spirit"], "party_members", True, 4),
    ("党的基本理论学习", "自制片", ["theory", "party_spirit"], "party_members", True, None),
    ("农村土地承包法解读", "乡土教材", ["policy_law"], "cadres", False, None),
    ("食用菌栽培", "农村实用科技", ["planting"], "villagers", True, None),
]


def load_demo(*, years: int = 1, scale: float = 1.0, today: date | None = None) -> Iterator[str]:
    """Load the demo set; yields progress lines for the CLI.

    `years` of history for the seed's network around the named sites; `scale` shrinks that
    network (0: the named demo alone); `today` fixes the history's last day (default: today).
    """
    city = get_or_make_unit(CITY, "city", None)
    db.session.flush()
    assert city is not None
    import_sites([dict(zip(("code", "name", "kind", "township", "village"), row, strict=True))
                  for row in SITES])
    db.session.commit()
    yield f"{len(SITES)} sites in 2 townships."
    media_dir = os.path.join(current_app.instance_path, "demo-media")
    p001 = os.path.join(media_dir, "P-001")
    p003 = os.path.join(media_dir, "P-003")
    for folder in (p001, p003):
        os.makedirs(folder, exist_ok=True)
    for i, (name, _series, _topics, _aud, _ok, seconds) in enumerate(TITLES):
        if seconds is None:
            continue
        target = os.path.join(p001, f"{name}.mp4")
        if not os.path.exists(target):
            # The title tag makes every demo file distinct content (and names its title).
            make_video(target, seconds=seconds, container="mp4", tags={"title": name})
        if i % 2 == 0:
            vcd = os.path.join(p003, f"VCD{i:02d}", "MPEGAV")
            os.makedirs(vcd, exist_ok=True)
            if not os.path.exists(os.path.join(vcd, "AVSEQ01.DAT")):
                make_video(os.path.join(vcd, "AVSEQ01.DAT"), seconds=seconds, container="vcd",
                           size=(160 + 16 * i, 120))  # MPEG-PS has no tags: vary the picture
    yield "Demo videos generated."
    for code, folder in (("P-001", p001), ("P-003", p003)):
        site = db.session.scalar(select(Site).where(Site.code == code))
        summary = scan_paths(site, [folder])
        yield f"Scanned {code}: {summary['files']} files."
    for name, series, topics, audience, approved, seconds in TITLES:
        if db.session.scalar(select(Title).where(Title.name == name)):
            continue
        title = create_title(name, series=series, topics=topics, audience=audience,
                             approved=approved, approved_by="admin" if approved else None)
        if seconds is not None:
            for media in db.session.scalars(select(MediaFile).where(MediaFile.title_id.is_(None))):
                stems = {e.relpath.rsplit("/", 1)[-1].rsplit(".", 1)[0] for e in media.entries}
                if name in stems:
                    media.title = title
    db.session.commit()
    yield f"{len(TITLES)} titles."
    for username, role, site_code, township in (
        ("op-p001", "operator", "P-001", None),
        ("kiosk-p001", "kiosk", "P-001", None),
        ("op-p003", "operator", "P-003", None),
        ("chengguan", "township", None, "城关镇"),
    ):
        if db.session.scalar(select(User).where(User.username == username)) is None:
            add_user(username, role, "demo-pass-1", site_code=site_code, township=township)
    db.session.commit()
    yield "Demo users (password demo-pass-1): op-p001, kiosk-p001, op-p003, chengguan."
    yield _demo_approval()
    yield from _demo_screenings()
    yield from _demo_people()
    yield _demo_player_site()
    yield from _demo_terminals()
    if scale > 0:
        built = False
        for line in _demo_network(years=years, scale=scale, today=today):
            built = True
            yield line
        yield _kept_figures()
        if built:  # the years before the last, copied from it (generated: the last year only)
            tz = current_app.config["TIMEZONE"]
            first = shift((today or datetime.now(ZoneInfo(tz)).date()).replace(day=1), -12)
            yield from copy_earlier_years(first, years, tz)


def _kept_figures() -> str:
    """The network's history went in with Core inserts, past the figures' listener: compute
    the kept monthly figures of every month once, as `dianjiao reports rebuild` does."""
    started = perf_counter()
    months = cells = 0
    for group, written in kept.rebuild():
        db.session.commit()
        months, cells = months + len(group), cells + written
    db.session.commit()
    return f"Monthly figures of {months} months kept ({cells} site-months, {perf_counter() - started:.0f} s)."


def _demo_network(**options) -> Iterator[str]:
    if db.session.scalar(select(Unit).where(Unit.name == TOWNSHIPS[0])) is not None:
        return
    yield from build_network(**options)


def _demo_approval() -> str:
    """城关镇 approves a title the city has not: its sites may screen it, 河口乡's may not."""
    officer = db.session.scalar(select(User).where(User.username == "chengguan"))
    title = db.session.scalar(select(Title).where(Title.name == "农产品加工与保鲜"))
    if officer is not None and title is not None and not title.approved:
        approve_township(title, officer)
        db.session.commit()
    return "农产品加工与保鲜 approved by 城关镇 for its sites (not by the city)."


def _demo_screenings() -> Iterator[str]:
    """A 6th/16th/26th study plan at P-001 and a few one-off screenings around today."""
    if db.session.scalar(select(Series).limit(1)) is not None:
        return
    tz = current_app.config["TIMEZONE"]
    zone = ZoneInfo(tz)
    today = datetime.now(zone).date()
    p001 = db.session.scalar(select(Site).where(Site.code == "P-001"))
    titles = {t.name: t for t in db.session.scalars(select(Title))}
    first = datetime.combine(today, time(19, 30), tzinfo=zone).astimezone(UTC)
    create_series(p001, rule=preset_rule("six_days", first, tz), first=first, duration_min=90,
                  topic="党员集中学习日", audience="party_members",
                  playlist=[{"title_id": str(titles["追寻周念民足迹"].id)}], by="admin")
    for days, hour, topic, names in (
        (-2, 9, "冬季果树管理", ["果树修剪技术"]),
        (1, 14, "科学养殖讲座", ["生猪科学养殖", "水稻病虫害防治"]),
        (3, 19, "村规民约学习", ["家乡的变化"]),
    ):
        start = datetime.combine(today + timedelta(days=days), time(hour), tzinfo=zone)
        items = resolve_items(p001, [{"title_id": str(titles[n].id)} for n in names])
        screening, _ = create_screening(p001, starts_at=start.astimezone(UTC),
                                        ends_at=(start + timedelta(hours=1)).astimezone(UTC),
                                        topic=topic, audience="villagers", items=items,
                                        force=True, by="admin")
        if days < 0:
            screening.status = "done"
    db.session.commit()
    count = db.session.scalar(select(db.func.count(Screening.id)))
    yield f"{count} screenings planned at P-001 (a 6th/16th/26th study plan and three one-offs)."


DEMO_PEOPLE = {
    # village: (name, role, party member)
    "东村": [("张三", "member", True), ("王大山", "cadre", True), ("李秀英", "villager", False),
           ("刘建国", "member", True), ("陈桂兰", "villager", False), ("杨志刚", "activist", False),
           ("赵玉梅", "villager", False), ("黄德明", "member", True)],
    "西村": [("周顺", "villager", False), ("吴春花", "member", True), ("徐长林", "cadre", True),
           ("孙丽娟", "villager", False), ("马永福", "villager", False), ("朱红霞", "activist", False),
           ("胡海军", "member", True), ("郭淑珍", "villager", False)],
    "柳树湾村": [("欧阳娜娜", "cadre", True), ("曾小明", "member", True), ("何金凤", "villager", False),
             ("高明亮", "villager", False), ("林少华", "activist", False), ("罗秀兰", "villager", False),
             ("梁国庆", "member", True)],
    "石桥村": [("李明", "member", True), ("宋桂芝", "villager", False), ("郑大勇", "cadre", True),
            ("谢春梅", "villager", False), ("韩立新", "villager", False), ("唐玉兰", "member", True),
            ("冯志强", "villager", False)],
}


def _demo_people() -> Iterator[str]:
    """Villagers and party members of the four demo villages, to sign in and take roll-call of."""
    if db.session.scalar(select(Person).limit(1)) is not None:
        return
    for village, people in DEMO_PEOPLE.items():
        unit = village_named(village)
        for name, role, party_member in people:
            create_person(name, village=unit, role=role, party_member=party_member)
    db.session.commit()
    count = sum(len(people) for people in DEMO_PEOPLE.values())
    yield f"{count} people in {len(DEMO_PEOPLE)} villages."


def _demo_terminals() -> Iterator[str]:
    """Health reports of two playback points, as their bundles would bring them to the hub:
    P-002's player crashed and its disk is nearly full; P-003 has not been heard from for a
    week. (P-001's report is written by this install's own `serve`: it drives P-001's TV.)"""
    now = datetime.now(UTC)
    reports = {
        "P-002": {"recorded_at": now - timedelta(hours=2), "player_faults_30d": 2,
                  "free_disk_bytes": 1_200_000_000, "last_played_at": now - timedelta(days=2)},
        "P-003": {"recorded_at": now - timedelta(days=7), "player_faults_30d": 0,
                  "free_disk_bytes": 48_000_000_000, "last_played_at": now - timedelta(days=9)},
    }
    made = 0
    for code, values in reports.items():
        site = db.session.scalar(select(Site).where(Site.code == code))
        if site is None or db.session.scalar(select(TerminalHealth.id).where(
                TerminalHealth.site_id == site.id)) is not None:
            continue
        db.session.add(TerminalHealth(site_id=site.id, origin_site=code, app_version=app_version(),
                                      libvlc_version="3.0.21", uptime_s=3 * 3600, **values))
        made += 1
    db.session.commit()
    if made:
        yield f"Health reports of {made} terminals (see Terminals)."


def _demo_player_site() -> str:
    """Make this computer the TV of P-001, as a playback point's PC would be."""
    path = os.path.join(current_app.instance_path, "config.py")
    existing = open(path, encoding="utf-8").read() if os.path.exists(path) else ""
    if "PLAYER_SITE" not in existing:
        with open(path, "a", encoding="utf-8", opener=private_opener) as fh:
            fh.write('\n# Written by `dianjiao demo`: the player of this install drives P-001\'s TV.\n'
                     'PLAYER_SITE = "P-001"\n')
        current_app.config["PLAYER_SITE"] = "P-001"
    return "The player drives the TV of P-001 (PLAYER_SITE in instance/config.py)."


@click.command("demo")
@click.option("--if-empty", is_flag=True, help="Do nothing when sites already exist.")
@click.option("--years", default=1, show_default=True, type=click.IntRange(1, 50),
              help="Years of screenings, play logs and sign-ins in the network's history.")
@click.option("--scale", default=1.0, show_default=True, type=click.FloatRange(0, 10),
              help="Times the seed's network to build around the named demo (0: none; 10: "
                   "about 16,000 sites and 48,000 people).")
@with_appcontext
@plain_errors
def demo_command(if_empty, years, scale):
    """Load the demo: the named sites, titles, users and videos, and the seed's network."""
    if if_empty and db.session.scalar(select(Site).limit(1)) is not None:
        click.echo("Demo data not loaded: the database already has sites.", err=True)
        return
    started = perf_counter()
    for line in load_demo(years=years, scale=scale):
        click.echo(line, err=True)
    click.echo(f"Demo loaded in {perf_counter() - started:.1f} s.", err=True)
