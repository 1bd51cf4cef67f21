"""Check a bag against a BagIt profile: every departure, each a ``profile-*`` Problem.

Works on the bag view the reader made (:func:`preserve.bag.reader.read_bag`), so integrity and
profile problems come from one reading. Nothing stops at the first departure: a missing tag,
a forbidden manifest and a wrong serialization are all reported together. A recommended tag
that is missing is a warning; the bag naming the profile by a URL the profile also accepts is
information; everything else is an error. What the profile rules are is in
:mod:`preserve.bag.profiles`.
"""
from __future__ import annotations

from collections.abc import Callable
from fnmatch import fnmatchcase
from pathlib import PurePosixPath

from preserve.bag import tagfiles
from preserve.bag.profiles import SERIALIZATION_TYPES, Profile, TagRule
from preserve.bag.reader import MAX_TAG_BYTES, BagView
from preserve.problems import Problem

PROFILE_ID = "BagIt-Profile-Identifier"
#: tag values compared without regard to case (IANA encoding names are case-insensitive)
_CASELESS = ("tag-file-character-encoding",)
#: how many values a message lists before "..."
_SHOWN = 12


def check_profile(view: BagView, profile: Profile, *, serialization: str | None = None,
                  name: str | None = None,
                  tag_text: Callable[[str], str | None] | None = None) -> list[Problem]:
    """Every way the bag departs from the profile.

    ``serialization`` is None for a folder, else "tar", "tar.gz" or "zip"; ``name`` is the
    archive's file name (for tarDirMustMatchName: the bag's base directory, the last part of
    ``view.name``, must be named like the archive). ``tag_text`` reads a tag file's text by its
    path in the bag (None when absent or unreadable); by default through ``view.source``, so a
    folder and a serialized bag are read alike.
    """
    check = _Check(view, profile, tag_text or (lambda path: _read_tag_text(view, path)))
    check.identifier()
    check.bagit_version()
    check.manifests()
    check.tag_files()
    check.fetch()
    check.tags()
    check.serialized(serialization, name)
    check.payload()
    return check.problems


def _read_tag_text(view: BagView, path: str) -> str | None:
    """A tag file's text in the bag's declared encoding; None when absent, blocked or unreadable."""
    if path not in view.tag_files or view.blocked(path):
        return None
    try:
        raw = view.source.read(path, MAX_TAG_BYTES)
    except OSError:
        return None  # the integrity checks report an unreadable or oversized tag file
    return raw.decode("utf-8-sig" if view.codec == "utf-8" else view.codec, "replace")


def _listing(values: tuple[str, ...] | list[str]) -> str:
    shown = ", ".join(values[:_SHOWN])
    return shown + (", ..." if len(values) > _SHOWN else "")


