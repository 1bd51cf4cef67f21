"""The curator sheet SOURCE/metadata.csv, in Archivematica's conventions.

First column ``filename``: the release name relative to SOURCE (``objects/<name>`` also
accepted; a folder may end in ``/``). Then ``dc.<element>`` columns, one column repeated
per extra value, and optionally ``preserve.main_document`` (the main document of a folder
release, as a path inside the folder). UTF-8 (a byte order mark is accepted).
A malformed sheet raises InputError naming the row and column; curator values are never
overwritten: writing only adds rows for releases the sheet does not list.
"""
from __future__ import annotations

import csv
import io
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Mapping, Sequence

from preserve.errors import InputError
from preserve.intake.userfiles import read_user_file
from preserve.record import DC_ELEMENTS, Record
from preserve.intake.releases import SHEET_NAME

FILENAME = "filename"
MAIN_DOCUMENT = "preserve.main_document"
KNOWN_COLUMNS = (FILENAME,) + tuple(f"dc.{e}" for e in DC_ELEMENTS) + (MAIN_DOCUMENT,)
MAX_SHEET_BYTES = 64 << 20  # a sheet of ~100,000 releases
#: provenances whose values are not drafted into the sheet: only evidence from the documents is
_NOT_DRAFTED = ("collection config", "default", "file name")


@dataclass
class SheetRow:
    """One data row: its 1-based row number in the file (header is row 1), name and values."""

    number: int
    filename: str
    values: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class Sheet:
    """A parsed sheet: its header cells (stripped) and its non-empty data rows."""

    header: list[str]
    rows: list[SheetRow]


def release_name(filename: str) -> str:
    """The release name a filename cell refers to."""
    name = filename.strip()
    if name.startswith("objects/"):
        name = name[len("objects/"):]
    return name.rstrip("/")


def _key(column: str) -> str:
    return column[3:] if column.startswith("dc.") else column


def parse_sheet(text: str, origin: str = SHEET_NAME) -> Sheet:
    """Parse sheet text; raise InputError for a missing filename column or unknown column."""
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"), newline="")))
    if not rows or not any(c.strip() for c in rows[0]):
        raise InputError(f"{origin}: row 1: no header row; the first column must be 'filename'")
    header = [c.strip() for c in rows[0]]
    if header[0] != FILENAME:
        raise InputError(f"{origin}: row 1, column 1: header is {header[0]!r}, not 'filename'; "
                         "make 'filename' the first column")
    for i, col in enumerate(header[1:], start=2):
        if col not in KNOWN_COLUMNS or col == FILENAME:
            raise InputError(f"{origin}: row 1, column {i}: unknown column {col!r}; use dc.<element> "
                             f"(one of {', '.join(DC_ELEMENTS)}) or {MAIN_DOCUMENT}")
    out: list[SheetRow] = []
    for number, cells in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in cells):
            continue
        if len(cells) > len(header) and any(c.strip() for c in cells[len(header):]):
            raise InputError(f"{origin}: row {number}, column {len(header) + 1}: value beyond the last "
                             "header column; add a header for it or delete it")
        if not cells[0].strip():
            raise InputError(f"{origin}: row {number}, column 1 (filename): empty; give the release name")
        row = SheetRow(number, cells[0].strip())
        for col, cell in zip(header[1:], cells[1:]):
            if cell.strip():
                row.values.setdefault(_key(col), []).append(cell.strip())
        if len(row.values.get(MAIN_DOCUMENT, [])) > 1:
            raise InputError(f"{origin}: row {number}, column {MAIN_DOCUMENT}: more than one main document")
        out.append(row)
    return Sheet(header, out)


def check_rows(sheet: Sheet, release_names: set[str], origin: str = SHEET_NAME) -> dict[str, dict[str, list[str]]]:
    """Map release name -> values; raise InputError for unknown or duplicated files."""
    seen: dict[str, int] = {}
    out: dict[str, dict[str, list[str]]] = {}
    for row in sheet.rows:
        name = release_name(row.filename)
        if name not in release_names:
            raise InputError(f"{origin}: row {row.number}, column 1 (filename): {row.filename!r} is not a "
                             "release in SOURCE; correct the name or delete the row")
        if name in seen:
            raise InputError(f"{origin}: row {row.number}, column 1 (filename): {row.filename!r} is already "
                             f"described in row {seen[name]}; merge the two rows")
        seen[name] = row.number
        out[name] = row.values
    return out


