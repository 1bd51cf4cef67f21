"""Reports: --json validates against schemas/verify-report.schema.json; human text; audit log."""
from __future__ import annotations

import inspect
import json
import re
import shutil
from pathlib import Path

import jsonschema
import pytest

from helpers.paths import REPO
from preserve import __version__
from preserve.errors import InputError
from preserve.verify import bag as bag_checks, checks, package as mets_check
from preserve.problems import CODES, SEVERITY, Problem, severity_of
from preserve.verify.report import (append_audit_log, exit_code, format_text, read_audit_log, report_document,
                                    summary, warnings_as_errors)
from preserve.verify.checks import BagReport, verify_bag
from helpers.faults import MAIN, PLAIN_FAULTS, make_plain_bag

SCHEMA = json.loads((REPO / "schemas" / "verify-report.schema.json").read_text(encoding="utf-8"))


def validate(doc: dict) -> None:
    jsonschema.Draft202012Validator(SCHEMA, format_checker=jsonschema.FormatChecker()).validate(doc)


@pytest.fixture(scope="module")
def pristine(tmp_path_factory) -> Path:
    return make_plain_bag(tmp_path_factory.mktemp("report"))


@pytest.fixture
def two_bags(pristine: Path, tmp_path: Path) -> list[Path]:
    good, bad = tmp_path / "bags" / "good", tmp_path / "bags" / "bad"
    shutil.copytree(pristine, good, symlinks=True)
    shutil.copytree(pristine, bad, symlinks=True)
    for kind in ("bit-flip", "extra-file", "fetch-txt-present", "manifest-line-duplicated", "bagit-version-unsupported"):
        PLAIN_FAULTS[kind][0](bad, None)
    return [good, bad]


def test_schema_is_valid_and_lists_every_code_with_a_meaning() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    listed = {c["const"]: c["description"] for c in SCHEMA["$defs"]["code"]["oneOf"]}
    assert listed == CODES
    assert all(d.strip() for d in listed.values())


def test_docs_list_every_code_with_its_severity() -> None:
    doc = (REPO / "docs" / "verify.md").read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\| `([a-z-]+)` \| (error|warning|info) \|", doc, flags=re.M))
    assert rows == {c: severity_of(c) for c in CODES}


def test_docs_give_the_rule_behind_every_code_that_is_not_an_error() -> None:
    doc = (REPO / "docs" / "verify.md").read_text(encoding="utf-8")
    rules = doc.split("## Severities", 1)[1].split("\n## ", 1)[0]
    explained = {code: severity for codes, severity in re.findall(r"^\| (`.+?`) \| (warning|info) \|", rules, re.M)
                 for code in re.findall(r"`([a-z-]+)`", codes)}
    assert explained == SEVERITY


def test_every_severity_names_a_code_and_no_code_is_an_error_by_name() -> None:
    assert set(SEVERITY) <= set(CODES)
    assert set(SEVERITY.values()) <= {"warning", "info"}
    assert severity_of("payload-checksum-mismatch") == "error"
    assert severity_of("tagfile-unlisted") == "warning"


@pytest.mark.parametrize("module", [bag_checks, checks, mets_check], ids=lambda m: m.__name__)
def test_codes_the_checks_report_are_documented(module) -> None:
    used = set(re.findall(r'\(\s*f?"([a-z]+(?:-[a-z]+)+)",', inspect.getsource(module)))
    if module is mets_check:
        used |= {f"{kind}-{suffix}" for kind in mets_check.RECORD_KINDS.values() for suffix in ("malformed", "invalid")}
    assert used and used <= set(CODES), used - set(CODES)


