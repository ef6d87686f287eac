"""How much one field may hold: the one list used by the API's checks, the OpenAPI document, the
pages' forms and the sync importer.

Text is counted in characters, lists in items. A limit is never above the database column
(String(n)); text kept in unbounded columns (Text, JSON) gets a limit here, so that one request
cannot store a megabyte of notes or make the server resolve a playlist of twenty thousand items.
"""

from __future__ import annotations

# --- text (characters) ---------------------------------------------------------------------------
TITLE_NAME = 200  # a title's name and its producer (titles.name, titles.producer)
SERIES = 100  # a title's series (titles.series)
TOPIC = 200  # a screening's topic (screenings.topic); also a title's topic key
SUMMARY = 4000  # a title's summary
AUDIENCE = 60  # a screening's audience or group name (screenings.audience)
PERSON_NAME = 40  # a person's name in the roster, a walk-in's name
PLACE_NAME = 100  # a township's or a village's name (units.name)
SITE_NAME = 200  # a site's name (sites.name)
SITE_CODE = 32  # a site's code (sites.code)
SITE_KIND = 30  # a site's kind (sites.kind)
CONTACT_NAME = 100  # a site's contact (sites.contact_name)
PHONE = 40  # a phone number as typed (people.phone, sites.contact_phone)
ADDRESS = 300  # a site's address
BATCH_NAME = 200  # a distribution batch's name
RECEIVED_BY = 100  # who signed for a kit (shipments.received_by)
DEVICE = 120  # a sign-in device's label (attendance.device)
NOTES = 4000  # notes of a screening, a plan, a site or a batch
PERSON_NOTES = 500  # notes on a person (people.notes)
LOAN_NOTES = 2000  # notes of a loan
LOAN_ITEM = 200  # the item lent (loans.item)
BORROWER = 60  # the borrower's name (loans.borrower)
DISCUSSION = 20000  # discussion notes and reflections after a screening
RRULE = 500  # a recurring plan's rule (series.rrule)
SHA256 = 64  # a SHA-256 in hex
ID = 36  # a UUID as text
TYPED_LIST = 40_000  # site codes or village names typed into one field, separated by commas
USERNAME = 80  # a user's login name (users.username)
PASSWORD = 200  # a password as typed
QUERY_VALUE = 1000  # one value of a query string (?q=, ?township=, ...)

# --- lists (items) -------------------------------------------------------------------------------
PLAYLIST_ITEMS = 200  # items of one screening's or plan's playlist, or one player queue change
TOPICS = 20  # topics of one title
TITLE_FILES = 200  # files attached to a title at once (sha256: [...])
BATCH_TITLES = 1000  # titles of one batch
SITE_KINDS = 6  # kinds of site named in one consignment (there are six)
CHOSEN_SITES = 5000  # site codes, townships or villages named in one consignment
WALKINS = 50  # walk-in rows saved at once on the roll-call page

# A picture of a screening's evidence in a bundle, as base64 (~375 KB of JPEG at most; a
# screening's pictures are capped lower by EVIDENCE_KB_PER_SCREENING).
EVIDENCE_B64 = 500_000

# --- what the sync importer holds rows to, beyond the size of String(n) columns -----------------
# (table, column): characters of a text column, or items of a list kept as JSON
SYNCED_COLUMNS = {
    ("titles", "summary"): SUMMARY, ("titles", "topics"): TOPICS,
    ("sites", "notes"): NOTES, ("batches", "notes"): NOTES, ("loans", "notes"): LOAN_NOTES,
    ("series", "notes"): NOTES, ("series", "playlist"): PLAYLIST_ITEMS,
    ("screenings", "notes"): NOTES, ("screenings", "discussion"): DISCUSSION,
    ("screening_evidence", "jpeg"): EVIDENCE_B64,
}

# --- requests ------------------------------------------------------------------------------------
OFFSET = 1_000_000_000  # the largest ?offset= of an API list
JSON_DEPTH = 20  # arrays and objects inside each other in one JSON body