def _decode(data: bytes, origin: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        before = data[: exc.start]
        row = before.count(b"\n") + 1
        line = before.rsplit(b"\n", 1)[-1]
        col = line.count(b",") + 1
        raise InputError(f"{origin}: row {row}, column {col}: not UTF-8 (byte 0x{data[exc.start]:02x}); "
                         "save the sheet as CSV UTF-8") from None


def load_sheet(source: Path) -> Sheet:
    """Read and parse SOURCE/metadata.csv (InputError when absent or malformed)."""
    path = Path(source) / SHEET_NAME
    data = read_user_file(path, MAX_SHEET_BYTES, "a CSV metadata sheet")
    if data is None:
        raise InputError(f"{path}: no such file")
    return parse_sheet(_decode(data, str(path)), str(path))


def read_sheet(source: Path, release_names: set[str]) -> dict[str, dict[str, list[str]]]:
    """Curated values by release name (element -> values, plus preserve.main_document)."""
    sheet = load_sheet(source)
    return check_rows(sheet, set(release_names), str(Path(source) / SHEET_NAME))


def render_sheet(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """CSV text of header and rows (rows padded to the header width)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(list(header))
    for row in rows:
        writer.writerow(list(row) + [""] * (len(header) - len(row)))
    return buf.getvalue()


def _layout(counts: Mapping[str, int]) -> list[str]:
    header = [FILENAME]
    for col in KNOWN_COLUMNS[1:]:
        header.extend([col] * max(1, counts.get(col, 0)) if col != MAIN_DOCUMENT else
                      ([col] if counts.get(col) else []))
    return header


def _cells(header: Sequence[str], filename: str, values: Mapping[str, list[str]]) -> list[str]:
    cells = [filename]
    used: dict[str, int] = {}
    for col in header[1:]:
        i = used.get(col, 0)
        used[col] = i + 1
        vals = values.get(_key(col), [])
        cells.append(vals[i] if i < len(vals) else "")
    return cells


def draft_values(record: Record) -> dict[str, list[str]]:
    """The values of a record worth drafting into the sheet (evidence from the document)."""
    out: dict[str, list[str]] = {}
    for element in DC_ELEMENTS:
        vals = [v.value for v in record.elements.get(element, []) if v.provenance not in _NOT_DRAFTED]
        if vals:
            out[element] = vals
    return out


def merge_rows(existing: Sheet | None, records: Sequence[Record]) -> tuple[list[str], list[list[str]]]:
    """Header and rows: existing rows untouched, one new row per record the sheet lacks."""
    old_rows = existing.rows if existing else []
    listed = {release_name(r.filename) for r in old_rows}
    new = [(r.release_name or r.release_id, draft_values(r)) for r in records
           if (r.release_name or r.release_id) not in listed]
    counts: dict[str, int] = {}
    if existing:
        for col in existing.header[1:]:
            counts[col] = counts.get(col, 0) + 1
    for _, values in new:
        for el, vals in values.items():
            col = f"dc.{el}"
            counts[col] = max(counts.get(col, 0), len(vals))
    for row in old_rows:
        for el, vals in row.values.items():
            col = el if el == MAIN_DOCUMENT else f"dc.{el}"
            counts[col] = max(counts.get(col, 0), len(vals))
    header = _layout(counts)
    rows = [_cells(header, r.filename, r.values) for r in old_rows]
    rows += [_cells(header, name, values) for name, values in sorted(new)]
    return header, rows


def write_sheet(source: Path, records: Sequence[Record],
                existing: Mapping[str, Mapping[str, list[str]]] | None = None) -> Path:
    """Write SOURCE/metadata.csv atomically: keep every existing row, add the new releases."""
    path = Path(source) / SHEET_NAME
    sheet = load_sheet(source) if path.exists() else None
    if sheet is not None and existing is not None:
        listed = {release_name(r.filename) for r in sheet.rows}
        missing = set(existing) - listed
        if missing:
            raise InputError(f"{path}: changed while describing ({', '.join(sorted(missing))} gone); run again")
    header, rows = merge_rows(sheet, records)
    text = render_sheet(header, rows)
    fd, tmp = tempfile.mkstemp(prefix=".metadata-", suffix=".csv.tmp", dir=str(source))
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path
