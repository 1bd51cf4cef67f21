"""Benchmark: Dublin Core extraction over 2,000 generated ~3 KB releases on one core.

Run: python benchmarks/bench_extract.py [COUNT]. Prints releases/s (target: >= 200).
Process start-up (loading the language model and gazetteer once) is timed separately.
"""
from __future__ import annotations

import os

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")

import random  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

from preserve.config import CollectionConfig  # noqa: E402
from preserve.describe import describe_release  # noqa: E402
from preserve.release import discover  # noqa: E402

PLACES = ["Lisbon", "Nairobi", "Glasgow", "Toronto", "Kenya", "Peru", "Hanoi", "Oslo", "Chile", "Cairo"]
ORGS = ["Open Rivers Trust", "Harbour Workers Union", "Green Valley Council", "Northside Health Cooperative"]
WORDS = ("the community programme volunteers council funding schools report water housing access "
         "support families local services health training project people city region year").split()


def release_text(rng: random.Random) -> str:
    place, other = rng.sample(PLACES, 2)
    org = rng.choice(ORGS)
    day, month, year = rng.randint(1, 28), rng.randint(1, 12), rng.randint(2000, 2024)
    date = rng.choice([f"{day:02d}/{month:02d}/{year}", f"{day} March {year}", f"{year}-{month:02d}-{day:02d}"])
    paras = [f"Press Release\n\n{date}\n\n{org} announces new {rng.choice(WORDS)} plan for {place}\n"]
    while sum(map(len, paras)) < 2800:
        words = " ".join(rng.choice(WORDS) for _ in range(60))
        paras.append(f"Work in {place} and near {other} continues. {words.capitalize()}.")
    paras.append(f"About {org}\n\n{org} is a charity working in {place}.")
    return "\n\n".join(paras) + "\n"


def main(count: int = 2000) -> float:
    rng = random.Random(42)
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp)
        for i in range(count):
            (src / f"release-{i:05d}.txt").write_text(release_text(rng), encoding="utf-8")
        releases = discover(src).releases
        config = CollectionConfig(rights="CC BY 4.0")
        t0 = time.perf_counter()
        describe_release(releases[0], config)  # loads the language model and the gazetteer once
        warm = time.perf_counter() - t0
        t0, c0 = time.perf_counter(), time.process_time()
        for r in releases:
            describe_release(r, config)
        elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
    size = sum(r.size for r in releases) / len(releases)
    rate = count / elapsed
    print(f"{count} releases of ~{size / 1024:.1f} KB: {elapsed:.2f} s wall, {rate:.0f} releases/s; "
          f"{cpu:.2f} s CPU, {count / cpu:.0f} releases/s per CPU second "
          f"(one-off model/gazetteer load {warm:.2f} s)")
    return rate


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000)
