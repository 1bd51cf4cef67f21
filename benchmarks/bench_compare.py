#!/usr/bin/env python3
"""preserve vs bagit-python 1.9.0 on the same data: wall time, ratio, peak RSS.

    python benchmarks/bench_compare.py [--quick] [--tmpfs | --disk | --both] [--cases big2 single ...]

Generates its collections (under /dev/shm with --tmpfs, the default, or benchmarks/out/ with
--disk), runs ``preserve bag`` / ``preserve verify`` and ``python -m bagit`` (sha256 + sha512,
--processes 2) on the same files in alternation, prints one table, and removes everything it
made. bagit-python bags in place by *moving* files, so it gets a fresh copy of the data before
each of its runs (copied outside the timed region); preserve copies from the source into --out.
This is a benchmark, not a test: nothing here asserts on time.
"""
from __future__ import annotations

import argparse
import compileall
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
MiB = 1 << 20
GiB = 1 << 30

# name: (description, quick scale factor applied to sizes/counts)
CASES = {
    "big2": "2 x 1 GiB files, one release (bagit-python: one bag, 2 processes)",
    "single": "one 2 GiB file, one release (bagit-python cannot split one file)",
    "small": "100 folder releases x 200 files x 4 KiB (bagit-python: one bag of all 20,000)",
    "text": "2,000 one-file text releases of 3 KB (preserve: 2,000 bags; bagit-python: one plain bag)",
    "memflat": "peak RSS of preserve bag for one file of 10 MiB, 1 GiB, 10 GiB (preserve only)",
    "fsync": "durability schemes for 2,000 x 4 KiB copies, in-process (preserve's engine only)",
}
DEFAULT_CASES = ["big2", "single", "small", "text"]
# case -> op -> target ratio preserve/bagit (None: reported, no target)
TARGETS = {
    ("big2", "bag"): 0.95, ("single", "bag"): 0.75,
    ("small", "bag"): 0.5, ("small", "verify"): 0.4,
    ("text", "bag"): 3.0,
    ("small", "bag --identify builtin"): 0.5, ("text", "bag --identify builtin"): 3.0,
}
RSS_LIMIT_MIB = 200
#: cases that also run `preserve bag --identify builtin` (Siegfried's per-file cost, shown apart)
IDENTIFY_BUILTIN_CASES = ("small", "text")

WORDS = ("archive release record fixity bag manifest digest checksum preservation metadata "
         "collection folder payload durable format heritage library museum catalogue item "
         "the of and to in a is that for it as with was on be by this are at from").split()


@dataclass
class Run:
    seconds: float
    rss_mib: float  # the largest single process (getrusage: what `time -v` reports)
    code: int
    rss_sum_mib: float = 0.0  # PSS of all its processes together (shared pages split), sampled every 0.1 s
    cpu: float = 0.0  # user + system seconds of the command and all its processes


@dataclass
class Row:
    case: str
    op: str
    preserve: list[Run] = field(default_factory=list)
    bagit: list[Run] = field(default_factory=list)
    copy_seconds: list[float] = field(default_factory=list)  # the copy bagit-python needs (not timed in)


