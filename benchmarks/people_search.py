"""Roster search over 10,000 people against a real `dianjiao serve` (waitress) on fresh SQLite.

Setup: `dianjiao init`, an admin API token (`dianjiao users token`), 4 townships with 40 villages
(`get_or_make_unit`) and 10,000 people with realistic Chinese names (a surname drawn by its rough
frequency, one or two given-name characters from common ones; seeded), added with the app factory
(`create_person`: pinyin keys computed on save) and committed in batches of 1000.

Then one client on one keep-alive connection sends `GET /api/v1/people?q=...&limit=20` for five
kinds of query, each drawn from the roster (so each finds someone): a surname character (张),
a whole name (张三), a whole name's full pinyin (zhangsan), its initials (zs), and a surname with
the given name's first letter (张s). ~200 requests per kind after a warm-up; p50/p95 per kind.

Baseline, in the same run: the same search done in Python over an in-memory list of the 10,000
(name, pinyin, initials, pinyin_alt, initials_alt) tuples, sorted as the API sorts (initials,
name), with `in` and `str.startswith`, counting all matches and keeping the first 20, as the API
answers `total` and 20 items. Every answer of the server is checked against it (total and names).

    .venv/bin/python benchmarks/people_search.py [--people 10000] [--requests 200]

Goal: p95 < 50 ms per request. Prints human lines, then one JSON line.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import time
from urllib.parse import quote

from _common import REPO, finish, say, workdir
from signin import dianjiao, env_for, free_port, wait_up

SEED = 20261125
LIMIT = 20
BATCH = 1000
GOAL_P95_MS = 50

# Common surnames with rough weights (per mille of the population, rounded), then a few rare and
# two-reading ones (曾 zeng, 单 shan, 解 xie) and compound ones.
SURNAMES = {
    "王": 71, "李": 70, "张": 66, "刘": 54, "陈": 45, "杨": 31, "黄": 22, "赵": 20, "吴": 19,
    "周": 19, "徐": 13, "孙": 12, "马": 12, "朱": 12, "胡": 11, "郭": 11, "何": 10, "高": 10,
    "林": 10, "罗": 9, "郑": 9, "梁": 9, "谢": 8, "宋": 7, "唐": 7, "许": 7, "韩": 6, "冯": 6,
    "邓": 6, "曹": 6, "彭": 6, "曾": 5, "肖": 5, "田": 5, "董": 5, "袁": 5, "潘": 5, "于": 5,
    "蒋": 5, "蔡": 5, "余": 5, "杜": 4, "叶": 4, "程": 4, "苏": 4, "魏": 4, "吕": 4, "丁": 4,
    "任": 4, "沈": 4, "姚": 3, "卢": 3, "姜": 3, "崔": 3, "钟": 3, "谭": 3, "陆": 3, "汪": 3,
    "范": 3, "金": 3, "石": 3, "廖": 3, "贾": 3, "夏": 3, "韦": 3, "付": 3, "方": 3, "白": 3,
    "邹": 3, "孟": 3, "熊": 3, "秦": 3, "邱": 3, "江": 3, "尹": 3, "薛": 2, "闫": 2, "段": 2,
    "雷": 2, "侯": 2, "龙": 2, "史": 2, "陶": 2, "黎": 2, "贺": 2, "顾": 2, "毛": 2, "郝": 2,
    "龚": 2, "邵": 2, "万": 2, "钱": 2, "严": 2, "覃": 2, "武": 2, "戴": 2, "莫": 2, "孔": 2,
    "向": 2, "汤": 2, "单": 1, "解": 1, "欧阳": 1, "司马": 1, "上官": 1,
}
GIVEN = ("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国文玉珍红海志德福春梅金凤"
         "小大三山林云燕宏波辉鹏斌宇浩凯晨欣怡佳婷雪琳晶玲萍荣成永忠新生根水有财宝贵喜庆"
         "树松长顺富兴昌亮光东学民利秋菊莲翠花淑贤慧丹阳俊峰江河安定家保卫振彩")
TOWNSHIPS = {
    "城关镇": ["东村", "西村", "南村", "北村", "柳树湾村", "石桥村", "杨家庄村", "李家沟村",
            "王家坪村", "张家湾村"],
    "河口镇": ["高庄村", "新庄村", "大河村", "小河村", "前进村", "红星村", "胜利村", "和平村",
            "团结村", "光明村"],
    "石门乡": ["青山村", "白沙村", "黄土坡村", "枣林村", "桃园村", "梨树村", "马家岭村",
            "刘家院村", "赵家堡村", "陈家寨村"],
    "新华乡": ["三岔口村", "五里铺村", "十里河村", "双井村", "龙泉村", "凤凰村", "松林村",
            "竹园村", "荷花塘村", "金山村"],
}
KINDS = {  # label, example
    "char": "a surname character (张)",
    "name": "a whole name (张三)",
    "pinyin": "full pinyin (zhangsan)",
    "initials": "initials (zs)",
    "mix": "surname + a letter (张s)",
}


def make_names(count: int, rng: random.Random) -> list[str]:
    surnames, weights = list(SURNAMES), list(SURNAMES.values())
    picked = rng.choices(surnames, weights=weights, k=count)
    return [s + "".join(rng.choice(GIVEN) for _ in range(1 if rng.random() < 0.25 else 2))
            for s in picked]


def add_roster(env: dict, count: int, rng: random.Random) -> list[tuple[str, str, str, str, str]]:
    """Make the townships, villages and people; return the stored search keys of everyone."""
    os.environ.update(env)
    from app import create_app
    from app.extensions import db
    from app.models import Person
    from app.people.services import create_person
    from app.places.services import city, get_or_make_unit

    app = create_app()
    with app.app_context():
        top = city()
        villages = []
        for township, names in TOWNSHIPS.items():
            parent = get_or_make_unit(township, "township", top)
            villages += [get_or_make_unit(name, "village", parent) for name in names]
        db.session.commit()
        names = make_names(count, rng)
        for start in range(0, count, BATCH):
            for name in names[start:start + BATCH]:
                roll = rng.random()
                create_person(name, village=rng.choice(villages),
                              party_member=roll < 0.1,
                              role="cadre" if roll < 0.02 else "member" if roll < 0.1 else "villager")
            db.session.commit()
        rows = db.session.execute(db.select(
            Person.name, Person.pinyin, Person.initials, Person.pinyin_alt, Person.initials_alt)
            .where(Person.active.is_(True))).all()
        db.engine.dispose()
    return sorted((tuple(r) for r in rows), key=lambda r: (r[2], r[0]))


def queries(kind: str, roster: list[tuple], count: int, rng: random.Random) -> list[str]:
    """`count` queries of one kind, each taken from a random person of the roster."""
    from app.text import _syllables

    out = []
    for _ in range(count):
        name, pinyin, initials = rng.choice(roster)[:3]
        surname = name[:2] if name[:2] in SURNAMES else name[0]
        if kind == "char":
            out.append(surname)
        elif kind == "name":
            out.append(name)
        elif kind == "pinyin":
            out.append(pinyin)
        elif kind == "initials":
            out.append(initials)
        else:  # the surname, then the first letter of the given name's first syllable
            given = name[len(surname)]
            out.append(surname + _syllables(given)[0][0])
    return out


def search_in_memory(roster: list[tuple], q: str) -> tuple[int, list[str]]:
    """What `search_people` answers, in plain Python: (total, the first LIMIT names)."""
    from app.text import characters_pattern, query_keys

    text = q.strip()
    full, initials = query_keys(text)
    pattern = characters_pattern(text)  # 张s: 张 then a syllable on s (a LIKE pattern)
    where = re.compile("".join(".*" if c == "%" else "." if c == "_" else re.escape(c)
                               for c in pattern), re.DOTALL) if pattern else None
    total, first = 0, []
    for name, pinyin, ini, pinyin_alt, ini_alt in roster:
        if ((text.lower() in name.lower()
                or (full and (pinyin.startswith(full) or pinyin_alt.startswith(full)))
                or (initials and (ini.startswith(initials) or ini_alt.startswith(initials))))
                and (where is None or where.fullmatch(name))):
            total += 1
            if total <= LIMIT:
                first.append(name)
    return total, first


def percentiles(ms: list[float]) -> dict:
    ms = sorted(ms)
    return {"p50_ms": round(statistics.median(ms), 2),
            "p95_ms": round(ms[int(0.95 * (len(ms) - 1))], 2), "max_ms": round(ms[-1], 2)}


def get(conn: http.client.HTTPConnection, token: str, q: str) -> tuple[float, int, dict]:
    start = time.perf_counter()
    conn.request("GET", f"/api/v1/people?q={quote(q)}&limit={LIMIT}",
                 headers={"Authorization": f"Bearer {token}"})
    response = conn.getresponse()
    body = response.read()
    elapsed = (time.perf_counter() - start) * 1000
    return elapsed, response.status, json.loads(body or b"{}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=200, help="requests per kind of query")
    parser.add_argument("--warmup", type=int, default=20)
    args = parser.parse_args()
    rng = random.Random(SEED)

    root = workdir("people_search")
    instance = root / "instance"
    shutil.rmtree(instance, ignore_errors=True)
    instance.mkdir()
    env = env_for(str(instance))
    dianjiao(env, "init")
    token = dianjiao(env, "users", "token", "admin").strip().splitlines()[-1]
    setup = time.perf_counter()
    roster = add_roster(env, args.people, rng)
    villages = sum(len(v) for v in TOWNSHIPS.values())
    say(f"setup: {len(roster)} people in {villages} villages of {len(TOWNSHIPS)} townships "
        f"in {time.perf_counter() - setup:.1f} s")
    plan = {kind: queries(kind, roster, args.requests, rng) for kind in KINDS}

    # Baseline: the same searches over the in-memory list (best of 3 per query, to be fair to it).
    baseline: dict[str, dict] = {}
    expected: dict[str, tuple[int, list[str]]] = {}
    for kind, qs in plan.items():
        times = []
        for q in qs:
            best = float("inf")
            for _ in range(3):
                start = time.perf_counter()
                answer = search_in_memory(roster, q)
                best = min(best, (time.perf_counter() - start) * 1000)
            times.append(best)
            expected[q] = answer
        baseline[kind] = percentiles(times)
        baseline[kind]["mean_total"] = round(statistics.mean(expected[q][0] for q in qs), 1)

    port = free_port()
    log = open(root / "server.log", "w")
    server = subprocess.Popen(
        [os.path.join(os.path.dirname(sys.executable), "dianjiao"), "serve", "--host", "127.0.0.1",
         "--port", str(port)], env=env, cwd=REPO, stdout=log, stderr=subprocess.STDOUT)
    served: dict[str, dict] = {}
    mismatches: list[dict] = []
    codes: dict[str, int] = {}
    try:
        wait_up(port, server)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        for q in rng.sample([q for qs in plan.values() for q in qs], args.warmup):
            get(conn, token, q)
        for kind, qs in plan.items():
            times = []
            for q in qs:
                elapsed, status, body = get(conn, token, q)
                codes[str(status)] = codes.get(str(status), 0) + 1
                times.append(elapsed)
                got = (body.get("total"), [p["name"] for p in body.get("items", [])])
                if status != 200 or got != expected[q]:
                    mismatches.append({"q": q, "status": status, "total": got[0],
                                       "expected_total": expected[q][0]})
            served[kind] = percentiles(times)
        conn.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()

    say(f"{'kind':<32} {'server p50':>11} {'p95':>9} {'max':>9}   {'in-memory p50':>13} {'p95':>8}"
        f"   {'matches':>8}")
    for kind, label in KINDS.items():
        s, b = served[kind], baseline[kind]
        say(f"{label:<32} {s['p50_ms']:>8.2f} ms {s['p95_ms']:>6.2f} ms {s['max_ms']:>6.2f} ms"
            f"   {b['p50_ms']:>10.2f} ms {b['p95_ms']:>5.2f} ms   {b['mean_total']:>8.1f}")
    worst = max(s["p95_ms"] for s in served.values())
    ok = not mismatches and codes == {"200": args.requests * len(KINDS)}
    say(f"answers: {codes}; same total and names as the in-memory search: "
        f"{len(plan) * args.requests - len(mismatches)}/{len(plan) * args.requests}"
        f"{'' if not mismatches else f' (first mismatch {mismatches[0]})'}")
    say(f"worst p95 {worst:.2f} ms: goal p95 < {GOAL_P95_MS} ms "
        f"{'met' if worst < GOAL_P95_MS else 'NOT met'}")
    finish({"benchmark": "people_search", "database": "sqlite", "people": len(roster),
            "villages": villages, "townships": len(TOWNSHIPS), "requests_per_kind": args.requests,
            "limit": LIMIT, "server": served, "in_memory": baseline, "codes": codes,
            "mismatches": len(mismatches), "ok": ok, "goal_p95_ms": GOAL_P95_MS,
            "p95_goal_met": worst < GOAL_P95_MS})
    if not ok:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
