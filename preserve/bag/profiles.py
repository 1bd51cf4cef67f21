"""BagIt profiles: load one (built-in name or JSON file, either JSON form) into one normalised Profile.

Two JSON forms describe the same rules, and both load:

* the BagIt Profiles specification (1.0 to 1.4): ``BagIt-Profile-Info``, ``Bag-Info`` (tags of
  bag-info.txt: ``required``, ``values``, ``repeatable``, ``description``, and BTR's
  ``recommended``), ``Manifests-Required``/``-Allowed``, ``Tag-Manifests-Required``/``-Allowed``,
  ``Tag-Files-Required``/``-Allowed``, ``Payload-Files-Required``/``-Allowed``, ``Allow-Fetch.txt``,
  ``Fetch.txt-Required``, ``Data-Empty``, ``Serialization``, ``Accept-Serialization``,
  ``Accept-BagIt-Version``. That form cannot name tags of other tag files (APTrust's
  aptrust-info.txt), so three more keys are read where present: ``Tags`` (a list of
  ``{tagFile, tagName, required, values, defaultValue, help}`` as APTrust proposed for profiles
  2.0), ``Tar-Dir-Must-Match-Name`` (draft-kunze-bagit-14 §4.2: the archive unpacks to a folder
  named like it) and ``Accept-BagIt-Profile-Identifier`` (other URLs a bag may name the profile by);
* DART's form: ``bagItProfileInfo``, ``tags`` (tagFile, tagName, required, values,
  defaultValue, help, emptyOk), ``acceptBagItVersion``, ``acceptSerialization``, ``serialization``,
  ``tarDirMustMatchName``, ``manifestsRequired``, ... DART's ``userValue`` is the DART user's own
  value, never the profile's, and is ignored: using it would invent metadata.

A file that is not a profile (not JSON, over 1 MiB, neither form, a value of the wrong type, a
tag name, default or allowed value that could not be written as one ``Label: value`` line of a
tag file: RFC 8493 §2.2.2, the rule preserve.toml's labels follow) raises one InputError naming
the file and what is wrong. ``SERIALIZATION_TYPES`` is the one
table from preserve's serializations to the MIME types profiles name them by.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from fnmatch import fnmatchcase
from importlib.resources import files
from pathlib import Path
from typing import Any, Literal

from preserve._runtime.resources import checkout_schemas
from preserve.errors import InputError
from preserve.fixity.algorithms import algorithm_key
from preserve.intake.config import LABEL_RULE, has_control, is_tag_label
from preserve.intake.userfiles import read_user_file

BUILTIN_PROFILES = ("aptrust", "btr")
MAX_PROFILE_BYTES = 1 << 20
Serialization = Literal["required", "optional", "forbidden"]
#: preserve's serializations and the MIME types a profile's Accept-Serialization names them by
#: (bagit-profile judges a .tar by its extension as application/x-tar: both names are accepted)
SERIALIZATION_TYPES: dict[str, tuple[str, ...]] = {
    "tar": ("application/tar", "application/x-tar"),
    "tar.gz": ("application/gzip", "application/x-gzip", "application/tar+gzip"),
    "zip": ("application/zip",),
}
#: tag files every bag may hold whatever Tag-Files-Allowed says (bagit-profile exempts the same)
STANDARD_TAG_FILES = ("bagit.txt", "bag-info.txt", "fetch.txt", "manifest-*.txt", "tagmanifest-*.txt")


@dataclass(frozen=True)
class TagRule:
    """What a profile says of one tag in one tag file."""

    file: str                    # "bag-info.txt", "aptrust-info.txt", "bagit.txt", ...
    name: str
    required: bool = False
    values: tuple[str, ...] = ()  # the allowed values; () allows any
    default: str | None = None    # the profile's own default (DART's defaultValue), never a user's value
    recommended: bool = False
    description: str = ""
    repeatable: bool = True
    empty_ok: bool = False        # DART's emptyOk: a required tag may be present with no value


@dataclass(frozen=True)
class Profile:
    """A BagIt profile, the same whichever JSON form it came from. ``None`` allows anything."""

    identifier: str
    label: str                    # how messages name it: the built-in name or the file given
    source: str = ""              # Source-Organization of the profile (or DART's name)
    version: str = ""
    accept_bagit_version: tuple[str, ...] = ()  # () accepts any
    manifests_required: tuple[str, ...] = ()    # algorithms, hashlib's names ("md5", "sha256")
    manifests_allowed: tuple[str, ...] | None = None
    tag_manifests_required: tuple[str, ...] = ()
    tag_manifests_allowed: tuple[str, ...] | None = None
    tag_files_required: tuple[str, ...] = ()    # paths or globs relative to the bag
    tag_files_allowed: tuple[str, ...] | None = None
    payload_files_required: tuple[str, ...] = ()
    payload_files_allowed: tuple[str, ...] | None = None
    allow_fetch: bool = True
    fetch_required: bool = False
    data_empty: bool = False
    serialization: Serialization = "optional"
    accept_serialization: tuple[str, ...] = ()  # MIME types; () accepts any
    tar_dir_must_match_name: bool = False
    accept_identifiers: tuple[str, ...] = ()    # other URLs a bag may name this profile by
    tags: tuple[TagRule, ...] = ()

    def tags_of(self, file: str) -> tuple[TagRule, ...]:
        """The rules for one tag file's tags, in the profile's order."""
        return tuple(rule for rule in self.tags if rule.file == file)

    def tag_files_named(self) -> tuple[str, ...]:
        """Every tag file the profile's tag rules name, in order, once each."""
        return tuple(dict.fromkeys(rule.file for rule in self.tags))

    def accepts_mime(self, mime: str) -> bool:
        """True when Accept-Serialization lists this MIME type (or nothing, or '*')."""
        accepted = {m.lower() for m in self.accept_serialization}
        return not accepted or "*" in accepted or mime.lower() in accepted

    def serializations(self) -> tuple[str, ...]:
        """preserve's serializations ("tar", "tar.gz", "zip") the profile accepts, in that order."""
        if self.serialization == "forbidden":
            return ()
        return tuple(s for s, mimes in SERIALIZATION_TYPES.items() if any(self.accepts_mime(m) for m in mimes))

    def tag_file_allowed(self, path: str) -> bool:
        """True when Tag-Files-Allowed lets the bag hold this tag file (standard ones always)."""
        if any(fnmatchcase(path, p) for p in STANDARD_TAG_FILES) or self.tag_files_allowed is None:
            return True
        return any(fnmatchcase(path, p) for p in self.tag_files_allowed)


