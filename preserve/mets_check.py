"""METS checks for ``preserve verify``: read-only, never follows symlinks, never opens FIFOs.

For a package folder (a bag's ``data/``): the root METS is well-formed (safely parsed) and
schema-valid; every file and metadata record it lists is present with the listed SIZE and
CHECKSUM; every content file under ``representations/`` is listed; each representation METS
passes the same checks; the DC and PREMIS records it references are schema-valid.
Each problem is ``(code, path, message)``; paths are prefixed with ``prefix`` (``data/``).
"""
from __future__ import annotations

import os
import re
import stat
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

from lxml import etree

from .fixity import KNOWN_DIGESTS, copy_and_hash, normalise_algorithm
from .xmlsafe import XMLParseError, parse_xml_file
from .xsd import NS_METS, NS_XLINK, validate

Problem = tuple[str, str, str]
M = f"{{{NS_METS}}}"
HREF = f"{{{NS_XLINK}}}href"
METS_NAME = "METS.xml"
_MD_KINDS = {"PREMIS": "premis", "DC": "dc"}
#: an href with no scheme, query, fragment or percent-escape (what preserve writes for plain names)
_PLAIN_HREF = re.compile(r"[A-Za-z0-9_.~/-]+")


def check_mets(data_dir: Path, prefix: str = "data/") -> list[Problem]:
    """Every METS problem of the package at data_dir (empty list: all good)."""
    data_dir = Path(data_dir)
    problems: list[Problem] = []
    checked: set[str] = set()
    listed = _check_one(data_dir, "", prefix, problems, root=True, checked=checked)
    if listed is None:
        return problems
    content = _content_files(data_dir)
    for rel in content:  # a representation METS that no mptr points to is checked too
        parts = rel.split("/")
        if len(parts) == 3 and parts[2] == METS_NAME and rel not in checked:
            listed |= _check_one(data_dir, rel[: -len(METS_NAME)], prefix, problems,
                                 root=False, checked=checked) or set()
    for rel in content:
        if rel not in listed:
            problems.append(("mets-file-unlisted", prefix + rel,
                             "content file is not listed in METS.xml"))
    return list(dict.fromkeys(problems))  # a file listed by two METS files is reported once


def _check_one(data_dir: Path, base: str, prefix: str, problems: list[Problem],
               root: bool, checked: set[str]) -> set[str] | None:
    """Check the METS at data_dir/base/METS.xml; return the data_dir-relative paths it lists."""
    mets_rel = base + METS_NAME
    if mets_rel in checked:
        return set()
    checked.add(mets_rel)
    shown = prefix + mets_rel
    path = data_dir / mets_rel
    if not _is_regular(path):
        problems.append(("mets-missing", shown, "METS.xml is missing or not a regular file"))
        return None
    try:
        tree = parse_xml_file(path)
    except XMLParseError as exc:
        problems.append(("mets-malformed", shown, exc.message))
        return None
    for message in validate(tree, "mets"):
        problems.append(("mets-invalid", shown, message))
    listed: set[str] = set()
    dirs: set[str] = set()  # parent folders found to be real folders (lstat once per folder)
    for el in tree.iter(M + "file", M + "mdRef"):
        target = el if el.tag == M + "mdRef" else el.find(M + "FLocat")
        if target is None:
            continue
        rel = _resolve(target.get(HREF), base)
        if rel is None:
            problems.append(("mets-bad-href", shown,
                             f"line {target.sourceline}: href {target.get(HREF)!r} does not point "
                             "inside the package"))
            continue
        listed.add(rel)
        _check_file(data_dir, rel, el, prefix, problems, dirs)
        kind = _MD_KINDS.get(el.get("MDTYPE", "")) if el.tag == M + "mdRef" else None
        if kind:
            _check_record(data_dir / rel, kind, prefix + rel, problems)
    if root:
        for mptr in tree.iter(M + "mptr"):
            rel = _resolve(mptr.get(HREF), base)
            if rel is None or not rel.endswith("/" + METS_NAME):
                problems.append(("mets-bad-href", shown,
                                 f"line {mptr.sourceline}: mptr {mptr.get(HREF)!r} is not a METS.xml "
                                 "inside the package"))
                continue
            sub = _check_one(data_dir, rel[: -len(METS_NAME)], prefix, problems, root=False,
                             checked=checked)
            listed |= sub or set()
    return listed


