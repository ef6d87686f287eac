"""Benchmark the integrity check's re-hash against OpenSSL on one warm file, and its MB/s cap.

Figures: `rehash` uncapped vs `openssl dgst -sha256` on the same file (goal >= 0.9x: the check
costs no more than hashing itself), a video inside an ISO image (read through its byte range),
and `rehash` with a cap (goal: within 10 % of the cap, never above it by more than 5 %).
Run from the repo root: `.venv/bin/python benchmarks/fsck.py [--size-mb 512] [--cap-mb-s 100]`.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
import time

import _common
from _common import best_of, finish, say, workdir
from hashing import CHUNK, make_file, run, warm

from media_index.integrity import OK, Pacer, rehash


def iso_of(folder, big, size_mb: int):
    """An ISO 9660 image holding the big file as a VCD track (genisoimage), or None."""
    image = folder / f"vcd-{size_mb}m.iso"
    if image.exists():
        return image
    src = folder / "vcd-src" / "MPEGAV"
    src.mkdir(parents=True, exist_ok=True)
    track = src / "AVSEQ01.DAT"
    if not track.exists():
        os.link(big, track)
    try:
        subprocess.run(["genisoimage", "-quiet", "-o", str(image), str(src.parent)], check=True)
    except (OSError, subprocess.CalledProcessError):
        return None
    return image


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size-mb", type=int, default=512, help="file size (MiB)")
    parser.add_argument("--cap-mb-s", type=float, default=100, help="the capped run's MB/s")
    parser.add_argument("--cap-mb", type=int, default=200, help="MB read by the capped run")
    parser.add_argument("--runs", type=int, default=3, help="best of N")
    args = parser.parse_args()
    folder = workdir("fsck")
    size = args.size_mb * CHUNK
    big = make_file(folder / f"big-{args.size_mb}m.bin", size)
    warm([big])
    st = os.stat(big)
    with open(big, "rb") as f:
        sha = hashlib.file_digest(f, "sha256").hexdigest()
    mb = size / 1e6

    def check(parts, length=size, mtime=st.st_mtime_ns) -> None:
        verdict = rehash(parts, size=length, mtime_ns=mtime, sha256=sha)
        assert verdict.status == OK, verdict

    openssl = best_of(args.runs, lambda: run(["openssl", "dgst", "-sha256", str(big)]))
    say(f"openssl dgst -sha256   {args.size_mb} MiB: {openssl:.3f} s  {mb / openssl:.0f} MB/s")
    ours = best_of(args.runs, lambda: check([big]))
    ratio = openssl / ours
    say(f"rehash, no cap         {args.size_mb} MiB: {ours:.3f} s  {mb / ours:.0f} MB/s  "
        f"= {ratio:.2f}x OpenSSL (goal >= 0.9)")

    in_image = None
    image = iso_of(folder, big, args.size_mb)
    if image is not None:
        warm([image])
        part = os.fsencode(image) + b"!/MPEGAV/AVSEQ01.DAT"
        in_image = best_of(args.runs, lambda: check([part], mtime=os.stat(image).st_mtime_ns))
        say(f"rehash, inside an ISO  {args.size_mb} MiB: {in_image:.3f} s  "
            f"{mb / in_image:.0f} MB/s")

    capped_size = min(size, args.cap_mb * 10**6)
    capped_file = make_file(folder / f"capped-{args.cap_mb}m.bin", capped_size)
    warm([capped_file])
    cst = os.stat(capped_file)
    with open(capped_file, "rb") as f:
        capped_sha = hashlib.file_digest(f, "sha256").hexdigest()
    started = time.monotonic()
    verdict = rehash([capped_file], size=capped_size, mtime_ns=cst.st_mtime_ns,
                     sha256=capped_sha, pacer=Pacer(args.cap_mb_s))
    took = time.monotonic() - started
    assert verdict.status == OK
    rate = capped_size / 1e6 / took
    say(f"rehash, cap {args.cap_mb_s:g} MB/s  {capped_size / 1e6:.0f} MB: {took:.3f} s  "
        f"{rate:.1f} MB/s = {rate / args.cap_mb_s:.2f}x the cap (goal 0.9-1.05)")
    finish({
        "benchmark": "fsck",
        "cpus": os.cpu_count(),
        "python": sys.version.split()[0],
        "size_mib": args.size_mb,
        "openssl_s": round(openssl, 4),
        "openssl_mb_s": round(mb / openssl),
        "rehash_s": round(ours, 4),
        "rehash_mb_s": round(mb / ours),
        "ratio_to_openssl": round(ratio, 3),
        "ratio_goal": 0.9,
        "rehash_in_iso_mb_s": round(mb / in_image) if in_image else None,
        "cap_mb_s": args.cap_mb_s,
        "capped_mb_s": round(rate, 2),
        "ok": ratio >= 0.9 and 0.9 <= rate / args.cap_mb_s <= 1.05,
    })


if __name__ == "__main__":
    assert _common.REPO
    main()
