"""The E-ARK CSIP 2.1 information package that forms a bag's payload (``data/``).

``build_package`` turns the facts about a release (content files with their fixity and
format, the DC record, provenance, validation outcome) into every generated file of the
package, in memory: METS (root and representation), DC XML and JSON, PREMIS, documentation
and the schemas. All XML is validated offline against the official XSDs before anything is
returned; an invalid package raises PackageError and nothing is written.

Each XML document is written as text by its builder (dc, mets, premis), then parsed once from
those bytes and validated once: as a tree without its indentation, or, for a PREMIS of
``STREAM_MIN_BYTES`` or more, while it streams through the parser (no tree). Only an invalid
package is validated again, as trees of the bytes, for messages with line numbers.

The caller (the bag writer) has already copied the content to ``data/representations/rep1/
data/<relpath>``; it writes the returned files under ``data/`` and lists them all in the
payload manifests.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Mapping, Sequence

from lxml import etree

from preserve.errors import PackageError
from preserve.formats import identifier
from preserve.package.dc import build_dc_xml
from preserve.package.mets import build_rep_mets_xml, build_root_mets_xml
from preserve.package.model import (CONTENT_PREFIX, DC_JSON_PATH, DC_XML_PATH, METS_PATH, PACKAGE_TYPES,
                                    PREMIS_PATH, README_PATH, REP_METS_PATH, SCHEMAS_DIR, ContentFile,
                                    FileEntry, PackageInput, content_path, iso)
from preserve.package.premis import build_premis_xml
from preserve.package.xmltext import xml_text
from preserve.xml.safe import safe_parser
from preserve.xml.schemas import SCHEMA_FILES, Kind, certainly_valid, is_valid, schema_bytes, validate

try:  # orjson, when installed, writes dc.json's bytes faster than the stdlib's indenting encoder
    import orjson
except ImportError:  # pragma: no cover - the stdlib gives the same bytes
    orjson = None
    _ORJSON_OPTIONS = 0
else:
    _ORJSON_OPTIONS = (orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE | orjson.OPT_PASSTHROUGH_SUBCLASS
                       | orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_DATETIME)

#: the shipped files copied into every package's schemas/ (unmodified)
PACKAGE_SCHEMAS: tuple[str, ...] = tuple(dict.fromkeys(
    [n for kind in ("mets", "premis", "dc") for n in SCHEMA_FILES[kind]] + ["PROVENANCE.md"]))

_MIME = {".xml": "application/xml", ".xsd": "application/xml", ".json": "application/json",
         ".md": "text/markdown", ".txt": "text/plain"}


def _mime(path: str) -> str:
    return _MIME.get(path[path.rfind("."):].lower(), "application/octet-stream")


def _entry(path: str, data: bytes, created: str, sha256: dict[str, str]) -> FileEntry:
    """The METS entry of a generated file; its sha256 is kept in ``sha256`` (path -> hex)."""
    digest = sha256[path] = hashlib.sha256(data).hexdigest()
    return FileEntry(path, _mime(path), len(data), created, digest)


@lru_cache(maxsize=None)
def _schema_facts(name: str) -> tuple[bytes, int, str]:
    """A shipped schema file's bytes, size and sha256 (the same for every package: once per process)."""
    data = schema_bytes(name)
    return data, len(data), hashlib.sha256(data).hexdigest()


def _schema_entry(name: str, created: str) -> FileEntry:
    _, size, digest = _schema_facts(name)
    path = SCHEMAS_DIR + name
    return FileEntry(path, _mime(path), size, created, digest)


@lru_cache(maxsize=64)
def _schema_entries(created: str) -> tuple[FileEntry, ...]:
    """The shipped schemas as METS lists them (the same for every package made at one time)."""
    return tuple(_schema_entry(n, created) for n in PACKAGE_SCHEMAS)


def _content_entries(files: Sequence[ContentFile]) -> tuple[list[FileEntry], list[FileEntry]]:
    """The content files as the representation METS and the root METS list them."""
    rep: list[FileEntry] = []
    root: list[FileEntry] = []
    for cf in files:
        facts = (cf.format.mime, cf.fixity.size, iso(cf.created), cf.fixity.digests["sha256"])
        rep.append(FileEntry("data/" + cf.relpath, *facts))
        root.append(FileEntry(CONTENT_PREFIX + cf.relpath, *facts))
    return rep, root


