"""The facts a package is built from, shared by the METS, PREMIS and package builders.

Paths inside the package (relative to its root folder, ``data/<release id>/`` in the bag), the content files with their fixity
and format, everything known about one release (:class:`PackageInput`), a file as METS lists it
(:class:`FileEntry`) and the one xs:dateTime form. Data only: no builder imports another.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache
from typing import Literal, Mapping, Sequence

from preserve import SOFTWARE_NAME, __version__
from preserve.fixity import Fixity
from preserve.formats import FormatInfo
from preserve.intake.config import CollectionConfig

CONTENT_PREFIX = "representations/rep1/data/"
REP_DIR = "representations/rep1/"
METS_PATH = "METS.xml"
REP_METS_PATH = REP_DIR + "METS.xml"
DC_XML_PATH = "metadata/descriptive/dc.xml"
DC_JSON_PATH = "metadata/descriptive/dc.json"
PREMIS_PATH = "metadata/preservation/premis.xml"
README_PATH = "documentation/README.txt"
SCHEMAS_DIR = "schemas/"

#: E-ARK package types preserve writes (CSIP: mets/@csip:OAISPACKAGETYPE)
PackageType = Literal["SIP", "AIP"]
PACKAGE_TYPES: tuple[PackageType, ...] = ("SIP", "AIP")


def content_path(relpath: str) -> str:
    """Path of a release file inside the package root folder (original relative path kept)."""
    return CONTENT_PREFIX + relpath


def in_payload(release_id: str, relpath: str) -> str:
    """Path inside the bag's data/ of a package file: in the package root folder named by the release.

    E-ARK CSIP (CSIPSTR1-2): one root folder named by the package; E-ARK AIP (AIP31): that folder
    is the payload of the bag, ``data/<release id>/METS.xml``.
    """
    return f"{release_id}/{relpath}"


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
    package_type: PackageType = "SIP"
    created: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    software: tuple[str, str] = (SOFTWARE_NAME, __version__)
    identify: str = "siegfried"  # the engine that identified the formats (for the PREMIS agent)
    incomplete: Sequence[str] = ()  # what the record lacks for deposit, each with where to supply it


@dataclass(frozen=True)
class FileEntry:
    """One file as METS lists it: href relative to the METS file's folder, and its facts."""

    path: str
    mime: str
    size: int
    created: str
    sha256: str


@lru_cache(maxsize=8192)
def iso(dt: datetime) -> str:
    """xs:dateTime in UTC with a 'Z' (naive datetimes are taken as UTC); remembered per value."""
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")