# A tiny launcher: forked from the (large) benchmark process, it execs a fresh interpreter that
# runs the command and reports wall time and the peak RSS of the command and its children, so the
# benchmark's own memory never counts.
_LAUNCH = (
    "import os, resource, subprocess, sys, threading, time\n"
    "def tree_pss(root):\n"
    "    kids, total = {}, 0\n"
    "    for p in os.listdir('/proc'):\n"
    "        if p.isdigit():\n"
    "            try:\n"
    "                st = open(f'/proc/{p}/stat').read().rsplit(')', 1)[1].split()\n"
    "                kids.setdefault(int(st[1]), []).append(int(p))\n"
    "            except (OSError, IndexError):\n"
    "                pass\n"
    "    todo = [root]\n"
    "    while todo:\n"
    "        pid = todo.pop()\n"
    "        todo += kids.get(pid, [])\n"
    "        try:\n"
    "            for line in open(f'/proc/{pid}/smaps_rollup'):\n"
    "                if line.startswith('Pss:'):\n"
    "                    total += int(line.split()[1])\n"
    "        except (OSError, IndexError, ValueError):\n"
    "            pass\n"
    "    return total\n"
    "t = time.perf_counter()\n"
    "proc = subprocess.Popen(sys.argv[2:], stdout=subprocess.DEVNULL)\n"
    "peak = [0]\n"
    "def sample():\n"
    "    while proc.poll() is None:\n"
    "        peak[0] = max(peak[0], tree_pss(proc.pid))\n"
    "        time.sleep(0.1)\n"
    "threading.Thread(target=sample, daemon=True).start()\n"
    "code = proc.wait()\n"
    "t = time.perf_counter() - t\n"
    "peak_sum = peak[0]\n"
    "usage = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
    "open(sys.argv[1], 'w').write(f'{t} {usage.ru_maxrss} {code} {peak_sum} {usage.ru_utime + usage.ru_stime}')\n"
)


def run(cmd: list[str], cwd: Path | None = None) -> Run:
    """Run a command, return wall time, peak RSS (the process and its children) and exit code."""
    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # both tools run from bytecode, as installed by pip
    fd, report = tempfile.mkstemp(prefix="bench-run-")
    os.close(fd)
    try:
        proc = subprocess.run([sys.executable, "-c", _LAUNCH, report, *cmd], cwd=cwd, env=env,
                              stderr=subprocess.PIPE, check=False)
        seconds, rss_kib, code, sum_kib, cpu = Path(report).read_text().split()
    finally:
        os.unlink(report)
    if int(code) != 0:
        err = proc.stderr.decode("utf-8", "replace").strip()
        print(f"  ! {' '.join(cmd[:4])} ... exit {code}: {err[-300:]}", file=sys.stderr)
    return Run(float(seconds), int(rss_kib) / 1024, int(code), int(sum_kib) / 1024, float(cpu))


# ---------------------------------------------------------------- data

def write_big(path: Path, size: int, seed: int) -> None:
    """size bytes of incompressible data, fast: a random 16 MiB block, each copy tagged."""
    block = bytearray(os.urandom(16 * MiB))
    with open(path, "wb") as f:
        done, i = 0, 0
        while done < size:
            block[:16] = (seed * 1_000_003 + i).to_bytes(16, "little")
            n = min(len(block), size - done)
            f.write(memoryview(block)[:n])
            done += n
            i += 1


def make_case(case: str, root: Path, quick: bool) -> tuple[Path, list[int]]:
    """Create SOURCE for a case; returns it (and for memflat the file sizes)."""
    src = root / "src" / case
    src.mkdir(parents=True)
    if case == "big2":
        size = 128 * MiB if quick else GiB
        (src / "rel").mkdir()
        for k in range(2):
            write_big(src / "rel" / f"part{k}.bin", size, k)
    elif case == "single":
        (src / "rel").mkdir()
        write_big(src / "rel" / "whole.bin", 256 * MiB if quick else 2 * GiB, 7)
    elif case == "small":
        releases = 10 if quick else 100
        for r in range(releases):
            folder = src / f"release-{r:03d}"
            folder.mkdir()
            for k in range(200):
                (folder / f"file-{k:03d}.dat").write_bytes(os.urandom(4096))
    elif case == "text":
        import random
        rnd = random.Random(42)
        for r in range(200 if quick else 2000):
            words, size = [], 0
            while size < 3000:
                w = rnd.choice(WORDS)
                words.append(w)
                size += len(w) + 1
            text = f"Release {r}\n\n" + " ".join(words)[:3000] + "\n"
            (src / f"release-{r:04d}.txt").write_text(text, encoding="utf-8")
    elif case == "fsync":
        for k in range(2000):
            (src / f"f{k:04d}").write_bytes(os.urandom(4096))
    elif case == "memflat":
        sizes = [10 * MiB, 256 * MiB, GiB] if quick else [10 * MiB, GiB, 10 * GiB]
        for s in sizes:
            d = root / "src" / f"memflat-{s}"
            (d / "rel").mkdir(parents=True)
            write_big(d / "rel" / "f.bin", s, s % 97)
            describe(d, case)
        return src, sizes
    describe(src, case)
    return src, []