def load_profile(name_or_path: str | Path) -> Profile:
    """A built-in profile by name ("aptrust", "btr") or a profile JSON file in either form."""
    text = str(name_or_path)
    if text.lower() in BUILTIN_PROFILES:
        return parse_profile(_builtin_bytes(text.lower()), text.lower())
    path = Path(name_or_path)
    if path.is_dir():
        raise InputError(f"{path}: is a folder, not a BagIt profile; give a profile JSON file "
                         f"or a built-in profile ({', '.join(BUILTIN_PROFILES)})")
    raw = read_user_file(path, MAX_PROFILE_BYTES, "a BagIt profile (JSON)")
    if raw is None:
        raise InputError(f"{path}: no such profile; give a profile JSON file "
                         f"or a built-in profile ({', '.join(BUILTIN_PROFILES)})")
    return parse_profile(raw, str(path))


def _builtin_bytes(name: str) -> bytes:
    """The shipped JSON of a built-in profile (preserve.schemas.profiles, or a checkout's schemas/)."""
    try:
        return files("preserve.schemas.profiles").joinpath(f"{name}.json").read_bytes()
    except (ModuleNotFoundError, FileNotFoundError):
        return (checkout_schemas() / "profiles" / f"{name}.json").read_bytes()


def parse_profile(raw: bytes | str, label: str) -> Profile:
    """Parse profile JSON text; label names it in the one-line InputError raised for anything wrong."""
    if isinstance(raw, bytes):
        if len(raw) > MAX_PROFILE_BYTES:
            raise InputError(f"{label}: not a BagIt profile: larger than {MAX_PROFILE_BYTES} bytes")
        try:
            raw = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise InputError(f"{label}: not a BagIt profile: not UTF-8 text") from None
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        reason = str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__
        raise InputError(f"{label}: not a BagIt profile: not valid JSON ({reason})") from None
    reader = _Reader(label)
    if isinstance(data, dict) and "BagIt-Profile-Info" in data:
        return reader.bagit_form(data)
    if isinstance(data, dict) and "bagItProfileInfo" in data:
        return reader.dart_form(data)
    raise InputError(f"{label}: not a BagIt profile: JSON with neither 'BagIt-Profile-Info' "
                     "(BagIt Profiles form) nor 'bagItProfileInfo' (DART's form)")


