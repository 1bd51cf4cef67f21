"""METS checks for ``preserve verify``: read-only, never follows symlinks, never opens FIFOs.

For a package folder (a bag's ``data/``): the root METS is well-formed (safely parsed) and
schema-valid; every file and metadata record it lists is present with the listed SIZE and
CHECKSUM; every content file under ``representations/`` is listed; each representation METS
passes the same checks; the DC and PREMIS records it references are schema-valid.
Each problem is ``(code, path, message)``; paths are prefixed with ``prefix`` (``data/``).
A file counts as present only when it is a regular file reached through real folders.
"""
from __future__ import annotations

import os
import re
import stat
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import Literal, Mapping
from urllib.parse import unquote, urlsplit

from lxml import etree

from preserve.fixity import KNOWN_DIGESTS, copy_and_hash
from preserve.fixity.algorithms import ALGORITHMS, algorithm_key
from preserve.xml.safe import XMLParseError, parse_xml, parse_xml_file, read_xml_file
from preserve.xml.schemas import NS_METS, NS_XLINK, certainly_valid, validate

Problem = tuple[str, str, str]
"""(code, path, message): the code one of :data:`preserve.problems.CODES`."""
M = f"{{{NS_METS}}}"
FILE, MDREF, FLOCAT, MPTR = M + "file", M + "mdRef", M + "FLocat", M + "mptr"
HREF = f"{{{NS_XLINK}}}href"
METS_NAME = "METS.xml"
#: the metadata records a METS mdRef may point to whose schema is checked, by their MDTYPE
RecordKind = Literal["premis", "dc"]
RECORD_KINDS: dict[str, RecordKind] = {"PREMIS": "premis", "DC": "dc"}
#: an href, joined to the folder of its METS, that needs no decoding or normalising (what preserve
#: writes for plain names): names of these characters joined by single "/", none "." or ".." (so
#: no scheme, query, fragment or percent-escape, and safe_relpath holds)
_PLAIN_PATH = re.compile(r"(?:(?!\.\.?/)[A-Za-z0-9_.~-]+/)*(?!\.\.?\Z)[A-Za-z0-9_.~-]+")


def check_mets(data_dir: Path, prefix: str = "data/", files: Mapping[str, int] | None = None) -> list[Problem]:
    """Every METS problem of the package at data_dir (empty list: all good).

    ``files``, from a walk of the package that followed no link, maps ``prefix + path`` of
    every regular file to its size: listed files are looked up there (an lstat only for a
    name it lacks) and the content files are taken from it instead of a second walk.
    """
    package = _Package(os.fspath(data_dir), prefix, files or {})
    listed = package.check_one("", root=True)
    if listed is None:
        return package.problems
    content = package.listed_content() if files is not None else _content_files(Path(data_dir))
    for rel in content:  # a representation METS that no mptr points to is checked too
        parts = rel.split("/")
        if len(parts) == 3 and parts[2] == METS_NAME and rel not in package.checked:
            listed |= package.check_one(rel[: -len(METS_NAME)], root=False) or set()
    for rel in content:
        if rel not in listed:
            package.problems.append(("mets-file-unlisted", prefix + rel,
                                     "content file is not listed in METS.xml"))
    return list(dict.fromkeys(package.problems))  # a file listed by two METS files is reported once