class _Check:
    """One bag against one profile; problems accumulate in ``problems``."""

    def __init__(self, view: BagView, profile: Profile, tag_text: Callable[[str], str | None]) -> None:
        self.view, self.profile, self.tag_text = view, profile, tag_text
        self.problems: list[Problem] = []
        self.missing: set[str] = set()  # tag files already reported missing
        self.by = f"profile {profile.label}"

    def add(self, code: str, path: str, message: str, **kw: str) -> None:
        self.problems.append(Problem(code, path, message, **kw))

    def identifier(self) -> None:
        """BagIt Profiles: bag-info.txt MUST name the profile in BagIt-Profile-Identifier (MAY repeat)."""
        named = tagfiles.field_values(self.view.info, PROFILE_ID)
        info = self.view.info_name
        if not named:
            self.add("profile-identifier-missing", info, f"has no {PROFILE_ID} ({self.by} requires it)",
                     expected=self.profile.identifier)
        elif self.profile.identifier in named:
            return
        elif any(n in self.profile.accept_identifiers for n in named):
            self.add("profile-identifier-alias", info, f"{PROFILE_ID} names {self.by} by another URL it accepts",
                     expected=self.profile.identifier, actual=named[0])
        else:
            self.add("profile-identifier-mismatch", info, f"{PROFILE_ID} names another profile, not {self.by}",
                     expected=self.profile.identifier, actual=" ".join(named))

    def bagit_version(self) -> None:
        accepted = self.profile.accept_bagit_version
        if self.view.version is not None and accepted and self.view.version not in accepted:
            self.add("profile-bagit-version", "bagit.txt", f"BagIt-Version {self.view.version} is not one {self.by} accepts",
                     expected=" or ".join(accepted), actual=self.view.version)

    def manifests(self) -> None:
        """Manifests-Required/-Allowed and Tag-Manifests-Required/-Allowed, by algorithm."""
        for kind, prefix, found, required, allowed in (
                ("manifest", "manifest", self.view.manifests, self.profile.manifests_required,
                 self.profile.manifests_allowed),
                ("tagmanifest", "tagmanifest", self.view.tag_manifests, self.profile.tag_manifests_required,
                 self.profile.tag_manifests_allowed)):
            present = {m.algorithm for m in found}
            for algorithm in required:
                if algorithm not in present:
                    self.add(f"profile-{kind}-missing", f"{prefix}-{algorithm}.txt", f"is missing ({self.by} requires it)")
            for manifest in found:
                if allowed is not None and manifest.algorithm not in allowed:
                    self.add(f"profile-{kind}-not-allowed", manifest.name,
                             f"{manifest.algorithm} is not an algorithm {self.by} allows",
                             expected=_listing(allowed), actual=manifest.algorithm)

    def _present(self, pattern: str) -> bool:
        return pattern in self.view.tag_files or any(fnmatchcase(f, pattern) for f in self.view.tag_files)

    def tag_files(self) -> None:
        """Tag-Files-Required (and files holding required tags, in tags()), Tag-Files-Allowed."""
        for pattern in self.profile.tag_files_required:
            if not self._present(pattern):
                self._file_missing(pattern, self.profile.tags_of(pattern))
        for path in sorted(self.view.tag_files):
            if not self.profile.tag_file_allowed(path):
                self.add("profile-tagfile-not-allowed", path, f"is a tag file {self.by} does not allow",
                         expected=_listing(self.profile.tag_files_allowed or ()))

    def _file_missing(self, path: str, rules: tuple[TagRule, ...]) -> None:
        """Report a missing tag file once, naming the tags the profile requires in it."""
        if path in self.missing:
            return
        self.missing.add(path)
        required = [r.name for r in rules if r.required]
        why = f"requires its tags {_listing(required)}" if required else "requires it"
        self.add("profile-tagfile-missing", path, f"is missing ({self.by} {why})")

    def fetch(self) -> None:
        has_fetch = "fetch.txt" in self.view.tag_files
        if has_fetch and not self.profile.allow_fetch:
            self.add("profile-fetch-not-allowed", "fetch.txt", f"is present; {self.by} does not allow fetch.txt")
        if not has_fetch and self.profile.fetch_required:
            self.add("profile-fetch-missing", "fetch.txt", f"is missing ({self.by} requires it)")

    def _fields(self, path: str) -> list[tuple[str, str]] | None:
        """A tag file's fields: bagit.txt and bag-info.txt as the reader read them, others read now."""
        if path == "bagit.txt":
            if path not in self.view.tag_files:
                return None  # bagit-missing: the integrity checks report it
            pairs = (("BagIt-Version", self.view.version), ("Tag-File-Character-Encoding", self.view.encoding))
            return [(k, v) for k, v in pairs if v is not None]
        if path in ("bag-info.txt", self.view.info_name):
            return self.view.info if self.view.info_name in self.view.tag_files else None
        text = self.tag_text(path)
        return None if text is None else tagfiles.parse_tag_lines(text, loose_colon=True)[0]

    def tags(self) -> None:
        """Each tag rule of each tag file: present, not empty, an allowed value, not repeated."""
        for path in self.profile.tag_files_named():
            rules = self.profile.tags_of(path)
            shown = self.view.info_name if path == "bag-info.txt" else path
            fields = self._fields(path)
            if fields is None:
                if shown in self.view.tag_files:
                    self._unreadable(shown, rules)
                elif shown != "bagit.txt" and any(r.required for r in rules):
                    self._file_missing(shown, rules)
                continue
            for rule in rules:
                self._tag(rule, shown, tagfiles.field_values(fields, rule.name))

    def _unreadable(self, path: str, rules: tuple[TagRule, ...]) -> None:
        """A tag file present but not read: its tags are unchecked, which is never passed over in silence."""
        if self.view.blocked(path):
            why = "it is a link, a special file or could not be examined"
        elif self.view.tag_files.get(path, 0) > MAX_TAG_BYTES:
            why = f"it is {self.view.tag_files[path]} bytes, over the {MAX_TAG_BYTES}-byte cap on a tag file"
        else:
            try:
                self.view.source.read(path, MAX_TAG_BYTES)  # type: ignore[union-attr]
                why = "it could not be read"
            except OSError as exc:
                why = f"it could not be read ({exc.strerror or exc})"
        named = _listing([r.name for r in rules])
        self.add("profile-tagfile-unreadable", path,
                 f"could not be read, so its tags {named} are unchecked against {self.by}: {why}")

    def _tag(self, rule: TagRule, path: str, values: list[str]) -> None:
        if not values:
            if rule.required:
                self.add("profile-tag-missing", path, f"has no {rule.name} ({self.by} requires it)",
                         **({"expected": "one of " + _listing(rule.values)} if rule.values else {}))
            elif rule.recommended:
                self.add("profile-tag-recommended", path, f"has no {rule.name} ({self.by} recommends it)")
            return
        if rule.required and not rule.empty_ok and not any(v.strip() for v in values):
            self.add("profile-tag-empty", path, f"{rule.name} is empty ({self.by} requires a value)")
        if rule.values:
            fold = rule.name.lower() in _CASELESS
            allowed = {v.lower() for v in rule.values} if fold else set(rule.values)
            for value in values:
                if (value.lower() if fold else value) not in allowed and (value.strip() or rule.required):
                    self.add("profile-tag-value", path, f"{rule.name} is not a value {self.by} allows",
                             expected="one of " + _listing(rule.values), actual=value)
        if not rule.repeatable and len(values) > 1:
            self.add("profile-tag-repeated", path, f"{rule.name} appears {len(values)} times ({self.by}: not repeatable)")

    def serialized(self, serialization: str | None, name: str | None) -> None:
        """Serialization required/forbidden, Accept-Serialization, and the archive named like its bag."""
        profile, where = self.profile, name or "."
        if serialization is None:
            if profile.serialization == "required":
                self.add("profile-serialization-required", where,
                         f"is a folder; {self.by} requires a serialized bag "
                         f"({_listing(profile.serializations() or profile.accept_serialization)})")
            return
        mimes = SERIALIZATION_TYPES.get(serialization, (serialization,))
        if profile.serialization == "forbidden":
            self.add("profile-serialization-forbidden", where, f"is serialized ({serialization}); {self.by} forbids it")
        elif not any(profile.accepts_mime(m) for m in mimes):
            self.add("profile-serialization-not-accepted", where, f"{serialization} is not a serialization {self.by} accepts",
                     expected=_listing(profile.accept_serialization), actual=" or ".join(mimes))
        if profile.tar_dir_must_match_name and name:
            stem = PurePosixPath(name).name
            for suffix in (".tar.gz", ".tgz", ".tar", ".zip"):
                if stem.lower().endswith(suffix):
                    stem = stem[: -len(suffix)]
                    break
            top = self.view.name or self.view.root.name  # an archive's top folder
            if top != stem:
                # draft-kunze-bagit-14 §4.2: "The serialization SHOULD have the same name as the bag's base directory"
                self.add("profile-serialization-name", where,
                         f"unpacks to {top!r}, not a folder named like the archive ({self.by})",
                         expected=stem, actual=top)

    def payload(self) -> None:
        """Payload-Files-Required/-Allowed and Data-Empty (BagIt Profiles 1.4)."""
        files, dirs = self.view.payload, self.view.dirs
        for pattern in self.profile.payload_files_required:
            folder = pattern.rstrip("/*") if pattern.endswith(("/", "/*")) else None
            found = folder in dirs if folder else (pattern in files or any(fnmatchcase(f, pattern) for f in files))
            if not found:
                self.add("profile-payload-missing", pattern, f"is missing from the payload ({self.by} requires it)")
        allowed = self.profile.payload_files_allowed
        for path in sorted(files):
            if allowed is not None and not any(fnmatchcase(path, p) for p in allowed):
                self.add("profile-payload-not-allowed", path, f"is a payload file {self.by} does not allow",
                         expected=_listing(allowed))
        if self.profile.data_empty and not (not files or (len(files) == 1 and not next(iter(files.values())))):
            self.add("profile-payload-not-empty", "data",
                     f"holds {len(files)} file(s); {self.by} requires data/ empty or one zero-byte file")
