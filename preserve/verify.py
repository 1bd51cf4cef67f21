"""Prove bags intact: every check returns Problems with stable codes; nothing here prints or writes.

Levels: ``full`` (fixity of every file in every manifest, plus everything below), ``fast``
(Payload-Oxum and completeness), ``completeness`` (names only, no hashing, no sizes).
"""
from __future__ import annotations

import os
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Sequence

from . import bagfiles
from .bag import is_staging_name
from .bagreader import BagView, Manifest, read_bag
from .errors import InputError
from .fixity import SUPPORTED_ALGORITHMS, ProgressFn, copy_and_hash_many
from .problems import Problem

LEVELS = ("full", "fast", "completeness")
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
    for other in present:
        if unicodedata.normalize("NFC", other) == nfc:
            return "payload-normalisation-changed", other
    folded = missing.casefold()
    for other in present:
        if other.casefold() == folded:
            return "payload-case-changed", other
    return None


def check_completeness(view: BagView) -> list[Problem]:
    """Every payload file in every manifest, every listed file present; same for tag files."""
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
        similar = _similar(path, unlisted)
        if similar:
            code, other = similar
            explained.add(other)
            problems.append(Problem(code, path, f"listed file is now named {other!r}", expected=path, actual=other))
        elif not _blocked(view, path):
            problems.append(Problem("payload-missing", path, "listed in the manifest but not in the bag"))
    digests_of_missing = {m.entries[p] for m in view.manifests for p in listed - present if p in m.entries}
    for path in sorted(unlisted - explained):
        problems.append(Problem("payload-unlisted", path, "in the bag but in no manifest"))
    for m in view.manifests:
        for path in sorted((present & listed) - set(m.entries)):
            problems.append(Problem("manifest-entry-missing", path, f"not listed in {m.name} (every manifest must list every payload file)"))
    del digests_of_missing
    if not view.tag_manifests:
        if view.version == bagfiles.BAGIT_VERSION:
            problems.append(Problem("tagmanifest-missing", "tagmanifest-*.txt", "the bag has no tag manifest"))
        return problems
    tag_listed = set().union(*(m.entries for m in view.tag_manifests))
    tag_present = {p for p in view.tag_files if not p.startswith("tagmanifest-")}
    for path in sorted(tag_listed - set(view.tag_files)):
        if not _blocked(view, path):
            problems.append(Problem("tagfile-missing", path, "listed in the tag manifest but not in the bag"))
    for path in sorted(tag_present - tag_listed):
        problems.append(Problem("tagfile-unlisted", path, "tag file in no tag manifest"))
    return problems


def _blocked(view: BagView, path: str) -> bool:
    """True when a path was already reported as a link or special file."""
    return any(p.path == path and p.code in ("symlink", "special-file") for p in view.problems)


def check_oxum(view: BagView) -> list[Problem]:
    """Payload-Oxum (octets.count) against what is on disk."""
    values = bagfiles.field_values(view.info, "Payload-Oxum")
    if not values:
        return []
    actual = bagfiles.payload_oxum(sum(view.payload.values()), len(view.payload))
    octets, dot, count = values[0].partition(".")
    if not (octets.isdigit() and dot and count.isdigit()):
        return [Problem("baginfo-malformed", "bag-info.txt", f"Payload-Oxum is not 'octets.count': {values[0]!r}")]
    if values[0] != actual:
        return [Problem("payload-oxum-mismatch", "bag-info.txt", "Payload-Oxum does not match the payload",
                        expected=values[0], actual=actual)]
    return []


def check_fixity(view: BagView, *, jobs: int | None = None, progress: ProgressFn | None = None) -> list[Problem]:
    """Hash every listed file once with all its manifests' algorithms and compare."""
    problems: list[Problem] = []
    files = {**{p: s for p, s in view.payload.items()}, **view.tag_files}
    by_path: dict[str, list[tuple[Manifest, str]]] = {}
    for m in view.manifests + view.tag_manifests:
        if m.algorithm not in SUPPORTED_ALGORITHMS:
            continue
        for path, digest in m.entries.items():
            if path in files:
                by_path.setdefault(path, []).append((m, digest))
    # group files by the algorithm set they need, so each is read once
    groups: dict[tuple[str, ...], list[str]] = {}
    for path, pairs in by_path.items():
        groups.setdefault(tuple(sorted({m.algorithm for m, _ in pairs})), []).append(path)
    for algorithms, paths in groups.items():
        paths.sort()
        results = _hash_all(view.root, paths, algorithms, jobs, progress, problems)
        for path, fx in results.items():
            for m, expected in by_path[path]:
                actual = fx.digests[m.algorithm]
                if actual != expected:
                    tag = not path.startswith("data/")
                    problems.append(Problem("tagfile-checksum-mismatch" if tag else "payload-checksum-mismatch",
                                            path, f"{m.algorithm} digest differs from {m.name}",
                                            expected=expected, actual=actual))
    return problems


def _hash_all(root: Path, paths: list[str], algorithms: tuple[str, ...], jobs: int | None,
              progress: ProgressFn | None, problems: list[Problem]) -> dict:
    """Hash files, turning unreadable ones into problems instead of stopping."""
    try:
        results = copy_and_hash_many([(root / p, None) for p in paths], algorithms, jobs=jobs, progress=progress)
        return dict(zip(paths, results))
    except OSError:
        pass
    out = {}
    for path in paths:  # slow path: find which file failed, keep going
        try:
            out[path] = copy_and_hash_many([(root / path, None)], algorithms, jobs=1, progress=progress)[0]
        except OSError as exc:
            problems.append(Problem("file-unreadable", path, f"cannot be read: {exc.strerror or exc}"))
    return out


EXTRA_CHECKS: list[BagCheck] = []
"""Further checks run on every bag at the full and fast levels (e.g. METS checks)."""


def verify_bag(path: Path, *, level: str = "full", jobs: int | None = None,
               progress: ProgressFn | None = None) -> BagReport:
    """Verify one bag; every problem found is reported, none stops the others."""
    if level not in LEVELS:
        raise InputError(f"unknown verification level {level!r}; choose from {', '.join(LEVELS)}")
    view = read_bag(Path(path))
    problems = list(view.problems)
    problems += check_completeness(view)
    if level in ("full", "fast"):
        problems += check_oxum(view)
    if level == "full":
        problems += check_fixity(view, jobs=jobs, progress=progress)
        for check in EXTRA_CHECKS:
            problems += list(check(view))
    return BagReport(path=Path(path), problems=problems, version=view.version,
                     files=len(view.payload), bytes=sum(view.payload.values()))


def verify_paths(paths: Sequence[Path], **kwargs) -> list[BagReport]:
    """Verify every bag found under paths (see find_bags)."""
    return [verify_bag(bag, **kwargs) for bag in find_bags(paths)]
