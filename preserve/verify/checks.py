"""Verify bags: which checks run at each level, one bag or many at once, and the verdict on each.

Levels: ``full`` (fixity of every file in every manifest, renames by digest, the E-ARK
package's METS/PREMIS/DC, plus everything below), ``fast`` (Payload-Oxum and completeness),
``completeness`` (names only, no hashing, no sizes). The bag layer's checks are in
:mod:`preserve.verify.bag`, the METS checks in :mod:`preserve.verify.package`; every check
returns Problems with stable codes (:data:`preserve.problems.CODES`) and nothing here
prints or writes. Several bags are verified at once in worker processes (:func:`verify_many`).
"""
from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator, Literal, Sequence, get_args

from preserve.bag.profiles import Profile
from preserve.bag.reader import BagView, read_bag
from preserve.bag.writer import is_staging_name
from preserve.errors import InputError
from preserve.fixity import KNOWN_DIGESTS, ProgressFn, default_jobs
from preserve.verify.bag import check_completeness, check_fixity, find_renames
from preserve.verify.oxum import check_oxum, miscounted_oxum
from preserve.problems import Problem, limit_per_code
from preserve._runtime.workers import run_tasks

Level = Literal["full", "fast", "completeness"]
LEVELS: tuple[Level, ...] = get_args(Level)
BagCheck = Callable[[BagView], Iterable[Problem]]


@dataclass
class BagReport:
    """The verdict on one bag."""

    path: Path
    problems: list[Problem] = field(default_factory=list)
    version: str | None = None
    files: int = 0
    bytes: int = 0

    @property
    def ok(self) -> bool:
        """True when no problem is an error (warnings and infos leave a bag valid)."""
        return not any(p.severity == "error" for p in self.problems)

    def as_dict(self) -> dict:
        return {"path": str(self.path), "ok": self.ok, "bagit_version": self.version,
                "files": self.files, "bytes": self.bytes,
                "problems": [p.as_dict() for p in self.problems]}


#: the file names of serialized bags found in a folder of bags
ARCHIVE_SUFFIXES = (".tar", ".tar.gz", ".tgz", ".zip")


def find_bags(paths: Sequence[Path]) -> list[Path]:
    """Expand each PATH: a bag itself (a folder, or a serialized bag's file), or a folder of bags.

    A folder is a bag when it holds bagit.txt, or a data/ folder that is not itself a bag (a
    bag that lost its declaration is still verified, and reported; a bag named ``data`` in a
    folder of bags is one of its bags). A file given is a serialized bag when its first bytes
    are a tar, gzip or zip archive's. In a folder of bags, its (non-hidden, non-staging)
    sub-folders and its ``*.tar``, ``*.tar.gz``, ``*.tgz`` and ``*.zip`` files are the bags.
    """
    from preserve.bag.archive import sniff

    bags: list[Path] = []
    for path in paths:
        path = Path(path)
        if not path.exists():
            raise InputError(f"{path}: no such bag or folder")
        if not path.is_dir():
            # a damaged archive named like one is a bag to report (archive-damaged), not bad input
            if path.is_file() and (sniff(path) is not None or path.name.lower().endswith(ARCHIVE_SUFFIXES)):
                bags.append(path)
                continue
            raise InputError(f"{path}: not a folder or a serialized bag (tar, tar.gz, zip); "
                             "give a bag or a folder of bags")
        if (path / "bagit.txt").exists() or ((path / "data").is_dir() and not (path / "data" / "bagit.txt").exists()):
            bags.append(path)
            continue
        subs = sorted(Path(e.path) for e in os.scandir(path)
                      if not e.name.startswith(".") and not is_staging_name(e.name)
                      and (e.is_dir(follow_symlinks=False)
                           or (e.name.endswith(ARCHIVE_SUFFIXES) and e.is_file(follow_symlinks=False))))
        if not subs:
            raise InputError(f"{path}: holds no bags")
        bags.extend(subs)
    return bags


# --- the E-ARK package inside data/ (full level only) -------------------------------------------
# The modules these checks call are imported when a check first runs: a fast or completeness
# run never loads lxml, the XML schemas or the DC record's JSON Schema.

