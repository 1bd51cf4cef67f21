"""Dublin Core extraction for releases: one entry point per release and per collection.

``describe_release`` reads the release's main document, drafts every element the text
gives evidence for (see docs/describe.md), adds the derived ones (identifier, source,
type, format) and the collection's (publisher, rights), then applies curator values
from metadata.csv, which always win.
"""
from __future__ import annotations

from pathlib import Path
from typing import Literal, Mapping, Sequence

from preserve.intake.config import CollectionConfig, load_config
from preserve.fixity import read_head
from preserve.record import PLACEHOLDER_TITLE, DC_ELEMENTS, RecordFile, Record, Value
from preserve.intake.releases import SHEET_NAME, Release, ReleaseFile, discover
from preserve.describe.binary import dcmi_type, describe_size, sniff_mime
from preserve.describe.encoding import decode
from preserve.describe.places import last_country
from preserve.describe.text import Draft, analyse
from preserve.describe.lines import split_lines

MAIN_DOCUMENT_COLUMN = "preserve.main_document"
#: the kinds of text document describe tells apart
TextKind = Literal["text/plain", "text/markdown", "text/html"]
_TEXT_EXT: dict[str, TextKind] = {
    ".txt": "text/plain", ".text": "text/plain", ".md": "text/markdown", ".markdown": "text/markdown",
    ".html": "text/html", ".htm": "text/html", ".xhtml": "text/html"}
SNIFF_BYTES = 8192
MAX_DOCUMENT_BYTES = 16 << 20  # extraction reads at most this much of a main document

__all__ = ["describe_release", "describe_collection", "describe_and_write_sheet",
           "describe_bytes", "MAIN_DOCUMENT_COLUMN"]


def _ext(name: str) -> str:
    """The lower-case extension of a file name's last segment, with its dot ("" when none)."""
    return ("." + name.rsplit(".", 1)[-1].lower()) if "." in name.rsplit("/", 1)[-1] else ""


def _text_kind(name: str, text: str) -> TextKind:
    """text/plain, text/markdown or text/html, by extension then by content."""
    kind = _TEXT_EXT.get(_ext(name))
    if kind and kind != "text/plain":
        return kind
    head = text.lstrip("\ufeff \t\r\n")[:200].lower()
    if head.startswith(("<!doctype html", "<html")):
        return "text/html"
    if head.startswith("---\n") or head.startswith("---\r\n"):
        return "text/markdown"
    return kind or "text/plain"


def _address_country(address: str | None) -> str | None:
    """ISO code of the country the collection's postal address names last, if any."""
    country = last_country(address) if address else None
    return country.code if country else None


def preload() -> None:
    """Load the language model and the gazetteer now (otherwise on first use).

    A process about to fork workers calls this, so they share one copy of each, loaded once.
    """
    from preserve.describe.language import _model
    from preserve.describe.places import gazetteer

    _model()
    gazetteer()


def may_analyse_text(releases: Sequence[Release], sheet: Mapping[str, Mapping[str, list[str]]]) -> bool:
    """Whether describing these releases may analyse a text document (what the models are for).

    False only when every release is a folder whose main document can only be a text file by
    its name (no curator choice, no file without an extension) and no file has a text
    extension. A hint, for :func:`preload`: a wrong answer costs time, never a result, as the
    models load on first use anyway.
    """
    for release in releases:
        if not release.is_dir or (sheet.get(release.name) or {}).get(MAIN_DOCUMENT_COLUMN):
            return True  # choose_main takes the single file, or the curator's choice
        if any(_may_be_text(f) for f in release.files):
            return True
    return False


def _may_be_text(f: ReleaseFile) -> bool:
    """Whether f may be a text document by its name: a text extension, or none (its bytes decide)."""
    ext = _ext(f.relpath)
    return not ext or ext in _TEXT_EXT


def _is_text_document(f: ReleaseFile) -> bool:
    """A text document of a folder: a text extension, or no extension and text bytes."""
    return _may_be_text(f) and (_ext(f.relpath) in _TEXT_EXT or _file_format(f).startswith("text/"))


def describe_bytes(data: bytes, name: str, config: CollectionConfig | None = None) -> tuple[Draft, str, str | None]:
    """Draft of one document's bytes: (draft, format value, encoding or None for binary)."""
    decoded = decode(data)
    if decoded is None:
        draft, mime = _describe_binary(data, name)
        return draft, mime, None
    mime = _text_kind(name, decoded.text)
    fmt = f"{mime}; charset={decoded.encoding}"
    draft = _draft_text(decoded.text, mime, config or CollectionConfig())
    draft.add("type", Value("Text", f"inferred: text document ({mime})"))
    draft.add("format", Value(fmt, f"inferred: {'extension and content' if mime != 'text/plain' else 'content'}; "
                                   f"encoding {decoded.how}"))
    draft.notes.append(f"encoding: {decoded.encoding} ({decoded.how}); the payload keeps the original bytes")
    return draft, fmt, decoded.encoding


