"""Importing a bundle: verify it, then merge every row in one transaction, all or nothing.

The import runs in stages, one module each (after beets' importer): manifest.py checks the
manifest and the link's signature, enrollment.py links a fresh install to its hub, rows.py
merges the rows (claims.py holds a site to its own, playlists.py keeps playlists whole),
watermarks.py moves the link on, and pipeline.py runs them in order.
"""

from __future__ import annotations

from .pipeline import import_bundle
from .state import Refused

__all__ = ["Refused", "import_bundle"]
