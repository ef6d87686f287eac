"""The bundle file: a zip of JSON Lines parts and a manifest signed with HMAC-SHA256.

This module knows the format only (docs/sync.md); what goes in and how it is merged live in
export.py and importer.py. Layout of the zip:

    manifest.json        format, version, origin, destination, created, watermarks, counts,
                         and the name, row count, size and SHA-256 of every part
    manifest.sig         hex HMAC-SHA256 of the exact bytes of manifest.json, by the link's key
    rows/<table>.jsonl   one JSON object a line, one line a row

The signature covers the manifest and the manifest covers every part, so one flipped byte
anywhere is found before a row is read.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import os
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field

import orjson

FORMAT = "dianjiao-bundle"
VERSION = 1
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
PART_DIR = "rows/"
MAX_MANIFEST = 1024 * 1024
ZIP_FILE_HEADER = b"PK\x03\x04"
ZIP_EMPTY = b"PK\x05\x06"


class BundleError(Exception):
    """A bundle that cannot be read or trusted; `reason` is a stable code for callers."""

    def __init__(self, reason: str, message: str, detail: object = None):
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.detail = detail


def sign(key: str, data: bytes) -> str:
    return hmac.new(bytes.fromhex(key), data, hashlib.sha256).hexdigest()


def encode_manifest(manifest: dict) -> bytes:
    return json.dumps(manifest, sort_keys=True, ensure_ascii=False, indent=1).encode()


def write_bundle(target: str | io.BytesIO, manifest: dict, parts: dict[str, tuple[int, bytes]],
                 key: str) -> str:
    """Write a signed bundle; return its digest (the SHA-256 of the manifest).

    `parts` maps a table name to (rows, JSON Lines bytes). A file is written to a temporary
    name and renamed, so a power cut leaves either no bundle or a whole one.
    """
    manifest = dict(manifest, format=FORMAT, version=VERSION, parts=[
        {"name": name, "rows": rows, "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
        for name, (rows, data) in parts.items()])
    body = encode_manifest(manifest)
    if isinstance(target, io.BytesIO):
        _write_zip(target, body, sign(key, body), parts)
    else:
        folder = os.path.dirname(os.path.abspath(target))
        fd, tmp = tempfile.mkstemp(prefix=".bundle-", dir=folder)
        try:
            with os.fdopen(fd, "wb") as fh:
                _write_zip(fh, body, sign(key, body), parts)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, target)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
    return hashlib.sha256(body).hexdigest()


def _write_zip(fh, body: bytes, signature: str, parts: dict[str, tuple[int, bytes]]) -> None:
    with zipfile.ZipFile(fh, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        zf.writestr(MANIFEST, body)
        zf.writestr(SIGNATURE, signature)
        for name, (_rows, data) in parts.items():
            zf.writestr(f"{PART_DIR}{name}.jsonl", data)


@dataclass
class Opened:
    """A bundle read but not yet trusted: call verify() before reading its rows."""

    manifest: dict
    body: bytes
    signature: str
    zf: zipfile.ZipFile
    verified: bool = False
    parts: dict[str, bytes] = field(default_factory=dict)

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.body).hexdigest()

    def verify(self, keys: list[str]) -> None:
        """Check the signature with any of `keys`, then every part against the manifest."""
        if not any(hmac.compare_digest(sign(key, self.body), self.signature) for key in keys):
            raise BundleError("signature", "The bundle's signature does not match its site's "
                              "key: it was changed after it was made, or made with another key.")
        self.check_parts()

    def check_parts(self) -> None:
        """Check every part against the manifest's size and SHA-256 of it."""
        listed = {p["name"]: p for p in self.manifest.get("parts", [])}
        for name, part in listed.items():
            data = self._read(f"{PART_DIR}{name}.jsonl")
            if len(data) != part["bytes"] or hashlib.sha256(data).hexdigest() != part["sha256"]:
                raise BundleError("damaged", f"The part {name} of the bundle is not what its "
                                  "manifest says: the file was changed or damaged.")
            self.parts[name] = data  # rows() reads these very bytes, not the file again
        self.verified = True

    def rows(self, name: str) -> Iterator[dict]:
        if not self.verified:
            raise RuntimeError("verify() the bundle before reading its rows")
        for number, line in enumerate(self.parts.get(name, b"").splitlines(), 1):
            if line:
                try:
                    yield orjson.loads(line)
                except orjson.JSONDecodeError as exc:
                    raise BundleError("format", f"Line {number} of the part {name} is not JSON.",
                                      detail=number) from exc

    def _read(self, member: str) -> bytes:
        try:
            return self.zf.read(member)
        except KeyError as exc:
            raise BundleError("damaged", f"The bundle has no {member}: it is incomplete.") from exc
        except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError, RuntimeError,
                NotImplementedError) as exc:  # CRC, cut, a flag flipped
            raise BundleError("damaged", "The bundle is damaged (a part cannot be read); "
                              "copy it again from the sender.") from exc


