"""Titles: create, search, attach files, approve; plain dicts for the API."""

from __future__ import annotations

from collections.abc import Callable

from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import Select, func, select

from .. import limits
from ..auth.scope import visible_sites
from ..errors import Conflict, Invalid, NotFound
from ..extensions import db
from ..lookup import by_id
from ..models import FileEntry, LibraryRoot, MediaFile, Site, Title, User
from ..models.catalog import AUDIENCES, SERIES, TOPICS
from ..text import name_search, pinyin_keys
from .approval import approve_city

MAX_TITLE = limits.TITLE_NAME
FIRST_YEAR, LAST_YEAR = 1950, 2100

def set_name(title: Title, name: str) -> None:
    title.name = name.strip()
    title.name_pinyin, title.name_initials = pinyin_keys(title.name)


def create_title(
    name: str,
    *,
    series: str | None = None,
    topics: list[str] | None = None,
    audience: str = "all",
    approved: bool = False,
    sha256: list[str] | None = None,
    approved_by: str | None = None,
    may_attach: Callable[[MediaFile], bool] = lambda _media: True,
    **extra,
) -> Title:
    """Create a title, attaching the media files whose SHA-256 are given (files without a title
    that `may_attach` allows: the caller's sites hold them)."""
    if not name or not name.strip():
        raise Invalid(_("A title needs a name."))
    if len(name.strip()) > MAX_TITLE:
        raise Invalid(_("A title's name has at most %(n)d characters.", n=MAX_TITLE))
    if len((extra.get("producer") or "").strip()) > MAX_TITLE:
        raise Invalid(_("A producer's name has at most %(n)d characters.", n=MAX_TITLE))
    if series and series not in SERIES:
        raise Invalid(_("The series is one of %(s)s.", s=", ".join(SERIES)))
    year = extra.get("year")
    if year is not None and not FIRST_YEAR <= year <= LAST_YEAR:
        raise Invalid(_("The year is between %(a)d and %(b)d.", a=FIRST_YEAR, b=LAST_YEAR))
    topics = list(topics or [])
    if bad := [str(t) for t in topics if t not in TOPICS]:
        raise Invalid(_("Unknown topics: %(t)s.", t=", ".join(bad)))
    if audience not in AUDIENCES:
        raise Invalid(_("Unknown audience %(a)s.", a=audience))
    files = []
    for digest in sha256 or []:
        media = db.session.scalar(select(MediaFile).where(MediaFile.sha256 == str(digest).lower()))
        if media is None or not may_attach(media):
            raise Invalid(_("No file with SHA-256 %(sha)s in the catalog.", sha=digest))
        if media.title_id is not None:
            raise Conflict(_("The file %(sha)s already belongs to a title; change it on the "
                             "file's page.", sha=digest))
        files.append(media)
    title = Title(series=series or None, topics=topics, audience=audience, **extra)
    set_name(title, name)
    db.session.add(title)
    for media in files:
        media.title = title
    if approved:
        approve(title, approved_by)
    return title


def file_visible(media: MediaFile, user: User | None = None) -> bool:
    """A file is visible to admins, or to anyone whose sites hold a copy of it (`user`: the
    current user unless given)."""
    user = current_user if user is None else user
    if user.role == "admin":
        return True
    sites = visible_sites(user).with_only_columns(Site.id)
    return bool(db.session.scalar(
        select(func.count(FileEntry.id)).join(LibraryRoot).where(
            FileEntry.media_file_id == media.id, LibraryRoot.site_id.in_(sites))))


def approve(title: Title, by: str | None, approved: bool = True) -> None:
    """The city's approval (every site); a township's is approval.approve_township."""
    approve_city(title, by, approved)


def title_or_404(title_id: str) -> Title:
    title = by_id(Title, title_id)
    if title is None:
        raise NotFound(_("No such title."))
    return title


def search_titles(
    *,
    q: str | None = None,
    series: str | None = None,
    topic: str | None = None,
    audience: str | None = None,
    approved: bool | None = None,
    site: Site | None = None,
) -> Select:
    """Return a query of titles matching characters, full pinyin, initials or a mix, and filters."""
    query = select(Title)
    if q and q.strip():
        # 果s: 果 then a syllable on s, so 国审… (also "gs") is not found; keys match anywhere.
        query = query.where(name_search(q, name=Title.name, pinyin=(Title.name_pinyin,),
                                        initials=(Title.name_initials,), anywhere=True))
    if series:
        query = query.where(Title.series == series)
    if topic:
        # JSON arrays are stored as text on both backends; match the quoted element.
        query = query.where(db.cast(Title.topics, db.String).contains(f'"{topic}"'))
    if audience:
        query = query.where(Title.audience == audience)
    if approved is not None:
        query = query.where(Title.approved.is_(approved))
    if site is not None:
        held = (
            select(MediaFile.title_id)
            .join(FileEntry, FileEntry.media_file_id == MediaFile.id)
            .join(LibraryRoot, FileEntry.root_id == LibraryRoot.id)
            .where(LibraryRoot.site_id == site.id, FileEntry.missing.is_(False))
        )
        query = query.where(Title.id.in_(held))
    return query.order_by(Title.name_pinyin)


