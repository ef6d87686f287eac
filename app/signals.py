"""The app's named signals (blinker): a feature announces, others connect in their init_app.

Every signal is sent with the Flask app as its sender, so a receiver connected for one app
(`signal.connect(receiver, sender=app)`) hears only that app's news.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

# A scan of a site's library roots finished: sent with site=Site, before the scan's last commit
# (receivers' changes are committed with it).
scan_finished = _signals.signal("scan-finished")

# A commit changed screenings (planned, moved, cancelled): sent after the commit, so receivers
# read the table as committed.
screenings_changed = _signals.signal("screenings-changed")

# A screening the player played has ended (done or partial): sent with screening_id=UUID after
# the commit of its status, in a fresh app context on the player's thread.
screening_ended = _signals.signal("screening-ended")
