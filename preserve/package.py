"""The E-ARK CSIP 2.1 information package that forms a bag's payload (``data/``).

``build_package`` turns the facts about a release (content files with their fixity and
format, the DC record, provenance, validation outcome) into every generated file of the
package, in memory: METS (root and representation), DC XML and JSON, PREMIS, documentation
and the schemas. All XML is validated offline against the official XSDs before anything is
returned; an invalid package raises PackageError and nothing is written.

The caller (the bag writer) has already copied the content to ``data/representations/rep1/
data/<relpath>``; it writes the returned files under ``data/`` and lists them all in the
payload manifests.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import lru_cache
from datetime import datetime, timezone
from typing import Mapping, Sequence

from lxml import etree

from . import SOFTWARE_NAME, __version__
from .config import CollectionConfig
from .dcxml import build_dc_element, build_dc_xml, serialise, xml_text  # noqa: F401
from .errors import PreserveError
from .fixity import Fixity
from .formats import FormatInfo, identifier
from .mets import FileEntry, build_rep_mets, build_root_mets
from .premis import build_premis, build_premis_xml, iso  # noqa: F401 - build_premis re-exported
from .xmlsafe import safe_parser
from .xsd import SCHEMA_FILES, is_valid, schema_bytes, validate

CONTENT_PREFIX = "representations/rep1/data/"
REP_DIR = "representations/rep1/"
METS_PATH = "METS.xml"
REP_METS_PATH = REP_DIR + "METS.xml"
DC_XML_PATH = "metadata/descriptive/dc.xml"
DC_JSON_PATH = "metadata/descriptive/dc.json"
PREMIS_PATH = "metadata/preservation/premis.xml"
README_PATH = "documentation/README.txt"
SCHEMAS_DIR = "schemas/"
#: the shipped files copied into every package's schemas/ (unmodified)
PACKAGE_SCHEMAS: tuple[str, ...] = tuple(dict.fromkeys(
    [n for kind in ("mets", "premis", "dc") for n in SCHEMA_FILES[kind]] + ["PROVENANCE.md"]))
PACKAGE_TYPES = ("SIP", "AIP")

_MIME = {".xml": "application/xml", ".xsd": "application/xml", ".json": "application/json",
         ".md": "text/markdown", ".txt": "text/plain"}


class PackageError(PreserveError):
    """The package's METS, PREMIS or DC does not validate (or its input is inconsistent)."""

    exit_code = 1


def content_path(relpath: str) -> str:
    """Path inside data/ of a release file (original relative path kept)."""
    return CONTENT_PREFIX + relpath


@dataclass(frozen=True)
class ContentFile:
    """A content file of the release, already copied into the package."""

    relpath: str
    fixity: Fixity
    created: datetime
    format: FormatInfo


@dataclass(frozen=True)
class PackageInput:
    """Everything build_package needs to know about one release."""

    release_id: str
    identifier: str
    title: str | None
    dc: Mapping[str, Sequence[str]]
    dc_json: Mapping
    provenance: Sequence[tuple[str, str, str]]
    validation_problems: Sequence[str]
    files: Sequence[ContentFile]
    empty_dirs: Sequence[str]
    config: CollectionConfig
    algorithms: Sequence[str]
    package_type: str = "SIP"
    created: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    software: tuple[str, str] = (SOFTWARE_NAME, __version__)


def _mime(path: str) -> str:
    return _MIME.get(path[path.rfind("."):].lower(), "application/octet-stream")


_serialise = serialise  # the one XML serialisation (preserve.dcxml)


def _entry(path: str, data: bytes, created: str, base: str = "") -> FileEntry:
    return FileEntry(path[len(base):], _mime(path), len(data), created,
                     hashlib.sha256(data).hexdigest())


@lru_cache(maxsize=None)
def _schema_facts(name: str) -> tuple[bytes, int, str]:
    """A shipped schema file's bytes, size and sha256 (the same for every package: once per process)."""
    data = schema_bytes(name)
    return data, len(data), hashlib.sha256(data).hexdigest()


def _schema_entry(name: str, created: str) -> FileEntry:
    _, size, digest = _schema_facts(name)
    path = SCHEMAS_DIR + name
    return FileEntry(path, _mime(path), size, created, digest)


