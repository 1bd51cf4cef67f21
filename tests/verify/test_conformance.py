"""The Library of Congress BagIt conformance suite: verify gives every case the outcome it expects.

The suite is read in place from ``../shared/conformance/bagit-loc/vX/<category>/<bag>`` (never
copied); every test skips when it is absent. ``valid/`` must verify with no error, ``invalid/``
must fail, ``warning/`` must verify with at least one warning, ``linux-only/`` is invalid on
POSIX file systems and must fail here; ``windows-only/`` does not apply on Linux (skipped).
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Literal

import jsonschema
import pytest

from helpers.paths import REPO, SHARED
from preserve.verify.checks import verify_bag

SUITE = SHARED / "conformance" / "bagit-loc"
SCHEMA = json.loads((REPO / "schemas" / "verify-report.schema.json").read_text(encoding="utf-8"))

#: cases known to fail, 'vX/category/bag' -> why (marked xfail, not strict): empty while every case
#: passes; a case added here must name the rule it is waiting for, and leaves as soon as it passes
PENDING: dict[str, str] = {
}

Category = Literal["valid", "invalid", "warning", "linux-only", "windows-only"]
EXPECTED: dict[Category, str] = {"valid": "ok", "invalid": "fails", "warning": "ok with a warning",
                                 "linux-only": "fails", "windows-only": "not applicable"}


def _cases() -> list[str]:
    """Every case of the suite as 'vX/category/bag' (sorted), or [] when the suite is absent."""
    if not SUITE.is_dir():
        return []
    return sorted(str(p.relative_to(SUITE)) for p in SUITE.glob("v*/*/*")
                  if p.is_dir() and p.parent.name in EXPECTED)


CASES = _cases()


def _param(case: str):
    reason = PENDING.get(case)
    marks = [pytest.mark.xfail(strict=False, reason=reason)] if reason else []
    return pytest.param(case, id=case, marks=marks)


def _category(case: str) -> Category:
    return case.split("/")[1]  # type: ignore[return-value]  # _cases keeps only EXPECTED's keys


def _outcome_right(category: Category, report) -> bool:
    """Whether a report is what the suite expects of a case in category."""
    warned = any(p.severity == "warning" for p in report.problems)
    return {"valid": report.ok, "invalid": not report.ok, "linux-only": not report.ok,
            "warning": report.ok and warned}[category]


needs_suite = pytest.mark.skipif(not SUITE.is_dir(), reason="../shared/conformance/bagit-loc is absent")


@needs_suite
def test_the_suite_has_every_category_and_the_pending_table_names_real_cases() -> None:
    assert {_category(c) for c in CASES} == set(EXPECTED)
    assert len(CASES) >= 50
    assert set(PENDING) <= set(CASES)
    assert not any(_category(c) == "windows-only" for c in PENDING)


@needs_suite
@pytest.mark.parametrize("case", [_param(c) for c in CASES])
def test_case_gives_the_expected_outcome(case: str) -> None:
    category = _category(case)
    if category == "windows-only":
        pytest.skip("invalid only on Windows: not applicable on a POSIX file system")
    report = verify_bag(SUITE / case)
    assert not any(p.code == "check-failed" for p in report.problems), report.problems
    found = [f"{p.severity} {p}" for p in report.problems]
    assert _outcome_right(category, report), f"expected: {EXPECTED[category]}; found: {found}"


@needs_suite
def test_cli_agrees_with_the_library_and_strict_fails_warned_bags(tmp_path: Path) -> None:
    cases = [c for c in CASES if _category(c) in ("valid", "warning")]
    bags = [str(SUITE / c) for c in cases]
    reports = {str(SUITE / c): verify_bag(SUITE / c) for c in cases}

    def run(*extra: str) -> tuple[int, dict]:
        res = subprocess.run([sys.executable, "-m", "preserve", "verify", "--json", "--jobs", "2", *extra, *bags],
                             cwd=tmp_path, capture_output=True, text=True, timeout=300)
        assert res.returncode in (0, 1), res.stderr
        assert "Traceback" not in res.stderr
        doc = json.loads(res.stdout)
        jsonschema.Draft202012Validator(SCHEMA).validate(doc)
        return res.returncode, doc

    code, doc = run()
    assert [b["path"] for b in doc["bags"]] == bags
    assert {b["path"]: b["ok"] for b in doc["bags"]} == {p: r.ok for p, r in reports.items()}
    assert code == (0 if all(r.ok for r in reports.values()) else 1)
    right = [c for c in cases if c not in PENDING]
    assert all(_outcome_right(_category(c), reports[str(SUITE / c)]) for c in right)
    warned = {p for p, r in reports.items() if r.ok and any(x.severity == "warning" for x in r.problems)}
    assert doc["summary"]["with_warnings"] == len(warned) and doc["strict"] is False

    code, doc = run("--strict")
    assert doc["strict"] is True
    assert {b["path"] for b in doc["bags"] if not b["ok"]} == {p for p, r in reports.items() if not r.ok} | warned
    assert code == (1 if warned or not all(r.ok for r in reports.values()) else 0)
