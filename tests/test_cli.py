"""The command line: exit codes, one-line errors, no traceback, nothing written on bad input."""
from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from helpers.paths import in_bag

REPO = Path(__file__).resolve().parents[1]


def preserve(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "preserve", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=120)


def test_bag_then_verify(collection: Path, tmp_path: Path) -> None:
    res = preserve("bag", str(collection), "--out", str(tmp_path / "bags"), cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert "3 bagged" in res.stdout
    res = preserve("verify", str(tmp_path / "bags"), cwd=tmp_path)
    assert res.returncode == 0 and "3 intact, 0 damaged" in res.stdout


def test_defaults_are_seeds_and_bags(tmp_path: Path) -> None:
    (tmp_path / "seeds").mkdir()
    (tmp_path / "seeds" / "one.txt").write_text("One\n")
    (tmp_path / "seeds" / "preserve.toml").write_text('rights = "CC0"\nlanguage = "en"\n')
    res = preserve("bag", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert (tmp_path / "bags" / "one" / "bagit.txt").exists()
    assert preserve("verify", cwd=tmp_path).returncode == 0


def test_json_output(collection: Path, tmp_path: Path) -> None:
    res = preserve("bag", str(collection), "--out", str(tmp_path / "b"), "--json", cwd=tmp_path)
    doc = json.loads(res.stdout)
    assert doc["ok"] and [b["status"] for b in doc["bags"]] == ["created"] * 3
    bag = tmp_path / "b" / "alpha"
    in_bag(bag, "alpha.txt").write_text("tampered")
    res = preserve("verify", str(tmp_path / "b"), "--json", cwd=tmp_path)
    assert res.returncode == 1
    doc = json.loads(res.stdout)
    bad = [b for b in doc["bags"] if not b["ok"]]
    assert [b["path"] for b in bad] == [str(bag)]
    assert {p["code"] for p in bad[0]["problems"]} >= {"payload-checksum-mismatch", "payload-oxum-mismatch"}


def test_verify_reports_failed_line_per_bag(collection: Path, tmp_path: Path) -> None:
    preserve("bag", str(collection), "--out", str(tmp_path / "b"), cwd=tmp_path)
    in_bag(tmp_path / "b" / "beta", "beta.txt").unlink()
    res = preserve("verify", str(tmp_path / "b"), cwd=tmp_path)
    assert res.returncode == 1
    assert f"FAILED {tmp_path / 'b' / 'beta'}" in res.stdout
    assert "payload-missing" in res.stdout and "2 intact, 1 damaged" in res.stdout


def test_verify_warnings_exit_0_and_strict_makes_them_errors(collection: Path, tmp_path: Path) -> None:
    preserve("bag", str(collection), "--out", str(tmp_path / "b"), cwd=tmp_path)
    (tmp_path / "b" / "beta" / "notes.txt").write_text("an unlisted tag file\n")  # RFC 8493 §2.2.1: SHOULD
    res = preserve("verify", str(tmp_path / "b"), cwd=tmp_path)
    assert res.returncode == 0, res.stdout
    assert f"OK     {tmp_path / 'b' / 'beta'}\n    warning tagfile-unlisted: notes.txt: " in res.stdout
    assert "3 intact (1 with warnings), 0 damaged, 3 bags verified (full)" in res.stdout
    log = tmp_path / "audit.jsonl"
    res = preserve("verify", "--strict", "--log", str(log), str(tmp_path / "b"), cwd=tmp_path)
    assert res.returncode == 1
    assert f"FAILED {tmp_path / 'b' / 'beta'}\n    error   tagfile-unlisted: notes.txt: " in res.stdout
    assert "2 intact, 1 damaged, 3 bags verified (full)" in res.stdout
    beta = [r for r in map(json.loads, log.read_text().splitlines()) if r["bag"].endswith("beta")]
    assert [(r["result"], r["strict"], [p["severity"] for p in r["problems"]]) for r in beta] == [
        ("damaged", True, ["error"])]
    res = preserve("verify", "--json", "--quiet", str(tmp_path / "b"), cwd=tmp_path)
    doc = json.loads(res.stdout)
    assert res.returncode == 0 and doc["ok"] and doc["summary"]["with_warnings"] == 1
    assert [p["severity"] for b in doc["bags"] for p in b["problems"]] == ["warning"]


def _bad_inputs(tmp: Path) -> list[tuple[str, list[str], str]]:
    good = tmp / "good"
    good.mkdir()
    (good / "a.txt").write_text("a")
    (tmp / "afile").write_text("x")
    (tmp / "empty").mkdir()
    bagdir = tmp / "isbag"
    bagdir.mkdir()
    (bagdir / "bagit.txt").write_text("BagIt-Version: 1.0\n")
    return [
        ("missing source", ["bag", str(tmp / "nope"), "--out", str(tmp / "o1")], "no such folder"),
        ("source is a file", ["bag", str(tmp / "afile"), "--out", str(tmp / "o2")], "not a folder"),
        ("empty source", ["bag", str(tmp / "empty"), "--out", str(tmp / "o3")], "holds no releases"),
        ("out inside source", ["bag", str(good), "--out", str(good / "bags")], "inside the source"),
        ("out is a file", ["bag", str(good), "--out", str(tmp / "afile")], "is a file"),
        ("source is a bag", ["bag", str(bagdir), "--out", str(tmp / "o4")], "already a BagIt bag"),
        ("unknown algorithm", ["bag", str(good), "--out", str(tmp / "o5"), "--algorithm", "crc32"],
         "unknown checksum algorithm"),
        ("unknown option", ["bag", "--frobnicate"], "No such option"),
        ("verify missing path", ["verify", str(tmp / "nope")], "no such bag"),
    ]


def test_bad_inputs_one_line_exit_2_nothing_written(tmp_path: Path, tree_digest) -> None:
    cases = _bad_inputs(tmp_path)
    before = tree_digest(tmp_path)
    for label, args, keyword in cases:
        res = preserve(*args, cwd=tmp_path)
        assert res.returncode == 2, (label, res.stderr)
        assert keyword in res.stderr, (label, res.stderr)
        assert "Traceback" not in res.stderr + res.stdout, label
        assert len(res.stderr.strip().splitlines()) == 1, (label, res.stderr)
    assert tree_digest(tmp_path) == before
    assert not any((tmp_path / f"o{i}").exists() for i in range(1, 6))


def test_unwritable_out(collection: Path, tmp_path: Path, monkeypatch) -> None:
    import preserve.pipeline as bagging
    from preserve.errors import InputError
    monkeypatch.setattr(bagging.os, "access", lambda p, mode: not mode & os.W_OK)  # as for a non-root user on a 0555 folder
    with pytest.raises(InputError, match="not writable"):
        bagging.prepare(collection, tmp_path / "ro" / "bags")
    assert not (tmp_path / "ro").exists()


def test_unreadable_release_is_refused(collection: Path, tmp_path: Path, monkeypatch) -> None:
    import preserve.intake.releases as rel
    from preserve.errors import InputError
    monkeypatch.setattr(rel.os, "access", lambda p, mode: not str(p).endswith("beta.txt"))
    with pytest.raises(InputError, match="beta.txt: cannot be read"):
        rel.discover(collection)


def test_symlink_is_skipped_with_warning(collection: Path, tmp_path: Path) -> None:
    os.symlink("/etc/passwd", collection / "passwd")
    res = preserve("bag", str(collection), "--out", str(tmp_path / "b"), cwd=tmp_path)
    assert res.returncode == 0
    assert "warning: skipped" in res.stderr and "passwd" in res.stderr
    assert not (tmp_path / "b" / "passwd").exists()


def test_readme_opens_with_the_two_commands() -> None:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    blocks = text.split("```")
    assert "preserve bag" in blocks[1] and "pytest" in blocks[3]
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    test_command = blocks[3].strip().splitlines()[-1].strip()
    assert test_command in ci


RIGHTS_WARNING = "no rights (set rights in preserve.toml or dc.rights in metadata.csv)"
TEXT = ("Harbour works begin in the spring\n\n3 March 2017\n\n" + "The committee met on Tuesday to discuss "
        "the harbour works and the budget for the coming year, and agreed to start in April. " * 4)


def _intake(root: Path, **files: bytes | str) -> Path:
    """A SOURCE with no preserve.toml and no metadata.csv: only the given files."""
    root.mkdir()
    for name, data in files.items():
        path = root / name
        path.write_bytes(data) if isinstance(data, bytes) else path.write_text(data, encoding="utf-8")
    return root


def _only_bags(out: Path, names: list[str]) -> None:
    assert sorted(os.listdir(out)) == sorted(names)  # no lock file, no staging, nothing else
    assert all((out / name / "bagit.txt").is_file() for name in names)


def test_a_binary_file_without_metadata_is_bagged_with_one_warning(tmp_path: Path) -> None:
    src = _intake(tmp_path / "src", **{"blob.bin": random.Random(3).randbytes(4096)})
    res = preserve("bag", str(src), "--out", str(tmp_path / "out"), "--identify", "builtin", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    [warning] = res.stderr.splitlines()  # one line for the release, naming everything it lacks
    assert warning.startswith("preserve: warning: blob.bin: incomplete for deposit: ")
    assert RIGHTS_WARNING in warning and "no type (set dc.type in metadata.csv)" in warning
    assert res.stdout.splitlines() == [f"created  {tmp_path / 'out' / 'blob'}",
                                       f"1 bagged (1 incomplete for deposit), 0 unchanged, 0 not bagged, "
                                       f"in {tmp_path / 'out'}"]
    _only_bags(tmp_path / "out", ["blob"])
    assert preserve("verify", str(tmp_path / "out"), cwd=tmp_path).returncode == 0

    strict = preserve("bag", str(src), "--out", str(tmp_path / "strict"), "--strict", "--identify", "builtin",
                      cwd=tmp_path)
    assert strict.returncode == 1
    [refusal] = strict.stderr.splitlines()
    assert refusal.startswith("preserve: blob.bin: not bagged: incomplete for deposit: ")
    assert RIGHTS_WARNING in refusal and "no type" in refusal
    assert f"incomplete {tmp_path / 'strict' / 'blob'}" in strict.stdout
    assert "0 bagged, 0 unchanged, 1 not bagged" in strict.stdout
    _only_bags(tmp_path / "strict", [])


def test_a_text_release_without_rights_is_bagged_with_the_rights_warning(tmp_path: Path) -> None:
    src = _intake(tmp_path / "src", **{"harbour.txt": TEXT})
    res = preserve("bag", str(src), "--out", str(tmp_path / "out"), "--json", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert res.stderr == f"preserve: warning: harbour.txt: incomplete for deposit: {RIGHTS_WARNING}\n"
    [outcome] = json.loads(res.stdout)["bags"]
    assert (outcome["status"], outcome["incomplete"]) == ("created", [RIGHTS_WARNING])
    _only_bags(tmp_path / "out", ["harbour"])
    (src / "preserve.toml").write_text('rights = "CC BY 4.0"\n', encoding="utf-8")
    res = preserve("bag", str(src), "--out", str(tmp_path / "out"), "--force", "--strict", cwd=tmp_path)
    assert (res.returncode, res.stderr) == (0, "")  # supplied: complete, and the bag replaced
    assert "replaced" in res.stdout and "1 bagged, 0 unchanged" in res.stdout


def test_a_wrong_value_is_refused_and_said_once(collection: Path, tmp_path: Path) -> None:
    (collection / "metadata.csv").write_text(
        "filename,dc.title,dc.date,dc.language,dc.type\nbeta.txt,Beta,2017-02-30,zxx,Dataset\n", encoding="utf-8")
    res = preserve("bag", str(collection), "--out", str(tmp_path / "b"), "--identify", "builtin", cwd=tmp_path)
    assert res.returncode == 1
    [line] = res.stderr.splitlines()
    assert line.startswith("preserve: beta.txt: not bagged: invalid metadata: date: '2017-02-30': ")
    assert f"invalid  {tmp_path / 'b' / 'beta'}\n" in res.stdout and "2017-02-30" not in res.stdout
    assert "2 bagged, 0 unchanged, 1 not bagged" in res.stdout and "Traceback" not in res.stderr
    _only_bags(tmp_path / "b", ["alpha", "gamma"])


def test_validate_reports_two_levels(collection: Path, tmp_path: Path) -> None:
    (collection / "metadata.csv").unlink()  # beta: binary, no type
    res = preserve("validate", str(collection), cwd=tmp_path)
    assert res.returncode == 0, res.stdout  # incomplete is a warning
    lines = res.stdout.splitlines()
    assert lines[0].startswith("warning: beta: incomplete for deposit: ") and "no type" in lines[0]
    assert lines[-1] == "all records valid; 1 of 3 incomplete for deposit"
    assert preserve("validate", str(collection), "--strict", cwd=tmp_path).returncode == 1
    (collection / "metadata.csv").write_text("filename,dc.date\nalpha.txt,2017-13-01\n", encoding="utf-8")
    res = preserve("validate", str(collection), "--json", cwd=tmp_path)
    assert res.returncode == 1  # a wrong value is an error
    found = {(f["release"], f["level"], f["field"]) for f in json.loads(res.stdout)}
    assert ("alpha", "error", "date") in found and ("beta", "incomplete", "type") in found
    text = preserve("validate", str(collection), cwd=tmp_path).stdout
    assert "alpha: date: '2017-13-01': " in text and text.endswith(
        "1 problems in 1 releases; 1 of 3 incomplete for deposit\n")


def test_describe_writes_the_sheet_and_validate_reports(collection: Path, tmp_path: Path) -> None:
    (collection / "metadata.csv").unlink()
    res = preserve("describe", str(collection), cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    sheet = (collection / "metadata.csv").read_text(encoding="utf-8")
    assert sheet.startswith("filename,") and "alpha.txt" in sheet and "dc.title" in sheet
    res = preserve("validate", str(collection), cwd=tmp_path)
    assert res.returncode == 0 and "beta: incomplete for deposit" in res.stdout
    res = preserve("describe", str(collection), "--json", cwd=tmp_path)
    records = json.loads(res.stdout)
    assert {r["release"] for r in records} == {"alpha", "beta", "gamma"}
    assert all("provenance" in v for r in records for vals in r["elements"].values() for v in vals)


def _run_with_tty_stderr(args: list[str], cwd: Path) -> tuple[int, str, str]:
    """Run preserve with stderr on a pseudo-terminal; returns (exit code, stdout, terminal text)."""
    import pty

    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "preserve", *args], cwd=cwd, stdout=subprocess.PIPE,
                            stderr=slave, text=True)
    os.close(slave)
    out, _ = proc.communicate(timeout=120)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    return proc.returncode, out, b"".join(chunks).decode("utf-8", "replace")


def test_progress_bar_on_a_terminal_and_quiet_turns_it_off(collection: Path, tmp_path: Path) -> None:
    code, out, tty = _run_with_tty_stderr(["bag", str(collection), "--out", str(tmp_path / "b")], tmp_path)
    assert code == 0
    assert "bagging" in tty and "100%" in tty and "files" in tty
    assert "created" in out and "bagging" not in out  # results on stdout, the bar on stderr
    code, out, tty = _run_with_tty_stderr(["verify", str(tmp_path / "b")], tmp_path)
    assert code == 0 and "verifying" in tty
    code, _, tty = _run_with_tty_stderr(["verify", "--quiet", str(tmp_path / "b")], tmp_path)
    assert code == 0 and "verifying" not in tty


def test_no_progress_bar_when_stderr_is_not_a_terminal(collection: Path, tmp_path: Path) -> None:
    res = preserve("bag", str(collection), "--out", str(tmp_path / "b"), cwd=tmp_path)
    assert res.returncode == 0 and "bagging" not in res.stderr


def test_bag_runs_with_a_go_memory_limit_and_keeps_a_users_own(collection: Path, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "GOMEMLIMIT"}
    res = subprocess.run([sys.executable, "-m", "preserve", "bag", str(collection), "--out", str(tmp_path / "b"),
                          "-q", "--json"], cwd=tmp_path, capture_output=True, text=True, env=env, timeout=120)
    assert res.returncode == 0, res.stderr  # re-executed once with the limit, same result
    assert json.loads(res.stdout)["ok"]
    from preserve.launch import GO_MEMORY_LIMIT
    script = tmp_path / "show_limit.py"
    script.write_text("import os, sys\nfrom preserve.launch import restart_with_go_memory_limit\n"
                      "sys.argv = [sys.argv[0], 'bag']\nrestart_with_go_memory_limit()\n"
                      "print(os.environ.get('GOMEMLIMIT'))\n")
    out = subprocess.run([sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == GO_MEMORY_LIMIT, out.stderr
    mine = subprocess.run([sys.executable, str(script)], env={**env, "GOMEMLIMIT": "300MiB"},
                          capture_output=True, text=True, timeout=60)
    assert mine.stdout.strip() == "300MiB"


_MODULES_AT_EXIT = ("import atexit, sys\n"
                    "atexit.register(lambda: print('loaded:', *sorted(m for m in sys.modules if m in {"
                    "'preserve.pipeline', 'preserve.package.build', 'preserve.package.premis', 'preserve.describe', "
                    "'preserve.verify.checks', 'preserve.verify.package'}), file=sys.stderr))\n"
                    "from preserve.cli import main\n"
                    "main(sys.argv[1:])\n")


def test_each_command_loads_only_its_own_library(collection: Path, tmp_path: Path) -> None:
    def loaded(*args: str) -> set[str]:
        res = subprocess.run([sys.executable, "-c", _MODULES_AT_EXIT, *args], cwd=tmp_path,
                             capture_output=True, text=True, timeout=120)
        assert res.returncode == 0, res.stderr
        line = next(line for line in res.stderr.splitlines() if line.startswith("loaded:"))
        return set(line.split()[1:])

    made = loaded("bag", str(collection), "--out", str(tmp_path / "b"), "--identify", "builtin", "-q")
    assert {"preserve.pipeline", "preserve.package.premis"} <= made
    checked = loaded("verify", str(tmp_path / "b"), "--jobs", "1", "-q")
    assert checked == {"preserve.verify.checks", "preserve.verify.package"}  # no packaging, no describing


def test_the_bag_command_offers_exactly_the_library_s_choices() -> None:
    from preserve.cli import bag
    from preserve.formats import ENGINES
    from preserve.bag.serialize import SERIALIZATIONS
    from preserve.package.model import PACKAGE_TYPES

    choices = {p.name: tuple(p.type.choices) for p in bag.params if hasattr(p.type, "choices")}
    assert choices == {"package_type": PACKAGE_TYPES, "identify": ENGINES, "serialize": SERIALIZATIONS}


def test_the_deposit_command_offers_exactly_the_library_s_serializations() -> None:
    from preserve.bag.serialize import SERIALIZATIONS
    from preserve.cli import deposit

    choices = {p.name: tuple(p.type.choices) for p in deposit.params if hasattr(p.type, "choices")}
    assert choices == {"serialize": SERIALIZATIONS}
