"""Prove bags intact: every check returns Problems with stable codes; nothing here prints or writes.

Levels: ``full`` (fixity of every file in every manifest, renames by digest, the E-ARK
package's METS/PREMIS/DC, plus everything below), ``fast`` (Payload-Oxum and completeness),
``completeness`` (names only, no hashing, no sizes). Codes: :data:`preserve.verify.problems.CODES`.
Several bags are verified at once in worker processes (:func:`verify_many`), reports in order.
"""
from __future__ import annotations

import json
import os
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator, Sequence

from preserve.bag import tagfiles
from preserve.bag.writer import is_staging_name
from preserve.bag.reader import BagView, Manifest, read_bag, read_small, safe_relpath
from preserve.errors import InputError
from preserve.fixity import KNOWN_DIGESTS, SUPPORTED_ALGORITHMS, ProgressFn, copy_and_hash_many, default_jobs
from preserve.verify.problems import Problem
from preserve._runtime.workers import run_tasks

LEVELS = ("full", "fast", "completeness")
BagCheck = Callable[[BagView], Iterable[Problem]]
EMPTY_DIR_FIELD = "Preserve-Empty-Directory"


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
        return not self.problems

    def as_dict(self) -> dict:
        return {"path": str(self.path), "ok": self.ok, "bagit_version": self.version,
                "files": self.files, "bytes": self.bytes,
                "problems": [p.as_dict() for p in self.problems]}


def find_bags(paths: Sequence[Path]) -> list[Path]:
    """Expand each PATH: a bag itself, or a folder whose (non-hidden) sub-folders are bags."""
    bags: list[Path] = []
    for path in paths:
        path = Path(path)
        if not path.exists():
            raise InputError(f"{path}: no such bag or folder")
        if not path.is_dir():
            raise InputError(f"{path}: not a folder; give a bag or a folder of bags")
        if (path / "bagit.txt").exists() or (path / "data").is_dir():
            bags.append(path)
            continue
        subs = sorted(Path(e.path) for e in os.scandir(path)
                      if e.is_dir(follow_symlinks=False) and not e.name.startswith(".")
                      and not is_staging_name(e.name))
        if not subs:
            raise InputError(f"{path}: holds no bags")
        bags.extend(subs)
    return bags


def _similar(missing: str, present: set[str]) -> tuple[str, str] | None:
    """Explain a missing file by an unlisted one: same name in another case or normalisation."""
    nfc = unicodedata.normalize("NFC", missing)
    for other in sorted(present):
        if other != missing and unicodedata.normalize("NFC", other) == nfc:
            return "payload-normalisation-changed", other
    folded = unicodedata.normalize("NFC", missing).casefold()
    for other in sorted(present):
        if unicodedata.normalize("NFC", other).casefold() == folded:
            return "payload-case-changed", other
    return None


def check_completeness(view: BagView) -> list[Problem]:
    """Every payload file in every manifest, every listed file present; same for tag files.

    Names only: a missing file explained by an unlisted one in another case or Unicode
    normalisation is reported once as such; renames by content are found by :func:`find_renames`.
    """
    problems: list[Problem] = []
    if not view.manifests:
        problems.append(Problem("manifest-missing", "manifest-*.txt", "the bag has no payload manifest"))
    for m in view.manifests + view.tag_manifests:
        if m.algorithm not in SUPPORTED_ALGORITHMS:
            problems.append(Problem("manifest-algorithm-unsupported", m.name,
                                    f"algorithm {m.algorithm!r} is not supported; its digests are not checked"))
    listed = set().union(*(m.entries for m in view.manifests)) if view.manifests else set()
    present = set(view.payload)
    unlisted = present - listed
    explained: set[str] = set()
    for path in sorted(listed - present):
        similar = _similar(path, unlisted - explained)
        if similar:
            code, other = similar
            explained.add(other)
            problems.append(Problem(code, path, f"listed file is now named {other!r}", expected=path, actual=other))
        elif not view.blocked(path):
            problems.append(Problem("payload-missing", path, "listed in the manifest but not in the bag"))
    for path in sorted(unlisted - explained):
        problems.append(Problem("payload-unlisted", path, "in the bag but in no manifest"))
    for m in view.manifests:
        for path in sorted((present & listed) - set(m.entries)):
            problems.append(Problem("manifest-entry-missing", path,
                                    f"not listed in {m.name} (every manifest must list every payload file)"))
    problems += _check_empty_dirs(view)
    if not view.tag_manifests:
        if view.version == tagfiles.BAGIT_VERSION:
            problems.append(Problem("tagmanifest-missing", "tagmanifest-*.txt", "the bag has no tag manifest"))
        return problems
    for m in view.tag_manifests:
        if m.name in m.entries:
            problems.append(Problem("tagmanifest-self-listed", m.name,
                                    "lists itself; its digest can never match (entry ignored)"))
    tag_listed = {p for m in view.tag_manifests for p in m.entries if p != m.name}
    tag_present = {p for p in view.tag_files if not _is_tagmanifest(p)}
    for path in sorted(tag_listed - set(view.tag_files) - set(view.payload)):
        if not view.blocked(path):
            problems.append(Problem("tagfile-missing", path, "listed in the tag manifest but not in the bag"))
    for path in sorted(tag_present - tag_listed):
        problems.append(Problem("tagfile-unlisted", path, "tag file in no tag manifest"))
    for m in view.tag_manifests:
        for path in sorted((tag_present & tag_listed) - set(m.entries)):
            problems.append(Problem("tagmanifest-entry-missing", path,
                                    f"not listed in {m.name} (every tag manifest must list every tag file)"))
    return problems


