"""The player's heartbeat file: what plays now, written every second, so that the item a killed
process was playing can be logged `stopped` at the next start, with the seconds played."""

from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict
from datetime import datetime

from schedules.items import Item, PlayRecord
from schedules.snapshots import remove

log = logging.getLogger(__name__)


class Heartbeat:
    """Writes and clears one heartbeat file; each write replaces it whole."""

    def __init__(self, path: str) -> None:
        self.path = path

    def write(self, item: Item, screening_id: str | None, started_at: datetime, played_s: float,
              now: datetime) -> None:
        beat = {"item": asdict(item), "screening_id": screening_id,
                "started_at": started_at.isoformat(), "played_s": round(played_s, 3),
                "beat_at": now.isoformat()}
        tmp = f"{self.path}.tmp"
        try:
            with open(tmp, "w", encoding="utf-8") as f:
                json.dump(beat, f, ensure_ascii=False)
            os.replace(tmp, self.path)
        except OSError:
            log.exception("could not write the heartbeat %s", self.path)

    def clear(self) -> None:
        remove(self.path)


def recover_heartbeat(heartbeat_path: str) -> PlayRecord | None:
    """Return the item a killed player was playing as a 'stopped' record, and remove the beat.

    Call it before creating the Player. The record keeps the item's started_at, so a record
    already saved for the same item and start can be recognised as the same play.
    """
    try:
        with open(heartbeat_path, encoding="utf-8") as f:
            beat = json.load(f)
        record = PlayRecord(
            item=Item(**{**beat["item"], "parts": tuple(beat["item"].get("parts", ()))}),
            screening_id=beat["screening_id"],
            started_at=datetime.fromisoformat(beat["started_at"]),
            ended_at=datetime.fromisoformat(beat["beat_at"]),
            played_s=float(beat["played_s"]),
            outcome="stopped",
        )
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError):
        log.warning("ignoring an unreadable heartbeat %s", heartbeat_path)
        record = None
    remove(heartbeat_path)
    return record
