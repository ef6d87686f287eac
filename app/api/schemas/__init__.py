"""One marshmallow schema per API resource: it writes the JSON the API answers, checks the
bodies it receives and, through apispec's MarshmallowPlugin, the OpenAPI document
(app/api/spec.py registers COMPONENTS under these names). base.py holds the strict fields and
turns a refused body into one plain 422."""

from __future__ import annotations

from .base import listing
from .catalog import File, Site, Title, TitleIn
from .screenings import PlayLog, Screening, ScreeningIn, ScreeningPatch

COMPONENTS = {
    "Site": Site, "File": File, "Title": Title, "TitleIn": TitleIn,
    "SiteList": listing(Site), "FileList": listing(File), "TitleList": listing(Title),
    "ScreeningIn": ScreeningIn(), "ScreeningPatch": ScreeningPatch(partial=True),
    "Screening": Screening(), "PlayLog": PlayLog(),
    "ScreeningList": listing(Screening), "PlayLogList": listing(PlayLog),
}
