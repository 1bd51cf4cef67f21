"""A problem found in a bag: a stable code, its severity, the path it concerns and a human message.

``CODES`` is the one list of every code ``preserve verify`` can report, each with a one-line
meaning; ``schemas/verify-report.schema.json`` and ``docs/verify.md`` enumerate the same codes
(a test keeps them in step). ``SEVERITY`` names the codes that are not errors: ``warning``, the
bag is valid but a SHOULD of the specification is broken or something deserves a look;
``info``, a fact worth recording. Every other code is an ``error``: the bag is not valid or not
complete.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Literal

Severity = Literal["error", "warning", "info"]

CODES: dict[str, str] = {
    # the bag declaration and bag-info.txt
    "bagit-missing": "bagit.txt (the bag declaration) is missing",
    "bagit-malformed": "bagit.txt lacks the BagIt-Version or Tag-File-Character-Encoding line, or has a bad line",
    "bagit-version-unsupported": "BagIt-Version is not one this tool reads (0.93 to 0.97, 1.0)",
    "bagit-encoding-unsupported": "Tag-File-Character-Encoding names an encoding this tool does not read",
    "baginfo-malformed": "bag-info.txt has a line that is not 'Label: value', or a malformed or repeated Payload-Oxum or Preserve-Empty-Directory",
    "payload-oxum-mismatch": "Payload-Oxum (octets.count) differs from the payload on disk",
    "payload-oxum-miscounted": "Payload-Oxum differs from a payload that every manifest proves complete and intact (full level): miscounted when the bag was made; RFC 8493 §3 makes validity completeness and checksums",
    "fetch-unsupported": "fetch.txt lists files to download that are not in the bag: it is incomplete (RFC 8493 §3) and nothing is fetched",
    "empty-directory-missing": "a folder named by Preserve-Empty-Directory in bag-info.txt is gone or not a folder (no bytes are lost; stores such as OCFL cannot keep empty folders)",
    # tag files
    "tagfile-unreadable": "a tag file exists but cannot be read",
    "tagfile-too-large": "a tag file or manifest is larger than the safety limit and was not read",
    "tagfile-encoding": "a tag file is not valid in the encoding bagit.txt declares",
    "tagfile-missing": "a file listed in a tag manifest is not in the bag",
    "tagfile-unlisted": "a tag file (outside data/) is in no tag manifest (RFC 8493 §2.2.1: SHOULD be listed)",
    "tagfile-checksum-mismatch": "a tag file's digest differs from its tag manifest",
    "tagmanifest-missing": "a BagIt 1.0 bag has no tag manifest (allowed, RFC 8493 §2.2.1 MAY, but its tag files are then unprotected)",
    "tagmanifest-entry-missing": "a tag file listed in one tag manifest is missing from another (RFC 8493 §2.2.1: each SHOULD list the same tag files)",
    "tagmanifest-self-listed": "a tag manifest lists itself (its digest can never match); the entry is ignored",
    # manifests
    "manifest-missing": "the bag has no payload manifest",
    "manifest-malformed": "a manifest line is not '<hex digest> <path>' or its digest has the wrong length",
    "manifest-duplicate": "a manifest lists the same path twice",
    "manifest-unsafe-path": "a manifest path is absolute, contains '..', a backslash or an empty segment, or a payload path is outside data/ (never read)",
    "manifest-algorithm-unsupported": "a manifest's algorithm is unknown; its digests are not checked",
    "manifest-entry-missing": "a payload file listed in one manifest is missing from another (each must list every payload file)",
    "manifest-problems-truncated": "a manifest has over 100 bad lines: only the first 100 are reported (and reading stops after 10,000)",
    # the payload
    "payload-dir-missing": "the payload folder data/ is missing or not a real folder",
    "payload-missing": "a file listed in the manifest is not in the bag",
    "payload-unlisted": "a file in data/ is in no manifest (hidden files included)",
    "payload-checksum-mismatch": "a payload file's digest differs from its manifest (changed, truncated, extended or emptied)",
    "payload-renamed": "a listed file is missing and an unlisted file has exactly its digest: it was renamed or moved",
    "payload-case-changed": "a listed file is missing and an unlisted file has its name in another letter case",
    "payload-normalisation-changed": "a listed file is missing and an unlisted file has its name in another Unicode normalisation",
    # files that must never be opened
    "symlink": "a symbolic link in the bag (never followed)",
    "special-file": "a FIFO, socket or device in the bag (never opened)",
    "file-unreadable": "a file cannot be read or examined (e.g. permission denied)",
    "folder-unreadable": "a folder cannot be listed (e.g. permission denied)",
    # the E-ARK package inside data/ (METS, PREMIS, DC)
    "mets-missing": "a METS.xml that should exist is missing or not a regular file",
    "mets-malformed": "a METS.xml is not well-formed, or is refused as unsafe (DOCTYPE/entities, too large)",
    "mets-invalid": "a METS.xml is not valid against the METS schema",
    "mets-bad-href": "a METS file or pointer reference does not point inside the package",
    "mets-file-missing": "a file listed in METS is missing or not a regular file",
    "mets-file-unlisted": "a content file under representations/ is not listed in METS",
    "mets-file-unreadable": "a file listed in METS cannot be read",
    "mets-size-mismatch": "a file's SIZE in METS differs from the file",
    "mets-checksum-missing": "a file listed in METS has no CHECKSUM/CHECKSUMTYPE",
    "mets-checksum-unsupported": "a METS CHECKSUMTYPE is not a supported algorithm",
    "mets-checksum-mismatch": "a file's CHECKSUM in METS differs from the file",
    "premis-malformed": "the PREMIS record is not well-formed or is refused as unsafe",
    "premis-invalid": "the PREMIS record is not valid against the PREMIS schema",
    "dc-malformed": "the Dublin Core record (dc.xml or dc.json) is not well-formed, unsafe or unreadable",
    "dc-invalid": "the Dublin Core record breaks the XML schema or the project's metadata schema",
    "check-failed": "a check could not be completed (an internal error, reported instead of crashing)",
    # METS, PREMIS and DC of other tools and versions
    "mets-file-no-location": "a file in a METS that claims an E-ARK (DILCIS) profile has no FLocat (CSIP76)",
    "mets-file-unlocated": "a file in a METS has neither FLocat nor FContent (METS 1.12 allows it): its content cannot be checked",
    "mets-href-external": "a METS points to locations outside the package (URLs): not checked, never fetched",
    "mets-checksum-absent": "a METS that claims no E-ARK profile lists files without CHECKSUM or PREMIS fixity (optional in METS 1.12): their content was not checked",
    "metadata-schema-not-checked": "a PREMIS or DC record is a version whose schema preserve does not ship (PREMIS 2.x, a DC root other than oai_dc): checked for integrity and well-formedness only",
    # BagIt versions and leniencies (RFC 8493 and the 0.93-0.97 drafts)
    "baginfo-repeated": "Bagging-Date, Bag-Size, Bag-Count or Bag-Group-Identifier appears more than once (RFC 8493 §2.2.2: SHOULD NOT)",
    "manifest-path-noncanonical": "a manifest path has './' segments; read as the relative path inside the bag it names (RFC 8493 §2.1.3)",
    "manifest-duplicate-same-digest": "a pre-1.0 manifest lists the same path twice with the same digest ('exactly once' is BagIt 1.0 wording)",
    "manifest-binary-marker": "a manifest line carries md5sum's '*' binary-mode marker before the path; read past it",
    "manifest-names-collide": "a manifest lists two names that differ only in letter case or Unicode normalisation, with the same digest; one file holds both",
    "fetch-complete": "fetch.txt lists files to download, and every one is present (nothing fetched; an archival copy should not depend on the network)",
    "fetch-malformed": "a fetch.txt line is not 'url length filepath', or its path is outside data/",
    "payload-system-file-missing": "a listed operating-system file (.DS_Store, Thumbs.db, desktop.ini, ._*) is not in the bag",
    "tagmanifest-incomplete": "a BagIt 1.0 tag manifest does not list a payload manifest (RFC 8493 §2.2.1: MUST)",
    # a bag against a BagIt profile (preserve verify --profile): every departure
    "profile-identifier-missing": "a bag checked against a BagIt profile has no BagIt-Profile-Identifier in bag-info.txt (BagIt Profiles: MUST)",
    "profile-identifier-mismatch": "bag-info.txt's BagIt-Profile-Identifier names another profile than the one checked",
    "profile-identifier-alias": "bag-info.txt names the profile by another URL the profile accepts (Accept-BagIt-Profile-Identifier)",
    "profile-bagit-version": "the bag's BagIt-Version is not one the profile accepts (Accept-BagIt-Version)",
    "profile-manifest-missing": "a payload manifest the profile requires is missing (Manifests-Required)",
    "profile-manifest-not-allowed": "a payload manifest uses an algorithm the profile does not allow (Manifests-Allowed)",
    "profile-tagmanifest-missing": "a tag manifest the profile requires is missing (Tag-Manifests-Required)",
    "profile-tagmanifest-not-allowed": "a tag manifest uses an algorithm the profile does not allow (Tag-Manifests-Allowed)",
    "profile-tagfile-missing": "a tag file the profile requires, or one holding tags it requires, is missing (Tag-Files-Required)",
    "profile-tagfile-not-allowed": "a tag file the profile does not allow is in the bag (Tag-Files-Allowed)",
    "profile-tagfile-unreadable": "a tag file whose tags the profile names is in the bag but could not be read (over the 1 MiB read cap, a link, unreadable): its tags are unchecked",
    "profile-fetch-not-allowed": "fetch.txt is present and the profile does not allow it (Allow-Fetch.txt)",
    "profile-fetch-missing": "the profile requires fetch.txt and the bag has none (Fetch.txt-Required)",
    "profile-tag-missing": "a tag the profile requires is missing from its tag file (bag-info.txt, aptrust-info.txt, ...)",
    "profile-tag-empty": "a tag the profile requires is present with an empty value",
    "profile-tag-value": "a tag's value is not one of the values the profile allows",
    "profile-tag-repeated": "a tag the profile marks not repeatable appears more than once",
    "profile-tag-recommended": "a tag the profile recommends is missing",
    "profile-serialization-required": "the profile requires a serialized bag (an archive file) and the bag is a folder",
    "profile-serialization-forbidden": "the profile forbids serialization and the bag is an archive file",
    "profile-serialization-not-accepted": "the bag's serialization (tar, tar.gz, zip) is not a type the profile accepts (Accept-Serialization)",
    "profile-serialization-name": "the archive does not unpack to a folder named like the archive, as the profile requires (draft-kunze-bagit-14 §4.2)",
    "profile-payload-missing": "a payload file or folder the profile requires is missing (Payload-Files-Required)",
    "profile-payload-not-allowed": "a payload file the profile does not allow is in the bag (Payload-Files-Allowed)",
    "profile-payload-not-empty": "the profile requires data/ empty or one zero-byte file, and it holds more (Data-Empty)",
    # serialized bags (tar, tar.gz, zip), read without unpacking
    "archive-damaged": "the file is not a tar, tar.gz or zip archive, or is damaged or truncated: reading stopped there",
    "archive-unsafe-name": "an archive member's name is absolute, has '..', a backslash or a NUL, or a zip's two headers name it differently (never read)",
    "archive-outside-top": "an archive member is outside the bag's one top folder (draft-kunze-bagit-14 §4: MUST unpack to a single base directory); not read",
    "archive-link": "an archive member is a symbolic or hard link (never followed)",
    "archive-special": "an archive member is a device, FIFO or other special file (never read)",
    "archive-duplicate": "an archive holds the same member name twice (extractors differ on which wins; only the first is read)",
    "archive-member-oversize": "a zip member holds more data than its header declares: reading stopped",
    "archive-member-damaged": "a zip member's CRC-32 differs from its header: its content changed after zipping",
    "archive-bomb": "an archive decompresses past the compression-ratio limit (a compression bomb): reading stopped",
    "archive-limit": "an archive exceeds a safety limit (members, bytes, bytes held in memory): reading stopped or a file not read",
    "archive-unsupported": "a zip member is encrypted or compressed by a method preserve cannot read (not read)",
    "archive-name-mismatch": "a serialized bag's file name differs from its top folder (draft-kunze-bagit-14 §4: SHOULD be named like it)",
}


#: the codes that are not errors, with their severity (every code not named here is an error)
SEVERITY: dict[str, Severity] = {
    # RFC 8493 §2.2.1: "A bag MAY contain one or more tag manifests, in which case each tag
    # manifest SHOULD list the same set of tag files", and SHOULD list the remaining tag files
    # (only the payload manifests are a MUST: tagmanifest-incomplete stays an error).
    "tagfile-unlisted": "warning",
    "tagmanifest-entry-missing": "warning",
    "tagmanifest-missing": "warning",
    # a fact about the report itself: the bad lines it counts are errors of their own
    "manifest-problems-truncated": "info",
    # METS 1.12 allows a file without FLocat and any CHECKSUMTYPE: valid, but its content is unchecked
    "mets-file-unlocated": "warning",
    "mets-checksum-unsupported": "warning",
    # what was not checked, and why: nothing is fetched, no schema is shipped for that version
    "mets-href-external": "info",
    "mets-checksum-absent": "info",
    "metadata-schema-not-checked": "info",
    # §2.2.2: these labels SHOULD NOT be repeated (a repeated Payload-Oxum, MUST NOT, stays an error)
    "baginfo-repeated": "warning",
    # §2.1.3: a relative path that stays inside the bag is valid, './' or not
    "manifest-path-noncanonical": "warning",
    # before 1.0 a path listed twice with one digest is harmless ("exactly once" is 1.0 wording)
    "manifest-duplicate-same-digest": "warning",
    # §6.1.3: md5sum's '*' binary marker is read past, with a warning
    "manifest-binary-marker": "warning",
    # two listed names that one case-insensitive or normalising file system holds as one file
    "manifest-names-collide": "warning",
    # §3: complete and valid; an archival copy should not name network locations for its files
    "fetch-complete": "warning",
    # files an operating system writes by itself, which copies routinely drop
    "payload-system-file-missing": "warning",
    # BagIt profiles: a missing recommended tag breaks a SHOULD; a URL the profile itself accepts is a fact
    "profile-identifier-alias": "info",
    "profile-tag-recommended": "warning",
    # draft-kunze-bagit-14 §4: the file SHOULD be named like the bag
    "archive-name-mismatch": "warning",
    "payload-oxum-miscounted": "warning",
    "empty-directory-missing": "warning",
}


def severity_of(code: str) -> Severity:
    """The severity of a code: SEVERITY's, else error."""
    return SEVERITY.get(code, "error")


