"""Check every release record of a collection against the DC schema (`preserve validate`)."""
from __future__ import annotations

from pathlib import Path
from typing import Iterable

from preserve.describe import describe_collection
from preserve.intake.config import load_config
from preserve.intake.releases import discover
from preserve.record import Record, plain
from preserve.validate.schema import RecordProblem, validate_record


def validate_records(records: Iterable[Record]) -> list[RecordProblem]:
    """Every schema problem of every record, record by record."""
    problems: list[RecordProblem] = []
    for record in records:
        problems.extend(validate_record(plain(record), record.release_id))
    return problems


def validate_collection(source: Path) -> list[RecordProblem]:
    """Every schema problem of the records SOURCE's releases describe to (metadata.csv applied)."""
    source = Path(source)
    releases = discover(source).releases
    return validate_records(describe_collection(source, releases, load_config(source)))