CONFIG = """organisation = "preserve benchmark"
rights = "In Copyright (http://rightsstatements.org/vocab/InC/1.0/)"
language = "en"
"""


def describe(src: Path, case: str) -> None:
    """What a curator supplies: collection config; for the binary cases a sheet with dc.type/title.

    The text releases get no sheet: their Dublin Core is extracted from the text, as in real use.
    """
    (src / "preserve.toml").write_text(CONFIG, encoding="utf-8")
    if case == "text":
        return
    rows = ["filename,dc.title,dc.type,dc.language"]
    for entry in sorted(os.listdir(src)):
        if entry not in ("preserve.toml", "metadata.csv"):
            rows.append(f"{entry}/,Benchmark {case} {entry},Dataset,en")
    (src / "metadata.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")


def bagit_tree(src: Path, dest: Path) -> None:
    """The same payload files for bagit-python (without preserve's curator files)."""
    shutil.copytree(src, dest, ignore=shutil.ignore_patterns("preserve.toml", "metadata.csv"))


# ---------------------------------------------------------------- runs

def preserve_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "preserve", *args]


def bagit_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "bagit", "--quiet", *args]


def settle(disk: bool) -> None:
    """Outside the timed region: flush writes of the previous step so they are not billed to the next."""
    if disk:
        os.sync()


