"""Verification reports: the --json document, the human text, and the audit log outside the bags.

Pure functions over :class:`preserve.verify.checks.BagReport` lists; the CLI prints their results.
The JSON document follows ``schemas/verify-report.schema.json``; the audit log is JSON Lines,
one object per bag per run, appended (never rewritten) so fixity history can be shown later.
"""
from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Literal, Sequence

from preserve import SOFTWARE_NAME, __version__
from preserve.errors import InputError
from preserve.verify.checks import BagReport, Level

FORMAT = "preserve-verify-report"
FORMAT_VERSION = 1
LOG_FORMAT = "preserve-verify-log"

#: a bag's result in the audit log and the summary: no problem found, or at least one
Verdict = Literal["intact", "damaged"]


def _tool() -> dict:
    return {"name": SOFTWARE_NAME, "version": __version__}


def _now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def verdict(report: BagReport) -> Verdict:
    """'intact' when no problem was found in the bag, else 'damaged'."""
    return "intact" if report.ok else "damaged"


def exit_code(reports: Sequence[BagReport]) -> int:
    """0 when every bag is intact, 1 when any is damaged."""
    return 0 if all(r.ok for r in reports) else 1


def summary(reports: Sequence[BagReport], level: Level) -> str:
    """The closing line: 'N intact, M damaged, K bags verified (level)'."""
    damaged = sum(not r.ok for r in reports)
    return f"{len(reports) - damaged} intact, {damaged} damaged, {len(reports)} bags verified ({level})"


def report_document(reports: Sequence[BagReport], level: Level) -> dict:
    """The --json document (valid against schemas/verify-report.schema.json)."""
    damaged = sum(not r.ok for r in reports)
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "tool": _tool(),
        "verified_at": _now(),
        "level": level,
        "ok": damaged == 0,
        "summary": {"bags": len(reports), "intact": len(reports) - damaged, "damaged": damaged},
        "bags": [r.as_dict() for r in reports],
    }


def format_bag(report: BagReport) -> str:
    """One bag: 'OK     <path>' or 'FAILED <path>', then each problem indented."""
    lines = [f"{'OK' if report.ok else 'FAILED':6} {report.path}"]
    lines += [f"    {problem}" for problem in report.problems]
    return "\n".join(lines)


def format_text(reports: Sequence[BagReport], level: Level) -> str:
    """Human text: every bag (problems indented) and the summary line; ends with a newline."""
    return "".join(format_bag(r) + "\n" for r in reports) + summary(reports, level) + "\n"


def audit_record(report: BagReport, level: Level, when: str | None = None) -> dict:
    """One audit-log line for one bag."""
    return {
        "format": LOG_FORMAT,
        "format_version": FORMAT_VERSION,
        "time": when or _now(),
        "tool": _tool(),
        "bag": str(Path(report.path).resolve()),
        "level": level,
        "result": verdict(report),
        "bagit_version": report.version,
        "files": report.files,
        "bytes": report.bytes,
        "problems": [p.as_dict() for p in report.problems],
    }


def append_audit_log(path: Path, reports: Sequence[BagReport], level: Level) -> None:
    """Append one JSON line per bag to the log at path (created if absent; never rewritten).

    Raises InputError when the log cannot be opened or written. The whole run is written
    with one write() on an O_APPEND descriptor, so concurrent runs do not interleave lines.
    """
    path = Path(path)
    when = _now()
    data = "".join(json.dumps(audit_record(r, level, when), ensure_ascii=False, sort_keys=True) + "\n"
                   for r in reports).encode("utf-8")
    if path.is_dir():
        raise InputError(f"{path}: is a folder; give a file for --log")
    try:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o644)
    except OSError as exc:
        raise InputError(f"{path}: cannot open the audit log ({exc.strerror or exc})") from None
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
    except OSError as exc:
        raise InputError(f"{path}: cannot write the audit log ({exc.strerror or exc})") from None
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