def test_json_document_validates(two_bags: list[Path]) -> None:
    reports = [verify_bag(b) for b in two_bags]
    doc = report_document(reports, "full")
    validate(doc)
    validate(json.loads(json.dumps(doc)))
    assert doc["ok"] is False and doc["strict"] is False
    assert doc["summary"] == {"bags": 2, "intact": 1, "with_warnings": 0, "damaged": 1}
    assert doc["tool"] == {"name": "preserve", "version": __version__}
    bad = doc["bags"][1]
    codes = {p["code"] for p in bad["problems"]}
    assert {"payload-checksum-mismatch", "payload-unlisted", "fetch-unsupported", "manifest-duplicate",
            "bagit-version-unsupported"} <= codes
    mismatch = next(p for p in bad["problems"] if p["code"] == "payload-checksum-mismatch")
    assert mismatch["path"] == MAIN and len(mismatch["expected"]) in (64, 128)
    for level in ("fast", "completeness"):
        validate(report_document([verify_bag(b, level=level) for b in two_bags], level))
    validate(report_document([], "full"))


def test_every_catalogue_fault_validates(pristine: Path, tmp_path: Path, monkeypatch) -> None:
    reports = []
    for i, kind in enumerate(sorted(PLAIN_FAULTS)):
        bag = tmp_path / f"b{i}"
        shutil.copytree(pristine, bag, symlinks=True)
        PLAIN_FAULTS[kind][0](bag, monkeypatch)
        reports.append(verify_bag(bag))
        monkeypatch.undo()
    validate(report_document(reports, "full"))


def test_text_format(two_bags: list[Path]) -> None:
    reports = [verify_bag(b) for b in two_bags]
    text = format_text(reports, "full")
    lines = text.splitlines()
    assert lines[0] == f"OK     {two_bags[0]}"
    assert lines[1] == f"FAILED {two_bags[1]}"
    assert all(re.match(r"    (error  |warning|info   ) [a-z-]+: ", line) for line in lines[2:-1])
    assert len(lines) == 2 + len(reports[1].problems) + 1
    assert lines[-1] == "1 intact, 1 damaged, 2 bags verified (full)"
    assert f"    error   payload-checksum-mismatch: {MAIN}:" in text


def _report(name: str, *codes: str) -> BagReport:
    return BagReport(path=Path("bags") / name, problems=[Problem(c, "x", "m") for c in codes], version="1.0")


WARNING, INFO = "tagfile-unlisted", "manifest-problems-truncated"


def test_warnings_and_infos_leave_a_bag_intact_and_are_listed() -> None:
    reports = [_report("a"), _report("b", WARNING), _report("c", INFO), _report("d", WARNING, "payload-missing")]
    assert [r.ok for r in reports] == [True, True, True, False]
    assert exit_code(reports[:3]) == 0 and exit_code(reports) == 1
    assert summary(reports, "full") == "3 intact (1 with warnings), 1 damaged, 4 bags verified (full)"
    assert summary(reports[:1] + reports[2:3], "fast") == "2 intact, 0 damaged, 2 bags verified (fast)"
    lines = format_text(reports, "full").splitlines()
    assert lines[:5] == ["OK     bags/a", "OK     bags/b", f"    warning {WARNING}: x: m", "OK     bags/c",
                         f"    info    {INFO}: x: m"]
    assert lines[5:8] == ["FAILED bags/d", f"    warning {WARNING}: x: m", "    error   payload-missing: x: m"]
    doc = report_document(reports, "full")
    validate(doc)
    assert doc["summary"] == {"bags": 4, "intact": 3, "with_warnings": 1, "damaged": 1}
    assert [p["severity"] for p in doc["bags"][3]["problems"]] == ["warning", "error"]


def test_strict_makes_warnings_errors_and_keeps_infos() -> None:
    reports = [_report("a"), _report("b", WARNING), _report("c", INFO)]
    hard = warnings_as_errors(reports)
    assert [r.ok for r in hard] == [True, False, True] and exit_code(hard) == 1
    assert [p.severity for p in hard[1].problems] == ["error"] and hard[1].problems[0].code == WARNING
    assert [p.severity for p in hard[2].problems] == ["info"]
    assert reports[1].ok and reports[1].problems[0].severity == "warning"  # the originals are unchanged
    doc = report_document(hard, "full", strict=True)
    validate(doc)
    assert doc["strict"] is True and doc["summary"]["damaged"] == 1
    assert summary(hard, "full") == "2 intact, 1 damaged, 3 bags verified (full)"


