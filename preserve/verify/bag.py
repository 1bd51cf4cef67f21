"""The bag layer's checks: names against the manifests, fixity, renames by digest (Payload-Oxum: oxum.py).

Each check takes the :class:`~preserve.bag.reader.BagView` of one bag and returns Problems
(codes: :data:`preserve.problems.CODES`). Only :func:`check_fixity` and
:func:`find_renames` read file contents, through the fixity engine; nothing here prints or writes.
"""
from __future__ import annotations

import os
import unicodedata
from pathlib import Path
from typing import Iterable

from preserve.bag import tagfiles
from preserve.bag.tagfiles import EMPTY_DIR_FIELD
from preserve.bag.reader import BagView, Manifest, safe_relpath
from preserve.fixity import SUPPORTED_ALGORITHMS, Fixity, ProgressFn, copy_and_hash_many
from preserve.problems import Problem


#: the digests the manifests expect of one file: (manifest, hex digest) for each manifest listing it
Expected = list[tuple[Manifest, str]]


# --- completeness: names only ---------------------------------------------------------------------

def check_completeness(view: BagView) -> list[Problem]:
    """Every payload file in every manifest, every listed file present; same for tag files.

    Names only: a missing file explained by an unlisted one in another case or Unicode
    normalisation is reported once as such; renames by content are found by :func:`find_renames`.
    """
    return [*_check_manifests(view), *_check_payload_names(view), *_check_empty_dirs(view),
            *_check_tag_names(view), *_check_fetch(view)]


def _check_manifests(view: BagView) -> list[Problem]:
    """The bag has a payload manifest, and every manifest's algorithm is one preserve computes."""
    problems: list[Problem] = []
    if not view.manifests:
        problems.append(Problem("manifest-missing", "manifest-*.txt", "the bag has no payload manifest"))
    problems += [Problem("manifest-algorithm-unsupported", m.name,
                         f"algorithm {m.algorithm!r} is not supported; its digests are not checked")
                 for m in view.manifests + view.tag_manifests if m.algorithm not in SUPPORTED_ALGORITHMS]
    return problems


def _check_payload_names(view: BagView) -> list[Problem]:
    """Every listed payload file present, every present one listed, each in every manifest."""
    listed: set[str] = set().union(*(m.entries for m in view.manifests))
    present = set(view.payload)
    unlisted = present - listed
    problems, explained = _check_missing_payload(view, sorted(listed - present), unlisted)
    problems += [Problem("payload-unlisted", path, "in the bag but in no manifest")
                 for path in sorted(unlisted - explained)]
    problems += _missing_entries(view.manifests, present & listed, "manifest-entry-missing",
                                 "every manifest must list every payload file")
    return problems


def _check_missing_payload(view: BagView, missing: list[str], unlisted: set[str]) -> tuple[list[Problem], set[str]]:
    """Each listed file that is gone: renamed to another case or normalisation, else missing.

    Returns the problems and the unlisted names that explained one (each explains one only).
    A file already reported as a link or special file is not reported missing as well.
    """
    problems: list[Problem] = []
    explained: set[str] = set()
    folded = _folded_present(view) if missing else {}
    for path in missing:
        variant = _name_variant(path, unlisted - explained)
        twin = _listed_twin(view, path, folded)
        if twin:
            problems.append(Problem("manifest-names-collide", path, f"listed beside {twin!r}, a name that differs "
                                    "only in case or Unicode normalisation, with the same digest; only that one is "
                                    "on disk (one file on a case-insensitive or normalising file system)"))
        elif path in view.fetch:
            problems.append(Problem("payload-missing", path, f"listed in fetch.txt (line {view.fetch[path]}) "
                                    "to be downloaded, and not in the bag: nothing is fetched"))
        elif is_system_file(path) and not variant:
            problems.append(Problem("payload-system-file-missing", path, "an operating system's own file, listed "
                                    "but not in the bag (tools and copies drop these)"))
        elif variant:
            code, other = variant
            explained.add(other)
            problems.append(Problem(code, path, f"listed file is now named {other!r}", expected=path, actual=other))
        elif not view.blocked(path):
            problems.append(Problem("payload-missing", path, "listed in the manifest but not in the bag"))
    return problems, explained