def _is_tagmanifest(name: str) -> bool:
    return name.startswith("tagmanifest-") and name.endswith(".txt") and "/" not in name


def _check_empty_dirs(view: BagView) -> list[Problem]:
    """Folders recorded as Preserve-Empty-Directory (paths under data/, percent-encoded) still exist."""
    problems = []
    for value in tagfiles.field_values(view.info, EMPTY_DIR_FIELD):
        rel = tagfiles.decode_path(value.strip())
        if rel.startswith("data/"):
            rel = rel[len("data/"):]
        if not safe_relpath(rel):
            problems.append(Problem("baginfo-malformed", "bag-info.txt",
                                    f"{EMPTY_DIR_FIELD} is not a safe relative path: {value!r}"))
        elif "data/" + rel not in view.dirs:
            problems.append(Problem("empty-directory-missing", "data/" + rel,
                                    "empty folder recorded in bag-info.txt is gone or not a folder"))
    return problems


def find_renames(view: BagView, problems: list[Problem], *, jobs: int | None = None) -> list[Problem]:
    """Replace payload-missing + payload-unlisted pairs whose digests agree by payload-renamed.

    Hashes only the unlisted files (with one supported algorithm of the manifests).
    """
    missing = [p for p in problems if p.code == "payload-missing"]
    unlisted = [p for p in problems if p.code == "payload-unlisted"]
    if not missing or not unlisted:
        return problems
    manifest = next((m for m in view.manifests if m.algorithm in SUPPORTED_ALGORITHMS), None)
    if manifest is None:
        return problems
    wanted: dict[str, list[str]] = {}
    for p in missing:
        digest = manifest.entries.get(p.path)
        if digest:
            wanted.setdefault(digest, []).append(p.path)
    candidates = sorted(p.path for p in unlisted if view.payload.get(p.path) is not None)
    ignored: list[Problem] = []
    results = _hash_all(view.root, candidates, (manifest.algorithm,), jobs, None, ignored)
    renamed: dict[str, str] = {}  # old listed path -> new unlisted path
    for new in candidates:
        fx = results.get(new)
        olds = wanted.get(fx.digests[manifest.algorithm]) if fx else None
        if olds:
            renamed[olds.pop(0)] = new
    if not renamed:
        return problems
    new_paths = set(renamed.values())
    out = []
    for p in problems:
        if p.code == "payload-missing" and p.path in renamed:
            out.append(Problem("payload-renamed", p.path,
                               f"listed file is now named {renamed[p.path]!r} (same {manifest.algorithm} digest)",
                               expected=p.path, actual=renamed[p.path]))
        elif p.code == "payload-unlisted" and p.path in new_paths:
            continue
        else:
            out.append(p)
    return out