def _describe_binary(data: bytes, name: str) -> tuple[Draft, str]:
    """Draft of bytes that are not text (size, format and DCMI type by signature or name), and
    their MIME type."""
    mime, how = sniff_mime(data[:64], name)
    draft = Draft()
    draft.add("description", Value(describe_size(len(data), mime, how), "inferred: file signature and size"))
    draft.add("format", Value(mime, f"inferred: {how}"))
    kind = dcmi_type(mime)
    if kind:
        draft.add("type", Value(kind, f"inferred: from format {mime}"))
    else:
        draft.notes.append(f"type: no DCMI Type follows from {mime}; set dc.type in metadata.csv")
    draft.notes.append("title: binary content, no title extracted")
    draft.notes.append("language: binary content, not detected; set dc.language (or zxx) in metadata.csv")
    return draft, mime


def _draft_text(text: str, mime: TextKind, config: CollectionConfig) -> Draft:
    """Draft of a decoded document by its kind: HTML, Markdown or plain text (empty: language zxx)."""
    context = dict(config_language=config.language, address_country=_address_country(config.address))
    if not text.strip():
        draft = Draft()
        draft.add("language", Value("zxx", "inferred: empty document", "no linguistic content"))
        draft.notes.append("title: empty document, no headline")
        draft.notes.append("date: empty document, no date")
        return draft
    if mime == "text/html":
        from preserve.describe.html import describe_html  # lxml.html: imported only when a release holds HTML

        return describe_html(text, **context)
    if mime == "text/markdown":
        from preserve.describe.markdown import describe_markdown  # PyYAML: only for Markdown

        return describe_markdown(text, **context)
    return analyse(split_lines(text), **context)


def read_document(f: ReleaseFile, limit: int = MAX_DOCUMENT_BYTES) -> tuple[bytes, str | None]:
    """The bytes extraction reads: at most ``limit`` (cut at a line end), so memory stays flat.

    Returns the bytes and a note when the document was cut or could not be read.
    """
    try:
        data = read_head(f.location, limit + 1)
    except OSError as exc:
        return b"", f"{f.relpath}: cannot be read ({exc.strerror or exc})"
    if len(data) <= limit:
        return data, None
    cut = data.rfind(b"\n", 0, limit)
    data = data[: cut + 1] if cut > 0 else data[:limit]
    return data, f"{f.relpath}: described from its first {len(data)} bytes of {f.size}"


def _file_format(f: ReleaseFile) -> str:
    """The format value of a file from its first bytes: text kind and charset, or a MIME type."""
    try:
        head = read_head(f.location, SNIFF_BYTES)
    except OSError:
        return "application/octet-stream"
    decoded = decode(head if len(head) < SNIFF_BYTES else head[:SNIFF_BYTES - 4])
    if decoded is not None:
        return f"{_text_kind(f.relpath, decoded.text)}; charset={decoded.encoding}"
    return sniff_mime(head[:64], f.relpath)[0]


def choose_main(release: Release, named: str | None) -> tuple[ReleaseFile | None, str]:
    """The main document of a release and how it was chosen."""
    if not release.is_dir:
        return (release.files[0] if release.files else None), "the release is a single file"
    if named:
        for f in release.files:
            if f.relpath == named:
                return f, "named by the curator (metadata.csv)"
        return None, f"the curator named {named!r}, which is not a file of this release"
    texts = [f for f in release.files if _is_text_document(f)]
    if len(texts) == 1:
        return texts[0], "the only text document in the folder"
    top = [f for f in texts if "/" not in f.relpath]
    if len(top) == 1:
        return top[0], "the only text document at the top of the folder (the others are in sub-folders)"
    if not texts:
        return None, "the folder holds no text document"
    names = ", ".join(f.relpath for f in texts[:6])
    return None, (f"the folder holds {len(texts)} text documents ({names}); name the main one "
                  f"in metadata.csv column {MAIN_DOCUMENT_COLUMN}")


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
        record.notes.append("type: no main document to take the type from")
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
    data, note = read_document(main)
    if note:
        record.notes.append(note)
    draft, _, encoding = describe_bytes(data, main.relpath, config)
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
        fmt = next((v.value for v in formats), None) if main is not None and f is main else _file_format(f)
        record.files.append(RecordFile(f.relpath, fmt or "application/octet-stream", f.size))
        if release.is_dir and not any(v.value == fmt for v in formats):
            formats.append(Value(fmt, f"inferred: format of {f.relpath}"))
    if formats:
        record.elements["format"] = formats


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
