"""Plain-English reasons for operating-system errors."""

from __future__ import annotations

import errno

_BY_ERRNO = {
    errno.ENOENT: "file not found (it vanished during the scan?)",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.ELOOP: "symbolic link loop",
    errno.EIO: "input/output error (damaged disc or failing drive?)",
    errno.EISDIR: "is a directory",
    errno.ENOTDIR: "not a directory",
    errno.ENAMETOOLONG: "file name too long",
}


def os_error_reason(exc: OSError) -> str:
    """Turn an OSError into a short user-facing reason."""
    if exc.errno in _BY_ERRNO:
        return _BY_ERRNO[exc.errno]
    if exc.strerror:
        return exc.strerror[0].lower() + exc.strerror[1:]
    return str(exc) or type(exc).__name__


def read_error_reason(exc: OSError) -> str:
    """Reason for a file that could not be opened or read."""
    reason = os_error_reason(exc)
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "cannot read file: permission denied"
    return reason
