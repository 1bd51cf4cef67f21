"""The catalogue of bad inputs: each one is a clear one-line message, never a traceback.

Every case runs ``python -m preserve`` in a subprocess on a fresh SOURCE and asserts: the exit
code (2 usage/input, 1 invalid metadata), a keyword naming the problem, no traceback, exactly
one line on stderr, nothing written under OUT for the affected release, the sources unchanged.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Callable

import pytest

from helpers.paths import tree_digest

RIGHTS = 'rights = "Public domain (CC0 1.0)"\nlanguage = "en"\n'
TEXT = "Harbour report\n\nIssued 3 March 2017 by Example Org.\n\nThe harbour works went on all year.\n"


def preserve(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "preserve", *args], capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL)


def base_source(tmp: Path) -> Path:
    src = tmp / "src"
    src.mkdir()
    (src / "preserve.toml").write_text(RIGHTS, encoding="utf-8")
    (src / "report.txt").write_text(TEXT, encoding="utf-8")
    return src


def bag_args(src: Path, out: Path, *extra: str) -> list[str]:
    return ["bag", str(src), "--out", str(out), "--quiet", *extra]


Case = Callable[[Path, Path, Path], list[str]]  # (tmp, src, out) -> arguments
CASES: dict[str, tuple[Case, int, str]] = {}  # name -> (make, exit code, keyword)


def case(name: str, code: int, keyword: str):
    def register(make: Case) -> Case:
        CASES[name] = (make, code, keyword)
        return make
    return register


# --- usage and SOURCE / OUT ------------------------------------------------------------------
@case("missing source", 2, "no such folder")
def _(tmp, src, out):
    return bag_args(tmp / "nope", out)


@case("source is a file", 2, "not a folder")
def _(tmp, src, out):
    return bag_args(src / "report.txt", out)


@case("source holds no releases", 2, "holds no releases")
def _(tmp, src, out):
    (src / "report.txt").unlink()
    (src / ".hidden").write_text("x")
    return bag_args(src, out)


@case("out inside source", 2, "inside the source")
def _(tmp, src, out):
    return bag_args(src, src / "bags")


@case("out is a file", 2, "is a file")
def _(tmp, src, out):
    (tmp / "afile").write_text("x")
    return bag_args(src, tmp / "afile")


@case("source is a bag", 2, "already a BagIt bag")
def _(tmp, src, out):
    (src / "bagit.txt").write_text("BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n")
    return bag_args(src, out)


@case("unknown algorithm", 2, "unknown checksum algorithm")
def _(tmp, src, out):
    return bag_args(src, out, "--algorithm", "crc32")


@case("jobs out of range", 2, "--jobs")
def _(tmp, src, out):
    return bag_args(src, out, "--jobs", "0")


@case("verify a missing path", 2, "no such bag")
def _(tmp, src, out):
    return ["verify", str(tmp / "nope")]


# --- preserve.toml ---------------------------------------------------------------------------
@case("config not TOML", 2, "not valid TOML")
def _(tmp, src, out):
    (src / "preserve.toml").write_text("rights = \n")
    return bag_args(src, out)


@case("config unknown key", 2, "unknown key 'colour'")
def _(tmp, src, out):
    (src / "preserve.toml").write_text(RIGHTS + 'colour = "red"\n')
    return bag_args(src, out)


@case("config wrong type", 2, "must be a string")
def _(tmp, src, out):
    (src / "preserve.toml").write_text("rights = 42\n")
    return bag_args(src, out)


@case("config not UTF-8", 2, "not UTF-8")
def _(tmp, src, out):
    (src / "preserve.toml").write_bytes(b'rights = "caf\xe9"\n')
    return bag_args(src, out)


@case("config is a symlink", 2, "symbolic link")
def _(tmp, src, out):
    (tmp / "elsewhere.toml").write_text(RIGHTS)
    (src / "preserve.toml").unlink()
    os.symlink(tmp / "elsewhere.toml", src / "preserve.toml")
    return bag_args(src, out)


@case("config is a FIFO", 2, "not a regular file")
def _(tmp, src, out):
    (src / "preserve.toml").unlink()
    os.mkfifo(src / "preserve.toml")
    return bag_args(src, out)


@case("config bad language", 2, "not a language code")
def _(tmp, src, out):
    (src / "preserve.toml").write_text('rights = "CC0"\nlanguage = "English please"\n')
    return bag_args(src, out)


# --- names in SOURCE -------------------------------------------------------------------------
@case("non-UTF-8 release name", 2, "not valid UTF-8")
def _(tmp, src, out):
    with open(os.path.join(os.fsencode(src), b"caf\xe9.txt"), "w") as f:
        f.write(TEXT)
    return bag_args(src, out)


@case("non-UTF-8 name inside a folder", 2, "not valid UTF-8")
def _(tmp, src, out):
    (src / "folder").mkdir()
    (src / "folder" / "main.txt").write_text(TEXT)
    with open(os.path.join(os.fsencode(src / "folder"), b"\xff\xfe.bin"), "wb") as f:
        f.write(b"x")
    return bag_args(src, out)


@case("normalisation collision inside a folder", 2, "Unicode normalisations")
def _(tmp, src, out):
    (src / "folder").mkdir()
    (src / "folder" / "caf\u00e9.txt").write_text(TEXT)
    (src / "folder" / "cafe\u0301.txt").write_text(TEXT)
    return bag_args(src, out)


@case("normalisation collision between releases", 2, "Unicode normalisations")
def _(tmp, src, out):
    (src / "r\u00e9sum\u00e9.txt").write_text(TEXT)
    (src / "re\u0301sume\u0301.txt").write_text(TEXT)
    return bag_args(src, out)


@case("two releases give one id", 2, "both give release id")
def _(tmp, src, out):
    (src / "report.md").write_text(TEXT)
    return bag_args(src, out)


# --- metadata.csv ----------------------------------------------------------------------------
@case("sheet without filename column", 2, "'filename'")
def _(tmp, src, out):
    (src / "metadata.csv").write_text("name,dc.title\nreport.txt,A title\n")
    return bag_args(src, out)


@case("sheet unknown column", 2, "unknown column 'dc.colour'")
def _(tmp, src, out):
    (src / "metadata.csv").write_text("filename,dc.colour\nreport.txt,red\n")
    return bag_args(src, out)


@case("sheet duplicate rows", 2, "row 3")
def _(tmp, src, out):
    (src / "metadata.csv").write_text("filename,dc.title\nreport.txt,One\nreport.txt,Two\n")
    return bag_args(src, out)


@case("sheet row for an absent file", 2, "'ghost.txt' is not a release")
def _(tmp, src, out):
    (src / "metadata.csv").write_text("filename,dc.title\nghost.txt,Boo\n")
    return bag_args(src, out)


@case("sheet not UTF-8", 2, "not UTF-8")
def _(tmp, src, out):
    (src / "metadata.csv").write_bytes(b"filename,dc.title\nreport.txt,Caf\xe9\n")
    return bag_args(src, out)


@case("sheet value beyond the header", 2, "beyond the last header column")
def _(tmp, src, out):
    (src / "metadata.csv").write_text("filename,dc.title\nreport.txt,A title,stray\n")
    return bag_args(src, out)


@case("sheet invalid date", 1, "date")
def _(tmp, src, out):
    (src / "metadata.csv").write_text("filename,dc.date\nreport.txt,2017-02-31\n")
    return bag_args(src, out)


@case("sheet impossible month", 1, "date: '2017-13-01'")
def _(tmp, src, out):
    (src / "metadata.csv").write_text("filename,dc.date\nreport.txt,2017-13-01\n")
    return bag_args(src, out)


@case("sheet invalid language", 1, "language")
def _(tmp, src, out):
    (src / "metadata.csv").write_text("filename,dc.language\nreport.txt,Klingon!\n")
    return bag_args(src, out)


def _outside(digest: dict[str, str], out: Path) -> dict[str, str]:
    """Everything but OUT (checked on its own: it must stay empty)."""
    return {k: v for k, v in digest.items() if not k.startswith(out.name + "/")}


@pytest.fixture(scope="module")
def catalogue(tmp_path_factory) -> dict[str, tuple]:
    """Prepare every case, then run them all (a few at a time: each is mostly interpreter start-up)."""
    from concurrent.futures import ThreadPoolExecutor
    prepared = {}
    for name, (make, code, keyword) in CASES.items():
        tmp = tmp_path_factory.mktemp("case")
        src, out = base_source(tmp), tmp / "out"
        args = make(tmp, src, out)
        prepared[name] = (tmp, out, args, _outside(tree_digest(tmp), out))
    with ThreadPoolExecutor(max_workers=4) as pool:
        runs = dict(zip(prepared, pool.map(lambda item: preserve(*item[2]), prepared.values())))
    return {name: (*prepared[name], runs[name]) for name in prepared}


@pytest.mark.parametrize("name", list(CASES))
def test_bad_input(name: str, catalogue) -> None:
    _, code, keyword = CASES[name]
    tmp, out, args, before, res = catalogue[name]
    assert res.returncode == code, (name, res.returncode, res.stderr)
    assert keyword in res.stderr, (name, res.stderr)
    assert "Traceback" not in res.stderr + res.stdout, name
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, (name, res.stderr)
    assert _outside(tree_digest(tmp), out) == before, f"{name}: something was written or a source changed"
    written = list(out.rglob("*")) if out.exists() else []  # no lock file either
    assert written == [], (name, written)


def test_catalogue_is_large_enough() -> None:
    assert len(CASES) >= 20


def test_hostile_but_valid_names_are_bagged(tmp_path: Path) -> None:
    """Newlines, %, very long, leading dash, Unicode names: bagged, verified, sources unchanged."""
    src = base_source(tmp_path)
    names = ["line\nbreak.txt", "100% sure.txt", "x" * 240 + ".txt", "-dash.txt", "تقرير.txt", "a%0Ab.txt"]
    for name in names:
        (src / name).write_text(TEXT, encoding="utf-8")
    (src / "folder").mkdir()
    (src / "folder" / "main.txt").write_text(TEXT, encoding="utf-8")
    (src / "folder" / "odd\rname %25.dat").write_bytes(b"\x00\x01")
    before = tree_digest(src)
    out = tmp_path / "out"
    res = preserve(*bag_args(src, out))
    assert res.returncode == 0, res.stderr
    assert tree_digest(src) == before
    bags = sorted(p for p in out.iterdir() if not p.name.startswith("."))
    assert len(bags) == len(names) + 2
    res = preserve("verify", str(out))
    assert res.returncode == 0, res.stdout
    assert all(len(p.name) <= 100 and not p.name.startswith((".", "-")) for p in bags)


def test_symlinks_and_special_files_are_skipped_with_a_warning(tmp_path: Path) -> None:
    src = base_source(tmp_path)
    (tmp_path / "secret.txt").write_text("TOP SECRET\n")
    os.symlink(tmp_path / "secret.txt", src / "link.txt")
    os.mkfifo(src / "pipe")
    (src / "folder").mkdir()
    (src / "folder" / "main.txt").write_text(TEXT)
    os.symlink(tmp_path / "secret.txt", src / "folder" / "inner-link.txt")
    os.mkfifo(src / "folder" / "inner-pipe")
    before = tree_digest(tmp_path)
    out = tmp_path / "out"
    res = preserve(*bag_args(src, out), timeout=60)
    assert res.returncode == 0, res.stderr
    warnings = res.stderr.strip().splitlines()
    assert len(warnings) == 4 and all(w.startswith("preserve: warning: skipped") for w in warnings)
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == ["folder", "report"]
    for path in out.rglob("*"):
        assert not path.is_symlink()
        if path.is_file():
            assert b"TOP SECRET" not in path.read_bytes()
    assert tree_digest(tmp_path / "src") == {k[4:]: v for k, v in before.items() if k.startswith("src/")}


def test_source_inside_out_is_never_replaced(tmp_path: Path) -> None:
    """OUT holds SOURCE and a release's id is SOURCE's own name: even --force must not delete it."""
    out = tmp_path / "out"
    src = out / "inbox"
    src.mkdir(parents=True)
    (src / "preserve.toml").write_text(RIGHTS)
    (src / "inbox.txt").write_text(TEXT)
    before = tree_digest(src)
    res = preserve(*bag_args(src, out, "--force"))
    assert res.returncode in (1, 2), res.stderr
    assert "Traceback" not in res.stderr and len(res.stderr.strip().splitlines()) == 1
    assert tree_digest(src) == before
    assert not (src / "bagit.txt").exists()


def _sheet_fifo(tmp_path: Path) -> subprocess.CompletedProcess:
    src = base_source(tmp_path)
    os.mkfifo(src / "metadata.csv")
    return preserve(*bag_args(src, tmp_path / "out"), timeout=4)


def test_sheet_that_is_a_fifo_is_refused(tmp_path: Path) -> None:
    res = _sheet_fifo(tmp_path)
    assert res.returncode == 2 and "metadata.csv" in res.stderr and "Traceback" not in res.stderr
