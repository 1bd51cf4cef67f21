"""Verifying a serialized bag against verifying the same bag as a folder: time and peak memory.

For each size, a bag of that many bytes of payload (one large random file and a few small ones,
made by preserve's BagBuilder with the default algorithms, sha256 and sha512) is written as a
folder and serialized by preserve's writer (tar; also tar.gz and zip with --formats). Each
`verify_bag` runs in a fresh subprocess, warm cache, best of --repeat; peak RSS from os.wait4.
Targets: a tar within ~1.2x of the folder's time; memory flat (< 200 MiB) whatever the size.

    python benchmarks/bench_verify_serialized.py                       # 1024 MiB, tar
    python benchmarks/bench_verify_serialized.py --sizes 1G,4G --formats tar,tar.gz,zip
    python benchmarks/bench_verify_serialized.py --sizes 10G --dir /var/tmp --zeros

--zeros makes the large file of zeros (no random generation; a tar.gz of it would be refused as
a compression bomb, which is the point of the limit). Needs about 3x the size free in --dir.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

UNITS = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
VERIFY = ("import sys; from preserve.verify.checks import verify_bag; r = verify_bag(sys.argv[1]); "
          "print(r.files, r.bytes, [p.code for p in r.problems][:5]); sys.exit(0 if r.ok else 1)")


def parse_size(text: str) -> int:
    text = text.strip().upper().rstrip("IB").rstrip("B")
    return int(float(text[:-1]) * UNITS[text[-1]]) if text[-1] in UNITS else int(text) << 20


def make_source(src: Path, size: int, zeros: bool) -> None:
    src.mkdir(parents=True)
    for i in range(5):
        (src / f"small-{i}.txt").write_text(f"small file {i}\n" * 100)
    with open(src / "large.bin", "wb") as f:
        left = size
        block = bytes(8 << 20) if zeros else b""
        while left > 0:
            n = min(8 << 20, left)
            f.write(block[:n] if zeros else os.urandom(n))
            left -= n


def make_bag(src: Path, dest: Path) -> None:
    from preserve.bag.writer import BagBuilder

    with BagBuilder(dest, ("sha256", "sha512"), fsync=False) as bag:
        bag.add_files([(p.name, p) for p in sorted(src.iterdir())])
        bag.finish([("Source-Organization", "benchmark")])


def serialize(bag: Path, fmt: str) -> Path:
    from preserve.bag.serialize import archive_name, write_archive

    dest = bag.parent / archive_name(bag.name, fmt)
    fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        write_archive(bag, fd, fmt, bag.name)
    finally:
        os.close(fd)
    return dest


def run(path: Path) -> tuple[float, int, int, str]:
    started = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-c", VERIFY, str(path)], stdout=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.monotonic() - started
    out = proc.stdout.read().decode().strip()
    proc.stdout.close()
    return elapsed, usage.ru_maxrss * 1024, os.waitstatus_to_exitcode(status), out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1024M", help="payload sizes, comma-separated (default 1024M)")
    parser.add_argument("--formats", default="tar", help="serializations, comma-separated (tar, tar.gz, zip)")
    parser.add_argument("--dir", default=tempfile.gettempdir(), help="where the bags are made (default: TMPDIR)")
    parser.add_argument("--repeat", type=int, default=2, help="runs per target; the best counts (default 2)")
    parser.add_argument("--zeros", action="store_true", help="the large file is zeros, not random bytes")
    args = parser.parse_args()
    print("| payload | target | file size | verify (s) | ratio to folder | peak RSS (MiB) | exit |")
    print("|---|---|---|---|---|---|---|")
    for size in map(parse_size, args.sizes.split(",")):
        work = Path(tempfile.mkdtemp(prefix="preserve-bench-ser-", dir=args.dir))
        try:
            make_source(work / "src", size, args.zeros)
            bag = work / "bag"
            make_bag(work / "src", bag)
            shutil.rmtree(work / "src")
            targets = [("folder", bag)] + [(fmt, serialize(bag, fmt)) for fmt in args.formats.split(",")]
            base = None
            for label, path in targets:
                best = min((run(path) for _ in range(args.repeat)), key=lambda r: r[0])
                elapsed, rss, code, _ = best
                base = base or elapsed
                on_disk = sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) if path.is_dir() \
                    else path.stat().st_size
                print(f"| {size >> 20} MiB | {label} | {on_disk >> 20} MiB | {elapsed:.2f} | {elapsed / base:.2f} "
                      f"| {rss / (1 << 20):.0f} | {code} |", flush=True)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
