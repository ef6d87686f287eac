"""Sync over HTTP (docs/sync-http.md): the signed pull both ends agree on (signing.py), one
request retried with backoff (exchange.py), a site's push and pull (client.py), and the periodic
job of a site's `dianjiao serve` (job.py).

The bundle is the same as on a USB stick and carries its own HMAC signature, so a push needs no
login.
"""

from __future__ import annotations

from .client import describe, hub_url, pull, push
from .exchange import Reply, Retry, SyncNetError, exchange
from .job import SyncJob, start_job
from .signing import (
    PULL_PATH,
    PUSH_PATH,
    PullRefused,
    check_pull,
    request_signature,
    signed_headers,
)

__all__ = ["PULL_PATH", "PUSH_PATH", "PullRefused", "Reply", "Retry", "SyncJob", "SyncNetError",
           "check_pull", "describe", "exchange", "hub_url", "pull", "push", "request_signature",
           "signed_headers", "start_job"]