#: files an operating system writes by itself; copies and archivers routinely drop them
_SYSTEM_FILES = frozenset({".ds_store", "thumbs.db", "desktop.ini", "ehthumbs.db", ".directory", "icon\r"})


def is_system_file(path: str) -> bool:
    name = path.rsplit("/", 1)[-1]
    return name.lower() in _SYSTEM_FILES or name.startswith("._")


def _fold(name: str) -> str:
    """A name as a case-insensitive, normalising file system (macOS, Windows) compares it."""
    return unicodedata.normalize("NFC", name).casefold()


def _folded_present(view: BagView) -> dict[str, list[str]]:
    """Folded name -> the listed names present on disk that fold to it (built once per bag)."""
    folded: dict[str, list[str]] = {}
    for m in view.manifests[:1]:
        for name in m.entries:
            if name in view.payload:
                folded.setdefault(_fold(name), []).append(name)
    return folded


def _listed_twin(view: BagView, missing: str, folded: dict[str, list[str]]) -> str | None:
    """A present, listed name equal to missing but for case or normalisation, with the same digests.

    On a file system that folds case or normalises names, both entries name one file: the bag
    was whole where it was made, so this is a warning, not a missing file.
    """
    for other in folded.get(_fold(missing), ()):
        if other != missing and all(m.entries.get(other) == m.entries.get(missing) for m in view.manifests):
            return other
    return None


def _name_variant(missing: str, candidates: set[str]) -> tuple[str, str] | None:
    """(code, name) of a candidate that is the missing name in another normalisation or case."""
    nfc = unicodedata.normalize("NFC", missing)
    for other in sorted(candidates):
        if other != missing and unicodedata.normalize("NFC", other) == nfc:
            return "payload-normalisation-changed", other
    folded = nfc.casefold()
    for other in sorted(candidates):
        if unicodedata.normalize("NFC", other).casefold() == folded:
            return "payload-case-changed", other
    return None


def _missing_entries(manifests: Iterable[Manifest], paths: set[str], code: str, rule: str) -> list[Problem]:
    """Each of paths that a manifest does not list, manifest by manifest."""
    return [Problem(code, path, f"not listed in {m.name} ({rule})")
            for m in manifests for path in sorted(paths - set(m.entries))]


def _check_empty_dirs(view: BagView) -> list[Problem]:
    """Folders recorded as Preserve-Empty-Directory (paths under data/, percent-encoded) still exist."""
    problems = []
    for value in tagfiles.field_values(view.info, EMPTY_DIR_FIELD):
        rel = tagfiles.decode_path(value.strip()).removeprefix("data/")
        if not safe_relpath(rel):
            problems.append(Problem("baginfo-malformed", "bag-info.txt",
                                    f"{EMPTY_DIR_FIELD} is not a safe relative path: {value!r}"))
        elif "data/" + rel not in view.dirs:
            problems.append(Problem("empty-directory-missing", "data/" + rel,
                                    "empty folder recorded in bag-info.txt is gone or not a folder"))
    return problems


def _check_tag_names(view: BagView) -> list[Problem]:
    """Tag files against the tag manifests, as the payload against the manifests.

    A BagIt 1.0 bag must have a tag manifest; older versions need not. A tag manifest that
    lists itself is reported and that entry ignored (its digest can never match). RFC 8493
    §2.2.1: a tag manifest MUST list every payload manifest and SHOULD list the other tag
    files (a warning); the drafts before 1.0 let any tag file go unlisted.
    """
    if not view.tag_manifests:
        if view.version == tagfiles.BAGIT_VERSION:
            return [Problem("tagmanifest-missing", "tagmanifest-*.txt", "the bag has no tag manifest")]
        return []
    problems = [Problem("tagmanifest-self-listed", m.name, "lists itself; its digest can never match (entry ignored)")
                for m in view.tag_manifests if m.name in m.entries]
    listed = {p for m in view.tag_manifests for p in m.entries if p != m.name}
    present = {p for p in view.tag_files if not _is_tagmanifest(p)}
    problems += [Problem("tagfile-missing", path, "listed in the tag manifest but not in the bag")
                 for path in sorted(listed - set(view.tag_files) - set(view.payload)) if not view.blocked(path)]
    for path in sorted(present - listed):
        if path.startswith("manifest-") and "/" not in path and view.strict:
            problems.append(Problem("tagmanifest-incomplete", path, "payload manifest in no tag manifest "
                                    "(RFC 8493 §2.2.1: a tag manifest MUST list every payload manifest)"))
        elif view.strict:
            problems.append(Problem("tagfile-unlisted", path, "tag file in no tag manifest "
                                    "(RFC 8493 §2.2.1: SHOULD be listed)"))
    for p in _missing_entries(view.tag_manifests, present & listed, "tagmanifest-entry-missing",
                              "every tag manifest should list every tag file"):
        if view.strict and p.path.startswith("manifest-") and "/" not in p.path:
            p = Problem("tagmanifest-incomplete", p.path, p.message.replace(
                "should list every tag file", "RFC 8493 §2.2.1: MUST list every payload manifest"))
        problems.append(p)
    return problems