#: the root METS of a package at the top of the payload (bags made before preserve 0.2.0, other tools)
TOP_METS_PATH = "data/METS.xml"
#: the package's own files, relative to the package root folder
METS_NAME = "METS.xml"
DC_JSON_NAME = "metadata/descriptive/dc.json"
MAX_DC_JSON_BYTES = 16 << 20


def check_package(view: BagView) -> list[Problem]:
    """METS, PREMIS and DC of the package in data/, described by its root METS documents.

    The package roots are found by :func:`package_roots`. A bag without any is fine, unless
    its bag-info says preserve made it: preserve always writes a root METS, so that METS was
    lost. A check that fails unexpectedly becomes a ``check-failed`` problem, never a crash.
    """
    roots = package_roots(view.payload)
    if not roots:
        expected = "data/" + (_single_top_folder(view.payload, strict=True) or "") + METS_NAME
        if made_by_preserve(view) and not view.blocked(expected):
            return [Problem("mets-missing", expected, "bag-info.txt names preserve as the Bag-Software-Agent, "
                            f"and every package preserve makes has a root {METS_NAME}: it is missing")]
        return []
    from preserve.verify import package

    problems: list[Problem] = []
    for folder, name in roots:
        prefix = "data/" + folder
        source = view.source if view.serialization else None  # a serialized bag's documents are in memory
        try:
            found = package.check_mets(view.root / prefix, prefix=prefix, files=view.payload, mets_name=name,
                                       source=source)
        except Exception as exc:  # noqa: BLE001 - reported, never a traceback
            found = [("check-failed", prefix + name, f"METS checks stopped: {type(exc).__name__}: {exc}")]
        problems += [Problem(code, path, message) for code, path, message in found]
    return list(dict.fromkeys(problems))


#: a root METS as other tools name it at the top of the payload: METS.<identifier>.xml
_OTHER_ROOT_METS = re.compile(r"data/METS\.[^/]+\.xml", re.IGNORECASE)


def package_roots(payload: Iterable[str]) -> list[tuple[str, str]]:
    """The packages in a payload: (package folder under data/, ending in "/" or "", root METS name).

    E-ARK CSIP (CSIPSTR1, CSIPSTR2) puts a package in one root folder named by the package, and
    the E-ARK AIP BagIt packaging (AIP31) puts that folder in data/: ``data/<id>/METS.xml``, what
    preserve writes, when every payload file is under that one folder. Before that, preserve
    wrote ``data/METS.xml``; other tools write ``data/METS.<identifier>.xml`` (Archivematica).
    """
    payload = list(payload)
    if TOP_METS_PATH in payload:
        return [("", METS_NAME)]
    top = _single_top_folder(payload)
    if top is not None and f"data/{top}{METS_NAME}" in payload:
        return [(top, METS_NAME)]
    return sorted(("", path[len("data/"):]) for path in payload if _OTHER_ROOT_METS.fullmatch(path))


def _single_top_folder(payload: Iterable[str], *, strict: bool = False) -> str | None:
    """"<name>/" when every payload file in a folder is inside one folder data/<name>/, else None.

    Files directly in data/ (a stray .DS_Store) do not hide the package: they are reported as
    unlisted by the manifest checks, and the package is still checked. ``strict``: no file
    directly in data/ either (the whole payload is that folder).
    """
    paths = list(payload)
    if strict and any(path.count("/") < 2 for path in paths):
        return None
    tops = {path.split("/", 2)[1] + "/" for path in paths if path.count("/") >= 2}
    return next(iter(tops)) if len(tops) == 1 else None


def made_by_preserve(view: BagView) -> bool:
    """True when bag-info.txt's Bag-Software-Agent names preserve (as preserve writes it: 'preserve <version>')."""
    from preserve import SOFTWARE_NAME

    return any(label.strip().lower() == "bag-software-agent"
               and value.strip().split(" ")[0].lower() == SOFTWARE_NAME for label, value in view.info)