def json_bytes(data: Any) -> bytes:
    """dc.json's bytes: UTF-8, keys in the given order, indented by two spaces, newline at the end.

    Exactly ``json.dumps(data, ensure_ascii=False, indent=2) + "\\n"`` for JSON made of str, int,
    bool, None, lists and dicts (what records are; a float may be spelt differently), made by
    orjson when it is installed. Whatever orjson would treat otherwise than the stdlib (non-str
    keys, integers beyond 64 bits, subclasses, dataclasses, dates) is left to the stdlib.
    """
    if orjson is not None:
        try:
            return orjson.dumps(data, option=_ORJSON_OPTIONS)
        except TypeError:  # orjson.JSONEncodeError: the stdlib decides (and raises what it cannot write)
            pass
    return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def _check_input(inp: PackageInput) -> None:
    problems = []
    if inp.package_type.upper() not in PACKAGE_TYPES:
        problems.append(f"package type {inp.package_type!r} is not one of {', '.join(PACKAGE_TYPES)}")
    if "sha256" not in inp.algorithms:
        problems.append("sha256 must be one of the algorithms (METS checksums use it)")
    seen: set[str] = set()
    for cf in inp.files:
        missing = [a for a in inp.algorithms if a not in cf.fixity.digests]
        if missing:
            problems.append(f"{cf.relpath}: no {', '.join(missing)} digest")
        if cf.relpath in seen or cf.relpath.startswith("/") or ".." in cf.relpath.split("/"):
            problems.append(f"{cf.relpath}: duplicate or unsafe relative path")
        seen.add(cf.relpath)
    if problems:
        raise PackageError("cannot build package: " + "; ".join(problems))


def documentation_text(inp: PackageInput) -> str:
    """A short text explaining the package to a future reader."""
    cfg = inp.config
    name, version = inp.software
    lines = [
        f"Information package {inp.identifier}",
        "=" * min(78, len(inp.identifier) + 20),
        "",
        f"Title: {inp.title or '(none)'}",
        f"Release id: {inp.release_id}",
        f"Package type: {inp.package_type.upper()} (E-ARK CSIP 2.1)",
        f"Created: {iso(inp.created)} by {name} {version}",
        f"Organisation: {cfg.organisation or '(not recorded)'}",
        "",
        "This folder is the payload ('data/') of a BagIt 1.0 bag and, on its own, an E-ARK",
        "Common Specification for Information Packages (CSIP 2.1) package. Everything needed to",
        "understand it is inside this folder, even without the bag's tag files:",
        "",
        "  METS.xml                              METS 1.12: lists the metadata, documentation,",
        "                                        schemas and the representation's METS, each with",
        "                                        its size and SHA-256 checksum.",
        "  metadata/descriptive/dc.xml           Dublin Core 1.1 record (oai_dc container).",
        "  metadata/descriptive/dc.json          the same record with the provenance of each value.",
        "  metadata/preservation/premis.xml      PREMIS 3: fixity, file formats (PRONOM), original",
        "                                        names, and the events and agents that made this.",
        f"  {CONTENT_PREFIX}<file>      the release's files, byte-identical, original names.",
        f"  {REP_METS_PATH}         METS of the representation: lists its files, each",
        "                                        with its size and SHA-256 checksum.",
        "  documentation/README.txt              this text.",
        "  schemas/                              the official XML schemas these files use, with",
        "                                        PROVENANCE.md (where each came from, its SHA-256).",
        "",
        f"The release has {len(inp.files)} file(s) "
        f"({sum(cf.fixity.size for cf in inp.files)} bytes).",
    ]
    if inp.empty_dirs:
        lines.append("Empty folders of the release (recorded in PREMIS and the representation METS):")
        lines += [f"  {d}" for d in inp.empty_dirs]
    if inp.incomplete:  # a future reader learns first what the record still lacks
        lines += ["", "The descriptive record is incomplete for deposit (PREMIS: metadata validation):"]
        lines += [f"  {m}" for m in inp.incomplete]
    lines += [
        "",
        "To check it: compare each file's SHA-256 with the METS.xml that lists it (and with",
        "PREMIS and the bag manifests), and validate the XML against the schemas in schemas/",
        "(METS imports xlink.xsd and the DILCIS CSIP extension; dc.xsd imports xml.xsd).",
    ]
    return xml_text("\n".join(lines)) + "\n"


@dataclass(frozen=True)
class Package:
    """The generated files of a package, and the sha256 of those already hashed for the METS."""

    files: dict[str, bytes]  # path inside data/ -> bytes
    sha256: dict[str, str]  # path inside data/ -> hex sha256 (of the files the root METS lists)