def _content_entry(cf: ContentFile, base: str = "") -> FileEntry:
    return FileEntry(content_path(cf.relpath)[len(base):], cf.format.mime, cf.fixity.size,
                     iso(cf.created), cf.fixity.digests["sha256"])


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
        "  METS.xml                              METS 1.12: lists every file below with its size and",
        "                                        SHA-256 checksum, and points to the metadata.",
        "  metadata/descriptive/dc.xml           Dublin Core 1.1 record (oai_dc container).",
        "  metadata/descriptive/dc.json          the same record with the provenance of each value.",
        "  metadata/preservation/premis.xml      PREMIS 3: fixity, file formats (PRONOM), original",
        "                                        names, and the events and agents that made this.",
        f"  {CONTENT_PREFIX}<file>   the release's files, byte-identical, original names.",
        f"  {REP_METS_PATH}          METS of the representation (its files).",
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
    lines += [
        "",
        "To check it: compare each file's SHA-256 with METS.xml (and with PREMIS and the bag",
        "manifests), and validate the XML against the schemas in schemas/ (METS imports xlink.xsd",
        "and the DILCIS CSIP extension; dc.xsd imports xml.xsd).",
    ]
    return "\n".join(xml_text(line) for line in lines) + "\n"


def build_package(inp: PackageInput) -> dict[str, bytes]:
    """Every generated file of the package (path inside data/ -> bytes), validated offline."""
    _check_input(inp)
    when = iso(inp.created)
    locations = [content_path(cf.relpath) for cf in inp.files]
    out: dict[str, bytes] = {}

    try:
        dc_root = build_dc_element(inp.dc)
    except ValueError as exc:
        raise PackageError(f"package {inp.release_id}: {exc}") from None
    out[DC_XML_PATH] = serialise(dc_root)
    out[DC_JSON_PATH] = (json.dumps(inp.dc_json, ensure_ascii=False, indent=2)
                         + "\n").encode("utf-8")
    out[PREMIS_PATH] = build_premis_xml(inp, locations, identifier())
    out[README_PATH] = documentation_text(inp).encode("utf-8")
    for name in PACKAGE_SCHEMAS:
        out[SCHEMAS_DIR + name] = _schema_facts(name)[0]

    rep_root = build_rep_mets(inp, [_content_entry(cf, REP_DIR) for cf in inp.files], inp.empty_dirs)
    out[REP_METS_PATH] = serialise(rep_root)
    mets_root = build_root_mets(
        inp,
        dc=_entry(DC_XML_PATH, out[DC_XML_PATH], when),
        dc_json=_entry(DC_JSON_PATH, out[DC_JSON_PATH], when),
        premis=_entry(PREMIS_PATH, out[PREMIS_PATH], when),
        rep_mets=_entry(REP_METS_PATH, out[REP_METS_PATH], when),
        content=[_content_entry(cf) for cf in inp.files],
        documentation=[_entry(README_PATH, out[README_PATH], when)],
        schemas=[_schema_entry(n, when) for n in PACKAGE_SCHEMAS],
    )
    out[METS_PATH] = serialise(mets_root)

    # Each document is validated once, as the tree its bytes were serialised from (the METS and
    # DC trees built here; premis.xml, made as text, parsed once). Only if one is invalid are the
    # bytes parsed again, for problems with line numbers.
    premis_tree = etree.fromstring(out[PREMIS_PATH], parser=safe_parser())
    trees = ((mets_root, "mets"), (rep_root, "mets"), (premis_tree, "premis"), (dc_root, "dc"))
    problems = [] if all(is_valid(tree, kind) for tree, kind in trees) else validate_package_xml(out)
    if problems:
        raise PackageError(f"package {inp.release_id} does not validate: " + "; ".join(problems[:20])
                           + (f" (and {len(problems) - 20} more)" if len(problems) > 20 else ""))
    return out


def validate_package_xml(files: Mapping[str, bytes]) -> list[str]:
    """Schema problems of the package's METS, PREMIS and DC XML (path-prefixed)."""
    problems: list[str] = []
    for path, kind in ((METS_PATH, "mets"), (REP_METS_PATH, "mets"), (PREMIS_PATH, "premis"),
                       (DC_XML_PATH, "dc")):
        problems += [f"{path}: {p}" for p in validate(files[path], kind)]
    return problems
