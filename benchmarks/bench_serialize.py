"""Benchmark: serializing a bag folder (tar, tar.gz, zip) against GNU tar and Python's zipfile.

Run: python benchmarks/bench_serialize.py [MIB] [--dir DIR] [--repeat N] [--formats tar tar.gz zip]

Generates a bag folder of MIB MiB (default 1024: half random bytes like compressed media, half
text; a few large files, some middling, many small, an empty folder) under DIR (default the
system temporary folder), warms the page cache, then times, best of --repeat:

- ``tar``:    preserve's serialize_bag vs ``tar cf`` (GNU tar) on the same folder
- ``tar.gz``: serialize_bag (compression on the main thread, and on a second one) vs ``tar czf``
- ``zip``:    serialize_bag vs a plain zipfile loop (``ZipFile.write`` per file, deflate)

without fsync (as tar does) and with it (tar then ``sync FILE``), and prints ratios (target
<= 1.2x). Each serialization runs in its own process, which reports its peak RSS
(``ru_maxrss``) beside that of a process that only imported preserve: memory flat whatever
the size. Not a test: nothing asserts, CI does not run it.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

WORDS = ("the community programme volunteers council funding schools report water housing access "
         "support families local services health training project people city region year").split()

CHILD = r"""
import json, os, resource, sys, time, zipfile
from preserve.bag.serialize import serialize_bag
kind, folder, dest, fsync = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4] == "1"
began = time.perf_counter()
if kind == "idle":
    pass
elif kind == "zipfile":
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as z:
        for root, dirs, files in os.walk(folder):
            dirs.sort()
            for name in sorted(files):
                path = os.path.join(root, name)
                z.write(path, os.path.relpath(path, os.path.dirname(folder)))
    if fsync:
        fd = os.open(dest, os.O_RDONLY); os.fsync(fd); os.close(fd)
else:
    threaded = kind.endswith("-2threads")
    serialize_bag(folder, dest, kind.replace("-2threads", ""), top=os.path.basename(folder), fsync=fsync,
                  threaded=threaded)
elapsed = time.perf_counter() - began
print(json.dumps({"seconds": elapsed, "rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def make_bag(folder: Path, mib: int, seed: int = 7) -> tuple[int, int]:
    """A bag-shaped folder of about mib MiB; returns (bytes, files)."""
    rnd = random.Random(seed)
    text_block = " ".join(rnd.choice(WORDS) for _ in range(200_000)).encode()  # ~1.3 MB of text
    total = mib << 20
    data = folder / "data"
    (data / "empty").mkdir(parents=True)
    sizes: list[int] = []
    big = int(total * 0.6)
    sizes += [big // 8] * 8  # 60% in 8 large files
    middling = int(total * 0.3)
    sizes += [1 << 20] * (middling >> 20)  # 30% in 1 MiB files
    small = total - sum(sizes)
    sizes += [16 << 10] * max(1, small // (16 << 10))  # the rest in 16 KiB files
    written = 0
    for i, size in enumerate(sizes):
        sub = data / f"part{i % 16:02d}"
        sub.mkdir(exist_ok=True)
        with open(sub / f"file{i:05d}.{'bin' if i % 2 else 'txt'}", "wb") as f:
            left = size
            while left:
                n = min(left, 4 << 20)
                if i % 2:
                    f.write(os.urandom(n))
                else:
                    start = rnd.randrange(len(text_block) - n) if n < len(text_block) else 0
                    f.write((text_block * (n // len(text_block) + 1))[start:start + n])
                left -= n
        written += size
    (folder / "bagit.txt").write_text("BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n")
    (folder / "bag-info.txt").write_text(f"Payload-Oxum: {written}.{len(sizes)}\n")
    (folder / "manifest-md5.txt").write_text("")  # the content of tag files does not matter here
    return written, len(sizes)


def warm(folder: Path) -> None:
    """Read every file once, so that every run reads from the page cache."""
    for root, _, files in os.walk(folder):
        for name in files:
            with open(os.path.join(root, name), "rb") as f:
                while f.read(8 << 20):
                    pass


def child(kind: str, folder: Path, dest: Path, fsync: bool) -> dict:
    res = subprocess.run([sys.executable, "-c", CHILD, kind, str(folder), str(dest), "1" if fsync else "0"],
                         capture_output=True, text=True, check=True)
    return json.loads(res.stdout)


def gnu_tar(args: list[str], folder: Path, dest: Path, fsync: bool) -> dict:
    began = time.perf_counter()
    subprocess.run(["tar", *args, str(dest), "-C", str(folder.parent), folder.name], check=True)
    if fsync:
        subprocess.run(["sync", str(dest)], check=True)
    return {"seconds": time.perf_counter() - began, "rss_mib": None}


def best(run, repeat: int, dest: Path) -> dict:
    results = []
    for _ in range(repeat):
        if dest.exists():
            dest.unlink()
        results.append(run())
        size = dest.stat().st_size
    dest.unlink()
    top = min(results, key=lambda r: r["seconds"])
    return {**top, "size": size, "rss_mib": max((r["rss_mib"] or 0) for r in results) or None}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("mib", nargs="?", type=int, default=1024)
    parser.add_argument("--dir", type=Path, default=None, help="where to generate (default: the temp folder)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--formats", nargs="+", default=["tar", "tar.gz", "zip"])
    parser.add_argument("--no-fsync", action="store_true", help="only the runs without fsync")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="preserve-bench-ser-", dir=args.dir))
    try:
        folder = work / "bench-bag"
        began = time.perf_counter()
        size, files = make_bag(folder, args.mib)
        warm(folder)
        print(f"bag: {size / 2**20:.0f} MiB in {files} files (generated in {time.perf_counter() - began:.1f} s), "
              f"in {work}; best of {args.repeat}")
        idle = child("idle", folder, work / "none", False)["rss_mib"]
        print(f"peak RSS of a process that only imported preserve: {idle:.1f} MiB\n")
        print("| case | fsync | preserve s | baseline s | ratio | preserve peak RSS MiB | size MiB (preserve / baseline) |")
        print("|---|---|---|---|---|---|---|")
        cases = {
            "tar": [("tar", "tar", lambda d, s: gnu_tar(["cf"], folder, d, s), "tar cf")],
            "tar.gz": [("tar.gz", "tar.gz", lambda d, s: gnu_tar(["czf"], folder, d, s), "tar czf"),
                       ("tar.gz-2threads", "tar.gz", lambda d, s: gnu_tar(["czf"], folder, d, s), "tar czf")],
            "zip": [("zip", "zip", lambda d, s: child("zipfile", folder, d, s), "zipfile")],
        }
        for fmt in args.formats:
            for kind, suffix, baseline, base_name in cases[fmt]:
                for fsync in ([False] if args.no_fsync else [False, True]):
                    ours_dest, base_dest = work / f"ours.{suffix}", work / f"base.{suffix}"
                    ours = best(lambda: child(kind, folder, ours_dest, fsync), args.repeat, ours_dest)
                    base = best(lambda: baseline(base_dest, fsync), args.repeat, base_dest)
                    print(f"| {kind} vs {base_name} | {'yes' if fsync else 'no'} | {ours['seconds']:.2f} | "
                          f"{base['seconds']:.2f} | {ours['seconds'] / base['seconds']:.2f} | "
                          f"{ours['rss_mib']:.1f} | {ours['size'] / 2**20:.0f} / {base['size'] / 2**20:.0f} |",
                          flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