def _is_tagmanifest(name: str) -> bool:
    return name.startswith("tagmanifest-") and name.endswith(".txt") and "/" not in name


def _check_fetch(view: BagView) -> list[Problem]:
    """fetch.txt (RFC 8493 §2.2.3): complete when every file it lists is present (never fetched).

    §3: a bag is complete when every file of the manifests is present; files listed in fetch.txt
    and already present leave it so. A listed file that is absent makes the bag incomplete.
    """
    if "fetch.txt" not in view.tag_files:
        return []
    absent = [p for p in view.fetch if p not in view.payload]
    if absent:
        return [Problem("fetch-unsupported", "fetch.txt", f"{len(absent)} file(s) listed to be downloaded are not "
                        f"in the bag (first: {absent[0]!r}); the bag is incomplete and nothing is fetched")]
    if any(p.code == "fetch-malformed" for p in view.problems):
        return []  # its refused lines are the finding; "all present" would only be about the rest
    return [Problem("fetch-complete", "fetch.txt", "lists files to download, all present (nothing fetched)")]


# --- renames by digest ----------------------------------------------------------------------------

def find_renames(view: BagView, problems: list[Problem], *, jobs: int | None = None,
                 computed: dict[str, dict[str, str]] | None = None) -> list[Problem]:
    """Replace payload-missing + payload-unlisted pairs whose digests agree by payload-renamed.

    Hashes only the unlisted files (with one supported algorithm of the manifests); with
    ``computed`` (a serialized bag's digests, taken while its archive was streamed), hashes
    nothing and an unlisted file without a digest there matches nothing.
    """
    missing = [p.path for p in problems if p.code == "payload-missing"]
    unlisted = [p.path for p in problems if p.code == "payload-unlisted"]
    manifest = next((m for m in view.manifests if m.algorithm in SUPPORTED_ALGORITHMS), None)
    if not missing or not unlisted or manifest is None:
        return problems
    renamed = _match_by_digest(view, manifest, missing, unlisted, jobs, computed)
    return _report_renames(problems, renamed, manifest.algorithm) if renamed else problems


def _match_by_digest(view: BagView, manifest: Manifest, missing: list[str], unlisted: list[str],
                     jobs: int | None, computed: dict[str, dict[str, str]] | None = None) -> dict[str, str]:
    """Old listed path -> new unlisted path, where the unlisted file has the digest the old one had.

    Unlisted files are taken in path order; each takes the first missing path with its digest.
    """
    wanted: dict[str, list[str]] = {}  # digest -> missing paths listed with it
    for path in missing:
        digest = manifest.entries.get(path)
        if digest:
            wanted.setdefault(digest, []).append(path)
    candidates = sorted(p for p in unlisted if view.payload.get(p) is not None)
    unreadable: list[Problem] = []  # an unreadable candidate matches nothing; it stays unlisted
    if computed is not None:
        results = {p: Fixity(view.payload[p], computed[p]) for p in candidates
                   if manifest.algorithm in computed.get(p, {})}
    else:
        results = _hash_all(view.root, candidates, (manifest.algorithm,), jobs, None, unreadable)
    renamed: dict[str, str] = {}
    for new in candidates:
        fixity = results.get(new)
        olds = wanted.get(fixity.digests[manifest.algorithm]) if fixity else None
        if olds:
            renamed[olds.pop(0)] = new
    return renamed