def check_oxum(view: BagView) -> list[Problem]:
    """Payload-Oxum (octets.count) against what is on disk."""
    values = tagfiles.field_values(view.info, "Payload-Oxum")
    if not values:
        return []
    actual = tagfiles.payload_oxum(sum(view.payload.values()), len(view.payload))
    octets, dot, count = values[0].partition(".")
    if not (octets.isdigit() and dot and count.isdigit()):
        return [Problem("baginfo-malformed", "bag-info.txt", f"Payload-Oxum is not 'octets.count': {values[0]!r}")]
    if values[0] != actual:
        return [Problem("payload-oxum-mismatch", "bag-info.txt", "Payload-Oxum does not match the payload",
                        expected=values[0], actual=actual)]
    return []


def check_fixity(view: BagView, *, jobs: int | None = None, progress: ProgressFn | None = None,
                 digests: dict[str, dict[str, str]] | None = None) -> list[Problem]:
    """Hash every listed file once with all its manifests' algorithms and compare.

    ``digests``, when given, receives every digest computed (path -> {algorithm: hex}).
    """
    problems: list[Problem] = []
    too_large = {p.path for p in view.problems if p.code == "tagfile-too-large"}
    files = {**view.payload, **{p: s for p, s in view.tag_files.items() if p not in too_large}}
    by_path: dict[str, list[tuple[Manifest, str]]] = {}
    for m in view.manifests + view.tag_manifests:
        if m.algorithm not in SUPPORTED_ALGORITHMS:
            continue
        for path, digest in m.entries.items():
            if path in files and path != m.name:
                by_path.setdefault(path, []).append((m, digest))
    # group files by the algorithm set they need, so each is read once
    groups: dict[tuple[str, ...], list[str]] = {}
    for path, pairs in by_path.items():
        groups.setdefault(tuple(sorted({m.algorithm for m, _ in pairs})), []).append(path)
    for algorithms, paths in groups.items():
        paths.sort()
        results = _hash_all(view.root, paths, algorithms, jobs, progress, problems, files)
        for path, fx in results.items():
            if digests is not None:
                digests.setdefault(path, {}).update(fx.digests)
            for m, expected in by_path[path]:
                actual = fx.digests[m.algorithm]
                if actual != expected:
                    tag = not path.startswith("data/")
                    problems.append(Problem("tagfile-checksum-mismatch" if tag else "payload-checksum-mismatch",
                                            path, f"{m.algorithm} digest differs from {m.name}",
                                            expected=expected, actual=actual))
    return problems


def _hash_all(root: Path, paths: list[str], algorithms: tuple[str, ...], jobs: int | None,
              progress: ProgressFn | None, problems: list[Problem], sizes: dict[str, int] | None = None) -> dict:
    """Hash files in one pass; an unreadable file becomes a problem, the others go on."""
    failed: dict[int, OSError] = {}
    base = os.path.join(os.fspath(root), "")  # the bag's folder, ending in a separator
    results = copy_and_hash_many([(base + p, None) for p in paths], algorithms, jobs=jobs,
                                 progress=progress,
                                 sizes=[sizes.get(p) or 0 for p in paths] if sizes is not None else None,
                                 on_error=failed.__setitem__)
    for i in sorted(failed):
        exc = failed[i]
        problems.append(Problem("file-unreadable", paths[i], f"cannot be read: {exc.strerror or exc}"))
    return {p: fx for p, fx in zip(paths, results) if fx is not None}


METS_PATH = "data/METS.xml"
DC_JSON_PATH = "data/metadata/descriptive/dc.json"
MAX_DC_JSON_BYTES = 16 << 20


def check_package(view: BagView) -> list[Problem]:
    """METS, PREMIS and DC of an E-ARK package in data/ (only when data/METS.xml is present).

    Uses preserve.verify.package when installed (skipped cleanly otherwise); a check that fails
    unexpectedly becomes a ``check-failed`` problem, never a crash.
    """
    if METS_PATH not in view.payload:  # absent, or a link/special file already reported
        return []
    try:
        from preserve.verify import package
    except ImportError:
        return []
    try:
        found = package.check_mets(view.root / "data", prefix="data/", files=view.payload)
    except Exception as exc:  # noqa: BLE001 - reported, never a traceback
        return [Problem("check-failed", METS_PATH, f"METS checks stopped: {type(exc).__name__}: {exc}")]
    return [Problem(code, path, message) for code, path, message in found]


