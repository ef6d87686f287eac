"""The seed's network at full scale for the demo, written with bulk inserts.

On top of the small named demo (app/demo.py): eight more townships with a village per playback
point, 169 playback points, 1265 center households, 120 demo households, local talents and tech
associations in all; a roster of each village (party members and others); ~300 titles of
乡土教材, 农村实用科技 and the station's own films with a file each; 3,800 kits of eight batches
in every status, and the libraries of the sites that verified theirs; and `years` years of
screenings with playlists, proof of play and sign-ins (~100,000 a year) with realistic gaps:
idle sites, months short of group sessions, sites short several months running.

Everything is drawn from one seeded generator (ids included), so the same `today`, `years` and
`scale` give the same rows. Rows go in with Core executemany, tens of thousands at a time: the
ORM's unit of work would take minutes for a million sign-ins.
"""

from __future__ import annotations

import hashlib
import random
import uuid
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import func, select

from .clock import shift
from .demo_history import HistoryStage
from .demo_kits import KitsStage, film_bytes
from .demo_words import (
    ANIMALS,
    BREEDING,
    CHUNK,
    CODE_FORMATS,
    FIELD_CROPS,
    FRUIT_ONLY,
    FRUITS,
    GIVEN,
    LAW_CASES,
    LOCAL_THEMES,
    NAMED_TOWNSHIPS,
    NAMED_VILLAGES,
    NUMERALS,
    OWN_FILMS,
    PARTY_LESSONS,
    PLANTING,
    PROCESSING,
    SEED,
    SEED_SITES,
    SPECIALTIES,
    SURNAMES,
    TOWNSHIPS,
    VEGETABLES,
    VILLAGE_ENDS,
    VILLAGE_PLACES,
)
from .extensions import db
from .models import MediaFile, Person, Site, Title, Unit
from .sync.bulk import insert_rows
from .text import SURNAME_READINGS, pinyin_keys


@dataclass
class Place:
    id: uuid.UUID
    name: str
    township: str
    people: list[Villager] = field(default_factory=list)


@dataclass
class Villager:
    id: uuid.UUID
    name: str
    party_member: bool
    role: str


@dataclass
class DemoSite:
    id: uuid.UUID
    code: str
    kind: str
    place: Place | None  # its village (None: a township-level site)
    township: str
    created: date
    profile: str
    turnout: float  # the share of its party members who come to a party day
    state: bool = True  # a patchy site's month: good (True) or bad
    named: bool = False  # one of the named demo's sites (its library is the real one, scanned)
    idle: tuple[int, int] = (0, 0)  # months [from, to) of the history it held nothing


@dataclass
class Film:
    id: uuid.UUID
    name: str
    series: str
    topics: list[str]
    audience: str
    file_id: uuid.UUID
    sha256: str
    minutes: int