def build_package(inp: PackageInput) -> dict[str, bytes]:
    """Every generated file of the package (path inside data/ -> bytes), validated offline."""
    return make_package(inp).files


def make_package(inp: PackageInput) -> Package:
    """build_package's files, with the sha256 computed for the METS (the bag's manifests reuse it)."""
    _check_input(inp)
    when = iso(inp.created)
    locations = [content_path(cf.relpath) for cf in inp.files]
    out: dict[str, bytes] = {}

    try:
        out[DC_XML_PATH] = build_dc_xml(inp.dc)
    except ValueError as exc:
        raise PackageError(f"package {inp.release_id}: {exc}") from None
    out[DC_JSON_PATH] = json_bytes(inp.dc_json)
    out[PREMIS_PATH] = build_premis_xml(inp, locations, identifier(inp.identify))
    out[README_PATH] = documentation_text(inp).encode("utf-8")
    for name in PACKAGE_SCHEMAS:
        out[SCHEMAS_DIR + name] = _schema_facts(name)[0]

    rep_content, root_content = _content_entries(inp.files)
    out[REP_METS_PATH] = build_rep_mets_xml(inp, rep_content, inp.empty_dirs)
    sha256: dict[str, str] = {}
    out[METS_PATH] = build_root_mets_xml(
        inp,
        dc=_entry(DC_XML_PATH, out[DC_XML_PATH], when, sha256),
        dc_json=_entry(DC_JSON_PATH, out[DC_JSON_PATH], when, sha256),
        premis=_entry(PREMIS_PATH, out[PREMIS_PATH], when, sha256),
        rep_mets=_entry(REP_METS_PATH, out[REP_METS_PATH], when, sha256),
        content=root_content,
        documentation=[_entry(README_PATH, out[README_PATH], when, sha256)],
        schemas=_schema_entries(when),
    )
    _check_valid(inp.release_id, out)
    return Package(out, sha256)


#: the XML documents of a package, with their kind of schema
_XML_FILES: tuple[tuple[str, Kind], ...] = (
    (METS_PATH, "mets"), (REP_METS_PATH, "mets"), (PREMIS_PATH, "premis"), (DC_XML_PATH, "dc"))


def _self_check_parser() -> etree.XMLParser:
    """The hardened parser that drops blank text, for the XML this module writes.

    The whitespace between the generated elements is indentation, which the schemas ignore (no
    generated element has mixed content), so dropping it leaves the verdict unchanged and leaves
    libxml2 far fewer nodes to build and to validate. The whitespace of a leaf's own value
    is kept (libxml2 keeps blanks that are an element's whole content), so a blank where the
    schema wants a value is still refused.
    """
    return safe_parser(remove_blank_text=True)


def _parse(data: bytes) -> etree._Element | None:
    """The tree of generated XML, without its indentation (None if it is not even well-formed)."""
    try:
        return etree.fromstring(data, parser=_self_check_parser())
    except etree.XMLSyntaxError:
        return None


#: generated documents validated while they stream, when certainly valid (xsd.certainly_valid):
#: the PREMIS, from xsd.STREAM_MIN_BYTES on. The METS use xs:ID throughout, which only a tree
#: check covers.
_STREAMED = frozenset({PREMIS_PATH})


def _all_valid(files: Mapping[str, bytes]) -> bool:
    """Whether every XML document of the package is schema-valid (the fast yes/no).

    Each is parsed once from the bytes that will be written and validated once, as a tree or
    while it streams (:data:`_STREAMED`); the first invalid one ends the check.
    """
    for path, kind in _XML_FILES:
        data = files[path]
        if path in _STREAMED and certainly_valid(data, kind):
            continue
        tree = _parse(data)  # not streamed, or streaming could not decide
        if tree is None or not is_valid(tree, kind):
            return False
    return True


def _check_valid(release_id: str, files: Mapping[str, bytes]) -> None:
    """Raise PackageError unless the package's XML validates; problems come with line numbers."""
    if _all_valid(files):
        return
    problems = validate_package_xml(files)
    if problems:
        raise PackageError(f"package {release_id} does not validate: " + "; ".join(problems[:20])
                           + (f" (and {len(problems) - 20} more)" if len(problems) > 20 else ""))


def validate_package_xml(files: Mapping[str, bytes]) -> list[str]:
    """Schema problems of the package's METS, PREMIS and DC XML (path-prefixed)."""
    problems: list[str] = []
    for path, kind in _XML_FILES:
        problems += [f"{path}: {p}" for p in validate(files[path], kind)]
    return problems
