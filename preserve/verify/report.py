"""Verification reports: the --json document, the human text, and the audit log outside the bags.

Pure functions over :class:`preserve.verify.checks.BagReport` lists; the CLI prints their results.
Every problem carries its severity: a bag is intact while none is an error (warnings and infos
are listed, never hidden), and :func:`warnings_as_errors` turns warnings into errors for ``--strict``.
The JSON document follows ``schemas/verify-report.schema.json``; the audit log is JSON Lines,
one object per bag per run, appended (never rewritten) so fixity history can be shown later.
"""
from __future__ import annotations

import json
import os
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Literal, Sequence

from preserve import SOFTWARE_NAME, __version__
from preserve.errors import InputError
from preserve.problems import Problem
from preserve.verify.checks import BagReport, Level

FORMAT = "preserve-verify-report"
FORMAT_VERSION = 1
LOG_FORMAT = "preserve-verify-log"

#: a bag's result in the audit log and the summary: no error found (warnings allowed), or at least one
Verdict = Literal["intact", "damaged"]


def _tool() -> dict:
    return {"name": SOFTWARE_NAME, "version": __version__}


def _now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def warnings_as_errors(reports: Sequence[BagReport]) -> list[BagReport]:
    """The reports with every warning made an error (``--strict``); infos stay infos."""
    return [replace(r, problems=[p.with_severity("error") if p.severity == "warning" else p for p in r.problems])
            for r in reports]


def verdict(report: BagReport) -> Verdict:
    """'intact' when no problem of the bag is an error, else 'damaged'."""
    return "intact" if report.ok else "damaged"


def has_warnings(report: BagReport) -> bool:
    """True when an intact bag has at least one warning."""
    return report.ok and any(p.severity == "warning" for p in report.problems)


def exit_code(reports: Sequence[BagReport]) -> int:
    """0 when every bag is intact (warnings and infos allowed), 1 when any is damaged."""
    return 0 if all(r.ok for r in reports) else 1


def _counts(reports: Sequence[BagReport]) -> dict[str, int]:
    damaged = sum(not r.ok for r in reports)
    return {"bags": len(reports), "intact": len(reports) - damaged,
            "with_warnings": sum(has_warnings(r) for r in reports), "damaged": damaged}


def summary(reports: Sequence[BagReport], level: Level) -> str:
    """The closing line: 'N intact (M with warnings), K damaged (P only off the profile), B bags verified (level)'.

    Each part in brackets appears only when it counts some bag.
    """
    c = _counts(reports)
    warned = f" ({c['with_warnings']} with warnings)" if c["with_warnings"] else ""
    off = sum(off_profile_only(r) for r in reports)
    profiled = f" ({off} only off the profile)" if off else ""
    return f"{c['intact']} intact{warned}, {c['damaged']} damaged{profiled}, {c['bags']} bags verified ({level})"


def off_profile_only(report: BagReport) -> bool:
    """True when a bag's every error is a departure from a BagIt profile: whole, but not as the profile wants."""
    errors = [p.code for p in report.problems if p.severity == "error"]
    return bool(errors) and all(code.startswith("profile-") for code in errors)


def report_document(reports: Sequence[BagReport], level: Level, *, strict: bool = False) -> dict:
    """The --json document (valid against schemas/verify-report.schema.json)."""
    c = _counts(reports)
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "tool": _tool(),
        "verified_at": _now(),
        "level": level,
        "strict": strict,
        "ok": c["damaged"] == 0,
        "summary": c,
        "bags": [r.as_dict() for r in reports],
    }


def format_problem(problem: Problem) -> str:
    """One problem as '<severity> <code>: <path>: <message>', the severity padded to one width."""
    return f"{problem.severity:<7} {problem}"


def format_bag(report: BagReport) -> str:
    """One bag: 'OK     <path>' or 'FAILED <path>', then each problem indented, marked with its severity."""
    lines = [f"{'OK' if report.ok else 'FAILED':6} {report.path}"]
    lines += [f"    {format_problem(problem)}" for problem in report.problems]
    return "\n".join(lines)


def format_text(reports: Sequence[BagReport], level: Level) -> str:
    """Human text: every bag (problems indented) and the summary line; ends with a newline."""
    return "".join(format_bag(r) + "\n" for r in reports) + summary(reports, level) + "\n"


def audit_record(report: BagReport, level: Level, when: str | None = None, *, strict: bool = False) -> dict:
    """One audit-log line for one bag (each problem with its severity)."""
    return {
        "format": LOG_FORMAT,
        "format_version": FORMAT_VERSION,
        "time": when or _now(),
        "tool": _tool(),
        "bag": str(Path(report.path).resolve()),
        "level": level,
        "strict": strict,
        "result": verdict(report),
        "bagit_version": report.version,
        "files": report.files,
        "bytes": report.bytes,
        "problems": [p.as_dict() for p in report.problems],
    }


def append_audit_log(path: Path, reports: Sequence[BagReport], level: Level, *, strict: bool = False) -> None:
    """Append one JSON line per bag to the log at path (created if absent; never rewritten).

    Raises InputError when the log cannot be opened or written.
    """
    when = _now()
    append_json_lines(path, [audit_record(r, level, when, strict=strict) for r in reports])


def append_json_lines(path: Path, records: Sequence[dict], option: str = "--log", what: str = "audit log") -> None:
    """Append each record as one JSON line to the log at path (created if absent; never rewritten).

    The whole batch is written with one write() on an O_APPEND descriptor, so concurrent runs do
    not interleave lines, then flushed to disk. A name that is not UTF-8 is kept legible
    (backslash escapes). InputError names the log (``what``) and ``option`` when it cannot be
    written. No records: the log is only opened (created), to fail early.
    """
    path = Path(path)
    data = "".join(json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n"
                   for record in records).encode("utf-8", "backslashreplace")
    if path.is_dir():
        raise InputError(f"{path}: is a folder; give a file for {option}")
    try:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o644)
    except OSError as exc:
        raise InputError(f"{path}: cannot open the {what} ({exc.strerror or exc})") from None
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
    except OSError as exc:
        raise InputError(f"{path}: cannot write the {what} ({exc.strerror or exc})") from None
    finally:
        os.close(fd)


def read_audit_log(path: Path) -> list[dict]:
    """Every record of an audit log, oldest first (lines that are not JSON objects are skipped)."""
    out = []
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if isinstance(record, dict):
                out.append(record)
    return out
