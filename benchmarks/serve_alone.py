"""`dianjiao ...` with each lean sign-in written and committed alone, for benchmarks/signin.py.

    python benchmarks/serve_alone.py serve --port 5001

The app groups the sign-ins waiting for SQLite's writer into one transaction and one commit
(app/attendance/group_commit.py). Here that is replaced by what it replaced: each sign-in takes
its own turn at the writer for its INSERT and its commit. Only for measuring what grouping gives.
"""

from __future__ import annotations

import sys

from _common import REPO  # noqa: F401  (puts the repository on the import path)

from app.attendance import fast
from app.cli import main as dianjiao
from app.extensions import db, one_writer


def write_alone(write) -> bool:
    with one_writer():
        new = write()
        db.session.commit()
    return new


fast.write_and_commit = write_alone

if __name__ == "__main__":
    sys.argv[0] = "dianjiao"
    dianjiao()
