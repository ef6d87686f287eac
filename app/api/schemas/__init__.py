"""One marshmallow schema per API resource: it writes the JSON the API answers, checks the
bodies it receives and, through apispec's MarshmallowPlugin, the OpenAPI document
(app/api/spec.py registers COMPONENTS under these names). base.py holds the strict fields and
turns a refused body into one plain 422."""

from __future__ import annotations

from .audit import Audit
from .base import listing
from .catalog import File, Site, Title, TitleIn
from .distribution import (
    Batch,
    BatchIn,
    ConsignIn,
    Consignment,
    Coverage,
    CoverageRow,
    Holder,
    MissingFile,
    Shipment,
    ShipmentDetail,
    ShipmentPatch,
    TownshipLine,
    Whereis,
)
from .people import Attendance, AttendanceIn, Person, PersonIn
from .player import PlayerStatus, QueueIn
from .reports import ReportAlert, ReportCard, ReportRollup
from .screenings import PlayLog, Readiness, Screening, ScreeningIn, ScreeningPatch
from .sync import SyncImport
from .teaching import (
    TeachingPlan,
    TeachingPlanChanged,
    TeachingPlanIn,
    TeachingPlanIssued,
    TeachingPlanPatch,
    TeachingPlanProgress,
)
from .terminals import Terminal

COMPONENTS = {
    "Site": Site, "File": File, "Title": Title, "TitleIn": TitleIn,
    "SiteList": listing(Site), "FileList": listing(File), "TitleList": listing(Title),
    "ScreeningIn": ScreeningIn(), "ScreeningPatch": ScreeningPatch(partial=True),
    "Screening": Screening(), "PlayLog": PlayLog(),
    "ScreeningList": listing(Screening), "PlayLogList": listing(PlayLog),
    "Person": Person, "PersonIn": PersonIn, "Attendance": Attendance,
    "AttendanceIn": AttendanceIn, "PersonList": listing(Person),
    "AttendanceList": listing(Attendance),
    "Batch": Batch, "BatchIn": BatchIn, "ConsignIn": ConsignIn, "Shipment": Shipment,
    "ShipmentPatch": ShipmentPatch, "ShipmentDetail": ShipmentDetail,
    "MissingFile": MissingFile, "Holder": Holder, "TownshipLine": TownshipLine,
    "CoverageRow": CoverageRow, "BatchList": listing(Batch), "ShipmentList": listing(Shipment),
    "Consignment": Consignment, "Whereis": Whereis, "Coverage": Coverage,
    "PlayerStatus": PlayerStatus, "QueueIn": QueueIn, "Readiness": Readiness,
    "Terminal": Terminal, "TerminalList": listing(Terminal),
    "ReportCard": ReportCard, "ReportAlert": ReportAlert, "ReportRollup": ReportRollup,
    "SyncImport": SyncImport,
    "TeachingPlanIn": TeachingPlanIn(), "TeachingPlanPatch": TeachingPlanPatch(partial=True),
    "TeachingPlan": TeachingPlan, "TeachingPlanList": listing(TeachingPlan),
    "TeachingPlanIssued": TeachingPlanIssued, "TeachingPlanChanged": TeachingPlanChanged,
    "TeachingPlanProgress": TeachingPlanProgress, "Audit": Audit,
}
# Written inline in the operations that answer them, as they always were: RatingList
# (reports.py), LoanList (loans.py).
