"""Merging rows: matched by id (or by their natural key, when the same thing was born on both
sides under two ids). Append-only rows are never doubled; a mutable field goes to the side that
owns it, else to the newer change, the hub winning a tie. Conflicts are logged in sync_conflicts.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable

from flask_babel import gettext as _
from sqlalchemy import Row, and_, select, tuple_, update

from ...extensions import among, db
from ...lookup import chunks
from ...reports import touches as figures
from ..bulk import id_key, insert_rows, set_aside_unchanged
from ..tables import DOWN, SYSTEM, Codec, Spec, field_owner
from .claims import check_claims, held_elsewhere
from .state import Merge, Refused

CHUNK = 1000
WAITING = 50_000  # new rows of a table held back at most, to be written in one go
PROBES = 30  # index probes per row we accept for a natural-key lookup (see match_natural)


def _fk_targets(spec: Spec) -> dict[str, str]:
    return {col.name: next(iter(col.foreign_keys)).column.table.name
            for col in spec.table.columns if col.foreign_keys}


def _merge_row(spec: Spec, local, row: dict, ctx: Merge) -> dict:
    """The changes to make to our row from the incoming one (empty: unchanged)."""
    changes: dict = {}
    newer = row["updated_at"] > local["updated_at"]
    tie = row["updated_at"] == local["updated_at"]
    # A conflict is two changes: ours since the other side last had the row, and theirs since
    # we last had it. A value that differs only because one side changed it is just news.
    both_changed = ((ctx.they_have is None or local["updated_at"] > ctx.they_have)
                    and (ctx.we_have is None or row["updated_at"] > ctx.we_have))
    claim = spec.site_claims[0] if spec.site_claims else None
    claimed = claim is not None and bool(row.get(claim) or local[claim])
    for name, value in row.items():
        if name in SYSTEM:
            continue
        current = local[name]
        if current == value:
            continue
        ranks = spec.ranks.get(name)
        if ranks and ranks.get(value, -1) != ranks.get(current, -1):
            take = ranks.get(value, -1) > ranks.get(current, -1)
            reason, logged = "forward", not take and newer
        else:
            owner = field_owner(spec, name, local["origin_site"], claimed)
            if owner == ctx.incoming:
                take, reason, logged = ctx.fresh or newer or tie, "owned", False
            elif owner is not None:
                take, reason, logged = False, "owned", newer
            else:
                take = newer or (tie and ctx.incoming == "hub")
                reason = "tie" if tie else "newer"
                logged = both_changed
        if logged:
            ctx.conflict(spec.name, local["id"], name, current, value,
                         kept="incoming" if take else "local", reason=reason)
        if take:
            changes[name] = value
    if changes:
        changes["updated_at"] = max(row["updated_at"], local["updated_at"])
    return changes


class _Decoder(Codec):
    """The table's codec, parsing each distinct foreign id once per import.

    A bundle names the same few screenings and people in thousands of sign-ins; parsing a UUID
    is the dearest step of decoding a row.
    """

    def __init__(self, spec: Spec, foreign: Iterable[str]):
        super().__init__(spec.table)
        for name in foreign:
            self.decoders[name] = _remembering(self.decoders[name])


def _remembering(decode: Callable) -> Callable:
    known: dict = {}

    def cached(value):
        if not isinstance(value, str):
            return decode(value)  # None, or a wrong type for decode to refuse
        if value not in known:
            known[value] = decode(value)
        return known[value]

    return cached


def _same(local: Row, row: dict, position: dict[str, int]) -> bool:
    """True when every field the incoming row carries equals ours (timestamps aside)."""
    return all(local[position[name]] == value for name, value in row.items()
               if name not in SYSTEM)


def merge_spec(spec: Spec, lines, ctx: Merge) -> None:
    table = spec.table
    fks = _fk_targets(spec)
    codec = _Decoder(spec, fks)
    position = {column.name: i for i, column in enumerate(table.columns)}
    at_id = position["id"]
    tally = ctx.tallies[spec.name]
    self_ref = spec.name in fks.values()
    seen: set[str] = set()
    sqlite = db.session.get_bind().dialect.name == "sqlite"
    # New rows are written a table at a time: one COPY lets PostgreSQL store rows while more
    # are being sent, where a COPY a chunk waited for the server a hundred times.
    waiting: list[dict] = []
    for chunk in chunks(lines, 1 if self_ref else CHUNK):
        size = len(chunk)
        chunk, here = set_aside_unchanged(table, chunk, ctx.idmap.get(spec.name), seen)
        tally.unchanged += size - len(chunk)
        if not chunk:
            continue
        try:
            rows = [codec.decode(line) for line in chunk]
        except (ValueError, TypeError, AttributeError) as exc:
            raise Refused(_("The bundle has a malformed row in %(table)s: %(error)s.",
                            table=spec.name, error=str(exc))) from exc
        for column, target in fks.items():
            ours = ctx.idmap.get(target)
            if ours:  # rows of `target` known here under another id
                for row in rows:
                    value = row.get(column)
                    if value is not None:
                        row[column] = ours.get(value, value)
        known = ctx.idmap.get(spec.name)
        if known:  # rows this side sent before under their id, matched to ours then
            for row in rows:
                row["id"] = known.get(row["id"], row["id"])
        # Plain rows (tuples), not mappings: reading a chunk is the dearest step of a re-import.
        keys = [id_key(row["id"], sqlite) for row in rows]
        ids = [row["id"] for row, key in zip(rows, keys, strict=True) if key in here]
        found = {r[at_id]: r for r in db.session.execute(
            select(table).where(among(table.c.id, ids))).all()} if ids else {}
        if spec.natural and match_natural(spec, [r for r in rows if r["id"] not in found],
                                           found, ctx):
            keys = [id_key(row["id"], sqlite) for row in rows]  # some are ours now
        away = set()
        if ctx.incoming == "site":
            check_claims(spec, rows, found, ctx)
            away = held_elsewhere(spec, rows, found, ctx)
        inserts, updates = [], []
        for row, key in zip(rows, keys, strict=True):
            if key in seen:
                tally.unchanged += 1
                continue
            seen.add(key)
            local = found.get(row["id"])
            if local is None:
                inserts.append(row)
                continue
            if row["id"] in away:
                continue  # counted as a conflict
            changes = {} if _same(local, row, position) else _merge_row(
                spec, local._mapping, row, ctx)
            if changes:
                updates.append((row["id"], changes))
            else:
                tally.unchanged += 1
        waiting.extend(inserts)
        tally.inserted += len(inserts)
        if waiting and (self_ref or len(waiting) >= WAITING):
            insert_rows(table, waiting)
            waiting = []
        for row_id, changes in updates:
            db.session.execute(update(table).where(table.c.id == row_id).values(**changes))
        if spec.name in figures.TABLES:  # the kept monthly figures, at commit
            figures.rows_merged(spec.name, inserts, [(found[i]._mapping, c) for i, c in updates])
        tally.updated += len(updates)
        _touch(spec, inserts, [found[row_id] for row_id, _c in updates], ctx)
        if not ctx.role.is_site and spec.forward and DOWN in spec.directions:
            ctx.arrivals.extend({"table": spec.name, "row_id": r["id"], "source": ctx.peer.code,
                                 "arrived_at": ctx.now} for r in inserts)
            ctx.arrivals.extend({"table": spec.name, "row_id": i, "source": ctx.peer.code,
                                 "arrived_at": ctx.now} for i, _c in updates)
    if waiting:
        insert_rows(table, waiting)


def _touch(spec: Spec, inserts: list[dict], updated: list, ctx: Merge) -> None:
    """Note the screenings whose rows changed (ctx.touched), for the audit after the import."""
    column = "id" if spec.name == "screenings" else "screening_id"
    if column not in spec.table.c:
        return
    ctx.touched.update(row.get(column) for row in inserts)
    ctx.touched.update(local._mapping[column] for local in updated)


def match_natural(spec: Spec, unknown: list[dict], found: dict, ctx: Merge) -> bool:
    """Rows new by id but known by their natural key: the same thing, under our id.

    Gives those rows our id; returns whether there were any.
    """
    keys = spec.natural
    table = spec.table
    columns = [table.c[k] for k in keys]
    if len(keys) > 1:
        # Most rows new here belong to a parent that has none yet (the sign-ins of a screening
        # held since the last bundle): a probe a parent rules them out before every
        # combination of values is searched.
        parents = list({row.get(keys[0]) for row in unknown} - {None})
        if not parents:
            return False
        held = set(db.session.scalars(select(columns[0]).where(
            among(columns[0], parents)).distinct()))
        unknown = [row for row in unknown if row.get(keys[0]) in held]
    wanted = {tuple(row.get(k) for k in keys): row for row in unknown}
    wanted = {k: v for k, v in wanted.items() if all(part is not None for part in k)}
    if not wanted:
        return False
    # Row values IN a list make SQLite scan the whole table for every chunk. Plain INs, one a
    # column, search the unique index for every combination of their values: few in a usual
    # chunk (a few screenings and many people; one library root and many paths).
    sets = [list({key[i] for key in wanted}) for i in range(len(keys))]
    if math.prod(len(values) for values in sets) <= PROBES * len(wanted):
        where = and_(*(column.in_(values) for column, values in zip(columns, sets, strict=True)))
    else:
        where = tuple_(*columns).in_(list(wanted))
    matched = False
    for local in db.session.execute(select(table).where(where)):
        mapping = local._mapping
        key = tuple(mapping[k] for k in keys)
        row = wanted.get(key)
        if row is None:
            continue
        ctx.idmap[spec.name][row["id"]] = mapping["id"]
        ctx.new_maps.append({"table": spec.name, "remote_id": row["id"],
                             "local_id": mapping["id"]})
        row["id"] = mapping["id"]
        found[mapping["id"]] = local
        matched = True
    return matched
