"""Benchmark: an OCFL deposit of a bag folder against ``cp -r`` of the same folder.

Run: python benchmarks/bench_deposit_ocfl.py [MIB] [--dir DIR] [--repeat N]

Makes a bag of about MIB MiB (default 2048: a few large random files, some middling, many small
text ones) with preserve's BagBuilder under DIR (default the system temporary folder), warms the
page cache, then times, best of --repeat, each in its own process:

- ``cp -r BAG DEST`` then ``sync -f DEST`` (cp does not flush; the deposit fsyncs every file)
- ``OcflTarget(ROOT).deposit(bag)`` into a new storage root, given the bag's manifest digests as
  the deposit run passes them after its verification; this includes the proof (every content
  file of the version read back and re-hashed), reported alone too (``proof_s``: the same proof
  run again right after, page cache as warm as during the deposit)

and prints the ratio deposit / (cp + sync) (target <= ~1.2x plus the one verification read), and
each process's peak RSS (``ru_maxrss``) beside that of a process that only imported preserve.
Not a test: nothing asserts, CI does not run it.
"""
from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHILD = r"""
import json, resource, sys, time
from pathlib import Path
kind, bag, dest = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
from preserve.deposit.ocfl import OcflTarget
from preserve.deposit.ocfl_proof import prove_version
from preserve.deposit.target import BagToDeposit
out = {}
if kind == "deposit":
    digests = {}
    for manifest in sorted(bag.glob("manifest-*.txt")):
        algorithm = manifest.stem.split("-", 1)[1]
        for line in manifest.read_text(encoding="utf-8").splitlines():
            digest, _, path = line.partition(" ")
            digests.setdefault(path.strip(), {})[algorithm] = digest
    item = BagToDeposit(path=bag, name=bag.name, identifier=bag.name, digests=digests)
    target = OcflTarget(dest)
    began = time.perf_counter()
    arrival = target.deposit(item)
    out["seconds"] = time.perf_counter() - began
    obj = dest / arrival.location.split(" ")[0].split(str(dest) + "/", 1)[1]
    inv, _ = target._read_inventory(obj, bag.name)
    began = time.perf_counter()
    prove_version([obj], inv, digests)
    out["proof_s"] = time.perf_counter() - began
out["rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(out))
"""


def make_bag(top: Path, mib: int, seed: int = 5) -> Path:
    """A bag of about mib MiB made by BagBuilder from generated sources; its folder."""
    from preserve.bag.writer import BagBuilder

    rnd = random.Random(seed)
    src = top / "src"
    src.mkdir(parents=True)
    budget, files = mib << 20, []
    # many small files and some middling ones (474 MiB), then 256 MiB files up to the size asked
    sizes = [6 << 10] * 2000 + [200 << 10] * 400 + [16 << 20] * 24 + [256 << 20] * (mib // 256 + 1)
    for i, size in enumerate(sizes):
        if budget <= 0:
            break
        size = min(size, budget)
        path = src / f"f{i:05d}.bin"
        with open(path, "wb") as fh:
            left = size
            while left:
                n = min(left, 8 << 20)
                fh.write(rnd.randbytes(n) if i % 2 == 0 else (b"text of a press release " * (n // 24 + 1))[:n])
                left -= n
        files.append((f"rel/{path.name}", path))
        budget -= size
    bag = top / "rel"
    with BagBuilder(bag, ("sha256", "sha512")) as builder:
        builder.add_files(files)
        builder.finish([("External-Identifier", "rel")])
    shutil.rmtree(src)
    return bag


def warm(folder: Path) -> None:
    for path in folder.rglob("*"):
        if path.is_file():
            with open(path, "rb") as fh:
                while fh.read(8 << 20):
                    pass


def child(kind: str, bag: Path, dest: Path) -> dict:
    out = subprocess.run([sys.executable, "-c", CHILD, kind, str(bag), str(dest)], check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out)


def timed_cp(bag: Path, dest: Path) -> float:
    began = time.perf_counter()
    subprocess.run(["cp", "-r", str(bag), str(dest)], check=True)
    subprocess.run(["sync", "-f", str(dest)], check=True)
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mib", nargs="?", type=int, default=2048)
    parser.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()))
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    top = Path(tempfile.mkdtemp(prefix="bench-deposit-", dir=args.dir))
    try:
        bag = make_bag(top, args.mib)
        size = sum(p.stat().st_size for p in bag.rglob("*") if p.is_file())
        count = sum(1 for p in bag.rglob("*") if p.is_file())
        cp, dep, proof, rss = [], [], [], 0.0
        for i in range(args.repeat):
            warm(bag)
            cp.append(timed_cp(bag, top / f"cp{i}"))
            shutil.rmtree(top / f"cp{i}")
            subprocess.run(["sync"], check=True)
            warm(bag)
            result = child("deposit", bag, top / f"root{i}")
            dep.append(result["seconds"])
            proof.append(result["proof_s"])
            rss = max(rss, result["rss_mib"])
            shutil.rmtree(top / f"root{i}")
            subprocess.run(["sync"], check=True)
        idle = child("idle", bag, top / "none")["rss_mib"]
        print(json.dumps({"bag_mib": round(size / (1 << 20)), "files": count, "cp_r_sync_s": round(min(cp), 2),
                          "deposit_s": round(min(dep), 2), "proof_s": round(min(proof), 2),
                          "ratio": round(min(dep) / min(cp), 2),
                          "ratio_without_proof": round((min(dep) - min(proof)) / min(cp), 2),
                          "peak_rss_mib": round(rss), "idle_rss_mib": round(idle)}, indent=2))
    finally:
        shutil.rmtree(top, ignore_errors=True)


if __name__ == "__main__":
    main()