def _report_renames(problems: list[Problem], renamed: dict[str, str], algorithm: str) -> list[Problem]:
    """problems with each renamed pair's payload-missing turned into payload-renamed and its
    payload-unlisted dropped."""
    new_paths = set(renamed.values())
    out = []
    for p in problems:
        if p.code == "payload-missing" and p.path in renamed:
            out.append(Problem("payload-renamed", p.path,
                               f"listed file is now named {renamed[p.path]!r} (same {algorithm} digest)",
                               expected=p.path, actual=renamed[p.path]))
        elif not (p.code == "payload-unlisted" and p.path in new_paths):
            out.append(p)
    return out


# --- sizes and digests ----------------------------------------------------------------------------

def check_fixity(view: BagView, *, jobs: int | None = None, progress: ProgressFn | None = None,
                 digests: dict[str, dict[str, str]] | None = None,
                 computed: dict[str, dict[str, str]] | None = None) -> list[Problem]:
    """Hash every listed file once with all its manifests' algorithms and compare.

    Files needing the same algorithms are hashed together, so each is read once; the problems
    come group by group, in the order each group's first file appears in the manifests.
    ``digests``, when given, receives every digest computed (path -> {algorithm: hex}).
    ``computed``: digests already taken (a serialized bag's, while streaming): nothing is read,
    and a file lacking one of its algorithms there is left unchecked (its reader reported why).
    """
    problems: list[Problem] = []
    files = _hashable_files(view)
    expected = _expected_digests(view, files)
    for algorithms, paths in _group_by_algorithms(expected).items():
        if computed is not None:
            results = {p: Fixity(files[p], computed[p]) for p in paths
                       if all(a in computed.get(p, {}) for a in algorithms)}
        else:
            results = _hash_all(view.root, paths, algorithms, jobs, progress, problems, files)
        for path, fixity in results.items():
            if digests is not None:
                digests.setdefault(path, {}).update(fixity.digests)
            problems += _mismatches(path, fixity, expected[path])
    return problems


def needed_algorithms(view: BagView) -> dict[str, set[str]]:
    """Path -> the supported algorithms its manifests and tag manifests list it with (what fixity hashes)."""
    expected = _expected_digests(view, _hashable_files(view))
    return {path: {m.algorithm for m, _ in pairs} for path, pairs in expected.items()}


def _hashable_files(view: BagView) -> dict[str, int]:
    """Path -> size of every file that may be hashed: the payload and the tag files not too large."""
    too_large = {p.path for p in view.problems if p.code == "tagfile-too-large"}
    return {**view.payload, **{p: s for p, s in view.tag_files.items() if p not in too_large}}


def _expected_digests(view: BagView, files: dict[str, int]) -> dict[str, Expected]:
    """Path -> what each manifest of a supported algorithm expects of it (for files present)."""
    expected: dict[str, Expected] = {}
    for m in view.manifests + view.tag_manifests:
        if m.algorithm not in SUPPORTED_ALGORITHMS:
            continue
        for path, digest in m.entries.items():
            if path in files and path != m.name:
                expected.setdefault(path, []).append((m, digest))
    return expected


def _group_by_algorithms(expected: dict[str, Expected]) -> dict[tuple[str, ...], list[str]]:
    """The algorithms a file needs (sorted) -> the files needing exactly those (sorted)."""
    groups: dict[tuple[str, ...], list[str]] = {}
    for path, pairs in expected.items():
        groups.setdefault(tuple(sorted({m.algorithm for m, _ in pairs})), []).append(path)
    for paths in groups.values():
        paths.sort()
    return groups


def _mismatches(path: str, fixity: Fixity, expected: Expected) -> list[Problem]:
    """A checksum mismatch for each manifest whose digest of path differs from the one computed."""
    code = "payload-checksum-mismatch" if path.startswith("data/") else "tagfile-checksum-mismatch"
    return [Problem(code, path, f"{m.algorithm} digest differs from {m.name}",
                    expected=digest, actual=fixity.digests[m.algorithm])
            for m, digest in expected if fixity.digests[m.algorithm] != digest]


def _hash_all(root: Path, paths: list[str], algorithms: tuple[str, ...], jobs: int | None,
              progress: ProgressFn | None, problems: list[Problem],
              sizes: dict[str, int] | None = None) -> dict[str, Fixity]:
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
    return {p: fixity for p, fixity in zip(paths, results) if fixity is not None}