def _resolve(href: str | None, base: str) -> str | None:
    """A relative href as a normalised path inside the package, or None if it escapes."""
    if not href:
        return None
    if _PLAIN_HREF.fullmatch(href) and href[0] != "/":  # fast path: nothing to decode or normalise
        joined = base + href
        segs = joined.split("/")
        if "" not in segs and "." not in segs and ".." not in segs:
            return joined
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


def _is_regular(path: Path) -> bool:
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False


def _has_symlinked_parent(data_dir: Path, rel: str, good: set[str] | None = None) -> bool:
    """True if a parent of rel is not a real folder (a link, a file, missing).

    ``good`` holds the parents already found to be real folders (with all their own parents)
    within one check, so a folder of 200 files is examined once, not 200 times.
    """
    base = os.fspath(data_dir)
    end = rel.find("/")
    while end > 0:
        parent = rel[:end]
        if good is None or parent not in good:
            try:
                if not stat.S_ISDIR(os.lstat(os.path.join(base, parent)).st_mode):
                    return True
            except OSError:
                return True
            if good is not None:
                good.add(parent)  # every ancestor was checked before it (top down)
        end = rel.find("/", end + 1)
    return False


def _check_file(data_dir: Path, rel: str, el: etree._Element, prefix: str,
                problems: list[Problem], dirs: set[str] | None = None) -> None:
    shown = prefix + rel
    path = os.path.join(os.fspath(data_dir), rel)
    try:
        st = None if _has_symlinked_parent(data_dir, rel, dirs) else os.lstat(path)
    except OSError:
        st = None
    if st is None or not stat.S_ISREG(st.st_mode):
        problems.append(("mets-file-missing", shown,
                         f"listed in METS (line {el.sourceline}) but missing or not a regular file"))
        return
    size = st.st_size
    listed_size = el.get("SIZE")
    if listed_size is not None and listed_size != str(size):
        problems.append(("mets-size-mismatch", shown, f"METS says {listed_size} bytes, file has {size}"))
    checksum, ctype = el.get("CHECKSUM"), el.get("CHECKSUMTYPE")
    if not checksum or not ctype:
        problems.append(("mets-checksum-missing", shown, f"line {el.sourceline}: no CHECKSUM/CHECKSUMTYPE"))
        return
    try:
        algo = normalise_algorithm(ctype)
    except Exception:  # noqa: BLE001 - unknown algorithm name
        problems.append(("mets-checksum-unsupported", shown, f"CHECKSUMTYPE {ctype!r} is not supported"))
        return
    digest = KNOWN_DIGESTS.get().get(shown, {}).get(algo)
    if digest is None:  # not hashed by the caller in this run: read it
        try:
            digest = copy_and_hash(path, None, [algo]).digests[algo]
        except OSError as exc:
            problems.append(("mets-file-unreadable", shown, f"cannot be read ({exc.strerror or exc})"))
            return
    if digest != checksum.strip().lower():
        problems.append(("mets-checksum-mismatch", shown,
                         f"{ctype} in METS is {checksum}, file has {digest}"))


def _check_record(path: Path, kind: str, shown: str, problems: list[Problem]) -> None:
    if not _is_regular(path):
        return
    try:
        tree = parse_xml_file(path)
    except XMLParseError as exc:
        problems.append((f"{kind}-malformed", shown, exc.message))
        return
    for message in validate(tree, kind):  # type: ignore[arg-type]
        problems.append((f"{kind}-invalid", shown, message))


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
