"""Framework-free scheduling: recurrence (RRULE), planning checks, the player and the runner.

Filled in by the screenings issue; like media_index it never imports Flask or the app's models.
"""