def test_audit_log_records_severities_and_strict(tmp_path: Path) -> None:
    log = tmp_path / "log.jsonl"
    append_audit_log(log, [_report("b", WARNING)], "full")
    append_audit_log(log, warnings_as_errors([_report("b", WARNING)]), "full", strict=True)
    first, second = read_audit_log(log)
    assert (first["result"], first["strict"], first["problems"][0]["severity"]) == ("intact", False, "warning")
    assert (second["result"], second["strict"], second["problems"][0]["severity"]) == ("damaged", True, "error")


def test_an_unlisted_tag_file_is_a_warning_in_a_real_bag(pristine: Path, tmp_path: Path) -> None:
    bag = tmp_path / "bag"
    shutil.copytree(pristine, bag, symlinks=True)
    (bag / "notes.txt").write_text("x")
    report = verify_bag(bag)
    assert report.ok and [(p.code, p.severity) for p in report.problems] == [("tagfile-unlisted", "warning")]
    assert not warnings_as_errors([report])[0].ok


def test_audit_log_appends_one_line_per_bag_per_run(two_bags: list[Path], tmp_path: Path, tree_digest) -> None:
    log = tmp_path / "logs" / "fixity.jsonl"
    log.parent.mkdir()
    before = {b: tree_digest(b) for b in two_bags}
    append_audit_log(log, [verify_bag(b) for b in two_bags], "full")
    append_audit_log(log, [verify_bag(two_bags[0], level="fast")], "fast")
    lines = log.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 3
    records = [json.loads(line) for line in lines]
    assert records == read_audit_log(log)
    first, second, third = records
    assert first["result"] == "intact" and second["result"] == "damaged" and third["level"] == "fast"
    assert first["bag"] == str(two_bags[0].resolve()) and first["problems"] == []
    assert first["tool"] == {"name": "preserve", "version": __version__}
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", first["time"])
    assert {p["code"] for p in second["problems"]} >= {"payload-checksum-mismatch"}
    assert {b: tree_digest(b) for b in two_bags} == before  # nothing inside the bags changes


def test_unwritable_audit_log_is_an_input_error(two_bags: list[Path], tmp_path: Path) -> None:
    reports = [verify_bag(two_bags[0])]
    with pytest.raises(InputError):
        append_audit_log(tmp_path / "no-such-folder" / "log.jsonl", reports, "full")
    with pytest.raises(InputError):
        append_audit_log(tmp_path, reports, "full")


def test_cli_json_validates(two_bags: list[Path], tmp_path: Path, capsys) -> None:
    import preserve.cli

    if "report_document" not in inspect.getsource(preserve.cli):
        pytest.skip("cli.py does not use preserve.verify.report yet")
    from preserve.cli import main

    log = tmp_path / "audit.jsonl"
    with pytest.raises(SystemExit) as exc:
        main(["verify", "--json", "--log", str(log), *map(str, two_bags)])
    assert exc.value.code == 1
    validate(json.loads(capsys.readouterr().out))
    assert len(log.read_text().splitlines()) == 2


def test_audit_log_takes_a_file_name_that_is_not_utf8(tmp_path: Path) -> None:
    """A name of undecodable bytes (here an unlisted Latin-1 file) is logged legibly, not a crash."""
    import os

    bag = make_plain_bag(tmp_path / "made")
    os.close(os.open(os.fsencode(bag / "data") + b"/caf\xe9.txt", os.O_CREAT | os.O_WRONLY, 0o644))
    report = verify_bag(bag)
    assert any(p.code == "payload-unlisted" for p in report.problems)
    log = tmp_path / "audit.jsonl"
    append_audit_log(log, [report], "full")
    (line,) = read_audit_log(log)
    assert any("caf" in p["path"] and p["code"] == "payload-unlisted" for p in line["problems"])
