"""Hostile bags: verify finishes, in bounded memory, and reads nothing outside the bag.

Each case runs ``preserve verify --json`` in a subprocess with a timeout (a hang fails the case)
and an address-space limit, and checks that nothing of a secret file outside the bag reaches
the output.
"""
from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from helpers.paths import REPO
from helpers.faults import MAIN, BILLION_LAUGHS, make_mets_bag, make_plain_bag, rehash, xxe

SECRET = "TOP-SECRET-CONTENT-42"
MEMORY_LIMIT = 1 << 30  # 1 GiB of address space
TIMEOUT = 60  # seconds: far beyond any case's work on a slow machine, so only a hang reaches it


def _limit() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def run_verify(*args: str) -> tuple[int, dict | None, str]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "MALLOC_ARENA_MAX": "2"}
    res = subprocess.run([sys.executable, "-c", "from preserve.cli import main; main()", "verify", "--json",
                          "--jobs", "2", *args], capture_output=True, text=True, timeout=TIMEOUT,
                         preexec_fn=_limit, env=env, cwd=REPO, stdin=subprocess.DEVNULL)
    output = res.stdout + res.stderr
    assert SECRET not in output
    assert "Traceback" not in output and "MemoryError" not in output, output[-2000:]
    try:
        doc = json.loads(res.stdout)
    except ValueError:
        doc = None
    return res.returncode, doc, output


def codes(doc: dict) -> set[tuple[str, str]]:
    return {(p["code"], p["path"]) for b in doc["bags"] for p in b["problems"]}


@pytest.fixture(scope="module")
def plain(tmp_path_factory) -> Path:
    return make_plain_bag(tmp_path_factory.mktemp("hostile-plain"))


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    path = tmp_path / "secret.txt"
    path.write_text(SECRET + "\n")
    return path


@pytest.fixture
def bag(plain: Path, tmp_path: Path, secret: Path) -> Path:
    dest = tmp_path / "bags" / "gamma"
    shutil.copytree(plain, dest, symlinks=True)
    return dest


def test_runner_passes_a_valid_bag(bag: Path) -> None:
    code, doc, _ = run_verify(str(bag))
    assert code == 0 and doc is not None and doc["ok"]


def test_fifo_everywhere_never_blocks(bag: Path) -> None:
    for rel in (MAIN, "bagit.txt", "manifest-sha256.txt", "bag-info.txt"):
        (bag / rel).unlink()
        os.mkfifo(bag / rel)
    os.mkfifo(bag / "data" / "unlisted-fifo")
    code, doc, _ = run_verify(str(bag))
    assert code == 1
    found = codes(doc)
    for rel in (MAIN, "bagit.txt", "manifest-sha256.txt", "bag-info.txt", "data/unlisted-fifo"):
        assert ("special-file", rel) in found


def test_path_traversal_and_absolute_paths_are_never_read(bag: Path, secret: Path) -> None:
    digest = "0" * 64
    with open(bag / "manifest-sha256.txt", "a") as f:
        f.write(f"{digest}  data/../../secret.txt\n{digest}  ../secret.txt\n{digest}  {secret}\n"
                f"{digest}  data/./../../secret.txt\n")
    with open(bag / "tagmanifest-sha256.txt", "a") as f:
        f.write(f"{digest}  ../secret.txt\n{digest}  {secret}\n")
    (bag / "data" / "link").symlink_to(secret)
    (bag / "data" / "linkdir").symlink_to(secret.parent)
    with open(bag / "manifest-sha512.txt", "a") as f:
        f.write("0" * 128 + "  data/linkdir/secret.txt\n")
    code, doc, _ = run_verify(str(bag))
    assert code == 1
    kinds = {c for c, _ in codes(doc)}
    assert {"manifest-unsafe-path", "symlink"} <= kinds
    assert sum(c == "manifest-unsafe-path" for c, _ in codes(doc)) == 6


def test_billion_laughs_and_xxe_in_package_xml(tmp_path: Path, secret: Path) -> None:
    bags = tmp_path / "bags"
    laughs = make_mets_bag(bags / "laughs")
    (laughs / "data" / "rel" / "METS.xml").write_bytes(BILLION_LAUGHS)
    (laughs / "data" / "rel" / "metadata" / "preservation" / "premis.xml").write_bytes(BILLION_LAUGHS)
    rehash(laughs)
    external = make_mets_bag(bags / "xxe")
    (external / "data" / "rel" / "METS.xml").write_bytes(xxe(secret))
    (external / "data" / "rel" / "metadata" / "descriptive" / "dc.xml").write_bytes(xxe(secret))
    rehash(external)
    code, doc, output = run_verify(str(laughs), str(external))
    assert code == 1
    found = codes(doc)
    assert ("mets-malformed", "data/rel/METS.xml") in found
    assert "lollol" not in output


def test_huge_and_sparse_tag_files(bag: Path) -> None:
    with open(bag / "manifest-sha512.txt", "r+b") as f:  # 64 GiB, sparse: rejected by size
        f.truncate(64 << 30)
    with open(bag / "bag-info.txt", "r+b") as f:
        f.truncate(8 << 30)
    with open(bag / "manifest-md5.txt", "wb") as f:  # 600 MiB of NULs on one line: streamed, capped
        f.truncate(600 << 20)
    with open(bag / "manifest-sha1.txt", "wb") as f:  # a million bad lines: reports capped
        f.write(b"zz data/x\n" * 1_000_000)
    code, doc, _ = run_verify(str(bag))
    assert code == 1
    found = codes(doc)
    assert ("tagfile-too-large", "manifest-sha512.txt") in found
    assert ("tagfile-too-large", "bag-info.txt") in found
    assert ("manifest-problems-truncated", "manifest-sha1.txt") in found
    assert len(doc["bags"][0]["problems"]) < 1000


def test_many_unlisted_files_and_deep_folders(bag: Path) -> None:
    deep = bag / "data"
    for i in range(200):
        deep = deep / "d"
    deep.mkdir(parents=True)
    (deep / "deep.txt").write_text("x")
    code, doc, _ = run_verify(str(bag))
    assert code == 1
    assert any(c == "payload-unlisted" and p.endswith("/deep.txt") for c, p in codes(doc))