class Builder(KitsStage, HistoryStage):
    """Draws and writes the network; `run()` yields progress lines."""

    def __init__(self, *, years: int, scale: float, today: date | None, named: dict[str, int],
                 seed: int = SEED):
        self.tz = current_app.config["TIMEZONE"]
        self.zone = ZoneInfo(self.tz)
        self.today = today or datetime.now(self.zone).date()
        self.years, self.scale, self.named = years, scale, named
        self.rng = random.Random(seed)
        self._ids = random.Random(seed + 1)
        self._pinyin: dict[str, tuple[str, str]] = {}
        self.rows = 0
        self.places: list[Place] = []
        self.by_township: dict[str, list[Place]] = defaultdict(list)
        self.sites: list[DemoSite] = []
        self.films: list[Film] = []

    # --- helpers -----------------------------------------------------------------------------

    def uid(self) -> uuid.UUID:
        return uuid.UUID(int=self._ids.getrandbits(128), version=4)

    def synced(self, at: datetime, origin: str = "HUB") -> dict:
        return {"id": self.uid(), "origin_site": origin, "created_at": at, "updated_at": at}

    def local(self, day: date, at: time) -> datetime:
        return datetime.combine(day, at, tzinfo=self.zone).astimezone(UTC)

    def keys(self, name: str, *, surname: bool = False) -> tuple[str, str]:
        key = ("s:" if surname else "") + name
        if key not in self._pinyin:
            self._pinyin[key] = pinyin_keys(name, surname=surname)
        return self._pinyin[key]

    def insert(self, model, rows: list[dict]) -> None:
        table = model.__table__
        for start in range(0, len(rows), CHUNK):
            insert_rows(table, rows[start:start + CHUNK])  # COPY on PostgreSQL
        self.rows += len(rows)

    def count(self, seed_count: int, named: int) -> int:
        return max(1, round((seed_count - named) * self.scale))

    # --- the run -----------------------------------------------------------------------------

    def run(self) -> Iterator[str]:
        self.first_month = shift(self.today.replace(day=1), -12 * self.years)
        self.since = self.local(self.first_month, time(0))
        yield self.make_places()
        yield self.make_people()
        yield self.make_sites()
        yield self.make_titles()
        yield self.make_distribution()
        db.session.commit()
        yield from self.make_history()

    # --- places, people, sites ---------------------------------------------------------------

    def make_places(self) -> str:
        city = db.session.scalar(select(Unit).where(Unit.kind == "city"))
        playback = self.count(SEED_SITES["playback_point"], self.named["playback_point"])
        townships = TOWNSHIPS[:max(1, min(len(TOWNSHIPS), round(len(TOWNSHIPS) * self.scale)))]
        names = sorted({s + "家" + e + "村" for s in list(SURNAMES)[:40] for e in VILLAGE_ENDS}
                       | {p + "村" for p in VILLAGE_PLACES})
        if self.scale > 1:  # a network bigger than the seed's: more townships, more names
            townships, names = self.more_places(playback)
        self.rng.shuffle(names)
        names = [n for n in names if n not in NAMED_VILLAGES][:playback]
        at = self.since - timedelta(days=400)
        units = []
        for township in townships:
            row = {**self.synced(at), "name": township, "kind": "township", "parent_id": city.id}
            units.append(row)
            self.by_township[township] = []
        for i, name in enumerate(names):
            township = townships[i * len(townships) // len(names)]
            parent = next(u["id"] for u in units if u["name"] == township)
            row = {**self.synced(at), "name": name, "kind": "village", "parent_id": parent}
            place = Place(row["id"], name, township)
            units.append(row)
            self.places.append(place)
            self.by_township[township].append(place)
        self.township_ids = {u["name"]: u["id"] for u in units if u["kind"] == "township"}
        self.insert(Unit, units)
        return (f"{len(townships)} more townships with {len(names)} villages "
                f"({len(NAMED_TOWNSHIPS) + len(townships)} townships in all).")

    def more_places(self, villages: int) -> tuple[list[str], list[str]]:
        """Townships and village names for `scale` times the seed's network: each township of
        the seed again with a number (红旗二镇, 红旗三镇, ...), each village name again with a
        quarter (东, 西, 南, 北)."""
        count = round(len(TOWNSHIPS) * self.scale)
        townships = [t if k < len(TOWNSHIPS) else t[:-1] + NUMERALS[k // len(TOWNSHIPS) - 1] + t[-1]
                     for k in range(count) for t in [TOWNSHIPS[k % len(TOWNSHIPS)]]]
        base = {s + "家" + e + "村" for s in SURNAMES for e in VILLAGE_ENDS} | {
            p + "村" for p in VILLAGE_PLACES}
        names = base | {n[:-1] + q + "村" for n in base for q in "东西南北"}
        return townships, sorted(names)[:max(villages * 2, len(base))]

    def person_name(self, taken: set[str]) -> str:
        surnames, weights = list(SURNAMES), list(SURNAMES.values())
        while True:
            name = self.rng.choices(surnames, weights)[0] + "".join(
                self.rng.choice(GIVEN) for _ in range(1 if self.rng.random() < 0.25 else 2))
            if name not in taken:
                taken.add(name)
                return name

    def make_people(self) -> str:
        rows = []
        at = self.since - timedelta(days=30)
        for place in self.places:
            size = self.rng.randint(22, 36)
            members = round(size * self.rng.uniform(0.22, 0.34))
            taken: set[str] = set()
            for n in range(size):
                name = self.person_name(taken)
                party = n < members
                role = ("cadre" if n < 3 else "member") if party else (
                    "activist" if n < members + 3 else "villager")
                pinyin, initials = self.keys(name, surname=True)
                alt = self.keys(name) if name[0] in SURNAME_READINGS else ("", "")
                active = self.rng.random() > 0.01
                row = {**self.synced(at), "name": name, "pinyin": pinyin, "initials": initials,
                       "pinyin_alt": alt[0], "initials_alt": alt[1], "village_id": place.id,
                       "party_member": party, "role": role,
                       "phone": f"1{self.rng.choice('3578')}{self.rng.randrange(10**9):09d}",
                       "walkin": False, "active": active}
                rows.append(row)
                if active:
                    place.people.append(Villager(row["id"], name, party, role))
        self.insert(Person, rows)
        members = sum(r["party_member"] for r in rows)
        return f"{len(rows)} people in {len(self.places)} villages ({members} party members)."

    def make_sites(self) -> str:
        """The bulk sites, and the named ones that get a history too (all but S-000 and P-001)."""
        rows = []
        history = len(self.months())
        for kind, seed_count in SEED_SITES.items():
            number = self.named[kind] + 1
            for i in range(self.count(seed_count, self.named[kind])):
                code = CODE_FORMATS[kind].format(number)
                number += 1
                if kind == "playback_point":
                    place = self.places[i % len(self.places)]
                elif kind == "tech_association":
                    place = None
                else:
                    place = self.rng.choice(self.places)
                township = (place.township if place else
                            list(self.by_township)[i % len(self.by_township)])
                head = self.rng.choice(place.people).name if place and place.people else ""
                name = {"playback_point": f"{place.name if place else township}播放点",
                        "center_household": f"{head}中心户",
                        "demo_household": f"{head}科技示范户",
                        "local_talent": f"{head}(乡土人才)",
                        "tech_association": f"{township}{self.rng.choice(FRUITS + ANIMALS)}协会",
                        }[kind]
                created = self.since - timedelta(days=self.rng.randint(30, 1500))
                if self.rng.random() < 0.04:  # a site set up during the history
                    created = self.local(shift(self.first_month, self.rng.randrange(history)),
                                         time(10))
                site = DemoSite(self.uid(), code, kind, place, township,
                                created.astimezone(self.zone).date(), *self.profile(kind))
                if site.profile == "idle":
                    begin = self.rng.randrange(history)
                    site.idle = (begin, begin + self.rng.randint(3, 9))
                self.sites.append(site)
                rows.append({"id": site.id, "origin_site": "HUB", "created_at": created,
                             "updated_at": created, "code": code, "name": name, "kind": kind,
                             "unit_id": place.id if place else self.township_ids[township],
                             "contact_name": head or None,
                             "contact_phone": f"1{self.rng.choice('3578')}"
                                              f"{self.rng.randrange(10**9):09d}",
                             "active": kind != "center_household" or self.rng.random() > 0.01})
        self.insert(Site, rows)
        self.sites += self.named_sites()
        kinds = dict(db.session.execute(select(Site.kind, func.count(Site.id))
                                        .group_by(Site.kind)).all())
        return (f"{len(rows)} more sites; in all " + ", ".join(
            f"{kinds.get(k, 0)} {k.replace('_', ' ')}s" for k in SEED_SITES) + ".")

    def profile(self, kind: str) -> tuple[str, float]:
        roll = self.rng.random()
        if kind == "playback_point":
            profile = ("model" if roll < 0.1 else "steady" if roll < 0.65 else
                       "patchy" if roll < 0.9 else "idle")
        else:
            profile = "steady" if roll < 0.6 else "occasional" if roll < 0.9 else "idle"
        return profile, (0.95 if profile == "model" else self.rng.uniform(0.55, 0.9))

    def named_sites(self) -> list[DemoSite]:
        """The named demo's sites but the station and P-001 (whose calendar the tour shows)."""
        villages = {}
        units = db.session.scalars(select(Unit).where(Unit.name.in_(NAMED_VILLAGES))).all()
        for unit in sorted(units, key=lambda u: u.name):  # sorted here: collations differ
            place = Place(unit.id, unit.name, unit.parent.name)
            people = db.session.scalars(select(Person).where(
                Person.village_id == unit.id, Person.active.is_(True))).all()
            place.people = [Villager(p.id, p.name, p.party_member, p.role)
                            for p in sorted(people, key=lambda p: p.name)]
            villages[unit.id] = place
        for place in villages.values():
            self.by_township[place.township].append(place)
        named = db.session.scalars(select(Site).where(
            Site.code.not_in(("S-000", "P-001")), Site.unit_id.in_(
                [v.id for v in villages.values()] + list(self.named_township_ids()))))
        return [DemoSite(site.id, site.code, site.kind, villages.get(site.unit_id),
                         site.township.name if site.township else "", self.first_month,
                         *self.profile(site.kind), named=True)
                for site in sorted(named, key=lambda s: s.code)]

    def named_township_ids(self) -> list[uuid.UUID]:
        return list(db.session.scalars(select(Unit.id).where(
            Unit.kind == "township", Unit.name.in_(NAMED_TOWNSHIPS))))

    # --- titles and files --------------------------------------------------------------------

    def make_titles(self) -> str:
        existing = set(db.session.scalars(select(Title.name)))
        drafts: list[tuple[str, str, list[str], str, int]] = []
        tech = ([(c + t, topics) for c in FRUITS for t, topics in PLANTING + FRUIT_ONLY]
                + [(c + t, topics) for c in FIELD_CROPS + VEGETABLES + SPECIALTIES
                   for t, topics in PLANTING]
                + [(a + t, topics) for a in ANIMALS for t, topics in BREEDING]
                + [(p + "加工技术", ["processing"]) for p in PROCESSING])
        tech = [t for t in tech if t[0] not in existing]
        for name, topics in sorted(self.rng.sample(tech, min(160, len(tech)))):
            drafts.append((name, "农村实用科技", topics, "villagers", self.rng.randint(18, 50)))
        for township in NAMED_TOWNSHIPS + TOWNSHIPS:
            for theme, topics in LOCAL_THEMES[:5] if township in TOWNSHIPS[4:] else LOCAL_THEMES:
                drafts.append((township + theme, "乡土教材", topics, "all",
                               self.rng.randint(20, 45)))
        for case in LAW_CASES:
            drafts.append(("以案说法：" + case, "乡土教材", ["policy_law"], "all",
                           self.rng.randint(20, 35)))
        taken = set(existing)
        for _n in range(20):
            drafts.append(("党员先锋：" + self.person_name(taken), "乡土教材",
                           ["exemplars", "party_spirit"], "party_members", self.rng.randint(20, 40)))
        for film in OWN_FILMS:
            drafts.append((film, "自制片", ["party_spirit", "exemplars"], "party_members",
                           self.rng.randint(35, 80)))
        for lesson in PARTY_LESSONS:
            drafts.append(("党课：" + lesson, "自制片", ["theory", "party_spirit"], "party_members",
                           self.rng.randint(40, 60)))
        at = self.since - timedelta(days=200)
        titles, files = [], []
        for name, series, topics, audience, minutes in drafts:
            pinyin, initials = self.keys(name)
            title = {**self.synced(at), "name": name, "name_pinyin": pinyin,
                     "name_initials": initials, "series": series, "topics": topics,
                     "audience": audience, "producer": "示范市电教站" if series != "农村实用科技"
                     else "农业农村部农村远程教育", "year": self.rng.randint(2012, self.today.year),
                     "summary": None, "approved": self.rng.random() > 0.05,
                     "approved_at": at, "approved_by": "admin"}
            if not title["approved"]:
                title["approved_at"] = title["approved_by"] = None
            titles.append(title)
            vcd = series == "乡土教材"
            sha = hashlib.sha256(f"dianjiao-demo:{title['id']}".encode()).hexdigest()
            size = film_bytes(minutes, vcd)
            files.append({**self.synced(at), "sha256": sha, "fingerprint": f"{size}:{sha[:32]}",
                          "size": size, "duration_s": float(minutes * 60),
                          "container": "mpeg" if vcd else "mp4",
                          "video_codec": "mpeg1video" if vcd else "h264",
                          "audio_codec": "mp2" if vcd else "aac",
                          "width": 352 if vcd else 720, "height": 288 if vcd else 576,
                          "bitrate": 1_411_200 if vcd else 720_000, "tags": {},
                          "title_id": title["id"]})
            self.films.append(Film(title["id"], name, series, topics, audience, files[-1]["id"],
                                   sha, minutes))
        self.insert(Title, titles)
        self.insert(MediaFile, files)
        return f"{len(titles)} more titles with a file each ({len(existing) + len(titles)} in all)."

    # --- distribution ------------------------------------------------------------------------

def build_network(*, years: int = 1, scale: float = 1.0,
                  today: date | None = None) -> Iterator[str]:
    """Add the bulk network to the named demo; yields progress lines."""
    named = defaultdict(int, db.session.execute(
        select(Site.kind, func.count(Site.id)).group_by(Site.kind)).all())
    yield from Builder(years=years, scale=scale, today=today, named=named).run()
