"""Check every release record of a collection at both levels (`preserve validate`)."""
from __future__ import annotations

from pathlib import Path
from typing import Iterable

from preserve.describe import describe_collection
from preserve.intake.config import load_config
from preserve.intake.releases import discover
from preserve.record import Record
from preserve.validate.deposit import RecordCheck, check_record


def check_records(records: Iterable[Record]) -> list[RecordCheck]:
    """Each record's wrong values and what it lacks for deposit, record by record."""
    return [check_record(record) for record in records]


def check_collection(source: Path) -> list[RecordCheck]:
    """The checks of the records SOURCE's releases describe to (metadata.csv applied)."""
    source = Path(source)
    releases = discover(source).releases
    return check_records(describe_collection(source, releases, load_config(source)))
