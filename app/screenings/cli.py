"""`dianjiao readiness`: check the screenings of the next hours now."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from ..cli_support import emit_json, plain_errors
from ..extensions import db
from ..reasons import show_reason
from .blueprint import bp
from .readiness import AT_RISK, check_upcoming, readiness_dict


@click.command("readiness")
@click.option("--hours", default=24.0, show_default=True, type=click.FloatRange(0, 24 * 31),
              help="Check the screenings starting within this many hours.")
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON on stdout.")
@with_appcontext
@plain_errors
def readiness_command(hours: float, as_json: bool):
    """Run the full readiness check of every screening in the next hours."""
    from tqdm import tqdm

    bar = tqdm(total=0, unit="screening", file=sys.stderr, desc="readiness", disable=None)

    def progress(done: int, total: int) -> None:
        bar.total, bar.n = total, done
        bar.refresh()

    try:
        results = check_upcoming(hours, on_progress=progress)
    finally:
        bar.close()
    db.session.commit()
    rows = [{"id": str(s.id), "site": s.site.code, "starts_at": s.starts_at.isoformat(),
             "topic": s.topic, **readiness_dict(check)} for s, check in results]
    at_risk = sum(1 for r in rows if r["status"] == AT_RISK)
    if as_json:
        emit_json({"checked": len(rows), "ready": len(rows) - at_risk, "at_risk": at_risk,
                   "screenings": rows})
        return
    for row in rows:
        click.echo(f"{row['starts_at']}  {row['site']}  {row['topic']}: {row['status']}")
        for problem in row["problems"]:
            where = f"#{problem['position'] + 1} " if problem["position"] is not None else ""
            click.echo(f"    {where}{show_reason(problem['problem'])}")
    click.echo(f"{len(rows)} screenings checked: {len(rows) - at_risk} ready, {at_risk} at risk.",
               err=True)


bp.cli.add_command(readiness_command)
