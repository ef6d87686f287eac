"""Configuration defaults; instance/config.py and DIANJIAO_* environment variables override them."""

from __future__ import annotations

import os
import secrets


class Defaults:
    """Settings every install starts from."""

    ROLE = "hub"  # "hub" or "site"
    SITE = None  # the site code of a site install
    TIMEZONE = "Asia/Shanghai"
    VLC_ARGS = ""
    ADMIN_PASSWORD = None
    # werkzeug's password hashing method; scrypt costs ~0.1 s of CPU a hash and a login, on purpose.
    # The tests use a cheap "pbkdf2:sha256:1000" (every user and login of the suite would cost
    # minutes); one test keeps the default honest.
    PASSWORD_HASH_METHOD = "scrypt"
    LANGUAGES = ("zh", "en")
    BABEL_DEFAULT_LOCALE = "en"
    BABEL_TRANSLATION_DIRECTORIES = os.path.join(os.path.dirname(__file__), "translations")
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_TIME_LIMIT = None
    MAX_CONTENT_LENGTH = 32 * 1024 * 1024
    LOGIN_RATE_LIMIT = "10 per minute"
    # Failed API token (Bearer) attempts per client address; past it, 429 until the window ends.
    TOKEN_RATE_LIMIT = "10 per minute"
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    SCAN_BATCH = 200  # files committed per transaction during a scan
    # Removable volumes (docs/discs.md): the mount table polled by `serve` (every VOLUME_POLL_S
    # seconds), the udev links naming devices (by-uuid, by-label), and the mount points that
    # count as removable besides disc file systems and devices the kernel marks removable.
    VOLUME_MOUNTS = "/proc/mounts"
    VOLUME_DISK_DIR = "/dev/disk"
    VOLUME_PREFIXES = ("/media", "/run/media", "/mnt")
    VOLUME_SYS_BLOCK = "/sys/class/block"
    VOLUME_POLL_S = 5
    COPY_ROOT = None  # where `dianjiao copy` puts kits (default: <instance>/library/<site code>)
    PLAN_AHEAD_DAYS = 90  # recurring plans are materialised this far ahead
    START_GRACE_MIN = 15  # a screening missed while the server was down starts late within this
    PLAYER_SITE = None  # the site whose TV this install's player drives (default: SITE)
    PLAYER_TIMEOUT_S = 10  # the player process is replaced after this long without a heartbeat
    READINESS_FULL_HOURS = 24  # a screening's full readiness check runs this long before it
    READINESS_QUICK_MIN = 30  # and its quick check this long before it
    SIGNIN_OPENS_MIN = 30  # sign-in opens this long before the start...
    SIGNIN_CLOSES_MIN = 30  # ...and closes this long after the end
    LATE_MARGIN_MIN = 10  # signed after the start plus this: late
    # The sign-in's cached rows (token's user, screening, person: app/hotcache.py) are read again
    # after this long, so a change made by another process (a command, another gunicorn worker)
    # is seen within it; a change in this process is seen at once. 0: no cache.
    HOT_CACHE_TTL_S = 2
    QR_ROTATE_S = 30  # the phone sign-in code changes this often
    # A party member's hours of collective study a year, by roster role ("default": any other):
    # 32, and 56 for branch secretaries and committee members (cadres), after the national plan
    # for the education of party members. A month's target is a twelfth.
    STUDY_TARGET_HOURS_YEAR = {"cadre": 56, "default": 32}
    # The monthly report card's quotas per kind of site, {kind: {figure: at least}}; a kind not
    # named takes "default". A flat {figure: at least} applies to every site. study_hours
    # "target": the average of the site's party members' monthly targets (see app/reports/rules.py).
    REPORT_RULES = {
        "playback_point": {"group_sessions": 2, "six_days": 3, "hours": 20,
                           "study_hours": "target"},
        "center_household": {"sessions": 1, "hours": 1},
        "demo_household": {"sessions": 1},
        "station": {},
        "local_talent": {},
        "default": {"sessions": 1},
    }
    IDLE_DAYS = 30  # the dashboard lists a site as idle after this many days without a held screening
    # The five-star rating's criteria and their weights (docs/township.md, "Five-star rating").
    # "plans" (teaching plans followed) counts only where a teaching plan's screening was due
    # that month; elsewhere it is left out and the other weights scaled up.
    # "audit" (screenings held without a confirmed audit flag) counts only where a flag was
    # confirmed that month, so a site with none keeps the score of the other criteria.
    RATING_CRITERIA = {"quotas": 0.4, "coverage": 0.2, "attendance": 0.2, "reporting": 0.2,
                       "audit": 0.2, "plans": 0.2}
    PAGE_SIZE = 50
    # "enforce": a title not approved for a site (by the city, or the site's township) cannot be
    # planned or queued there (422); "warn": it can, with a warning (see app/catalog/approval.py).
    APPROVAL = "enforce"
    HEALTH_EVERY_MIN = 60  # a site's serve records its health this often (and at its start)
    TERMINAL_SILENT_DAYS = 3  # the Terminals page alerts on a site not heard from for this long
    TERMINAL_MIN_FREE_GB = 2  # ... on a site with less free disk than this
    TERMINAL_CLOCK_MAX_MIN = 5  # ... and on a site whose clock is further off the hub's than this
    # The integrity check (docs/integrity.md): serve re-hashes the library at most this fast, so
    # playback from the same disc is not disturbed; files of the next FSCK_SOON_DAYS' screenings
    # are re-checked daily, every other file once a cycle.
    FSCK_MAX_MBPS = 20
    FSCK_CYCLE_DAYS = 30
    FSCK_SOON_DAYS = 7
    FSCK_EVERY_MIN = 15  # serve's check runs this often...
    FSCK_SLICE_MIN = 10  # ...for at most this long (it goes on where it stopped next time)
    SYNC_STALE_DAYS = 14  # the hub flags a site whose last bundle was imported longer ago than this
    SYNC_HUB_URL = None  # on a site: the hub's address (https://hub.example/); set, serve syncs
    SYNC_INTERVAL_MIN = 15  # a site's serve pulls from and pushes to the hub this often
    SYNC_MAX_BUNDLE_MB = 256  # the largest bundle the hub accepts over HTTP (413 above)
    # The audit of a screening (docs/township.md, "Audit"): each flag's threshold.
    AUDIT_SIGNIN_SLACK_MIN = 30  # no_playback: a sign-in this close to the plays is "during"
    AUDIT_SHORT_SHARE = 0.5  # short_playback: played under this share of the planned length
    AUDIT_BURST_SIGNINS = 10  # signin_burst: this many kiosk sign-ins from one device...
    AUDIT_BURST_SECONDS = 20  # ...within this many seconds
    AUDIT_PHONE_PEOPLE = 3  # ... or phone sign-ins of this many people from one device
    AUDIT_BLACK_LEVEL = 16  # frozen_or_black: every snapshot darker than this (0-255 mean)...
    AUDIT_SAME_LEVEL = 2.0  # ...or every two differing by less than this (mean per pixel)
    AUDIT_LATE_PAPER_HOURS = 48  # late_paper: a paper sheet entered this long after the end
    # Evidence: snapshot thumbnails and room photos, small JPEGs that travel in bundles.
    EVIDENCE_THUMB_PX = 320  # a snapshot thumbnail's longer side
    EVIDENCE_PHOTO_PX = 1024  # a room photo's longer side once resized
    EVIDENCE_KB_PER_SCREENING = 600  # all pictures of one screening together at most
    EVIDENCE_UPLOAD_MB = 20  # a photo larger than this is refused before it is read
    SYNC_EVIDENCE_MB = 64  # pictures in one bundle at most; the rest go in the next
    # Proxies in front of the app whose X-Forwarded-For / -Proto to trust (nginx: 1). Behind a
    # proxy every request otherwise comes from its address: one client's failed logins would
    # lock everybody out, and links would say http.
    PROXIES = 0
    # Served over HTTPS (nginx with TLS in front): the browser then sends the session and device
    # cookies over HTTPS only. Leave off for plain http on a site's local network.
    SECURE_COOKIES = False


def secret_key(instance_path: str) -> str:
    """Return the instance's persistent secret key, creating it on first use."""
    path = os.path.join(instance_path, "secret_key")
    try:
        with open(path, encoding="ascii") as fh:
            return fh.read().strip()
    except FileNotFoundError:
        key = secrets.token_hex(32)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(key)
        return key
