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

from .extensions import db
from .models import (
    Attendance,
    Batch,
    BatchItem,
    FileEntry,
    LibraryRoot,
    MediaFile,
    Person,
    PlayLog,
    Screening,
    ScreeningItem,
    Shipment,
    Site,
    Title,
    Unit,
)
from .text import SURNAME_READINGS, pinyin_keys

SEED = 20261201
CHUNK = 5000  # rows per executemany
# The seed's network: sites of each kind in the whole city, the named demo's included.
SEED_SITES = {"playback_point": 169, "center_household": 1265, "demo_household": 120,
              "local_talent": 40, "tech_association": 16}
CODE_FORMATS = {"playback_point": "P-{:03d}", "center_household": "H-{:04d}",
                "demo_household": "D-{:03d}", "local_talent": "T-{:03d}",
                "tech_association": "A-{:03d}"}
TOWNSHIPS = ["杨柳镇", "石门乡", "新华乡", "红旗镇", "龙泉镇", "白沙乡", "青山乡", "桃源镇"]
NAMED_TOWNSHIPS = ["城关镇", "河口乡"]
NAMED_VILLAGES = {"东村", "西村", "柳树湾村", "石桥村"}

SURNAMES = {
    "王": 71, "李": 70, "张": 66, "刘": 54, "陈": 45, "杨": 31, "黄": 22, "赵": 20, "吴": 19,
    "周": 19, "徐": 13, "孙": 12, "马": 12, "朱": 12, "胡": 11, "郭": 11, "何": 10, "高": 10,
    "林": 10, "罗": 9, "郑": 9, "梁": 9, "谢": 8, "宋": 7, "唐": 7, "许": 7, "韩": 6, "冯": 6,
    "邓": 6, "曹": 6, "彭": 6, "曾": 5, "肖": 5, "田": 5, "董": 5, "袁": 5, "潘": 5, "于": 5,
    "蒋": 5, "蔡": 5, "余": 5, "杜": 4, "叶": 4, "程": 4, "苏": 4, "魏": 4, "吕": 4, "丁": 4,
    "任": 4, "沈": 4, "姚": 3, "卢": 3, "姜": 3, "崔": 3, "钟": 3, "谭": 3, "陆": 3, "汪": 3,
    "范": 3, "金": 3, "石": 3, "廖": 3, "贾": 3, "夏": 3, "韦": 3, "付": 3, "方": 3, "白": 3,
    "单": 1, "解": 1, "欧阳": 1, "司马": 1,
}
GIVEN = ("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国文玉珍红海志德福春梅金凤"
         "小大三山林云燕宏波辉鹏斌宇浩凯晨欣怡佳婷雪琳晶玲萍荣成永忠新生根水有财宝贵喜庆"
         "树松长顺富兴昌亮光东学民利秋菊莲翠花淑贤慧丹阳俊峰江河安定家保卫振彩")
VILLAGE_PLACES = ("杏花 桃园 梨树 柳林 松树 槐树 枣林 石门 石岭 青龙 白马 黄土 红岩 清泉 龙泉 凤凰 "
                  "双河 三岔 五里 十里 新民 前进 胜利 红星 光明 团结 和平 幸福 富民 大坪 小河 "
                  "上坝 下坝 中坪 后山 前山 南沟 北沟 东岭 西岭 长岗 马鞍 牛角 桥头 沙坝 竹园").split()
VILLAGE_ENDS = "庄 沟 坪 湾 寨 岭 洼 河 坡 营 堡 店 院".split()

# Titles: the parts their names are made of, with topics and audience.
FRUITS = "苹果 梨 桃 葡萄 核桃 板栗 柑橘 猕猴桃 樱桃 大枣 柿子 石榴".split()
FIELD_CROPS = "玉米 小麦 马铃薯 大豆 油菜 花生 红薯 谷子 高粱 荞麦 水稻".split()
VEGETABLES = "辣椒 番茄 黄瓜 大白菜 茄子 大蒜 生姜 韭菜 大棚蔬菜".split()
SPECIALTIES = "香菇 木耳 平菇 天麻 党参 金银花 黄芪 茶叶 魔芋".split()
ANIMALS = "生猪 肉牛 奶牛 肉羊 山羊 蛋鸡 肉鸡 肉鸭 鹅 肉兔 蜜蜂 淡水鱼 稻田小龙虾 黄鳝".split()
PLANTING = [("高产栽培技术", ["planting"]), ("科学施肥", ["planting"]),
            ("病虫害防治", ["pest_control", "planting"]), ("贮藏保鲜", ["processing"]),
            ("标准化种植", ["planting"])]
