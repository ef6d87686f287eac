"""The network and the day of benchmarks/hub_day.py: the hub's rows before the day (sites,
people, a history of screenings) and each site's bundle of the day, made as a site makes it
(app/sync/export.py: the same codecs, manifest and signature)."""

from __future__ import annotations

import io
import uuid
from datetime import datetime, timedelta

from _common import person_name

DAY_TABLES = ("screenings", "screening_items", "attendance", "play_logs", "terminal_health")


def full_row(table, values: dict) -> dict:
    """Every column of `table`: the given values, else the column's scalar default, else None."""
    row = {}
    for column in table.columns:
        if column.name in values:
            row[column.name] = values[column.name]
        elif column.default is not None and column.default.is_scalar:
            row[column.name] = column.default.arg
        else:
            row[column.name] = None
    return row


def born(origin: str, at: datetime) -> dict:
    return {"id": uuid.uuid4(), "origin_site": origin, "created_at": at, "updated_at": at}


def seed(hub, args, yesterday: datetime) -> list[dict]:
    """The network the hub knows before the day. Returns one dict a site: code, ids, key."""
    from sqlalchemy import insert, select

    from app.extensions import db
    from app.models import MediaFile, Person, Site, SyncPeer, TerminalHealth, Unit
    from app.sync.services import enroll_peer, hub_identity

    with hub.app_context():
        hub_origin = "hub"
        city = {**born(hub_origin, yesterday), "name": "示范市", "kind": "city", "parent_id": None}
        units, sites, people, health = [city], [], [], []
        per_township = -(-args.sites // args.townships)
        for t in range(args.townships):
            township = {**born(hub_origin, yesterday), "name": f"第{t + 1}镇", "kind": "township",
                        "parent_id": city["id"]}
            units.append(township)
            for v in range(per_township):
                n = t * per_township + v
                if n >= args.sites:
                    break
                village = {**born(hub_origin, yesterday), "name": f"{t + 1}镇{v + 1}村",
                           "kind": "village", "parent_id": township["id"]}
                units.append(village)
                code = f"P-{n + 1:04d}"
                site = {**born(hub_origin, yesterday), "code": code, "name": f"{code}播放点",
                        "kind": "playback_point", "unit_id": village["id"]}
                sites.append(full_row(Site.__table__, site))
                for p in range(args.people):
                    people.append(full_row(Person.__table__, {
                        **born(code, yesterday), "name": person_name(p), "pinyin": f"p{p}",
                        "initials": f"i{p}", "pinyin_alt": "", "initials_alt": "",
                        "village_id": village["id"], "party_member": p % 3 == 0}))
                health.append(full_row(TerminalHealth.__table__, {
                    **born(code, yesterday), "site_id": site["id"], "recorded_at": yesterday,
                    "app_version": "0.1.0", "free_disk_bytes": 200 * 10**9,
                    "next_problems": []}))
        media = [full_row(MediaFile.__table__, {
            **born(hub_origin, yesterday), "sha256": f"{i:064x}", "fingerprint": f"fp{i}",
            "size": 10_000_000 + i, "duration_s": 1800.0, "container": "mp4", "tags": {}})
            for i in range(max(args.items, 1) * 4)]
        history = _history(sites, people, media, args, yesterday)
        for model, rows in ((Unit, units), (Site, sites), (MediaFile, media), (Person, people),
                            (TerminalHealth, health), *history):
            for start in range(0, len(rows), 5000):
                db.session.execute(insert(model), rows[start:start + 5000])
        hub_code = hub_identity()
        for site in sites:
            enroll_peer(site["code"])
        db.session.commit()
        # What autovacuum has done on a hub that has been running: the planner knows the sizes.
        db.session.connection().exec_driver_sql("ANALYZE")
        db.session.commit()
        keys = {code: (key, version) for code, key, version in db.session.execute(
            select(SyncPeer.code, SyncPeer.key, SyncPeer.key_version).where(
                SyncPeer.kind == "site"))}
        db.session.remove()
    by_village: dict = {}
    for person in people:
        by_village.setdefault(person["village_id"], []).append(person["id"])
    health_of = {h["site_id"]: h for h in health}
    return [{"code": s["code"], "id": s["id"], "hub": hub_code, "key": keys[s["code"]],
             "people": by_village[s["unit_id"]], "health": health_of[s["id"]],
             "media": media} for s in sites]


def _history(sites: list[dict], people: list[dict], media: list[dict], args,
             before: datetime) -> list[tuple]:
    """The screenings each site held before the day (--history a site), with their playlists,
    sign-ins and play logs: the hub of a running county is not empty."""
    from app.models import Attendance, PlayLog, Screening, ScreeningItem

    by_village: dict = {}
    for person in people:
        by_village.setdefault(person["village_id"], []).append(person["id"])
    screenings, items, signins, logs = [], [], [], []
    for site in sites:
        code = site["code"]
        for n in range(args.history):
            starts = before - timedelta(days=7 * (n + 1), hours=12)
            screening = full_row(Screening.__table__, {
                **born(code, starts), "site_id": site["id"], "starts_at": starts,
                "ends_at": starts + timedelta(hours=1), "topic": f"第{n + 1}讲",
                "status": "done", "attendance_closed": True})
            screenings.append(screening)
            for position in range(args.items):
                file = media[(n + position) % len(media)]
                items.append(full_row(ScreeningItem.__table__, {
                    **born(code, starts), "screening_id": screening["id"],
                    "position": position, "media_file_id": file["id"]}))
                logs.append(full_row(PlayLog.__table__, {
                    **born(code, starts), "site_id": site["id"], "screening_id": screening["id"],
                    "media_file_id": file["id"], "sha256": file["sha256"], "started_at": starts,
                    "ended_at": starts + timedelta(minutes=20), "played_s": 1200.0,
                    "outcome": "completed"}))
            for person in by_village[site["unit_id"]][:args.signins]:
                signins.append(full_row(Attendance.__table__, {
                    **born(code, starts), "screening_id": screening["id"], "person_id": person,
                    "method": "kiosk", "status": "present", "signed_at": starts}))
    return [(Screening, screenings), (ScreeningItem, items), (Attendance, signins),
            (PlayLog, logs)]


def site_day(site: dict, args, day: datetime) -> dict[str, list[dict]]:
    """One site's rows of the day, as its own database holds them (full rows)."""
    code = site["code"]
    starts = day.replace(hour=11, minute=30)  # 19:30 in Shanghai
    screening = {**born(code, starts + timedelta(hours=2)), "site_id": site["id"],
                 "starts_at": starts, "ends_at": starts + timedelta(hours=1, minutes=30),
                 "topic": "果树修剪", "audience": "all", "status": "done",
                 "attendance_closed": True}
    items, logs = [], []
    for position in range(args.items):
        media = site["media"][(hash(code) + position) % len(site["media"])]
        items.append({**born(code, starts - timedelta(hours=2)), "screening_id": screening["id"],
                      "position": position, "media_file_id": media["id"]})
        started = starts + timedelta(minutes=25 * position)
        logs.append({**born(code, started + timedelta(minutes=25)), "site_id": site["id"],
                     "screening_id": screening["id"], "media_file_id": media["id"],
                     "sha256": media["sha256"], "started_at": started,
                     "ended_at": started + timedelta(minutes=25), "played_s": 1500.0,
                     "outcome": "completed"})
    signins = [{**born(code, starts + timedelta(seconds=20 * k)),
                "screening_id": screening["id"], "person_id": person, "method": "kiosk",
                "status": "present", "signed_at": starts + timedelta(seconds=20 * k),
                "recorded_by": "op", "device": "kiosk-1"}
               for k, person in enumerate(site["people"][:args.signins])]
    health = {**site["health"], "recorded_at": starts + timedelta(hours=3),
              "updated_at": starts + timedelta(hours=3), "last_played_at": logs[-1]["ended_at"]
              if logs else None, "free_disk_bytes": 199 * 10**9}
    rows = {"screenings": [screening], "screening_items": items, "attendance": signins,
            "play_logs": logs, "terminal_health": [health]}
    return {name: [full_row(_table(name), r) for r in rows[name]]
            for name in DAY_TABLES}


def _table(name: str):
    from app.extensions import db

    return db.metadata.tables[name]


class _Row:
    """What Codec.encode reads: a row with a `_mapping` (as the export's SELECT gives)."""

    def __init__(self, mapping: dict):
        self._mapping = mapping


def make_bundle(site: dict, rows: dict[str, list[dict]], now: datetime) -> bytes:
    """The site's bundle of the day, made as export_bundle makes it."""
    from app.sync.bundle import write_bundle
    from app.sync.export import LINE
    from app.sync.tables import CODECS

    parts = {}
    for name in DAY_TABLES:
        codec = CODECS[name]
        data = b"".join(LINE.encode(codec.encode(_Row(row))).encode() + b"\n"
                        for row in rows[name])
        parts[name] = (len(rows[name]), data)
    key, version = site["key"]
    manifest = {"kind": "data", "origin": site["code"], "destination": site["hub"],
                "hub": site["hub"], "site": site["code"], "seq": 1, "created": now.isoformat(),
                "watermark": now.isoformat(), "since": None,
                "ack": {"watermark": None, "seq": 0},
                "counts": {name: count for name, (count, _d) in parts.items()},
                "key_version": version}
    out = io.BytesIO()
    write_bundle(out, manifest, parts, key)
    return out.getvalue()
