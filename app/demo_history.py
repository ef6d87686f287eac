"""The demo network's history: `years` of screenings with playlists, proof of play and
sign-ins, with realistic gaps (a stage of demo_network.Builder)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, time, timedelta
from typing import TYPE_CHECKING

from .clock import shift
from .demo_words import (
    PARTY_TOPICS,
    POLICY_TOPICS,
    TECH_TOPICS,
)
from .extensions import db
from .models import (
    Attendance,
    PlayLog,
    Screening,
    ScreeningItem,
)
from .models.screenings import HELD_SCREENINGS

if TYPE_CHECKING:
    from collections.abc import Iterator

    from .demo_network import DemoSite, Film


# The months generated row by row: the last twelve and the one in progress. The years before are
# copies of them in the database (demo_years.copy_earlier_years), minutes instead of hours.
GENERATED = 13


class HistoryStage:
    """Builder's history stage; it uses the Builder's generator, ids and bulk inserts."""

    def months(self) -> list[date]:
        return [shift(self.first_month, n) for n in range(12 * self.years + 1)]

    def make_history(self) -> Iterator[str]:
        self.pool = defaultdict(list)
        for film in self.films:
            for topic in film.topics:
                self.pool[topic].append(film)
            self.pool[film.series].append(film)
        totals = defaultdict(int)
        buffers: dict[type, list[dict]] = defaultdict(list)
        months = self.months()
        for index, month in enumerate(months):
            if index < len(months) - GENERATED:  # earlier years: copied (demo_years)
                continue
            for site in self.sites:
                if site.created > month.replace(day=28) or site.idle[0] <= index < site.idle[1]:
                    continue
                for plan in self.plan_month(site, month):
                    self.screening(site, *plan, buffers)
            for model in (Screening, ScreeningItem, PlayLog, Attendance):
                totals[model] += len(buffers[model])
                self.insert(model, buffers.pop(model, []))
            if month.month == 12 or index == len(months) - 1:
                db.session.commit()
                yield (f"History to {month:%Y-%m}: {totals[Screening]} screenings, "
                       f"{totals[PlayLog]} play logs, {totals[Attendance]} sign-ins.")

    def days(self, month: date) -> list[date]:
        last = shift(month, 1) - timedelta(days=1)
        return [d for d in (month + timedelta(days=n) for n in range(last.day)) if d < self.today]

    def plan_month(self, site: DemoSite, month: date) -> list[tuple[date, time, str]]:
        """The sessions a site held (or meant to) in a month: (day, start, kind)."""
        rng, days = self.rng, self.days(month)
        if not days:
            return []
        plans = []
        share = len(days) / (shift(month, 1) - month).days  # of a month not over: so far
        if site.kind == "playback_point":
            if site.profile == "patchy":
                site.state = rng.random() < (0.75 if site.state else 0.4)
            good = site.state if site.profile == "patchy" else rng.random() > 0.03
            for day in (6, 16, 26):
                if day > len(days) or not (good or rng.random() < 0.3):
                    continue
                held_on = day + (1 if rng.random() < 0.03 else 0)  # a day late: not a six-day
                when = days[min(held_on, len(days)) - 1]
                plans.append((when, time(19, 30) if when.weekday() < 5 else time(9), "party"))
            if site.profile == "model":  # a study evening every Tuesday and Friday
                plans += [(d, time(19, 30), "evening") for d in days
                          if d.weekday() in (1, 4) and rng.random() < 0.9]
            if rng.random() < 0.75:
                plans.append((rng.choice(days), time(14), "tech"))
            if rng.random() < 0.3:
                plans.append((rng.choice(days), time(19), "policy"))
            # the daily programme of the terminal, films for whoever drops in on the days free of
            # other sessions: some twenty hours a month where it is kept up (the county's quota)
            low, high = {"model": (9, 11), "steady": (7, 9)}.get(
                site.profile, (7, 9) if good else (1, 4))
            free = [d for d in days if d not in {plan[0] for plan in plans}]
            count = min(len(free), round(rng.randint(low, high) * share))
            plans += [(day, time(15), "daily") for day in sorted(rng.sample(free, count))]
        elif site.kind == "center_household":
            chance = {"steady": 0.92, "occasional": 0.5}.get(site.profile, 0.0)
            if rng.random() < chance * share:
                plans.append((rng.choice(days), time(19), "household"))
        elif site.kind == "demo_household":
            if rng.random() < {"steady": 0.92, "occasional": 0.6}.get(site.profile, 0.0) * share:
                plans.append((rng.choice(days), time(14), "tech"))
        elif site.kind == "local_talent":
            if rng.random() < 0.45 * share:
                plans.append((rng.choice(days), time(14), "talent"))
        elif site.kind == "tech_association":
            if rng.random() < 0.85 * share:
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
            films = rng.sample(self.pool["乡土教材"] + self.pool["农村实用科技"], rng.randint(2, 4))
            return films, "中心户放映", rng.choice(("villagers", "villagers", "all"))
        if kind == "daily":
            films = rng.sample(self.pool["乡土教材"] + self.pool["农村实用科技"], rng.randint(3, 5))
            return films, "日常播放", "villagers"
        topic = rng.choice(list(TECH_TOPICS))
        films = rng.sample(self.pool[topic], min(len(self.pool[topic]), rng.randint(1, 3)))
        return films, TECH_TOPICS[topic], "villagers"

    def screening(self, site: DemoSite, day: date, at: time, kind: str, buffers) -> None:
        rng = self.rng
        films, topic, audience = self.playlist(kind)
        length = sum(f.minutes for f in films) + rng.choice((10, 15, 20, 30))
        starts = self.local(day, at)
        ends = starts + timedelta(minutes=length)
        roll = rng.random() * (0.96 if kind == "party" else 1.0)  # party days: rarely missed
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
        if status not in HELD_SCREENINGS:
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
            size = {"daily": (0, 2), "household": (2, 6), "tech": (5, 12), "policy": (8, 16),
                    "talent": (4, 9), "training": (8, 18)}[kind]
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
