"""METS checks for ``preserve verify``: read-only, never follows symlinks, never opens FIFOs.

For a package folder (a bag's ``data/``): the root METS is well-formed (safely parsed) and
valid against METS 1.12; every ``file`` (each of its ``FLocat``), ``mdRef`` and ``mptr`` it
holds points to a file present with the listed SIZE and CHECKSUM (or, lacking a CHECKSUM, the
PREMIS fixity its ADMID links to); every content file under ``representations/`` is listed;
each METS an ``mptr`` points to, and each representation METS, passes the same checks. The
PREMIS and DC records it references or wraps are well-formed, and schema-valid when they are
a version preserve ships (PREMIS 3, oai_dc); others (PREMIS 2.x, other DC roots) get an info
saying their schema was not checked. E-ARK CSIP rules (a CHECKSUM on every file and mdRef, an
FLocat in every file) apply to a METS that claims a DILCIS profile; plain METS 1.12 makes them
optional. Each problem is ``(code, path, message)``; paths are prefixed with ``prefix``.
A file counts as present only when it is a regular file reached through real folders.
"""
from __future__ import annotations

import os
import re
import stat
from pathlib import Path, PurePosixPath
from typing import Mapping
from urllib.parse import unquote, urlsplit

from lxml import etree

from preserve.fixity import KNOWN_DIGESTS, copy_and_hash
from preserve.bag.view import BagSource
from preserve.xml.safe import DEFAULT_MAX_BYTES, XMLParseError, parse_xml, read_xml_file
from preserve.xml.schemas import NS_METS, NS_XLINK, certainly_valid, validate
from preserve.verify.metsdoc import (SHIPPED_ROOTS, MetsDocument, RecordKind, claims_csip, describe_root,
                                     drop_wrapped_types, hashlib_name, is_external, local_name, premis_fixity)

Problem = tuple[str, str, str]
"""(code, path, message): the code one of :data:`preserve.problems.CODES`."""
M = f"{{{NS_METS}}}"
FILE, MDREF, FLOCAT, MPTR, FCONTENT, MDWRAP = (M + t for t in ("file", "mdRef", "FLocat", "mptr", "FContent", "mdWrap"))
HREF = f"{{{NS_XLINK}}}href"
METS_NAME = "METS.xml"
#: the metadata records a METS mdRef or mdWrap may hold whose schema is checked, by their MDTYPE
#: (METS 1.12 MDTYPE values; PREMIS:OBJECT, PREMIS:EVENT ... count as PREMIS)
RECORD_KINDS: dict[str, RecordKind] = {"PREMIS": "premis", "DC": "dc"}
#: an href, joined to the folder of its METS, that needs no decoding or normalising (what preserve
#: writes for plain names): names of these characters joined by single "/", none "." or ".." (so
#: no scheme, query, fragment or percent-escape, and safe_relpath holds)
_PLAIN_PATH = re.compile(r"(?:(?!\.\.?/)[A-Za-z0-9_.~-]+/)*(?!\.\.?\Z)[A-Za-z0-9_.~-]+")
_EXTERNAL = object()  # an href to a location outside the package (a URL): never fetched
#: METS 1.12 LOCTYPE values that name an identifier resolved elsewhere (URL and OTHER may be paths)
IDENTIFIER_LOCTYPES = frozenset({"ARK", "URN", "PURL", "HANDLE", "DOI"})
#: how many METS documents deep mptrs are followed (E-ARK uses one level: root to representation)
MAX_MPTR_DEPTH = 16


def check_mets(data_dir: Path, prefix: str = "data/", files: Mapping[str, int] | None = None,
               mets_name: str = METS_NAME, source: BagSource | None = None) -> list[Problem]:
    """Every METS problem of the package at data_dir whose root METS is mets_name (empty list: all good).

    ``files``, from a walk of the package that followed no link, maps ``prefix + path`` of
    every regular file to its size: listed files are looked up there (an lstat only for a
    name it lacks) and the content files are taken from it instead of a second walk.
    ``source`` (a serialized bag's): documents are read from it by ``prefix + path`` and
    digests the run has not computed are asked of it; ``files`` is then the whole listing and
    nothing is read from disk.
    """
    package = _Package(os.fspath(data_dir), prefix, files or {}, source)
    listed = package.check_one(mets_name)
    if listed is None:
        return package.problems
    content = package.listed_content() if files is not None else _content_files(Path(data_dir))
    for rel in content:  # a representation METS that no mptr points to is checked too
        parts = rel.split("/")
        if len(parts) == 3 and parts[2] == METS_NAME and rel not in package.checked:
            listed |= package.check_one(rel) or set()
    for rel in content:
        if rel not in listed:
            package.problems.append(("mets-file-unlisted", prefix + rel,
                                     "content file is not listed in METS.xml"))
    return list(dict.fromkeys(package.problems))  # a file listed by two METS files is reported once