def check_dc_record(view: BagView) -> list[Problem]:
    """Each package's metadata/descriptive/dc.json against the project's metadata schema."""
    problems: list[Problem] = []
    for folder, _ in package_roots(view.payload):
        path = "data/" + folder + DC_JSON_NAME
        if path in view.payload:
            problems += _check_dc_json(view, path)
    return problems


def _check_dc_json(view: BagView, path: str) -> list[Problem]:
    """One dc.json against the project's metadata schema."""
    from preserve.record import from_json, plain
    from preserve.validate.schema import validate_record

    try:
        raw = view.source.read(path, MAX_DC_JSON_BYTES)
    except OSError as exc:
        return [Problem("dc-malformed", path, f"cannot be read: {exc.strerror or exc}")]
    try:
        record = from_json(json.loads(raw.decode("utf-8")))
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        return [Problem("dc-malformed", path, f"not a DC record in JSON: {type(exc).__name__}")]
    try:
        found = validate_record(plain(record), record.release_id or view.name)
    except Exception as exc:  # noqa: BLE001
        return [Problem("check-failed", path, f"DC checks stopped: {type(exc).__name__}: {exc}")]
    problems = []
    for rp in found:
        shown = "" if rp.value in (None, "") else f" {str(rp.value)[:200]!r}"
        problems.append(Problem("dc-invalid", path, f"{rp.field}{shown}: {rp.expectation}",
                                expected=str(rp.expectation)))
    return problems


PACKAGE_CHECKS: tuple[BagCheck, ...] = (check_package, check_dc_record)
"""The checks run on every bag at the full level after fixity (METS, PREMIS, DC)."""


# --- one bag ------------------------------------------------------------------------------------

def _check_level(level: str) -> None:
    if level not in LEVELS:
        raise InputError(f"unknown verification level {level!r}; choose from {', '.join(LEVELS)}")


def open_bag(path: Path, *, level: Level = "completeness",
             progress: ProgressFn | None = None) -> tuple[BagView, str | None, dict[str, dict[str, str]] | None]:
    """The view of a bag folder or a serialized bag (a regular file), its serialization, its digests.

    A serialized bag ("tar", "tar.gz", "zip", told by its first bytes; "unknown" when it is
    no archive) is streamed, never unpacked (:mod:`preserve.verify.serialized`); at the full
    level its members are hashed then, and the digests (path -> {algorithm: hex}) returned.
    A folder's serialization and digests are None: its files are hashed by check_fixity.
    """
    path = Path(path)
    if path.is_dir() or not path.exists():
        return read_bag(path), None, None
    from preserve.verify.serialized import read_serialized

    bag = read_serialized(path, full=level == "full", progress=progress)
    return bag.view, bag.view.serialization, bag.digests


def verify_bag(path: Path, *, level: Level = "full", jobs: int | None = None,
               progress: ProgressFn | None = None, profile: Profile | None = None,
               keep_digests: dict[str, dict[str, str]] | None = None) -> BagReport:
    """Verify one bag, a folder or a serialized bag (tar, tar.gz, zip: streamed, never unpacked).

    Every problem found is reported, none stops the others. With ``profile`` (a loaded BagIt
    profile), every way the bag departs from it is reported too (``profile-*`` codes).
    ``keep_digests``, at the full level, receives every digest computed (path -> {algorithm: hex}),
    so a caller (deposit) need not read the bag again. Never writes.
    """
    _check_level(level)
    view, serialization, computed = open_bag(Path(path), level=level, progress=progress)
    problems = list(view.problems)
    if serialization == "unknown":  # no archive at all: that one problem says it
        return BagReport(path=Path(path), problems=problems)
    problems += check_completeness(view)
    if level in ("full", "fast"):
        problems += check_oxum(view)
    if level == "full":
        problems = find_renames(view, problems, jobs=jobs, computed=computed)
        digests: dict[str, dict[str, str]] = {}
        problems += check_fixity(view, jobs=jobs, progress=progress if computed is None else None,
                                 digests=digests, computed=computed)
        problems = miscounted_oxum(view, problems)
        if keep_digests is not None:
            for source in (computed or {}, digests, _tag_manifest_digests(view)):
                for name, found in source.items():
                    keep_digests.setdefault(name, {}).update(found)
        problems += _check_package_layer(view, digests)
    if profile is not None:
        from preserve.verify.profile import check_profile

        problems += check_profile(view, profile, serialization=serialization, name=Path(path).name)
    problems = limit_per_code(list(dict.fromkeys(problems)), Path(path).name)
    return BagReport(path=Path(path), problems=problems, version=view.version,
                     files=len(view.payload), bytes=sum(view.payload.values()))