def bench_case(case: str, root: Path, quick: bool, repeat: int, jobs: int | None, disk: bool) -> list[Row]:
    t0 = time.perf_counter()
    src, sizes = make_case(case, root, quick)
    settle(disk)
    print(f"  {case}: data made in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    jobs_args = ["--jobs", str(jobs)] if jobs else []
    if case == "fsync":
        return bench_fsync(src, root, repeat)
    if case == "memflat":
        rows = []
        for s in sizes:
            row = Row(case, f"bag {s // MiB} MiB")
            out = root / "pout"
            for _ in range(repeat):
                shutil.rmtree(out, ignore_errors=True)
                settle(disk)
                row.preserve.append(run(preserve_cmd("bag", str(root / "src" / f"memflat-{s}"),
                                                     "--out", str(out), "--quiet", *jobs_args)))
            shutil.rmtree(out, ignore_errors=True)
            rows.append(row)
        return rows
    bag_row, verify_row, fast_row = Row(case, "bag"), Row(case, "verify"), Row(case, "verify --fast")
    builtin_row = Row(case, "bag --identify builtin")  # the same, without Siegfried
    pout, bdir = root / "pout", root / "bagit"
    for _ in range(repeat):
        shutil.rmtree(pout, ignore_errors=True)
        shutil.rmtree(bdir, ignore_errors=True)
        settle(disk)
        started = time.perf_counter()
        bagit_tree(src, bdir)                # bagit-python moves files: give it its own copy
        settle(disk)
        bag_row.copy_seconds.append(time.perf_counter() - started)
        if case in IDENTIFY_BUILTIN_CASES:
            builtin_row.preserve.append(run(preserve_cmd("bag", str(src), "--out", str(pout), "--quiet",
                                                         "--identify", "builtin", *jobs_args)))
            shutil.rmtree(pout, ignore_errors=True)
            settle(disk)
        bag_row.preserve.append(run(preserve_cmd("bag", str(src), "--out", str(pout), "--quiet", *jobs_args)))
        settle(disk)
        bag_row.bagit.append(run(bagit_cmd("--sha256", "--sha512", "--processes", "2", str(bdir))))
        settle(disk)
        verify_row.preserve.append(run(preserve_cmd("verify", str(pout), "--quiet", *jobs_args)))
        verify_row.bagit.append(run(bagit_cmd("--validate", "--processes", "2", str(bdir))))
        fast_row.preserve.append(run(preserve_cmd("verify", "--fast", str(pout), "--quiet")))
        fast_row.bagit.append(run(bagit_cmd("--validate", "--fast", str(bdir))))
    shutil.rmtree(pout, ignore_errors=True)
    shutil.rmtree(bdir, ignore_errors=True)
    shutil.rmtree(src, ignore_errors=True)
    if case not in IDENTIFY_BUILTIN_CASES:
        return [bag_row, verify_row, fast_row]
    builtin_row.bagit, builtin_row.copy_seconds = bag_row.bagit, bag_row.copy_seconds
    return [bag_row, builtin_row, verify_row, fast_row]


def _syncfs(path: Path) -> None:
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    fd = os.open(path, os.O_RDONLY)
    try:
        if libc.syncfs(fd) != 0:
            raise OSError(ctypes.get_errno(), "syncfs failed")
    finally:
        os.close(fd)


def bench_fsync(src: Path, root: Path, repeat: int) -> list[Row]:
    """Copy+hash 2,000 small files under several durability schemes (library level, in-process)."""
    sys.path.insert(0, str(REPO))
    from preserve.fixity import copy_and_hash_many

    files = sorted(src.iterdir())
    sizes = [4096] * len(files)

    def fsync_path(p: Path) -> None:
        fd = os.open(p, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    def scheme(name: str) -> float:
        dest = root / "fsync-out"
        shutil.rmtree(dest, ignore_errors=True)
        dest.mkdir()
        os.sync()
        pairs = [(f, dest / f.name) for f in files]
        started = time.perf_counter()
        if name == "none":
            copy_and_hash_many(pairs, ("sha256", "sha512"), fsync=False, sizes=sizes)
        elif name == "engine default: copy all, then fsync all (8 threads)":
            copy_and_hash_many(pairs, ("sha256", "sha512"), fsync=True, sizes=sizes)
        elif name == "each right after writing it (jobs=1)":
            copy_and_hash_many(pairs, ("sha256", "sha512"), fsync=True, jobs=1, sizes=sizes)
        elif name == "all files, then fsync each (2 threads)":
            copy_and_hash_many(pairs, ("sha256", "sha512"), fsync=False, sizes=sizes)
            from concurrent.futures import ThreadPoolExecutor
            with ThreadPoolExecutor(2) as pool:
                list(pool.map(fsync_path, [d for _, d in pairs]))
        elif name == "one syncfs per bag":
            copy_and_hash_many(pairs, ("sha256", "sha512"), fsync=False, sizes=sizes)
            _syncfs(dest)
        fsync_path(dest)  # every scheme: the folder's entries, once
        return time.perf_counter() - started

    rows = []
    for name in ("none", "engine default: copy all, then fsync all (8 threads)", "each right after writing it (jobs=1)",
                 "all files, then fsync each (2 threads)", "one syncfs per bag"):
        row = Row("fsync", name)
        for _ in range(repeat):
            row.preserve.append(Run(scheme(name), 0.0, 0))
        rows.append(row)
    shutil.rmtree(root / "fsync-out", ignore_errors=True)
    return rows


def best(runs: list[Run]) -> Run | None:
    return min(runs, key=lambda r: r.seconds) if runs else None


def _cpu(p: Run | None, b: Run | None) -> str:
    """CPU seconds (user + system, every process) of the best runs, and their ratio: the work
    each tool did, which moves less than wall time when the host lends this machine less of a
    second core."""
    if not p or not p.cpu:
        return "-"
    if not b or not b.cpu:
        return f"{p.cpu:.2f} / -"
    return f"{p.cpu:.2f} / {b.cpu:.2f} ({p.cpu / b.cpu:.2f})"


def table(rows: list[Row], where: str) -> str:
    head = ("| where | case | operation | preserve s | bagit-python s | ratio | target | "
            "ratio vs copy + bagit | CPU s preserve / bagit (ratio) | "
            "preserve peak MiB (RSS largest process / PSS all) | bagit peak MiB (RSS largest / PSS all) |")
    lines = [head, "|" + "---|" * 11]
    for row in rows:
        p, b = best(row.preserve), best(row.bagit)
        ratio = p.seconds / b.seconds if p and b and b.seconds else None
        target = TARGETS.get((row.case, row.op))
        verdict = ""
        if target is not None and ratio is not None:
            verdict = f"≤ {target} {'met' if ratio <= target else 'MISSED'}"
        bad = any(r.code != 0 for r in row.preserve + row.bagit)
        lines.append("| " + " | ".join([
            where, row.case, row.op + (" (exit≠0!)" if bad else ""),
            f"{p.seconds:.2f}" if p else "-", f"{b.seconds:.2f}" if b else "-",
            f"{ratio:.2f}" if ratio is not None else "-", verdict or "-",
            f"{p.seconds / (b.seconds + min(row.copy_seconds)):.2f}" if p and b and row.copy_seconds else "-",
            _cpu(p, b),
            ("-" if not p or not p.rss_mib else
             f"{p.rss_mib:.0f}" + ("" if p.rss_mib < RSS_LIMIT_MIB else " (over 200!)") + f" / {p.rss_sum_mib:.0f}"),
            f"{b.rss_mib:.0f} / {b.rss_sum_mib:.0f}" if b else "-",
        ]) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="small data (about 1/8 size), for a smoke run")
    where = ap.add_mutually_exclusive_group()
    where.add_argument("--tmpfs", dest="where", action="store_const", const="tmpfs", help="data in /dev/shm (default)")
    where.add_argument("--disk", dest="where", action="store_const", const="disk", help="data in benchmarks/out/")
    where.add_argument("--both", dest="where", action="store_const", const="both", help="tmpfs, then disk")
    ap.add_argument("--cases", nargs="+", choices=sorted(CASES), default=DEFAULT_CASES,
                    help=f"default: {' '.join(DEFAULT_CASES)}")
    ap.add_argument("--repeat", type=int, default=1, help="runs per tool, alternating; the best is shown")
    ap.add_argument("--jobs", type=int, default=None, help="preserve --jobs (default: all cores)")
    args = ap.parse_args(argv)
    places = {"tmpfs": ["tmpfs"], "disk": ["disk"], "both": ["tmpfs", "disk"]}[args.where or "tmpfs"]
    # pip compiles an installed package (bagit-python here); compile preserve's checkout alike, so
    # that neither start pays for compiling its sources (PYTHONDONTWRITEBYTECODE would prevent it)
    compileall.compile_dir(str(REPO / "preserve"), quiet=1)
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores; cases {' '.join(args.cases)}"
          f"{' (quick)' if args.quick else ''}", file=sys.stderr)
    tables = []
    for place in places:
        if place == "tmpfs":
            base = Path("/dev/shm")
            if not base.is_dir():
                print("no /dev/shm here; skipping tmpfs", file=sys.stderr)
                continue
        else:
            base = HERE / "out"
            base.mkdir(exist_ok=True)
        root = Path(tempfile.mkdtemp(prefix="preserve-bench-", dir=base))
        rows: list[Row] = []
        try:
            for case in args.cases:
                print(f"[{place}] {case}: {CASES[case]}", file=sys.stderr)
                rows += bench_case(case, root, args.quick, args.repeat, args.jobs, place == "disk")
        finally:
            shutil.rmtree(root, ignore_errors=True)
            if place == "disk":
                try:
                    (HERE / "out").rmdir()
                except OSError:
                    pass
        tables.append(table(rows, place))
        print(tables[-1] + "\n", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