class _Reader:
    """Typed reads of profile JSON; every wrong type is one InputError naming the key."""

    def __init__(self, label: str) -> None:
        self.label = label

    def fail(self, what: str) -> InputError:
        return InputError(f"{self.label}: not a usable BagIt profile: {what}")

    def table(self, data: dict, key: str) -> dict:
        value = data.get(key)
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise self.fail(f"{key!r} must be an object, not {_kind(value)}")
        return value

    def text(self, data: dict, key: str, where: str = "") -> str:
        value = data.get(key)
        if value is None:
            return ""
        if not isinstance(value, str):
            raise self.fail(f"{where}{key!r} must be a string, not {_kind(value)}")
        return value.strip()

    def flag(self, data: dict, key: str, default: bool, where: str = "") -> bool:
        value = data.get(key, default)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise self.fail(f"{where}{key!r} must be true or false, not {_kind(value)}")
        return value

    def strings(self, data: dict, key: str, where: str = "") -> tuple[str, ...] | None:
        """A list of strings; None when the key is absent or null."""
        value = data.get(key)
        if value is None:
            return None
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(f"{where}{key!r} must be a list of strings")
        return tuple(v.strip() for v in value)

    def algorithms(self, data: dict, key: str) -> tuple[str, ...] | None:
        names = self.strings(data, key)
        return None if names is None else tuple(dict.fromkeys(algorithm_key(n) for n in names if n))

    def serialization(self, value: Any, key: str) -> Serialization:
        if value is None:
            return "optional"
        if value not in ("required", "optional", "forbidden"):
            raise self.fail(f"{key!r} must be \"required\", \"optional\" or \"forbidden\", not {value!r}")
        return value

    def tag_file(self, name: str, where: str) -> str:
        """A tag file path as a profile names it: relative, inside the bag, outside data/."""
        parts = name.split("/")
        if (not name or name.startswith("/") or "\\" in name or any(p in ("", ".", "..") for p in parts)
                or parts[0] == "data" or any(ord(c) < 32 for c in name)):
            raise self.fail(f"{where} names tag file {name!r}, not a path inside the bag outside data/")
        return name

    def tag_name(self, name: str, where: str) -> str:
        """A tag name as a tag file can hold it (the rule preserve.toml's labels follow)."""
        if not is_tag_label(name):
            raise self.fail(f"{where} names tag {name!r}, not a tag name ({LABEL_RULE})")
        return name

    def one_line(self, value: str | None, key: str, where: str) -> str | None:
        """A value written into a tag file: one line, no control character (else it would add lines)."""
        if value is not None and has_control(value):
            raise self.fail(f"{where}{key!r} {value!r} holds a line break or control character; "
                            "a tag value is one line")
        return value

    def allowed_values(self, data: dict, key: str, where: str) -> tuple[str, ...]:
        values = self.strings(data, key, where) or ()
        for value in values:
            self.one_line(value, key, where)
        return values

    def rule_tag_file(self, name: str, where: str) -> str:
        """The tag file a tag rule names: a clean path (no control character anywhere) of a file of
        ``Label: value`` lines, so not fetch.txt or a manifest. RFC 8493 §2 lets tag files sit in
        folders of the bag; a profile that wants one written there is refused when bagging."""
        bagit_own = name.lower() == "fetch.txt" or name.lower().startswith(("manifest-", "tagmanifest-"))
        if has_control(name) or bagit_own:
            raise self.fail(f"{where} names tag file {name!r}, not a file of tags (one clean name, "
                            "not fetch.txt or a manifest)")
        return self.tag_file(name, where)

    def tag_entry(self, entry: Any, where: str) -> TagRule:
        """One tag of a ``tags``/``Tags`` list (DART's keys)."""
        if not isinstance(entry, dict):
            raise self.fail(f"{where} must be an object, not {_kind(entry)}")
        name = self.text(entry, "tagName", where + " ")
        if not name:
            raise self.fail(f"{where} has no tagName")
        default = self.one_line(self.text(entry, "defaultValue", where + " ") or None, "defaultValue",
                                where + " ")  # never userValue
        return TagRule(
            file=self.rule_tag_file(self.text(entry, "tagFile", where + " "), where),
            name=self.tag_name(name, where),
            required=self.flag(entry, "required", False, where + " "),
            values=self.allowed_values(entry, "values", where + " "),
            default=default,
            recommended=self.flag(entry, "recommended", False, where + " "),
            description=self.text(entry, "help", where + " ") or self.text(entry, "description", where + " "),
            repeatable=self.flag(entry, "repeatable", True, where + " "),
            empty_ok=self.flag(entry, "emptyOk", False, where + " ") or self.flag(entry, "emptyOK", False, where + " "),
        )

    def tag_list(self, data: dict, key: str) -> tuple[TagRule, ...]:
        value = data.get(key)
        if value is None:
            return ()
        if not isinstance(value, list):
            raise self.fail(f"{key!r} must be a list of tags, not {_kind(value)}")
        return tuple(self.tag_entry(entry, f"{key}[{i}]") for i, entry in enumerate(value))

    def bag_info_tags(self, data: dict) -> tuple[TagRule, ...]:
        """The ``Bag-Info`` object of the BagIt Profiles form: label -> its rule."""
        rules = []
        for label, spec in self.table(data, "Bag-Info").items():
            where = f"Bag-Info {label!r}"
            if not is_tag_label(label.strip()):
                raise self.fail(f"{where} is not a tag name ({LABEL_RULE})")
            if not isinstance(spec, dict):
                raise self.fail(f"{where} must be an object, not {_kind(spec)}")
            rules.append(TagRule(
                file="bag-info.txt", name=label.strip(),
                required=self.flag(spec, "required", False, where + " "),
                values=self.allowed_values(spec, "values", where + " "),
                default=self.one_line(self.text(spec, "default", where + " ") or None, "default", where + " "),
                recommended=self.flag(spec, "recommended", False, where + " "),
                description=self.text(spec, "description", where + " "),
                repeatable=self.flag(spec, "repeatable", True, where + " "),
            ))
        return tuple(rules)

    def paths(self, data: dict, key: str) -> tuple[str, ...] | None:
        found = self.strings(data, key)
        return None if found is None else tuple(p for p in found if p)

    def bagit_form(self, data: dict) -> Profile:
        info = self.table(data, "BagIt-Profile-Info")
        profile = Profile(
            identifier=self.text(info, "BagIt-Profile-Identifier", "BagIt-Profile-Info "),
            label=self.label,
            source=self.text(info, "Source-Organization", "BagIt-Profile-Info "),
            version=self.text(info, "Version", "BagIt-Profile-Info "),
            accept_bagit_version=self.strings(data, "Accept-BagIt-Version") or (),
            manifests_required=self.algorithms(data, "Manifests-Required") or (),
            manifests_allowed=self.algorithms(data, "Manifests-Allowed"),
            tag_manifests_required=self.algorithms(data, "Tag-Manifests-Required") or (),
            tag_manifests_allowed=self.algorithms(data, "Tag-Manifests-Allowed"),
            tag_files_required=self.paths(data, "Tag-Files-Required") or (),
            tag_files_allowed=self.paths(data, "Tag-Files-Allowed"),
            payload_files_required=self.paths(data, "Payload-Files-Required") or (),
            payload_files_allowed=self.paths(data, "Payload-Files-Allowed"),
            allow_fetch=self.flag(data, "Allow-Fetch.txt", True),
            fetch_required=self.flag(data, "Fetch.txt-Required", False),
            data_empty=self.flag(data, "Data-Empty", False),
            serialization=self.serialization(data.get("Serialization"), "Serialization"),
            accept_serialization=self.strings(data, "Accept-Serialization") or (),
            tar_dir_must_match_name=self.flag(data, "Tar-Dir-Must-Match-Name", False),
            accept_identifiers=self.strings(data, "Accept-BagIt-Profile-Identifier") or (),
            tags=self.bag_info_tags(data) + self.tag_list(data, "Tags"),
        )
        return self.checked(profile, "BagIt-Profile-Info's 'BagIt-Profile-Identifier'")

    def dart_form(self, data: dict) -> Profile:
        info = self.table(data, "bagItProfileInfo")
        profile = Profile(
            identifier=self.text(info, "bagItProfileIdentifier", "bagItProfileInfo "),
            label=self.label,
            source=self.text(info, "sourceOrganization", "bagItProfileInfo ") or self.text(data, "name"),
            version=self.text(info, "version", "bagItProfileInfo "),
            accept_bagit_version=self.strings(data, "acceptBagItVersion") or (),
            manifests_required=self.algorithms(data, "manifestsRequired") or (),
            manifests_allowed=self.algorithms(data, "manifestsAllowed"),
            tag_manifests_required=self.algorithms(data, "tagManifestsRequired") or (),
            tag_manifests_allowed=self.algorithms(data, "tagManifestsAllowed"),
            tag_files_required=self.paths(data, "tagFilesRequired") or (),
            tag_files_allowed=self.paths(data, "tagFilesAllowed"),
            allow_fetch=self.flag(data, "allowFetchTxt", True),
            serialization=self.serialization(data.get("serialization"), "serialization"),
            accept_serialization=self.strings(data, "acceptSerialization") or (),
            tar_dir_must_match_name=self.flag(data, "tarDirMustMatchName", False),
            tags=self.tag_list(data, "tags"),
        )
        return self.checked(profile, "bagItProfileInfo's 'bagItProfileIdentifier'")

    def checked(self, profile: Profile, identifier_key: str) -> Profile:
        """Refuse a profile without an identifier, or one that requires what it does not allow."""
        if not profile.identifier:
            raise self.fail(f"no {identifier_key} (the URL bags name it by); add it")
        if any(ord(c) < 32 or c.isspace() for c in profile.identifier):
            raise self.fail(f"{identifier_key} holds a space or control character; it must be a URL")
        for kind, required, allowed in (("manifest", profile.manifests_required, profile.manifests_allowed),
                                        ("tag manifest", profile.tag_manifests_required,
                                         profile.tag_manifests_allowed)):
            bad = [a for a in required if allowed is not None and a not in allowed]
            if bad:
                raise self.fail(f"it requires {kind} algorithm {bad[0]} but does not allow it")
        for path in profile.tag_files_required:
            self.tag_file(path, "Tag-Files-Required")
            if not profile.tag_file_allowed(path):
                raise self.fail(f"it requires tag file {path!r} but Tag-Files-Allowed does not allow it")
        if profile.fetch_required and not profile.allow_fetch:
            raise self.fail("it requires fetch.txt but does not allow it")
        return profile


def _kind(value: object) -> str:
    """A JSON value's kind, as a message names it."""
    return {dict: "an object", list: "a list", str: "a string", bool: "true/false", type(None): "null"}.get(
        type(value), "a number")
