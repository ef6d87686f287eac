"""The demo network's distribution: batches, kits in every status, and the libraries of the
sites that verified theirs (a stage of demo_network.Builder)."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, time, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select

from .extensions import db
from .models import (
    Batch,
    BatchItem,
    BatchManifest,
    FileEntry,
    LibraryRoot,
    Shipment,
    Title,
)

if TYPE_CHECKING:

    from .demo_network import DemoSite, Film


def film_bytes(minutes: int, vcd: bool) -> int:
    """The size of a demo film's file: a VCD's bit rate, or a small MP4's."""
    return minutes * 60 * (176_400 if vcd else 90_000)


def film_ext(film: Film) -> str:
    return "mpg" if film.series == "乡土教材" else "mp4"


class KitsStage:
    """Builder's distribution stage; it uses the Builder's generator, ids and bulk inserts."""

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
        batches, items, files, kits, roots, entries = [], [], [], [], {}, {}
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
            files += [{**self.synced(at), "batch_id": batch["id"], "title_id": f.id,
                       "sha256": f.sha256, "size": film_bytes(f.minutes, f.series == "乡土教材"),
                       "name": f"{f.name}.{film_ext(f)}"} for f in films]
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
        self.insert(BatchManifest, files)
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
            ext = film_ext(film)
            missing = self.rng.random() < 0.02
            entries.append({**self.synced(at, code), "root_id": root_id,
                            "relpath": f"{film.series}/{film.name}.{ext}", "layout": "file",
                            "size": 0, "mtime_ns": int(at.timestamp() * 1e9),
                            "media_file_id": film.file_id, "first_seen": at, "last_seen": at,
                            "missing": missing})
        return entries

    # --- the history -------------------------------------------------------------------------
