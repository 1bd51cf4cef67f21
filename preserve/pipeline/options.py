"""How releases are bagged (BagOptions) and what became of each one (BagOutcome, CollectionResult)."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Union

from preserve.bag.profiles import Profile, load_profile
from preserve.bag.serialize import SERIALIZATIONS, Serialization, archive_name
from preserve.errors import InputError
from preserve.fixity import DEFAULT_ALGORITHMS, normalise_algorithms
from preserve.formats import ENGINES, Engine
from preserve.package.model import PACKAGE_TYPES, PackageType

#: how formats are identified by default: Siegfried's PRONOM signatures (see preserve.formats.Engine)
DEFAULT_IDENTIFY: Engine = "siegfried"

#: what happened to one release (see BagOutcome)
OutcomeStatus = Literal["created", "replaced", "skipped", "refused", "invalid", "incomplete", "failed"]
#: the statuses of a release whose bag is in place: written now, or identical already
BAGGED: tuple[OutcomeStatus, ...] = ("created", "replaced", "skipped")


@dataclass(frozen=True)
class BagOptions:
    """How bags are written."""

    algorithms: tuple[str, ...] = DEFAULT_ALGORITHMS
    force: bool = False
    jobs: int | None = None
    package_type: PackageType = "SIP"
    fsync: bool = True
    identify: Engine = DEFAULT_IDENTIFY  # see preserve.formats.identify_many
    strict: bool = False  # refuse a release whose record is incomplete for deposit (never changes a bag)
    serialize: Serialization | None = None  # write each bag as one archive: OUT/<id>.tar, .tar.gz or .zip
    profile: Union[Profile, str, None] = None  # a BagIt profile every bag must satisfy (a name or a path loads)

    def __post_init__(self) -> None:
        if self.serialize is not None and self.serialize not in SERIALIZATIONS:
            raise InputError(f"unknown serialization {self.serialize!r}; choose one of: {', '.join(SERIALIZATIONS)}")
        if isinstance(self.profile, str):
            object.__setattr__(self, "profile", load_profile(self.profile))
        algorithms = normalise_algorithms(self.algorithms)
        if "sha256" not in algorithms:  # METS CHECKSUMs are sha256: keep a manifest that proves them
            algorithms += ("sha256",)
        object.__setattr__(self, "algorithms", algorithms)
        if self.package_type not in PACKAGE_TYPES:
            raise InputError(f"unknown package type {self.package_type!r}; choose {' or '.join(PACKAGE_TYPES)}")
        if self.identify not in ENGINES:
            raise InputError(f"unknown identification {self.identify!r}; choose {' or '.join(ENGINES)}")


def bag_path(out: Path, release_id: str, options: BagOptions) -> Path:
    """Where a release's bag goes: OUT/<id>/, or OUT/<id>.tar (.tar.gz, .zip) when serialized."""
    return Path(out) / (archive_name(release_id, options.serialize) if options.serialize else release_id)


@dataclass
class BagOutcome:
    """What happened to one release.

    ``status``: "created" (a new bag), "replaced" (a different bag replaced, with force),
    "skipped" (an identical bag already there), "refused" (a different bag already there, no
    force), "invalid" (a value of its record is wrong: not bagged), "incomplete" (with strict,
    its record lacks what deposit needs: not bagged) or "failed" (not bagged: ``message`` says
    why). ``incomplete`` lists what the record lacks for deposit, each with where to supply it,
    whatever the status (a bagged release may be incomplete).
    """

    release_id: str
    name: str
    status: OutcomeStatus
    path: Path
    message: str = ""
    files: int = 0
    bytes: int = 0
    incomplete: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when the release's bag is in place."""
        return self.status in BAGGED

    def as_dict(self) -> dict:
        return {"release": self.release_id, "name": self.name, "status": self.status,
                "path": str(self.path), "message": self.message, "files": self.files, "bytes": self.bytes,
                "incomplete": list(self.incomplete)}


@dataclass
class CollectionResult:
    """Outcomes for every release, plus warnings (skipped symlinks, special files)."""

    outcomes: list[BagOutcome] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        """2 when a bag was refused (a usage problem: --force), 1 when another was not bagged, else 0."""
        if any(o.status == "refused" for o in self.outcomes):
            return 2
        return 0 if all(o.ok for o in self.outcomes) else 1

    def as_dict(self) -> dict:
        return {"ok": self.exit_code == 0, "warnings": self.warnings,
                "bags": [o.as_dict() for o in self.outcomes]}