def holders(title: Title) -> list[tuple[Site, int]]:
    """Return the sites where a file of this title was seen by a scan, with the file count."""
    rows = db.session.execute(
        select(Site, db.func.count(FileEntry.id))
        .join(LibraryRoot, LibraryRoot.site_id == Site.id)
        .join(FileEntry, FileEntry.root_id == LibraryRoot.id)
        .join(MediaFile, FileEntry.media_file_id == MediaFile.id)
        .where(MediaFile.title_id == title.id, FileEntry.missing.is_(False))
        .group_by(Site.id)
        .order_by(Site.code)
    ).all()
    return [(site, count) for site, count in rows]



def edit_title(title: Title, *, name: str, series: str | None, topics: list[str],
               audience: str, producer: str | None, year: int | None,
               summary: str | None) -> None:
    """Change a title as its page's form gives it (the form checked the values)."""
    set_name(title, name)
    title.series = series or None
    title.topics = topics
    title.audience = audience
    title.producer, title.year = producer or None, year
    title.summary = summary or None


def titles_matching(q: str, *, limit: int) -> list[Title]:
    """The first `limit` titles whose name matches `q` (as `search_titles` matches)."""
    return list(db.session.scalars(search_titles(q=q).limit(limit)))


def titles_by_name(limit: int) -> list[Title]:
    """The first `limit` titles in the order of their name's pinyin (a page's pick-list)."""
    return list(db.session.scalars(select(Title).order_by(Title.name_pinyin).limit(limit)))


def title_named(wanted: str) -> Title | None:
    """The title of exactly this name, else of this id, else None."""
    title = db.session.scalar(select(Title).where(Title.name == wanted))
    return title if title is not None else by_id(Title, wanted)


def attach_file(media: MediaFile, wanted: str) -> Title:
    """Attach a file to the title named `wanted` (or of that id)."""
    title = title_named(wanted.strip())
    if title is None:
        raise NotFound(_("No title named %(name)s.", name=wanted.strip()))
    media.title = title
    return title


def unassigned_files(site_ids: list | None, limit: int) -> list[MediaFile]:
    """The oldest `limit` files without a title that a scan saw present at one of `site_ids`
    (at any site when None)."""
    present = (select(FileEntry.media_file_id)
               .join(LibraryRoot, FileEntry.root_id == LibraryRoot.id)
               .where(FileEntry.missing.is_(False)))
    if site_ids is not None:
        present = present.where(LibraryRoot.site_id.in_(site_ids))
    return list(db.session.scalars(
        select(MediaFile).where(MediaFile.title_id.is_(None), MediaFile.id.in_(present))
        .order_by(MediaFile.created_at).limit(limit)))


def holding_sites(files: list[MediaFile], site_ids: list | None) -> dict:
    """For each file (by id), the sites where a scan saw it present, of `site_ids` (any site when
    None), by code."""
    if not files:
        return {}
    query = (select(FileEntry.media_file_id, Site)
             .join(LibraryRoot, FileEntry.root_id == LibraryRoot.id)
             .join(Site, LibraryRoot.site_id == Site.id)
             .where(FileEntry.missing.is_(False),
                    FileEntry.media_file_id.in_([f.id for f in files]))
             .order_by(Site.code))
    if site_ids is not None:
        query = query.where(Site.id.in_(site_ids))
    found: dict = {}
    for media_id, site in db.session.execute(query):
        if site not in found.setdefault(media_id, []):
            found[media_id].append(site)
    return found


def catalog_counts(site_ids: Select) -> dict[str, int]:
    """The home page's numbers: titles, approved titles, distinct files present at the given
    sites, files without a title."""
    files = db.session.scalar(
        select(func.count(func.distinct(FileEntry.media_file_id))).join(LibraryRoot)
        .where(LibraryRoot.site_id.in_(site_ids), FileEntry.missing.is_(False)))
    return {
        "titles": db.session.scalar(select(func.count(Title.id))),
        "approved": db.session.scalar(select(func.count(Title.id)).where(Title.approved)),
        "files": files or 0,
        "unassigned": db.session.scalar(
            select(func.count(MediaFile.id)).where(MediaFile.title_id.is_(None))),
    }