class _Package:
    """One run of the checks over one package: what has been found and checked so far."""

    def __init__(self, root: str, prefix: str, files: Mapping[str, int], source: BagSource | None = None) -> None:
        self.root = root  # the package folder
        self.source = source
        self.prefix = prefix
        self.files = files
        self.known_digests = KNOWN_DIGESTS.get()
        self.problems: list[Problem] = []
        self.checked: set[str] = set()  # the METS files checked, data_dir-relative
        self.real_dirs: set[str] = set()  # parent folders found to be real folders (lstat once per folder)
        self.depth = 0  # how many mptrs deep the METS under check is

    def check_one(self, mets_rel: str) -> set[str] | None:
        """Check the METS at mets_rel, and every METS its mptrs point to; return the paths they list."""
        if mets_rel in self.checked:
            return set()
        self.checked.add(mets_rel)
        base = mets_rel[: mets_rel.rfind("/") + 1]
        shown = self.prefix + mets_rel
        if self.size(mets_rel) is None:
            self.problems.append(("mets-missing", shown, "METS document is missing or not a regular file"))
            return None
        try:
            tree = parse_xml(self.read_xml(mets_rel))
        except XMLParseError as exc:
            self.problems.append(("mets-malformed", shown, exc.message))
            return None
        doc = MetsDocument(shown, claims_csip(tree.getroot()), premis_fixity(tree))
        self.check_wrapped(tree, doc)
        drop_wrapped_types(tree)
        for message in validate(tree, "mets"):
            self.problems.append(("mets-invalid", shown, message))
        listed = self.check_listed(tree, base, doc)
        # METS 1.12 mptr: a pointer to another METS document, in a root or a representation METS alike
        for mptr in tree.iter(MPTR):
            rel = self.locate(mptr, base, doc)
            if rel is None or rel is _EXTERNAL:
                continue
            listed.add(rel)
            if self.depth >= MAX_MPTR_DEPTH:  # a chain of pointers this long is hostile, not a package
                self.problems.append(("mets-bad-href", shown, f"line {mptr.sourceline}: mptr {rel!r} is more than "
                                      f"{MAX_MPTR_DEPTH} METS documents deep; not followed"))
                continue
            self.depth += 1
            listed |= self.check_one(rel) or set()
            self.depth -= 1
        self.problems.extend(doc.summary())
        return listed

    def locate(self, el: etree._Element, base: str, doc: MetsDocument):
        """The package path an FLocat, mdRef or mptr points to; _EXTERNAL or None (reported) otherwise."""
        href = el.get(HREF)
        if el.get("LOCTYPE") in IDENTIFIER_LOCTYPES:  # a persistent identifier, not a path in the package
            doc.external.append(href or "")
            return _EXTERNAL
        rel = _resolve(href, base)
        if rel is None and is_external(href):
            doc.external.append(href or "")
            return _EXTERNAL
        if rel is None:
            self.problems.append(("mets-bad-href", doc.shown, f"line {el.sourceline}: {local_name(el.tag)} href "
                                  f"{href!r} does not point inside the package"))
        return rel

    def check_listed(self, tree: etree._ElementTree, base: str, doc: MetsDocument) -> set[str]:
        """Check every file (each of its FLocats) and metadata record one METS lists; return their paths."""
        listed: set[str] = set()
        for el in tree.iter(FILE, MDREF):
            is_ref = el.tag == MDREF
            targets = [el] if is_ref else [child for child in el if child.tag == FLOCAT]
            if not targets:
                self.report_unlocated(el, doc)
                continue
            kind = RECORD_KINDS.get(el.get("MDTYPE", "").split(":")[0]) if is_ref else None
            if "xml" not in (el.get("MIMETYPE") or "xml"):  # a record in another syntax (JSON, text): no XSD
                kind = None
            for target in targets:
                rel = self.locate(target, base, doc)
                if rel is None or rel is _EXTERNAL:
                    continue
                listed.add(rel)
                if self.check_file(rel, el, doc) and kind:
                    self.check_record(rel, kind, doc)
        return listed

    def report_unlocated(self, el: etree._Element, doc: MetsDocument) -> None:
        """A file with no FLocat: CSIP76 requires one; METS 1.12 allows FContent, or nested files instead."""
        where = f"line {el.sourceline}: file {el.get('ID') or ''!r}"
        if doc.csip:
            self.problems.append(("mets-file-no-location", doc.shown,
                                  f"{where} has no FLocat (E-ARK CSIP76: each file MUST have one)"))
        elif _first_child(el, FCONTENT) is None and _first_child(el, FILE) is None:
            self.problems.append(("mets-file-unlocated", doc.shown, f"{where} has neither FLocat nor "
                                  "FContent (METS 1.12): its content cannot be checked"))

    def check_file(self, rel: str, el: etree._Element, doc: MetsDocument) -> bool:
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
        if checksum and ctype:
            self.compare(rel, ctype, checksum, f"{ctype} in METS")
        elif doc.csip:
            self.problems.append(("mets-checksum-missing", shown, f"line {el.sourceline}: no CHECKSUM/CHECKSUMTYPE "
                                  "(E-ARK CSIP71-72 for a file, CSIP29-30 and CSIP43-44 for an mdRef: MUST)"))
        else:  # METS 1.12 makes CHECKSUM optional; a PREMIS fixity the file's ADMID links to may stand in
            fixities = [fx for amd in (el.get("ADMID") or "").split() for fx in doc.fixity.get(amd, ())]
            if not fixities:
                doc.unsummed += 1
            for ctype, checksum, where in fixities[:1]:
                self.compare(rel, ctype, checksum, f"{ctype} in the PREMIS fixity of {where}")
        return True

    def compare(self, rel: str, ctype: str, checksum: str, said: str) -> None:
        """One listed digest against the file's."""
        shown = self.prefix + rel
        algorithm = hashlib_name(ctype)
        if algorithm is None:
            self.problems.append(("mets-checksum-unsupported", shown, f"CHECKSUMTYPE {ctype!r} is not supported; "
                                  "the file's content is not checked against it"))
            return
        digest = self.digest(rel, algorithm)
        if digest is not None and digest != checksum and digest != checksum.strip().lower():
            self.problems.append(("mets-checksum-mismatch", shown, f"{said} is {checksum}, file has {digest}"))

    def check_record(self, rel: str, kind: RecordKind, doc: MetsDocument) -> None:
        """A PREMIS or DC record: well-formed (safely parsed), and schema-valid if its version is shipped.

        One that certainly is valid is passed by a streaming validation (no tree); any other is
        parsed into a tree and validated, which reports its exact problems.
        """
        shown = self.prefix + rel
        try:
            data = self.read_xml(rel)
            if certainly_valid(data, kind):
                return
            tree = parse_xml(data)
        except XMLParseError as exc:
            self.problems.append((f"{kind}-malformed", shown, exc.message))
            return
        self.check_schema(tree.getroot(), kind, shown, doc)

    def check_schema(self, root: etree._Element, kind: RecordKind, shown: str, doc: MetsDocument) -> None:
        """Validate a record whose version preserve ships; note any other as not checked."""
        if root.tag != SHIPPED_ROOTS[kind]:
            doc.unchecked[(shown, kind, describe_root(root))] += 1
            return
        for message in validate(root, kind):
            self.problems.append((f"{kind}-invalid", shown, message))

    def check_wrapped(self, tree: etree._ElementTree, doc: MetsDocument) -> None:
        """PREMIS and DC records wrapped in the METS itself (mdWrap/xmlData): schema-checked like files."""
        for wrap in tree.iter(MDWRAP):
            kind = RECORD_KINDS.get(wrap.get("MDTYPE", "").split(":")[0])
            data = _first_child(wrap, M + "xmlData") if kind else None
            for record in data if data is not None else ():
                if isinstance(record.tag, str):  # not a comment or processing instruction
                    self.check_schema(record, kind, doc.shown, doc)

    def read_xml(self, rel: str) -> bytes:
        """A document's bytes (at most the XML size cap and one more), from the source or the folder."""
        if self.source is None:
            return read_xml_file(os.path.join(self.root, rel))
        try:
            return self.source.read(self.prefix + rel, DEFAULT_MAX_BYTES + 1)
        except OSError as exc:
            raise XMLParseError(f"{self.prefix + rel}: cannot be read ({exc.strerror or exc})") from None

    def size(self, rel: str) -> int | None:
        """Size of the regular file at rel reached through real folders only; None otherwise."""
        size = self.files.get(self.prefix + rel)
        if size is not None or self.source is not None:
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
        if self.source is not None:
            digest = self.source.digest(shown, algorithm)
            if digest is None:
                self.problems.append(("mets-file-unreadable", shown, f"its {algorithm} digest cannot be computed "
                                      "from the archive (the member is damaged or was refused)"))
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
