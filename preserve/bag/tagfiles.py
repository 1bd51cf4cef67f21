"""Pure text formats of a BagIt bag (RFC 8493): bagit.txt, bag-info.txt, manifests.

Writers return ``str``; readers take ``str`` and return values plus a list of problems
(never raise on bad content), so the bag reader can report every defect at once.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Literal, Mapping, Sequence

from preserve.fixity import ALGORITHMS

BAGIT_VERSION = "1.0"
TAG_ENCODING = "UTF-8"
SUPPORTED_VERSIONS = ("0.93", "0.94", "0.95", "0.96", "0.97", "1.0")
#: preserve's own bag-info.txt labels: a folder of the payload left empty (manifests list files
#: only), and the fingerprint of what the bag was made from (a rerun skips an identical bag)
EMPTY_DIR_FIELD = "Preserve-Empty-Directory"
FINGERPRINT_FIELD = "Preserve-Fingerprint"
_HEX = re.compile(r"^[0-9a-fA-F]+$")


def digest_length(algorithm: str | None) -> int | None:
    """The length of a hex digest of this algorithm (hashlib's name); None when preserve does not know it."""
    known = ALGORITHMS.get(algorithm or "")
    return known.hex_length if known else None


def encode_path(path: str) -> str:
    """Percent-encode a payload path for a manifest line (RFC 8493 §2.1.3: %, CR, LF)."""
    return path.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def decode_path(text: str) -> str:
    """Inverse of encode_path (accepts lower-case hex too)."""
    return re.sub(r"%(25|0[dDaA])", lambda m: {"25": "%", "0D": "\r", "0A": "\n"}[m.group(1).upper()], text)


def bagit_txt(version: str = BAGIT_VERSION) -> str:
    """The bag declaration."""
    return f"BagIt-Version: {version}\nTag-File-Character-Encoding: {TAG_ENCODING}\n"


def manifest_text(entries: Iterable[tuple[str, str]]) -> str:
    """Manifest lines ``<digest>  <encoded path>`` for (path, digest) pairs, sorted by path."""
    return "".join(f"{digest}  {encode_path(path)}\n" for path, digest in sorted(entries))


def bag_info_text(fields: Sequence[tuple[str, str]]) -> str:
    """bag-info.txt from (label, value) pairs in order; newlines in values become continuation lines."""
    lines = []
    for label, value in fields:
        parts = str(value).splitlines() or [""]
        lines.append(f"{label}: {parts[0]}")
        lines.extend(f"  {part}" for part in parts[1:])
    return "\n".join(lines) + "\n"


def payload_oxum(total_bytes: int, file_count: int) -> str:
    """The Payload-Oxum value: octet count, a dot, the number of payload files."""
    return f"{total_bytes}.{file_count}"


@dataclass(frozen=True)
class LineProblem:
    """A defect in a tag file: its 1-based line number, what is wrong, and its kind.

    ``kind`` is "duplicate" for a manifest path listed again, "marker" for md5sum's binary-mode
    ``*`` before a path (the entry is kept), else "malformed".
    """

    line: int
    message: str
    kind: Literal["malformed", "duplicate", "marker"] = "malformed"


def parse_tag_lines(text: str, loose_colon: bool = False) -> tuple[list[tuple[str, str]], list[LineProblem]]:
    """Parse ``Label: value`` lines with indented continuation lines (bagit.txt, bag-info.txt).

    ``loose_colon`` accepts whitespace between the label and the colon: before 1.0 the drafts
    read "a label, a colon, and a value, each separated by optional whitespace"; RFC 8493
    §2.2.2 removed the whitespace before the colon.
    """
    fields: list[tuple[str, str]] = []
    problems: list[LineProblem] = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        if line[0] in " \t":
            if not fields:
                problems.append(LineProblem(number, "continuation line before any label"))
                continue
            label, value = fields[-1]
            fields[-1] = (label, f"{value} {line.strip()}")
            continue
        label, sep, value = line.partition(":")
        if loose_colon:
            label = label.rstrip(" \t")
        if not sep or not label.strip() or label != label.strip():
            problems.append(LineProblem(number, f"not a 'Label: value' line: {line[:80]!r}"))
            continue
        fields.append((label, value.strip()))
    return fields, problems


def parse_manifest(text: str, algorithm: str | None = None,
                   keep_duplicates: bool = False) -> tuple[list[tuple[str, str, int]], list[LineProblem]]:
    """Parse manifest text into (digest, decoded path, line) triples and problems.

    A line must be ``<hex digest><whitespace><path>``; the digest length must suit the
    algorithm when it is known. Duplicated paths are reported (and kept when keep_duplicates,
    for the caller to judge by the bag's version); md5sum's binary-mode ``*`` is reported
    (kind "marker") and dropped from the path.
    """
    entries: list[tuple[str, str, int]] = []
    problems: list[LineProblem] = []
    seen: dict[str, int] = {}
    expected = digest_length(algorithm)
    for number, line in enumerate(text.split("\n"), 1):
        line = line.rstrip("\r")
        if not line.strip():
            continue
        match = re.match(r"^(\S+)[ \t]+(.+)$", line)
        if not match:
            problems.append(LineProblem(number, f"malformed manifest line: {line[:80]!r}"))
            continue
        digest, raw_path = match.group(1), match.group(2)
        if raw_path.startswith("*"):
            raw_path = raw_path[1:]  # md5sum binary-mode marker, written by some tools
            problems.append(LineProblem(number, "md5sum binary-mode marker '*' before the path", "marker"))
        if not _HEX.match(digest) or (expected and len(digest) != expected):
            message = f"not a valid {algorithm or ''} digest: {digest[:80]!r}".replace("  ", " ")
            problems.append(LineProblem(number, message))
            continue
        path = decode_path(raw_path)
        if path in seen and not keep_duplicates:
            problems.append(LineProblem(number, f"path listed twice (also line {seen[path]}): {path!r}", "duplicate"))
            continue
        seen.setdefault(path, number)
        entries.append((digest.lower(), path, number))
    return entries, problems


def field_values(fields: Sequence[tuple[str, str]], label: str) -> list[str]:
    """All values of a label (labels compare case-insensitively)."""
    return [v for k, v in fields if k.lower() == label.lower()]


def as_mapping(fields: Sequence[tuple[str, str]]) -> Mapping[str, str]:
    """The first value of each label."""
    out: dict[str, str] = {}
    for k, v in fields:
        out.setdefault(k, v)
    return out
