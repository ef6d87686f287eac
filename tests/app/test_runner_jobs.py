"""While `serve` runs, the runner's jobs follow the screenings table as soon as a change commits,
not at the next minute tick: planned, a job; cancelled, none."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.extensions import db
from app.runner import ScreeningRunner
from app.screenings.single import cancel_screening, create_screening


@pytest.fixture
def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def test_a_screening_planned_or_cancelled_while_serving_changes_the_jobs_at_once(app, make, now):
    app.config.update(PLAYER_SITE="P-001")
    site = make.site("P-001")
    runner = ScreeningRunner(app)
    assert runner.start()
    try:
        assert runner.runner.jobs() == {}
        start = now + timedelta(hours=3)
        screening, _warnings = create_screening(site, starts_at=start,
                                                ends_at=start + timedelta(hours=1), topic="学习",
                                                force=True)
        db.session.commit()
        assert runner.runner.jobs() == {str(screening.id): start}

        cancel_screening(screening)
        db.session.commit()
        assert runner.runner.jobs() == {}
    finally:
        runner.stop()

