"""Find the wrong values of plain DC records: schemas/dublin-core.schema.json (Draft 2020-12).

A value the schema rejects (an impossible date, an unknown language code, a type outside the
DCMI vocabulary, a column that is no Dublin Core element) is wrong, and stops its release. The
schema requires no element: what deposit needs is checked by :mod:`preserve.validate.deposit`.
Problems are data: every one is returned as (release, field, value, expectation).
The schema is read from the installed package, never fetched.

The yes/no is decided by the schema compiled to Python by fastjsonschema (much faster than
jsonschema; shipped compiled in ``_compiled.py``, else compiled once per process); only
a record found invalid goes through jsonschema, which names every problem. The schema uses
only keywords that mean the same in Draft 2020-12 and Draft 7 (fastjsonschema's newest; any
other keyword turns the fast check off), and tests check both always agree.
"""
from __future__ import annotations

import calendar
import hashlib
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Mapping

from preserve._runtime.resources import schemas_dir

if TYPE_CHECKING:  # jsonschema is imported only when a record is rejected: a slow import
    from jsonschema import Draft202012Validator

try:
    import fastjsonschema
except ImportError:  # pragma: no cover - jsonschema alone decides (slower, same answers)
    fastjsonschema = None

SCHEMA_NAME = "dublin-core.schema.json"
_EDTF_PART = re.compile(r"^([0-9X]{4})(?:-([0-9X]{2})(?:-([0-9X]{2}))?)?[?~%]?$")


@dataclass(frozen=True)
class RecordProblem:
    """One wrong value of a record (or an element that is no Dublin Core element)."""

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
    if not 1 <= int(mo) <= 12:  # the pattern says so too; both checks see every value
        return False
    year = int(y) if "X" not in y else 2000  # leap year allows 29 February when the year is unknown
    return 1 <= int(d) <= calendar.monthrange(year, int(mo))[1]


def _edtf(value: object) -> bool:
    """The "edtf" format: every date of the value (or of a range) is a real calendar date."""
    if not isinstance(value, str):
        return True
    return all(_real_date(p) for p in value.split("/"))


