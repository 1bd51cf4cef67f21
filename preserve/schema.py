"""Validate plain DC records against schemas/dublin-core.schema.json (Draft 2020-12).

Problems are data: every one is returned as (release, field, value, expectation).
The schema is read from the installed package, never fetched.
"""
from __future__ import annotations

import calendar
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Mapping

from jsonschema import Draft202012Validator, FormatChecker

from .resources import schemas_dir

SCHEMA_NAME = "dublin-core.schema.json"
_EDTF_PART = re.compile(r"^([0-9X]{4})(?:-([0-9X]{2})(?:-([0-9X]{2}))?)?[?~%]?$")


@dataclass(frozen=True)
class RecordProblem:
    """One way a record falls short of the schema."""

    release: str
    field: str
    value: str
    expectation: str

    def __str__(self) -> str:
        return f"{self.release}: {self.field} = {self.value!r}: expected {self.expectation}"


def _real_date(part: str) -> bool:
    if part in ("", ".."):
        return True
    m = _EDTF_PART.match(part)
    if not m:
        return False
    y, mo, d = m.groups()
    if not mo or "X" in mo or not d or "X" in d:
        return True
    year = int(y) if "X" not in y else 2000  # leap year allows 29 February when the year is unknown
    return 1 <= int(d) <= calendar.monthrange(year, int(mo))[1]


_CHECKER = FormatChecker()


@_CHECKER.checks("edtf")
def _edtf(value: object) -> bool:
    if not isinstance(value, str):
        return True
    return all(_real_date(p) for p in value.split("/"))


@lru_cache(maxsize=1)
def schema() -> dict[str, Any]:
    """The schema, loaded once per process from the installed package."""
    return json.loads((schemas_dir() / SCHEMA_NAME).read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def _validator() -> Draft202012Validator:
    Draft202012Validator.check_schema(schema())
    return Draft202012Validator(schema(), format_checker=_CHECKER)


def _expectation(error: Any) -> str:
    if error.validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else ""
        desc = schema()["properties"].get(missing, {}).get("description", "")
        return f"required for deposit ({desc})" if desc else "required for deposit"
    if error.validator == "additionalProperties":
        return "one of the 15 Dublin Core elements"
    if error.validator == "maxItems":
        return error.schema.get("description", f"at most {error.validator_value} value(s)")
    if error.validator in ("minItems", "type") and isinstance(error.instance, (list, str)) is False:
        return "a list of strings"
    if error.validator == "format":
        return error.schema.get("description", "a real calendar date")
    if isinstance(error.schema, dict) and "description" in error.schema:
        return error.schema["description"]
    path = list(error.absolute_path)
    prop = schema()["properties"].get(str(path[0]), {}) if path else {}
    return prop.get("items", {}).get("description") or prop.get("description") or error.message


def _field(error: Any) -> tuple[str, str]:
    path = list(error.absolute_path)
    if error.validator == "required":
        return (error.message.split("'")[1] if "'" in error.message else "?"), ""
    if error.validator == "additionalProperties":
        extra = [k for k in error.instance if k not in schema()["properties"]]
        return (", ".join(map(str, extra)) or "?"), ""
    name = str(path[0]) if path else "?"
    inst = error.instance
    value = inst if isinstance(inst, str) else ", ".join(map(str, inst)) if isinstance(inst, list) else str(inst)
    return name, value


def validate_record(plain: Mapping[str, list[str]], release_id: str) -> list[RecordProblem]:
    """Every problem of one plain record (empty list when it is valid for deposit)."""
    problems = []
    errors = sorted(_validator().iter_errors(dict(plain)), key=lambda e: (list(map(str, e.absolute_path)), e.message))
    for error in errors:
        if error.validator == "if":
            continue
        field, value = _field(error)
        problems.append(RecordProblem(release_id, field, value, _expectation(error)))
    return problems
