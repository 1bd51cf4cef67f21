"""Dublin Core extraction for releases: one entry point per release and per collection.

``describe_release`` reads the release's main document, drafts every element the text
gives evidence for (see docs/describe.md), adds the derived ones (identifier, source,
type, format) and the collection's (publisher, rights), then applies curator values
from metadata.csv, which always win.
"""
from __future__ import annotations

from pathlib import Path
from typing import Mapping, Sequence

from preserve.intake.config import CollectionConfig, load_config
from preserve.record import PLACEHOLDER_TITLE, DC_ELEMENTS, RecordFile, Record, Value
from preserve.intake.releases import SHEET_NAME, Release, ReleaseFile, discover
from preserve.describe.files import describe_bytes, describe_file, file_format  # noqa: F401 - the room's API
from preserve.describe.kinds import dcmi_type
from preserve.describe.main_document import (MAIN_DOCUMENT_COLUMN, choose_main,  # noqa: F401 - the room's API
                                             may_analyse_text)

__all__ = ["describe_release", "describe_collection", "describe_and_write_sheet", "describe_bytes",
           "describe_file", "choose_main", "may_analyse_text", "MAIN_DOCUMENT_COLUMN"]


def preload() -> None:
    """Load the language model and the gazetteer now (otherwise on first use).

    A process about to fork workers calls this, so they share one copy of each, loaded once.
    """
    from preserve.describe.language import _model
    from preserve.describe.places import gazetteer

    _model()
    gazetteer()


def _apply_curated(record: Record, curated: Mapping[str, list[str]]) -> None:
    """Curator values replace an element's values; one equal to an extracted value keeps its provenance."""
    for element in DC_ELEMENTS:
        values = [v.strip() for v in curated.get(element, []) if v.strip()]
        if not values:
            continue
        extracted = {v.value: v for v in record.elements.get(element, [])}
        out = []
        for v in values:
            if v in extracted:
                old = extracted[v]
                out.append(Value(old.value, old.provenance,
                                 "; ".join(filter(None, [old.note, "kept as is in the curator sheet"]))))
            else:
                out.append(Value(v, "curator sheet"))
        record.elements[element] = out


def describe_release(release: Release, config: CollectionConfig, curated: Mapping[str, list[str]] | None = None,
                     main_document: str | None = None) -> Record:
    """The DC record of one release: extraction, derived and collection values, curator overrides."""
    curated = curated or {}
    if main_document is None and curated.get(MAIN_DOCUMENT_COLUMN):
        main_document = curated[MAIN_DOCUMENT_COLUMN][0]
    record = Record(release_id=release.id, release_name=release.name)
    main, how = choose_main(release, main_document)
    formats = _draft_from_main(record, release, main, how, config)
    _list_files(record, release, main, formats)
    if release.is_dir and "type" not in record.elements and main is None:
        _folder_type(record)
    _add_derived_values(record, release)
    _add_collection_values(record, config)
    _apply_curated(record, curated)
    if not record.elements.get("title"):
        record.elements["title"] = [Value(PLACEHOLDER_TITLE, "default",
                                          "placeholder: no headline found; give a title in metadata.csv")]
    record.elements = {k: record.elements[k] for k in DC_ELEMENTS if record.elements.get(k)}
    return record


def _draft_from_main(record: Record, release: Release, main: ReleaseFile | None, how: str,
                     config: CollectionConfig) -> list[Value]:
    """Put the main document's draft into record; return its format values, which the files extend."""
    if main is None:
        record.notes.append(f"main document: none ({how}); title, date and the rest come from metadata.csv only")
        return []
    draft, _, encoding, notes = describe_file(main, config)
    record.notes.extend(notes)
    record.encoding = encoding
    record.main_document = main.relpath
    formats: list[Value] = []
    for element, values in draft.elements.items():
        if element == "format":
            formats.extend(values)
        else:
            record.elements[element] = list(values)
    record.notes.extend(draft.notes)
    if release.is_dir:
        record.notes.append(f"main document: {main.relpath} ({how})")
    return formats


def _list_files(record: Record, release: Release, main: ReleaseFile | None, formats: list[Value]) -> None:
    """Every file of the release with its format; a folder's record lists each distinct format."""
    for f in release.files:
        fmt = next((v.value for v in formats), None) if main is not None and f is main else file_format(f)
        record.files.append(RecordFile(f.relpath, fmt or "application/octet-stream", f.size))
        if release.is_dir and not any(v.value == fmt for v in formats):
            formats.append(Value(fmt, f"inferred: format of {f.relpath}"))
    if formats:
        record.elements["format"] = formats


def _folder_type(record: Record) -> None:
    """A folder without a main document is of the DCMI Type every one of its files shares, if any."""
    types = {dcmi_type(f.format) for f in record.files}
    if len(types) == 1 and None not in types:
        (kind,) = types
        record.elements["type"] = [Value(kind, f"inferred: every file of the folder is {kind}",
                                         f"{len(record.files)} files")]
        return
    named = ", ".join(sorted(t for t in types if t)) or "none known"
    record.notes.append(f"type: no main document to take the type from, and the files are of no one type "
                        f"({named}); set dc.type in metadata.csv")


def _add_derived_values(record: Record, release: Release) -> None:
    """Identifier and source, derived from the release's id and name."""
    record.elements["identifier"] = [Value(f"urn:preserve:{release.id}", "default", "derived from the release id")]
    record.elements["source"] = [Value(release.name, "file name", "the original name of the release in SOURCE")]


def _add_collection_values(record: Record, config: CollectionConfig) -> None:
    """Publisher and rights from preserve.toml, or notes saying they are not set."""
    if config.publisher:
        record.elements["publisher"] = [Value(config.publisher, "collection config", "preserve.toml publisher")]
    elif config.organisation:
        record.elements["publisher"] = [Value(config.organisation, "collection config",
                                              "preserve.toml organisation (no publisher key)")]
    else:
        record.notes.append("publisher: not set in preserve.toml (publisher or organisation)")
    if config.rights:
        record.elements["rights"] = [Value(config.rights, "collection config", "preserve.toml rights")]
    else:
        record.notes.append("rights: not set in preserve.toml (rights) nor metadata.csv (dc.rights); "
                            "required for deposit")


def curated_values(source: Path, releases: Sequence[Release]) -> dict[str, dict[str, list[str]]]:
    """SOURCE/metadata.csv by release name ({} when absent); a malformed sheet raises InputError."""
    from preserve.intake.sheet import read_sheet

    return read_sheet(Path(source), {r.name for r in releases}) if (Path(source) / SHEET_NAME).exists() else {}


def describe_collection(source: Path, releases: Sequence[Release], config: CollectionConfig) -> list[Record]:
    """Records of every release, with SOURCE/metadata.csv applied when present."""
    sheet = curated_values(source, releases)
    return [describe_release(r, config, sheet.get(r.name)) for r in releases]


def describe_and_write_sheet(source: Path) -> tuple[Path, list[Record]]:
    """`preserve describe SOURCE`: describe every release and add new ones to metadata.csv."""
    from preserve.intake.sheet import write_sheet

    source = Path(source)
    releases = discover(source).releases
    config = load_config(source)
    existing = curated_values(source, releases)
    records = [describe_release(r, config, existing.get(r.name)) for r in releases]
    path = write_sheet(source, records, existing)
    return path, records