@lru_cache(maxsize=1)
def schema() -> dict[str, Any]:
    """The schema, loaded once per process from the installed package."""
    return json.loads((schemas_dir() / SCHEMA_NAME).read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def _validator() -> "Draft202012Validator":
    """jsonschema's validator, with the edtf format: it decides when the fast check cannot."""
    from jsonschema import Draft202012Validator, FormatChecker

    checker = FormatChecker()
    checker.checks("edtf")(_edtf)
    Draft202012Validator.check_schema(schema())
    return Draft202012Validator(schema(), format_checker=checker)


#: the Draft 7 meta-schema URI: how fastjsonschema is told which draft's rules to compile
_DRAFT7 = "http://json-schema.org/draft-07/schema#"


def _escape_dollar_in_sets(pattern: str) -> str:
    """``$`` inside ``[...]`` written ``\\$`` (the same regex).

    fastjsonschema turns every unescaped ``$`` into ``\\Z``, which is not allowed in a set.
    """
    out: list[str] = []
    i, set_start = 0, -1  # set_start: index just after "[" (or "[^") while inside a set
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            out.append(pattern[i:i + 2])
            i += 2
            continue
        if set_start < 0 and c == "[":
            set_start = i + 2 if pattern.startswith("^", i + 1) else i + 1
            out.append(pattern[i:set_start])
            i = set_start
            continue
        if set_start >= 0 and c == "]" and i > set_start:
            set_start = -1
        elif set_start >= 0 and c == "$":
            c = "\\$"
        out.append(c)
        i += 1
    return "".join(out)


def _for_fastjsonschema(node: Any) -> Any:
    """A copy of (part of) the schema with every pattern made compilable by fastjsonschema."""
    if isinstance(node, dict):
        return {k: _escape_dollar_in_sets(v) if k == "pattern" and isinstance(v, str)
                else _for_fastjsonschema(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_for_fastjsonschema(v) for v in node]
    return node


#: keywords whose meaning is the same in Draft 2020-12 and Draft 7
_SAME_IN_DRAFT7 = frozenset({
    "$schema", "$id", "title", "description", "type", "enum", "const", "properties", "required",
    "additionalProperties", "items", "minItems", "maxItems", "minLength", "maxLength", "pattern",
    "format", "if", "then", "else", "allOf", "anyOf", "oneOf", "not"})


def _draft7_compatible(node: Any) -> bool:
    """Whether a (sub)schema uses only keywords that mean the same in Draft 7."""
    if not isinstance(node, dict):
        return isinstance(node, bool)
    if not set(node) <= _SAME_IN_DRAFT7:
        return False
    subschemas = [*node.get("properties", {}).values(), *node.get("allOf", ()), *node.get("anyOf", ()),
                  *node.get("oneOf", ())]
    subschemas += [node[k] for k in ("items", "if", "then", "else", "not") if k in node]
    if isinstance(node.get("additionalProperties"), dict):
        subschemas.append(node["additionalProperties"])
    return all(_draft7_compatible(sub) for sub in subschemas)


def _fast_definition() -> dict[str, Any]:
    """The schema as fastjsonschema compiles it: Draft 7, patterns made compilable."""
    return {**_for_fastjsonschema(schema()), "$schema": _DRAFT7}


def schema_sha256() -> str:
    """SHA-256 of the installed schema file (what the shipped compiled check was made from)."""
    return hashlib.sha256((schemas_dir() / SCHEMA_NAME).read_bytes()).hexdigest()


#: the module preserve ships with the schema compiled to Python (``python -m preserve.validate.schema``)
COMPILED_MODULE = Path(__file__).with_name("_compiled.py")


def compiled_source() -> str:
    """The source of COMPILED_MODULE: fastjsonschema's code for the schema, and its hash."""
    code = fastjsonschema.compile_to_code(_fast_definition(), formats={"edtf": _edtf})
    main = re.search(r"^def (validate\w*)\(", code, re.MULTILINE).group(1)  # type: ignore[union-attr]
    return (f'"""The DC record schema compiled by fastjsonschema {fastjsonschema.VERSION}: generated by\n'
            f"`python -m preserve.validate.schema` from schemas/{SCHEMA_NAME}; do not edit.\n\n"
            "preserve.validate.schema uses it while SCHEMA_SHA256 is the installed schema's hash, and compiles\n"
            'the schema itself otherwise, which costs start-up time in every process."""\n'
            "# flake8: noqa\n"
            f"SCHEMA_SHA256 = {schema_sha256()!r}\n"
            f"{code}\n\nvalidate = {main}\n")


@lru_cache(maxsize=1)
def _compiled() -> Callable[[Any], Any] | None:
    """The schema compiled by fastjsonschema as Draft 7 (None: not installed, or not Draft-7-safe).

    The compiled code preserve ships is used when it was made from this very schema file;
    otherwise (an edited schema) the schema is compiled here.
    """
    if fastjsonschema is None or not _draft7_compatible(schema()):
        return None
    try:
        from preserve.validate import _compiled as shipped
    except ImportError:  # pragma: no cover - a build without the generated module
        shipped = None
    if shipped is not None and shipped.SCHEMA_SHA256 == schema_sha256():
        formats = {"edtf": _edtf}
        return lambda data: shipped.validate(data, formats)
    return fastjsonschema.compile(_fast_definition(), formats={"edtf": _edtf})


def _fast_valid(record: dict[str, Any]) -> bool:
    """True only for a record jsonschema also finds valid; False means "ask jsonschema".

    fastjsonschema is at most stricter: its ``$`` matches only at the very end of a string
    (jsonschema's also before a final newline); tuples, which it takes for arrays and
    jsonschema does not, are left to jsonschema.
    """
    check = _compiled()
    if check is None or any(type(v) is tuple for v in record.values()):
        return False
    try:
        check(record)
    except fastjsonschema.JsonSchemaException:
        return False
    return True


def is_valid_record(plain: Mapping[str, Any]) -> bool:
    """Whether every value of a plain record is valid (jsonschema's answer, mostly decided fast)."""
    record = dict(plain)
    return _fast_valid(record) or _validator().is_valid(record)


def _expectation(error: Any) -> str:
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
    if error.validator == "additionalProperties":
        extra = [k for k in error.instance if k not in schema()["properties"]]
        return (", ".join(map(str, extra)) or "?"), ""
    name = str(path[0]) if path else "?"
    inst = error.instance
    value = inst if isinstance(inst, str) else ", ".join(map(str, inst)) if isinstance(inst, list) else str(inst)
    return name, value


def validate_record(plain: Mapping[str, list[str]], release_id: str) -> list[RecordProblem]:
    """Every wrong value of one plain record (empty list when all its values are valid)."""
    record = dict(plain)
    if _fast_valid(record):
        return []
    problems = []
    errors = sorted(_validator().iter_errors(record), key=lambda e: (list(map(str, e.absolute_path)), e.message))
    for error in errors:
        if error.validator == "if":
            continue
        field, value = _field(error)
        problems.append(RecordProblem(release_id, field, value, _expectation(error)))
    return list(dict.fromkeys(problems))  # a date both unlike the pattern and not in the calendar: once


if __name__ == "__main__":  # python -m preserve.validate.schema: regenerate the shipped compiled check
    COMPILED_MODULE.write_text(compiled_source(), encoding="utf-8")
    print(f"wrote {COMPILED_MODULE}")
