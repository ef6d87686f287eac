"""All models, importable from one place (Alembic and services use this)."""

from __future__ import annotations

from .audit import AuditCheck, AuditFlag, ScreeningEvidence
from .catalog import FileEntry, LibraryRoot, MediaFile, ScanJob, Title, TitleApproval
from .distribution import Batch, BatchItem, BatchManifest, Shipment
from .figures import ReportStamp, SiteMonth
from .loans import Loan
from .notices import Reflection, Reminder
from .people import Attendance, Person
from .places import Site, Unit
from .screenings import PlayLog, QueueEntry, Screening, ScreeningItem, Series
from .sync import Bundle, SyncArrival, SyncConflict, SyncIdMap, SyncPeer
from .teaching import TeachingPlan, TeachingSession
from .terminals import ReadinessCheck, TerminalHealth
from .users import ApiToken, User

__all__ = [
    "ApiToken", "Attendance", "AuditCheck", "AuditFlag", "Batch", "BatchItem", "BatchManifest",
    "Bundle", "FileEntry", "LibraryRoot", "Loan", "MediaFile", "PlayLog", "Person", "QueueEntry",
    "ReadinessCheck", "Reflection", "Reminder", "ReportStamp", "ScanJob", "Screening",
    "ScreeningEvidence", "ScreeningItem", "Series", "Shipment", "Site", "SiteMonth", "SyncArrival",
    "SyncConflict", "SyncIdMap", "SyncPeer", "TeachingPlan", "TeachingSession", "TerminalHealth",
    "Title", "TitleApproval", "Unit", "User",
]