def check_dc_record(view: BagView) -> list[Problem]:
    """data/metadata/descriptive/dc.json against the project's metadata schema (when available)."""
    if DC_JSON_PATH not in view.payload:
        return []
    try:
        from preserve.record import from_json, plain
        from preserve.validate.schema import validate_record
    except ImportError:
        return []
    try:
        raw = read_small(view.root / DC_JSON_PATH, MAX_DC_JSON_BYTES)
    except OSError as exc:
        return [Problem("dc-malformed", DC_JSON_PATH, f"cannot be read: {exc.strerror or exc}")]
    try:
        record = from_json(json.loads(raw.decode("utf-8")))
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        return [Problem("dc-malformed", DC_JSON_PATH, f"not a DC record in JSON: {type(exc).__name__}")]
    try:
        found = validate_record(plain(record), record.release_id or view.root.name)
    except Exception as exc:  # noqa: BLE001
        return [Problem("check-failed", DC_JSON_PATH, f"DC checks stopped: {type(exc).__name__}: {exc}")]
    problems = []
    for rp in found:
        field_name = getattr(rp, "field", "?")
        value = getattr(rp, "value", None)
        expectation = getattr(rp, "expectation", str(rp))
        shown = "" if value in (None, "") else f" {str(value)[:200]!r}"
        problems.append(Problem("dc-invalid", DC_JSON_PATH, f"{field_name}{shown}: {expectation}",
                                expected=str(expectation)))
    return problems


EXTRA_CHECKS: list[BagCheck] = [check_package, check_dc_record]
"""Further checks run on every bag at the full level (METS, PREMIS, DC)."""


def _check_level(level: str) -> None:
    if level not in LEVELS:
        raise InputError(f"unknown verification level {level!r}; choose from {', '.join(LEVELS)}")


def verify_bag(path: Path, *, level: str = "full", jobs: int | None = None,
               progress: ProgressFn | None = None) -> BagReport:
    """Verify one bag; every problem found is reported, none stops the others. Never writes."""
    _check_level(level)
    view = read_bag(Path(path))
    problems = list(view.problems)
    problems += check_completeness(view)
    if level in ("full", "fast"):
        problems += check_oxum(view)
    if level == "full":
        problems = find_renames(view, problems, jobs=jobs)
        digests: dict[str, dict[str, str]] = {}
        problems += check_fixity(view, jobs=jobs, progress=progress, digests=digests)
        token = KNOWN_DIGESTS.set(digests)  # METS CHECKSUMs compared without a second read
        try:
            for check in EXTRA_CHECKS:
                try:
                    problems += list(check(view))
                except Exception as exc:  # noqa: BLE001 - a check's bug is reported, not raised
                    problems.append(Problem("check-failed", ".", f"{getattr(check, '__name__', check)}: "
                                            f"{type(exc).__name__}: {exc}"))
        finally:
            KNOWN_DIGESTS.reset(token)
    return BagReport(path=Path(path), problems=_dedupe(problems), version=view.version,
                     files=len(view.payload), bytes=sum(view.payload.values()))


def _dedupe(problems: list[Problem]) -> list[Problem]:
    return list(dict.fromkeys(problems))


def verify_paths(paths: Sequence[Path], **kwargs) -> list[BagReport]:
    """Verify every bag found under paths (see find_bags), several at once (see verify_many)."""
    return list(verify_many(find_bags(paths), **kwargs))


def verify_many(bags: Sequence[Path], *, level: str = "full", jobs: int | None = None,
                progress: ProgressFn | None = None) -> Iterator[BagReport]:
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
            yield verify_bag(bag, level=level, jobs=jobs, progress=progress)
        return
    yield from _verify_in_workers(list(bags), level, workers, progress)


@dataclass(frozen=True)
class _VerifyTask:
    """Verify bag i (in a worker process: the bags are spread over processes, not threads)."""

    bags: Sequence[Path]
    level: str

    def __call__(self, index: int) -> BagReport:
        return verify_bag(self.bags[index], level=self.level, jobs=1)


def _raise(index: int, error: BaseException) -> BagReport:
    raise error


def _verify_in_workers(bags: list[Path], level: str, workers: int,
                       progress: ProgressFn | None) -> Iterator[BagReport]:
    """Verify bags in worker processes (see preserve._runtime.workers); yield the reports in order.

    Verifying never calls Siegfried, so the workers are forked even when it is loaded here.
    """
    for _, report in run_tasks(_VerifyTask(bags, level), len(bags), workers, on_lost=_raise,
                               fork_unsafe_calls=False):
        if progress:
            progress(report.files, report.bytes)
        yield report
