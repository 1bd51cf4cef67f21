"""`preserve deposit`: verify first, deposit, prove, log; judged by ocfl-py on a real storage root."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from helpers.faults import add_curator_sheet
from helpers.ocfl import checkout, object_dirs, root_errors
from preserve.deposit.run import deposit_paths, exit_code
from preserve.deposit.targets import open_target
from preserve.errors import InputError
from preserve.pipeline import BagOptions, bag_collection, payload_path
from preserve.verify.checks import verify_bag
from preserve.verify.report import read_audit_log


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "preserve", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300)


@pytest.fixture
def bags(collection: Path, tmp_path: Path) -> Path:
    add_curator_sheet(collection, ["alpha.txt", "beta.txt", "gamma"])
    out = tmp_path / "bags"
    assert bag_collection(collection, out, BagOptions(identify="builtin")).exit_code == 0
    return out


def test_bags_are_verified_deposited_proven_and_logged(bags: Path, tmp_path: Path) -> None:
    store, log = tmp_path / "store", tmp_path / "deposits.jsonl"
    outcomes = deposit_paths([bags], open_target(f"ocfl:{store}"), log=log)
    assert [o.status for o in outcomes] == ["deposited"] * 3 and exit_code(outcomes) == 0
    assert root_errors(store) == []
    for obj in object_dirs(store):
        out = checkout(obj, None, tmp_path / "co" / obj.name)
        assert verify_bag(out).ok  # a version checks out as the bag
    lines = read_audit_log(log)
    assert [line["status"] for line in lines] == ["deposited"] * 3
    first = lines[0]
    assert first["format"] == "preserve-deposit-log" and first["target"] == f"ocfl:{store}"
    assert first["identifiers"]["object"] == "urn:preserve:alpha" and first["identifiers"]["version"] == "v1"
    assert len(first["checksums"]["sha512"]) == 128
    again = deposit_paths([bags], open_target(f"ocfl:{store}"), log=log)
    assert [o.status for o in again] == ["unchanged"] * 3 and len(read_audit_log(log)) == 6


def test_a_damaged_bag_is_refused_and_the_others_go(bags: Path, tmp_path: Path) -> None:
    target = bags / "beta" / "data" / payload_path("beta", "beta.txt")
    target.write_bytes(target.read_bytes() + b"!")
    store = tmp_path / "store"
    outcomes = {o.bag.name: o for o in deposit_paths([bags], open_target(f"ocfl:{store}"))}
    assert outcomes["beta"].status == "refused" and "payload-checksum-mismatch" in outcomes["beta"].message
    assert outcomes["alpha"].status == outcomes["gamma"].status == "deposited"
    assert exit_code(list(outcomes.values())) == 1
    assert len(object_dirs(store)) == 2 and root_errors(store) == []


def test_dry_run_sends_nothing_and_logs_nothing(bags: Path, tmp_path: Path) -> None:
    store, log = tmp_path / "store", tmp_path / "log.jsonl"
    outcomes = deposit_paths([bags], open_target(f"ocfl:{store}"), dry_run=True, log=log)
    assert [o.status for o in outcomes] == ["planned"] * 3
    assert all("would create object" in o.message for o in outcomes)
    assert not log.exists() and not (store.exists() and object_dirs(store))


def test_serialized_bags_deposit_the_same_objects(collection: Path, tmp_path: Path) -> None:
    add_curator_sheet(collection, ["alpha.txt", "beta.txt", "gamma"])
    out = tmp_path / "tars"
    assert bag_collection(collection, out, BagOptions(identify="builtin", serialize="tar")).exit_code == 0
    outcomes = deposit_paths([out], open_target(f"ocfl:{tmp_path / 'store'}"))
    assert [o.status for o in outcomes] == ["deposited"] * 3
    assert sorted(o.arrival.identifiers["object"] for o in outcomes) == [
        "urn:preserve:alpha", "urn:preserve:beta", "urn:preserve:gamma"]
    assert root_errors(tmp_path / "store") == []


def test_bad_targets_are_one_line(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="unknown deposit target 'ftp'"):
        open_target("ftp://example.org/x")
    not_a_root = tmp_path / "stuff"
    not_a_root.mkdir()
    (not_a_root / "notes.txt").write_text("x")
    with pytest.raises(InputError, match="not an OCFL 1.1 storage root"):
        open_target(f"ocfl:{not_a_root}").check()


def test_the_command(bags: Path, tmp_path: Path) -> None:
    store = tmp_path / "store"
    res = run_cli("deposit", str(bags), "--to", f"ocfl:{store}", "--json", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    doc = json.loads(res.stdout)
    assert doc["ok"] and [b["status"] for b in doc["bags"]] == ["deposited"] * 3
    assert len(read_audit_log(tmp_path / "deposit-log.jsonl")) == 3  # the default log, in the current folder
    res = run_cli("deposit", str(bags), "--to", f"ocfl:{store}", "--dry-run", cwd=tmp_path)
    assert res.returncode == 0 and res.stdout.splitlines()[-1].startswith("3 planned (dry run: nothing sent)")
    assert all("unchanged" in line for line in res.stdout.splitlines()[:-1])  # what the target would do
    res = run_cli("deposit", str(bags), "--to", "gopher:x", cwd=tmp_path)
    assert res.returncode == 2 and len(res.stderr.strip().splitlines()) == 1 and "Traceback" not in res.stderr


def test_an_unwritable_log_stops_the_run_before_any_deposit(bags: Path, tmp_path: Path) -> None:
    store = tmp_path / "store"
    with pytest.raises(InputError, match="cannot open the deposit log"):
        deposit_paths([bags], open_target(f"ocfl:{store}"), log=tmp_path / "missing" / "log.jsonl")
    assert not store.exists()


def test_two_bags_with_one_identifier_are_not_both_sent(collection: Path, bags: Path, tmp_path: Path) -> None:
    tars = tmp_path / "tars"
    assert bag_collection(collection, tars, BagOptions(identify="builtin", serialize="tar")).exit_code == 0
    (tars / "beta.tar").unlink()
    (tars / "gamma.tar").unlink()
    (collection / "alpha.txt").write_text("Alpha, changed\n", encoding="utf-8")
    changed = tmp_path / "changed"
    assert bag_collection(collection, changed, BagOptions(identify="builtin")).exit_code == 0
    log = tmp_path / "log.jsonl"
    outcomes = deposit_paths([bags / "alpha", changed / "alpha"], open_target(f"ocfl:{tmp_path / 'store'}"), log=log)
    assert [o.status for o in outcomes] == ["deposited", "failed"]
    assert "deposited in this run" in outcomes[1].message and exit_code(outcomes) == 1
    lines = read_audit_log(log)
    assert lines[1]["identifiers"] == {"release": "urn:preserve:alpha"}  # every line names the release


def test_credentials_in_the_address_are_refused_and_not_echoed() -> None:
    with pytest.raises(InputError) as caught:
        open_target("s3://AKIDEXAMPLE:s3cr3t@bucket/prefix")
    assert "s3cr3t" not in str(caught.value) and "AKIDEXAMPLE" not in str(caught.value)