def _tag_manifest_digests(view: BagView) -> dict[str, dict[str, str]]:
    """sha256 and sha512 of each tag manifest as read now: no manifest lists them (RFC 8493 §2.2.1),
    so fixity never hashed them, and a caller that copies the bag (deposit) must know them too."""
    found: dict[str, dict[str, str]] = {}
    for manifest in view.tag_manifests:
        try:
            data = view.source.read(manifest.name, MAX_TAG_MANIFEST)
        except OSError:
            continue  # reported by the reader already
        found[manifest.name] = {alg: hashlib.new(alg, data).hexdigest() for alg in ("sha256", "sha512")}
    return found


#: the largest tag manifest hashed for a caller (a tag manifest lists tag files only: small)
MAX_TAG_MANIFEST = 64 << 20


def _check_package_layer(view: BagView, digests: dict[str, dict[str, str]]) -> list[Problem]:
    """PACKAGE_CHECKS, given the digests just computed (so METS CHECKSUMs need no second read).

    A check's own bug is reported as ``check-failed``, not raised.
    """
    problems: list[Problem] = []
    token = KNOWN_DIGESTS.set(digests)
    try:
        for check in PACKAGE_CHECKS:
            try:
                problems += list(check(view))
            except Exception as exc:  # noqa: BLE001
                problems.append(Problem("check-failed", ".", f"{getattr(check, '__name__', check)}: "
                                        f"{type(exc).__name__}: {exc}"))
    finally:
        KNOWN_DIGESTS.reset(token)
    return problems


# --- many bags ----------------------------------------------------------------------------------

def verify_paths(paths: Sequence[Path], **kwargs) -> list[BagReport]:
    """Verify every bag found under paths (see find_bags), several at once (see verify_many)."""
    return list(verify_many(find_bags(paths), **kwargs))


def verify_many(bags: Sequence[Path], *, level: Level = "full", jobs: int | None = None,
                progress: ProgressFn | None = None, profile: Profile | None = None) -> Iterator[BagReport]:
    """verify_bag for each bag; the reports come in the order of bags, each as soon as it can.

    With several bags and jobs (default: all cores) above one, ``jobs`` worker processes verify
    one bag each at a time; one bag alone is verified here, by the fixity engine's threads.
    ``progress`` then advances once per bag. Interrupted (Ctrl-C, SIGTERM, an error, the
    caller stopping early), the workers are ended before this returns.
    """
    _check_level(level)
    workers = min(jobs or default_jobs(), len(bags))
    if workers <= 1:
        for bag in bags:
            yield verify_bag(bag, level=level, jobs=jobs, progress=progress, profile=profile)
        return
    yield from _verify_in_workers(list(bags), level, workers, progress, profile)


@dataclass(frozen=True)
class _VerifyTask:
    """Verify bag i (in a worker process: the bags are spread over processes, not threads)."""

    bags: Sequence[Path]
    level: Level
    profile: Profile | None = None

    def __call__(self, index: int) -> BagReport:
        return verify_bag(self.bags[index], level=self.level, jobs=1, profile=self.profile)


def _raise(index: int, error: BaseException) -> BagReport:
    raise error


def _verify_in_workers(bags: list[Path], level: Level, workers: int, progress: ProgressFn | None,
                       profile: Profile | None = None) -> Iterator[BagReport]:
    """Verify bags in worker processes (see preserve._runtime.workers); yield the reports in order.

    Verifying never calls Siegfried, so the workers are forked even when it is loaded here.
    """
    for _, report in run_tasks(_VerifyTask(bags, level, profile), len(bags), workers, on_lost=_raise,
                               fork_unsafe_calls=False):
        if progress:
            progress(report.files, report.bytes)
        yield report