FRUIT_ONLY = [("整形修剪", ["planting"]), ("嫁接与育苗", ["planting"])]
BREEDING = [("科学养殖", ["breeding"]), ("疫病防治", ["breeding", "pest_control"]),
            ("饲料配制", ["breeding"]), ("圈舍建设与管理", ["breeding"]),
            ("繁育技术", ["breeding"])]
PROCESSING = "腊肉 豆腐 粉条 红薯粉 果脯 辣椒酱 豆瓣酱 米酒 核桃油 菜籽油 茶叶 香菇酱".split()
LOCAL_THEMES = [("的变迁", ["exemplars"]), ("特色产业巡礼", ["exemplars"]),
                ("致富带头人", ["exemplars"]), ("红色故事", ["party_spirit", "exemplars"]),
                ("乡风文明建设", ["policy_law"]), ("美丽乡村", ["exemplars"]),
                ("非遗传承人", ["exemplars"])]
LAW_CASES = ("婚姻家庭纠纷 土地承包纠纷 宅基地纠纷 邻里纠纷 赡养老人 电信诈骗 非法集资 交通安全 "
             "森林防火 禁毒宣传 未成年人保护 劳务合同 农资打假 安全生产 环境保护 遗产继承 民间借贷 "
             "消费维权 反家庭暴力 扫黑除恶").split()
OWN_FILMS = ["基石", "初心", "山村党支部", "扶贫路上", "田野上的党旗", "一名老党员的故事",
             "乡村振兴看今朝", "红土地上的誓言", "第一书记", "村里的年轻人", "脱贫攻坚纪实",
             "一心为民", "党群连心桥", "绿水青山", "大山里的守望", "丰收之歌", "乡亲们的贴心人",
             "不忘来时路"]
PARTY_LESSONS = ["党章学习", "党的创新理论", "廉洁自律", "群众路线", "基层党建", "党史故事（一）",
                 "党史故事（二）", "党史故事（三）", "新时代农村党员", "乡村振兴战略"]

PARTY_TOPICS = ["党员集中学习日", "主题党日", "三会一课", "党员冬训", "党史学习"]
TECH_TOPICS = {"planting": "种植技术培训", "breeding": "养殖技术培训", "processing": "农产品加工讲座",
               "pest_control": "病虫害防治讲座"}
POLICY_TOPICS = ["以案说法", "政策宣讲", "乡风文明讲座", "法律进村"]
HELD = ("done", "partial")


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


