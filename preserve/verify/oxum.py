"""Payload-Oxum (RFC 8493 §2.2.2): declared against what is there, and a miscount told from damage.

:func:`check_oxum` compares bag-info.txt's octets.count with the payload read from disk or an
archive; :func:`miscounted_oxum`, at the full level, turns a mismatch in a bag every manifest
proves whole into the warning ``payload-oxum-miscounted``.
"""
from __future__ import annotations

import hashlib

from preserve.bag import tagfiles
from preserve.bag.reader import BagView
from preserve.problems import Problem
from preserve.verify.bag import is_system_file


def check_oxum(view: BagView) -> list[Problem]:
    """Payload-Oxum (octets.count) against what is on disk."""
    values = tagfiles.field_values(view.info, "Payload-Oxum")
    if not values:
        return []
    total, count = sum(view.payload.values()), len(view.payload)
    actual = tagfiles.payload_oxum(total, count)
    octets, dot, files = values[0].partition(".")
    if not (octets.isdigit() and dot and files.isdigit()):
        return [Problem("baginfo-malformed", view.info_name, f"Payload-Oxum is not 'octets.count': {values[0]!r}")]
    if values[0] != actual and not _oxum_explained(view, int(octets), int(files), total, count):
        return [Problem("payload-oxum-mismatch", view.info_name, "Payload-Oxum does not match the payload",
                        expected=values[0], actual=actual)]
    return []


def miscounted_oxum(view: BagView, problems: list[Problem]) -> list[Problem]:
    """A Payload-Oxum mismatch in a bag otherwise proven whole becomes ``payload-oxum-miscounted``.

    RFC 8493 §3: a bag is valid when it is complete and every checksum of every manifest is
    verified; Payload-Oxum (§2.2.2) is only a quick check "before performing checksum
    validation". At the full level, once every listed file is present and matches, no file is
    unlisted and bag-info.txt matches its tag manifest, a Payload-Oxum that still disagrees was
    miscounted by the tool that made the bag: a warning, not damage.
    """
    mismatch = [p for p in problems if p.code == "payload-oxum-mismatch"]
    protected = any(view.info_name in m.entries for m in view.tag_manifests)  # its digest was just checked
    others = [p for p in problems if p.code != "payload-oxum-mismatch"]
    if not mismatch or not protected or any(p.severity == "error" or p.code.startswith("payload-") for p in others):
        return problems  # a listed file absent (even a system file) or any error: the count may be right
    return [Problem("payload-oxum-miscounted", p.path, "Payload-Oxum does not match the payload, which every "
                    "manifest proves complete and intact: the count was wrong when the bag was made "
                    "(RFC 8493 §3: validity is completeness and checksums)", expected=p.expected, actual=p.actual)
            if p.code == "payload-oxum-mismatch" else p for p in problems]


def _oxum_explained(view: BagView, octets: int, files: int, total: int, count: int) -> bool:
    """True when the difference is exactly the listed operating-system files that are gone.

    Their sizes are known (0) when their digest is that of empty content; otherwise the
    declared octets may only exceed what is on disk.
    """
    listed = {p for m in view.manifests for p in m.entries}
    gone = [p for p in listed - set(view.payload) if is_system_file(p)]
    if not gone or files != count + len(gone):
        return False
    empty = {m.algorithm: _empty_digest(m.algorithm) for m in view.manifests}
    sizes_known = all(m.entries.get(p) in (None, empty[m.algorithm]) for m in view.manifests for p in gone)
    return octets == total if sizes_known else octets >= total


def _empty_digest(algorithm: str) -> str | None:
    try:
        return hashlib.new(algorithm, b"").hexdigest()
    except (ValueError, TypeError):
        return None
