"""Titles, media files (content identities), library roots, file entries and scan jobs."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import Synced, UTCDateTime

SERIES = ("乡土教材", "农村实用科技", "自制片")
TOPICS = (
    "planting",
    "breeding",
    "processing",
    "pest_control",
    "theory",
    "policy_law",
    "party_spirit",
    "exemplars",
)
AUDIENCES = ("all", "party_members", "cadres", "villagers")


class Title(Synced, db.Model):
    __tablename__ = "titles"

    name: Mapped[str] = mapped_column(String(200), index=True)
    name_pinyin: Mapped[str] = mapped_column(String(600), default="")
    name_initials: Mapped[str] = mapped_column(String(200), default="")
    series: Mapped[str | None] = mapped_column(String(100), index=True)
    topics: Mapped[list[str]] = mapped_column(JSON, default=list)
    audience: Mapped[str] = mapped_column(String(30), default="all")
    producer: Mapped[str | None] = mapped_column(String(200))
    year: Mapped[int | None] = mapped_column(Integer)
    summary: Mapped[str | None] = mapped_column(Text)
    approved: Mapped[bool] = mapped_column(Boolean, default=False)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_by: Mapped[str | None] = mapped_column(String(80))
    files: Mapped[list[MediaFile]] = relationship(back_populates="title")


class TitleApproval(Synced, db.Model):
    """A township's approval of a title for its sites (the city's is Title.approved).

    One row a title and township: withdrawing sets `withdrawn_at`, approving again clears it.
    """

    __tablename__ = "title_approvals"
    __table_args__ = (UniqueConstraint("title_id", "unit_id", name="uq_title_approvals"),)

    title_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("titles.id"), index=True)
    title: Mapped[Title] = relationship()
    unit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("units.id"), index=True)
    unit = relationship("Unit")
    approved_by: Mapped[str | None] = mapped_column(String(80))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_by: Mapped[str | None] = mapped_column(String(80))
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class MediaFile(Synced, db.Model):
    """One content identity: the same bytes anywhere are the same MediaFile."""

    __tablename__ = "media_files"

    sha256: Mapped[str | None] = mapped_column(String(64), unique=True)
    fingerprint: Mapped[str] = mapped_column(String(80), index=True)
    size: Mapped[int] = mapped_column(BigInteger)
    duration_s: Mapped[float | None] = mapped_column(Float)
    container: Mapped[str | None] = mapped_column(String(40))
    video_codec: Mapped[str | None] = mapped_column(String(40))
    audio_codec: Mapped[str | None] = mapped_column(String(40))
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    bitrate: Mapped[int | None] = mapped_column(BigInteger)
    tags: Mapped[dict] = mapped_column(JSON, default=dict)
    probe_error: Mapped[str | None] = mapped_column(String(300))
    part: Mapped[str | None] = mapped_column(String(60))
    title_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("titles.id"), index=True)
    title: Mapped[Title | None] = relationship(back_populates="files")
    entries: Mapped[list[FileEntry]] = relationship(back_populates="media_file")


class LibraryRoot(Synced, db.Model):
    __tablename__ = "library_roots"
    __table_args__ = (UniqueConstraint("site_id", "path", name="uq_library_roots_site_path"),)

    site_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("sites.id"), index=True)
    site = relationship("Site")
    path: Mapped[str] = mapped_column(String(1000))
    label: Mapped[str | None] = mapped_column(String(200))
    last_scan_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # What the last scan found but could not index, not being a file ({path, error}, path
    # under the root): a pipe, a dangling link, a link loop. Files that fail have FileEntries.
    walk_errors: Mapped[list | None] = mapped_column(JSON)
    # A root on a removable volume (USB stick, disc): who the volume is (app/catalog/volumes.py)
    # and the root's folder inside it. While the volume is out, `offline_since` is set and its
    # files are offline ("on disc X"), not missing.
    volume_label: Mapped[str | None] = mapped_column(String(200))
    volume_uuid: Mapped[str | None] = mapped_column(String(100), index=True)
    volume_fingerprint: Mapped[str | None] = mapped_column(String(80))
    volume_subpath: Mapped[str | None] = mapped_column(String(1000))
    offline_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    entries: Mapped[list[FileEntry]] = relationship(back_populates="root")

    @property
    def on_volume(self) -> bool:
        return self.volume_subpath is not None


class FileEntry(Synced, db.Model):
    """A file (or DVD title set) seen under a library root."""

    __tablename__ = "file_entries"
    __table_args__ = (UniqueConstraint("root_id", "relpath", name="uq_file_entries_root_path"),)

    root_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("library_roots.id"), index=True)
    root: Mapped[LibraryRoot] = relationship(back_populates="entries")
    relpath: Mapped[str] = mapped_column(String(1000))
    raw_relpath_hex: Mapped[str | None] = mapped_column(Text)
    layout: Mapped[str] = mapped_column(String(10), default="file")
    size: Mapped[int] = mapped_column(BigInteger)
    mtime_ns: Mapped[int] = mapped_column(BigInteger)
    media_file_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("media_files.id"), index=True
    )
    media_file: Mapped[MediaFile | None] = relationship(back_populates="entries")
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime)
    missing: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    error: Mapped[str | None] = mapped_column(String(300))
    # The integrity check (app/catalog/integrity.py): a copy whose bytes no longer hash to its
    # MediaFile's sha256 though its size and mtime are unchanged is damaged, since damaged_at.
    damaged: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    damaged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the last re-hash


class ScanJob(Synced, db.Model):
    """A scan's progress and outcome, written as it runs so a page can poll it."""

    __tablename__ = "scan_jobs"

    site_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("sites.id"), index=True)
    site = relationship("Site")
    status: Mapped[str] = mapped_column(String(20), default="queued")
    quick: Mapped[bool] = mapped_column(Boolean, default=False)
    files_done: Mapped[int] = mapped_column(Integer, default=0)
    files_total: Mapped[int] = mapped_column(Integer, default=0)
    bytes_done: Mapped[int] = mapped_column(BigInteger, default=0)
    bytes_total: Mapped[int] = mapped_column(BigInteger, default=0)
    summary: Mapped[dict | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
    started_by: Mapped[str | None] = mapped_column(String(80))
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