class _Package:
    """One run of the checks over one package: what has been found and checked so far."""

    def __init__(self, root: str, prefix: str, files: Mapping[str, int]) -> None:
        self.root = root  # the package folder
        self.prefix = prefix
        self.files = files
        self.known_digests = KNOWN_DIGESTS.get()
        self.problems: list[Problem] = []
        self.checked: set[str] = set()  # the METS files checked, data_dir-relative
        self.real_dirs: set[str] = set()  # parent folders found to be real folders (lstat once per folder)

    def check_one(self, base: str, root: bool) -> set[str] | None:
        """Check the METS at base/METS.xml; return the data_dir-relative paths it lists."""
        mets_rel = base + METS_NAME
        if mets_rel in self.checked:
            return set()
        self.checked.add(mets_rel)
        shown = self.prefix + mets_rel
        if self.size(mets_rel) is None:
            self.problems.append(("mets-missing", shown, "METS.xml is missing or not a regular file"))
            return None
        try:
            tree = parse_xml_file(os.path.join(self.root, mets_rel))
        except XMLParseError as exc:
            self.problems.append(("mets-malformed", shown, exc.message))
            return None
        for message in validate(tree, "mets"):
            self.problems.append(("mets-invalid", shown, message))
        listed = self.check_listed(tree, base, shown)
        if root:
            for mptr in tree.iter(MPTR):
                rel = _resolve(mptr.get(HREF), base)
                if rel is None or not rel.endswith("/" + METS_NAME):
                    self.problems.append(("mets-bad-href", shown,
                                          f"line {mptr.sourceline}: mptr {mptr.get(HREF)!r} is not a METS.xml "
                                          "inside the package"))
                    continue
                listed |= self.check_one(rel[: -len(METS_NAME)], root=False) or set()
        return listed

    def check_listed(self, tree: etree._ElementTree, base: str, shown: str) -> set[str]:
        """Check every file and metadata record one METS lists; return their paths."""
        listed: set[str] = set()
        for el in tree.iter(FILE, MDREF):
            is_ref = el.tag == MDREF
            target = el if is_ref else _first_child(el, FLOCAT)
            if target is None:
                continue
            rel = _resolve(target.get(HREF), base)
            if rel is None:
                self.problems.append(("mets-bad-href", shown,
                                      f"line {target.sourceline}: href {target.get(HREF)!r} does not point "
                                      "inside the package"))
                continue
            listed.add(rel)
            kind = RECORD_KINDS.get(el.get("MDTYPE", "")) if is_ref else None
            if self.check_file(rel, el) and kind:
                self.check_record(rel, kind)
        return listed

    def check_file(self, rel: str, el: etree._Element) -> bool:
        """SIZE and CHECKSUM of one listed file; False when it is missing or not a regular file."""
        shown = self.prefix + rel
        size = self.files.get(shown)
        if size is None:
            size = self.size(rel)
            if size is None:
                self.problems.append(("mets-file-missing", shown,
                                      f"listed in METS (line {el.sourceline}) but missing or not a regular file"))
                return False
        listed_size = el.get("SIZE")
        if listed_size is not None and listed_size != str(size):
            self.problems.append(("mets-size-mismatch", shown, f"METS says {listed_size} bytes, file has {size}"))
        checksum, ctype = el.get("CHECKSUM"), el.get("CHECKSUMTYPE")
        if not checksum or not ctype:
            self.problems.append(("mets-checksum-missing", shown,
                                  f"line {el.sourceline}: no CHECKSUM/CHECKSUMTYPE"))
            return True
        algorithm = hashlib_name(ctype)
        if algorithm is None:
            self.problems.append(("mets-checksum-unsupported", shown, f"CHECKSUMTYPE {ctype!r} is not supported"))
            return True
        digest = self.digest(rel, algorithm)
        if digest is not None and digest != checksum and digest != checksum.strip().lower():
            self.problems.append(("mets-checksum-mismatch", shown,
                                  f"{ctype} in METS is {checksum}, file has {digest}"))
        return True

    def check_record(self, rel: str, kind: RecordKind) -> None:
        """A PREMIS or DC record: well-formed (safely parsed) and schema-valid.

        One that certainly is, is passed by a streaming validation (no tree); any other is
        parsed into a tree and validated, which reports its exact problems.
        """
        shown = self.prefix + rel
        try:
            data = read_xml_file(os.path.join(self.root, rel))
            if certainly_valid(data, kind):
                return
            tree = parse_xml(data)
        except XMLParseError as exc:
            self.problems.append((f"{kind}-malformed", shown, exc.message))
            return
        for message in validate(tree, kind):
            self.problems.append((f"{kind}-invalid", shown, message))

    def size(self, rel: str) -> int | None:
        """Size of the regular file at rel reached through real folders only; None otherwise."""
        size = self.files.get(self.prefix + rel)
        if size is not None:
            return size
        if _has_symlinked_parent(self.root, rel, self.real_dirs):
            return None
        try:
            st = os.lstat(os.path.join(self.root, rel))
        except OSError:
            return None
        return st.st_size if stat.S_ISREG(st.st_mode) else None

    def digest(self, rel: str, algorithm: str) -> str | None:
        """The file's digest: the caller's from this run, else read now (None: unreadable, reported)."""
        shown = self.prefix + rel
        digest = self.known_digests.get(shown, {}).get(algorithm)
        if digest is not None:
            return digest
        try:
            return copy_and_hash(os.path.join(self.root, rel), None, [algorithm]).digests[algorithm]
        except OSError as exc:
            self.problems.append(("mets-file-unreadable", shown, f"cannot be read ({exc.strerror or exc})"))
            return None

    def listed_content(self) -> list[str]:
        """Regular files under representations/ (data_dir-relative), from the caller's walk."""
        start, cut = self.prefix + "representations/", len(self.prefix)
        return sorted(path[cut:] for path in self.files if path.startswith(start))