def open_bundle(source: str | bytes) -> Opened:
    """Open a bundle file (a path or its bytes) and parse its manifest.

    A file that is not a zip, a zip without a manifest, or a manifest that is not Dianjiao's is
    refused as "format" (not a bundle); a bundle cut short or with a bad checksum as "damaged".
    """
    try:
        stream = io.BytesIO(source) if isinstance(source, bytes) else open(source, "rb")  # noqa: SIM115
    except OSError as exc:
        raise BundleError("unreadable", f"Cannot read the bundle: {exc.strerror}.") from exc
    try:
        return _open(stream)
    except BundleError:
        stream.close()
        raise


def _open(stream) -> Opened:
    try:
        zf = zipfile.ZipFile(stream)
        info = zf.getinfo(MANIFEST)
        if info.file_size > MAX_MANIFEST:
            raise BundleError("format", "The file's manifest is too large for a Dianjiao bundle.")
        body = zf.read(MANIFEST)
    except BundleError:
        raise
    except KeyError as exc:
        if _starts_like_a_bundle(stream):  # its directory lost the manifest: damaged
            raise BundleError("damaged", "The bundle's table of contents is damaged.") from exc
        raise BundleError("format", "This zip is not a Dianjiao bundle (no manifest).") from exc
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError, RuntimeError,
            NotImplementedError) as exc:
        if not _starts_like_a_zip(stream):
            raise BundleError("format", "This file is not a zip, so not a Dianjiao bundle."
                              ) from exc
        raise BundleError("damaged", "The file is not a whole bundle: it is truncated or "
                          "damaged. Copy it again from the sender.") from exc
    try:
        manifest = json.loads(body)
    except ValueError as exc:
        raise BundleError("format", "The zip's manifest is not JSON: not a Dianjiao bundle."
                          ) from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BundleError("format", "This file is not a Dianjiao bundle.")
    try:
        signature = zf.read(SIGNATURE).decode("ascii").strip()
    except KeyError as exc:
        raise BundleError("damaged", f"The bundle has no {SIGNATURE}: it is incomplete.") from exc
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError, RuntimeError,
            NotImplementedError) as exc:  # UnicodeDecodeError is a ValueError
        raise BundleError("damaged", "The bundle's signature cannot be read: it is damaged. "
                          "Copy it again from the sender.") from exc
    version = manifest.get("version")
    if not isinstance(version, int) or version > VERSION:
        raise BundleError("version", f"The bundle is in format version {version}, newer than "
                          f"this program reads ({VERSION}). Update Dianjiao, then import it.", version)
    return Opened(manifest=manifest, body=body, signature=signature, zf=zf)


def _head(stream, size: int) -> bytes:
    stream.seek(0)
    return stream.read(size)


def _starts_like_a_zip(stream) -> bool:
    """A zip's first bytes (a file header, or the end record of an empty zip); an empty file
    counts as a zip cut short (a copy that failed), not as another kind of file."""
    head = _head(stream, 4)
    return head in (b"", ZIP_FILE_HEADER, ZIP_EMPTY)


def _starts_like_a_bundle(stream) -> bool:
    """Dianjiao writes the manifest first: a zip opening on it is a bundle, whatever else broke."""
    head = _head(stream, 30 + len(MANIFEST))
    return head[:4] == ZIP_FILE_HEADER and head[30:] == MANIFEST.encode()
