"""Runs of `preserve bag` in a subprocess on a generated SOURCE, and what a killed run may leave."""
from __future__ import annotations

import os
import random
import subprocess
import sys
import time
from pathlib import Path

from preserve.bag.writer import is_staging_name
from preserve.verify.checks import verify_bag

RIGHTS = 'rights = "Public domain (CC0 1.0)"\nlanguage = "en"\n'
PARA = "The committee met on Tuesday to discuss the harbour works and the budget for the coming year. "
POLL = 0.002
RELEASES = 16


def make_source(src: Path, releases: int = RELEASES, big: int = 1 << 20, seed: int = 6) -> Path:
    """A SOURCE whose metadata is valid: text releases, binary ones (described in metadata.csv),
    and folder releases holding a main text and several binary files."""
    rnd = random.Random(seed)
    src.mkdir(parents=True)
    (src / "preserve.toml").write_text(RIGHTS, encoding="utf-8")
    rows = ["filename,dc.language,dc.type"]
    for i in range(releases):
        head = f"Release number {i}\n\nIssued 3 March 2017 by Example Org.\n\n"
        if i % 6 == 0:
            folder = src / f"folder{i:02d}"
            (folder / "sub").mkdir(parents=True)
            (folder / "main.txt").write_text(head + PARA * 5, encoding="utf-8")
            for j in range(3):
                (folder / "sub" / f"data{j}.bin").write_bytes(rnd.randbytes(big))
        elif i % 4 == 1:
            (src / f"blob{i:02d}.bin").write_bytes(rnd.randbytes(2 * big))
            rows.append(f"blob{i:02d}.bin,zxx,Dataset")
        else:
            (src / f"release{i:02d}.txt").write_text(head + PARA * 5, encoding="utf-8")
    (src / "metadata.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return src


def start(src: Path, out: Path, *extra: str) -> subprocess.Popen:
    """A background run in its own process group (it and its worker processes: see freeze)."""
    return subprocess.Popen([sys.executable, "-m", "preserve", "bag", str(src), "--out", str(out), "--quiet", *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)


def run(src: Path, out: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "preserve", "bag", str(src), "--out", str(out), "--quiet", *extra],
                          capture_output=True, text=True, timeout=300)


def bags_in(out: Path) -> list[str]:
    if not out.exists():
        return []
    return sorted(n for n in os.listdir(out) if not n.startswith("."))


def staging_in(out: Path) -> list[str]:
    if not out.exists():
        return []
    return sorted(n for n in os.listdir(out) if is_staging_name(n))


def wait_for(proc: subprocess.Popen, condition, timeout: float = 120) -> bool:
    """Poll until condition() holds (True) or the process ends first (False)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        if condition():
            return True
        time.sleep(POLL)
    raise AssertionError("timed out waiting for the run to reach the kill point")


def assert_only_complete_bags(out: Path, checked: set[str] | None = None) -> None:
    """Every non-hidden entry is a bag that verifies (a bag once checked is not rehashed)."""
    checked = set() if checked is None else checked
    for name in bags_in(out):
        if name in checked:
            continue
        report = verify_bag(out / name)
        assert report.ok, (name, [str(p) for p in report.problems])
        checked.add(name)
    for name in os.listdir(out):
        assert not name.startswith(".") or is_staging_name(name), name  # no lock file: OUT holds bags