@lru_cache(maxsize=64)
def hashlib_name(checksum_type: str) -> str | None:
    """hashlib's name for a METS CHECKSUMTYPE ('SHA-256' -> 'sha256'); None if preserve cannot compute it.

    Spelled as preserve spells algorithm names everywhere (:func:`preserve.fixity.algorithms.algorithm_key`).
    """
    key = algorithm_key(checksum_type)
    return key if key in ALGORITHMS else None


def _first_child(el: etree._Element, tag: str) -> etree._Element | None:
    """el.find(tag) for a plain tag name, without ElementPath's per-call overhead.

    The first child is tried alone first: in METS a file's FLocat is its first child.
    """
    try:
        first = el[0]
    except IndexError:
        return None
    if first.tag == tag:
        return first
    for child in el:
        if child.tag == tag:
            return child
    return None


def _resolve(href: str | None, base: str) -> str | None:
    """A relative href as a normalised path inside the package, or None if it escapes."""
    if not href:
        return None
    if _PLAIN_PATH.fullmatch(base + href):  # nothing to decode or normalise
        return base + href
    parts = urlsplit(href)
    if parts.scheme or parts.netloc or parts.query or parts.fragment:
        return None
    raw = unquote(parts.path)
    if raw.startswith("/") or "\\" in raw or "\x00" in raw:
        return None
    segs: list[str] = []
    for seg in PurePosixPath(base + raw).parts:
        if seg == "..":
            if not segs:
                return None
            segs.pop()
        elif seg != ".":
            segs.append(seg)
    return "/".join(segs) or None


def _has_symlinked_parent(base: str, rel: str, real_dirs: set[str]) -> bool:
    """True if a parent of rel (below the folder base) is not a real folder (a link, a file, missing).

    ``real_dirs`` holds the parents already found to be real folders (with all their own
    parents) within one check, so a folder of many files is examined once, not once per file.
    """
    end = rel.find("/")
    while end > 0:
        parent = rel[:end]
        if parent not in real_dirs:
            try:
                if not stat.S_ISDIR(os.lstat(os.path.join(base, parent)).st_mode):
                    return True
            except OSError:
                return True
            real_dirs.add(parent)  # every ancestor was checked before it (top down)
        end = rel.find("/", end + 1)
    return False


def _content_files(data_dir: Path) -> list[str]:
    """Regular files under representations/ (data_dir-relative), walked without following links."""
    found: list[str] = []
    stack = [("representations/", data_dir / "representations")]
    while stack:
        rel, folder = stack.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            st = entry.stat(follow_symlinks=False)
            if stat.S_ISDIR(st.st_mode):
                stack.append((rel + entry.name + "/", Path(entry.path)))
            elif stat.S_ISREG(st.st_mode):
                found.append(rel + entry.name)
    return sorted(found)