@dataclass(frozen=True)
class Problem:
    """One finding. ``code`` is stable (one of ``CODES``, documented in schemas/verify-report.schema.json);
    its severity follows from the code (``severity_of``)."""

    code: str
    path: str
    message: str
    expected: str | None = None
    actual: str | None = None
    severity: Severity = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "severity", severity_of(self.code))

    def with_severity(self, severity: Severity) -> Problem:
        """The same finding with another severity (``preserve verify --strict`` makes warnings errors)."""
        other = replace(self)
        object.__setattr__(other, "severity", severity)
        return other

    def as_dict(self) -> dict:
        return {k: v for k, v in asdict(self).items() if v is not None}

    def __str__(self) -> str:
        text = f"{self.code}: {self.path}: {self.message}"
        if self.expected is not None or self.actual is not None:
            text += f" (expected {self.expected!r}, found {self.actual!r})"
        return text


#: how many problems of one code a bag's report lists; the rest are counted in one more problem
#: (a hostile archive or a folder of thousands of stray files must not make a report of gigabytes)
MAX_PER_CODE = 1000


def limit_per_code(problems: list[Problem], where: str, limit: int = MAX_PER_CODE) -> list[Problem]:
    """The first ``limit`` problems of each code, then one per code saying how many more there were."""
    counts: dict[str, int] = {}
    kept = []
    for problem in problems:
        n = counts[problem.code] = counts.get(problem.code, 0) + 1
        if n <= limit:
            kept.append(problem)
    return kept + [Problem(code, where, f"{n - limit} more problems of this code are not listed "
                           f"(a report lists {limit} of each)") for code, n in counts.items() if n > limit]