class Builder:
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
            db.session.execute(table.insert(), rows[start:start + CHUNK])
        self.rows += len(rows)

    def count(self, seed_count: int, named: int) -> int:
        return max(1, round((seed_count - named) * self.scale))

    # --- the run -----------------------------------------------------------------------------

    def run(self) -> Iterator[str]:
        self.first_month = _shift(self.today.replace(day=1), -12 * self.years)
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
                    created = self.local(_shift(self.first_month, self.rng.randrange(history)),
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
            size = minutes * 60 * (176_400 if vcd else 90_000)
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

    def make_distribution(self) -> str:
        """Eight batches of the last year and a half, consigned by kind (~3,800 kits)."""
        pick = self.rng.sample
        series = defaultdict(list)
        for film in self.films:
            series[film.series].append(film)
        tech = sorted(series["农村实用科技"], key=lambda f: f.name)
        kinds = defaultdict(list)
        for site in self.sites:
            kinds[site.kind].append(site)
        points_and_households = kinds["playback_point"] + kinds["center_household"]
        some_households = [s for s in kinds["center_household"]
                           if s.township in list(self.by_township)[:3]]
        own = db.session.scalar(select(Title.id).where(Title.name == "追寻周念民足迹"))
        own_films = pick(series["自制片"], 7)
        plans = [  # months ago, name, form, titles, sites
            (16, "乡土教材（上册）", "VCD", pick(series["乡土教材"], 20),
             points_and_households),
            (14, "春季农业实用技术", "DVD", pick(tech, 20),
             kinds["playback_point"] + kinds["demo_household"]),
            (11, "夏季病虫害防治", "DVD", pick(tech, 16),
             kinds["playback_point"] + kinds["demo_household"]),
            (8, "党员教育自制片", "USB", own_films,
             kinds["playback_point"] + some_households + kinds["demo_household"]),
            (6, "秋季农产品加工", "DVD", pick(tech, 16),
             kinds["playback_point"] + kinds["demo_household"]),
            (4, "乡土教材（下册）", "VCD", pick(series["乡土教材"], 18),
             kinds["playback_point"] + kinds["local_talent"] + kinds["tech_association"]),
            (2, "冬季养殖技术", "DVD", pick(tech, 18),
             kinds["playback_point"] + kinds["demo_household"]),
            (0, "新春送科技下乡", "USB", pick(tech, 12), kinds["playback_point"]),
        ]
        batches, items, kits, roots, entries = [], [], [], {}, {}
        now = datetime.now(UTC)
        for ago, name, form, films, sites in plans:
            made = self.today - timedelta(days=30 * ago + self.rng.randint(0, 10))
            at = self.local(made, time(9))
            batch = {**self.synced(at), "name": name, "form": form, "made_on": made,
                     "notes": None}
            batches.append(batch)
            title_ids = [f.id for f in films] + ([own] if form == "USB" and own and ago else [])
            items += [{**self.synced(at), "batch_id": batch["id"], "title_id": t}
                      for t in title_ids]
            for site in sorted(sites, key=lambda s: s.code):
                status = self.kit_status(ago, site)
                kit = {**self.synced(at), "batch_id": batch["id"], "site_id": site.id,
                       "form": form, "copies": 1, "status": status,
                       "serial": f"B{batch['id'].hex[:6].upper()}-{site.code}-1",
                       "sent_at": None, "received_at": None, "received_by": None,
                       "verified_at": None, "replaces_id": None}
                steps = ("sent", "received", "verified")
                reached = steps.index(status) + 1 if status in steps else (
                    1 if status != "planned" else 0)
                moment = at
                for step in steps[:reached]:
                    moment = min(moment + timedelta(days=self.rng.randint(1, 12)), now)
                    kit[f"{step}_at"] = moment
                if kit["received_at"]:
                    kit["received_by"] = f"op-{site.code.lower()}"
                kit["updated_at"] = moment
                kits.append(kit)
                if status in ("lost", "damaged"):
                    kits.append({**kit, **self.synced(moment), "status": "planned",
                                 "serial": kit["serial"][:-1] + "2", "sent_at": None,
                                 "replaces_id": kit["id"]})
                if status == "verified":
                    if site.id not in roots:
                        roots[site.id] = {**self.synced(moment, site.code), "site_id": site.id,
                                          "path": "D:/电教片库", "label": "片库",
                                          "last_scan_at": moment}
                    roots[site.id]["last_scan_at"] = moment
                    for entry in self.library(roots[site.id]["id"], films, moment, site.code):
                        entries.setdefault((entry["root_id"], entry["relpath"]), entry)
        self.insert(Batch, batches)
        self.insert(BatchItem, items)
        self.insert(Shipment, kits)
        self.insert(LibraryRoot, list(roots.values()))
        self.insert(FileEntry, list(entries.values()))
        return (f"{len(batches)} batches, {len(kits)} kits; {len(entries)} files seen in the "
                f"libraries of {len(roots)} sites.")

    def kit_status(self, ago: int, site: DemoSite) -> str:
        roll = self.rng.random()
        if ago == 0:
            return "planned" if roll < 0.4 else "sent" if roll < 0.9 else "received"
        if roll < 0.03:
            return self.rng.choice(("lost", "damaged", "returned"))
        # a kit is verified by scanning it on the site's PC: playback points and demo households
        verifies = site.kind in ("playback_point", "demo_household") and not site.named
        late = 0.5 if ago <= 2 else 0.15 if ago <= 6 else 0.05
        if roll < 0.03 + late:
            return "sent"
        if verifies and roll < 0.03 + late + (0.55 if ago > 6 else 0.35):
            return "verified"
        return "received"

    def library(self, root_id, films: list[Film], at: datetime, code: str) -> list[dict]:
        entries = []
        for film in films:
            ext = "mpg" if film.series == "乡土教材" else "mp4"
            missing = self.rng.random() < 0.02
            entries.append({**self.synced(at, code), "root_id": root_id,
                            "relpath": f"{film.series}/{film.name}.{ext}", "layout": "file",
                            "size": 0, "mtime_ns": int(at.timestamp() * 1e9),
                            "media_file_id": film.file_id, "first_seen": at, "last_seen": at,
                            "missing": missing})
        return entries

    # --- the history -------------------------------------------------------------------------

    def months(self) -> list[date]:
        return [_shift(self.first_month, n) for n in range(12 * self.years + 1)]

    def make_history(self) -> Iterator[str]:
        self.pool = defaultdict(list)
        for film in self.films:
            for topic in film.topics:
                self.pool[topic].append(film)
            self.pool[film.series].append(film)
        totals = defaultdict(int)
        buffers: dict[type, list[dict]] = defaultdict(list)
        for index, month in enumerate(self.months()):
            for site in self.sites:
                if site.created > month.replace(day=28) or site.idle[0] <= index < site.idle[1]:
                    continue
                for plan in self.plan_month(site, month):
                    self.screening(site, *plan, buffers)
            for model in (Screening, ScreeningItem, PlayLog, Attendance):
                totals[model] += len(buffers[model])
                self.insert(model, buffers.pop(model, []))
            if month.month == 12 or index == len(self.months()) - 1:
                db.session.commit()
                yield (f"History to {month:%Y-%m}: {totals[Screening]} screenings, "
                       f"{totals[PlayLog]} play logs, {totals[Attendance]} sign-ins.")

    def days(self, month: date) -> list[date]:
        last = _shift(month, 1) - timedelta(days=1)
        return [d for d in (month + timedelta(days=n) for n in range(last.day)) if d < self.today]

    def plan_month(self, site: DemoSite, month: date) -> list[tuple[date, time, str]]:
        """The sessions a site held (or meant to) in a month: (day, start, kind)."""
        rng, days = self.rng, self.days(month)
        if not days:
            return []
        plans = []
        if site.kind == "playback_point":
            if site.profile == "patchy":
                site.state = rng.random() < (0.75 if site.state else 0.4)
            good = site.state if site.profile == "patchy" else rng.random() > 0.03
            for day in (6, 16, 26):
                if day > len(days) or not (good or rng.random() < 0.3):
                    continue
                held_on = day + (1 if rng.random() < 0.08 else 0)  # a day late: not a six-day
                when = days[min(held_on, len(days)) - 1]
                plans.append((when, time(19, 30) if when.weekday() < 5 else time(9), "party"))
            if site.profile == "model":  # a study evening every Tuesday and Friday
                plans += [(d, time(19, 30), "evening") for d in days
                          if d.weekday() in (1, 4) and rng.random() < 0.9]
            if rng.random() < 0.75:
                plans.append((rng.choice(days), time(14), "tech"))
            if rng.random() < 0.3:
                plans.append((rng.choice(days), time(19), "policy"))
        elif site.kind == "center_household":
            chance = {"steady": 0.6, "occasional": 0.25}.get(site.profile, 0.0)
            if rng.random() < chance:
                plans.append((rng.choice(days), time(19), "household"))
        elif site.kind == "demo_household":
            if rng.random() < (0.8 if site.profile == "steady" else 0.35):
                plans.append((rng.choice(days), time(14), "tech"))
        elif site.kind == "local_talent":
            if rng.random() < 0.45:
                plans.append((rng.choice(days), time(14), "talent"))
        elif site.kind == "tech_association":
            if rng.random() < 0.6:
                plans.append((rng.choice(days), time(9), "training"))
        return plans

    def playlist(self, kind: str) -> tuple[list[Film], str, str]:
        rng = self.rng
        if kind in ("party", "evening"):
            count = 3 if kind == "party" else 2
            films = rng.sample(self.pool["party_spirit"], count - 1) + [
                rng.choice(self.pool["theory"] + self.pool["policy_law"])]
            return films, rng.choice(PARTY_TOPICS), "party_members"
        if kind == "policy":
            return [rng.choice(self.pool["policy_law"])], rng.choice(POLICY_TOPICS), "all"
        if kind == "household":
            films = rng.sample(self.pool["乡土教材"] + self.pool["农村实用科技"], rng.randint(1, 2))
            return films, "中心户放映", rng.choice(("villagers", "villagers", "all"))
        topic = rng.choice(list(TECH_TOPICS))
        films = rng.sample(self.pool[topic], min(len(self.pool[topic]), rng.randint(1, 3)))
        return films, TECH_TOPICS[topic], "villagers"

    def screening(self, site: DemoSite, day: date, at: time, kind: str, buffers) -> None:
        rng = self.rng
        films, topic, audience = self.playlist(kind)
        length = sum(f.minutes for f in films) + rng.choice((10, 15, 20, 30))
        starts = self.local(day, at)
        ends = starts + timedelta(minutes=length)
        roll = rng.random()
        status = ("done" if roll < 0.86 else "partial" if roll < 0.93 else
                  "missed" if roll < 0.97 else "cancelled")
        planned_at = starts - timedelta(days=rng.randint(2, 20))
        screening = {**self.synced(planned_at, site.code), "site_id": site.id, "series_id": None,
                     "recurrence_at": None, "starts_at": starts, "ends_at": ends, "topic": topic,
                     "audience": audience, "status": status, "late": False, "edited": False,
                     "notes": None, "status_reason": None, "discussion": None,
                     "attendance_closed": True, "phone_shared": False,
                     "created_by": f"op-{site.code.lower()}"}
        screening["updated_at"] = ends
        buffers[Screening].append(screening)
        for position, film in enumerate(films):
            buffers[ScreeningItem].append({**self.synced(planned_at, site.code),
                                           "screening_id": screening["id"], "position": position,
                                           "title_id": film.id, "media_file_id": film.file_id})
        if status not in HELD:
            return
        moment = starts + timedelta(minutes=rng.randint(0, 5))
        for n, film in enumerate(films):
            seconds = film.minutes * 60.0
            outcome = "completed"
            if status == "partial" and n == len(films) - 1:
                seconds, outcome = round(seconds * rng.uniform(0.2, 0.8)), "stopped"
            buffers[PlayLog].append({**self.synced(moment, site.code), "site_id": site.id,
                                     "screening_id": screening["id"],
                                     "media_file_id": film.file_id, "sha256": film.sha256,
                                     "started_at": moment,
                                     "ended_at": moment + timedelta(seconds=seconds),
                                     "played_s": seconds, "outcome": outcome, "error": None})
            moment += timedelta(seconds=seconds + 5)
        self.sign_ins(site, screening, kind, buffers[Attendance])

    def sign_ins(self, site: DemoSite, screening: dict, kind: str, out: list[dict]) -> None:
        rng = self.rng
        starts = screening["starts_at"]
        people = site.place.people if site.place else [
            p for place in self.by_township.get(site.township, []) for p in place.people]
        if not people:
            return
        if kind in ("party", "evening"):
            expected = [p for p in people if p.party_member]
            came = [p for p in expected if rng.random() < site.turnout]
            present = {p.id for p in came}
            absent = [p for p in expected if p.id not in present]
            came += [p for p in people if p.role == "activist" and rng.random() < 0.2]
        else:
            size = {"household": (2, 6), "tech": (5, 12), "policy": (8, 16), "talent": (4, 9),
                    "training": (8, 18)}[kind]
            came = rng.sample(people, min(len(people), rng.randint(*size)))
            absent = []
        for person in came:
            late = rng.random() < 0.1
            signed = starts + timedelta(minutes=rng.randint(12, 40) if late else -rng.randint(0, 25))
            method = (rng.choice(("kiosk", "kiosk", "phone", "operator"))
                      if site.kind == "playback_point" else "paper")
            out.append({**self.synced(signed, site.code), "screening_id": screening["id"],
                        "person_id": person.id, "method": method,
                        "status": "late" if late else "present", "signed_at": signed,
                        "recorded_by": None if method in ("kiosk", "phone")
                        else f"op-{site.code.lower()}",
                        "device": "kiosk" if method == "kiosk" else None})
        closed = screening["ends_at"] + timedelta(minutes=30)
        for person in absent:
            out.append({**self.synced(closed, site.code), "screening_id": screening["id"],
                        "person_id": person.id, "method": "operator", "status": "absent",
                        "signed_at": closed, "recorded_by": "auto", "device": None})


def _shift(month: date, months: int) -> date:
    index = month.year * 12 + month.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def build_network(*, years: int = 1, scale: float = 1.0,
                  today: date | None = None) -> Iterator[str]:
    """Add the bulk network to the named demo; yields progress lines."""
    named = defaultdict(int, db.session.execute(
        select(Site.kind, func.count(Site.id)).group_by(Site.kind)).all())
    yield from Builder(years=years, scale=scale, today=today, named=named).run()
