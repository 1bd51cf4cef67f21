"""The optional collection config, ``SOURCE/preserve.toml``.

Keys (all optional, all strings)::

    organisation   = "Name of the submitting organisation"
    address        = "Postal address"
    contact_name   = "A person to ask"
    contact_email  = "someone@example.org"
    rights         = "Rights statement applied to every release"
    language       = "en"            # default language (ISO 639-1) when detection is unsure
    publisher      = "Publisher (defaults to organisation)"

    [bag-info]                       # more bag-info.txt tags, written into every bag
    Bag-Group-Identifier = "press-releases-2025"
    Internal-Sender-Description = "Press releases of the Communications Office"

    [tag-files."aptrust-info.txt"]   # tags of another tag file (here APTrust's, for --profile aptrust)
    Access = "Institution"
    Storage-Option = "Standard"

Both tables are optional and hold strings. A label must suit a tag file (RFC 8493 §2.2.2: no
colon, no control character, no space around it) and not be one preserve writes itself
(Payload-Oxum, Bagging-Date, BagIt-Profile-Identifier, ...; Source-Organization and the contact
tags come from the keys above). A tag file's name is a plain ``NAME.txt`` that is not one of
BagIt's own (bagit.txt, bag-info.txt, fetch.txt, manifests, tag manifests). A blank value is
left out, as for the keys above. An unknown key or a value of the wrong type is an error naming
the key and the fix.
"""
from __future__ import annotations

import re
import sys
from dataclasses import dataclass, fields
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from preserve.errors import InputError
from preserve.intake.userfiles import read_user_file

CONFIG_NAME = "preserve.toml"
MAX_CONFIG_BYTES = 1 << 20
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\x85\u2028\u2029]")
_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_TAG_FILE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*\.txt$")
BAG_INFO_TABLE = "bag-info"
TAG_FILES_TABLE = "tag-files"
#: bag-info.txt tags the keys above supply (RFC 8493 §2.2.2 reserved names) -> their key
BAG_INFO_KEYS: dict[str, str] = {
    "Source-Organization": "organisation",
    "Organization-Address": "address",
    "Contact-Name": "contact_name",
    "Contact-Email": "contact_email",
}
#: bag-info.txt tags preserve computes for each bag, never taken from [bag-info], and why
COMPUTED_TAGS: dict[str, str] = {
    "Payload-Oxum": "preserve computes it from the payload",
    "Bagging-Date": "preserve writes the day the bag is made",
    "Bag-Size": "it is computed from the bag",
    "BagIt-Profile-Identifier": "preserve writes it from --profile",
    "Bag-Software-Agent": "preserve names itself",
    "External-Identifier": "preserve writes each release's identifier",
    "External-Description": "preserve writes each release's title or description",
    "Internal-Sender-Identifier": "preserve writes each release's name",
    "Preserve-Empty-Directory": "preserve records the release's empty folders",
    "Preserve-Fingerprint": "preserve records what the bag was made from",
}
#: tag files BagIt itself defines (RFC 8493 §2): never a [tag-files] table
_BAGIT_TAG_FILES = ("bagit.txt", "bag-info.txt", "fetch.txt", "package-info.txt")
Fields = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class CollectionConfig:
    """Collection-wide facts from preserve.toml; every field may be absent."""

    organisation: str | None = None
    address: str | None = None
    contact_name: str | None = None
    contact_email: str | None = None
    rights: str | None = None
    language: str | None = None
    publisher: str | None = None
    extra_bag_info: Fields = ()                        # the [bag-info] table, in file order
    tag_files: tuple[tuple[str, Fields], ...] = ()     # [tag-files."NAME.txt"] tables, in file order

    def bag_info(self) -> dict[str, str]:
        """The bag-info.txt fields the keys supply (RFC 8493 reserved names); [bag-info] is extra_bag_info."""
        pairs = {label: getattr(self, key) for label, key in BAG_INFO_KEYS.items()}
        return {k: v for k, v in pairs.items() if v}

    def tag_file(self, name: str) -> dict[str, str]:
        """The tags a [tag-files."NAME.txt"] table gives for one tag file ({} when none)."""
        return dict(next((table for file, table in self.tag_files if file == name), ()))

    def as_dict(self) -> dict:
        """Every value given, by key; the tables only when present (bag fingerprints hash this)."""
        out: dict = {f.name: getattr(self, f.name) for f in fields(self)
                     if f.name in KNOWN_KEYS and getattr(self, f.name)}
        if self.extra_bag_info:
            out[BAG_INFO_TABLE] = dict(self.extra_bag_info)
        if self.tag_files:
            out[TAG_FILES_TABLE] = {file: dict(table) for file, table in self.tag_files}
        return out


KNOWN_KEYS = tuple(f.name for f in fields(CollectionConfig) if f.name not in ("extra_bag_info", "tag_files"))
KNOWN_TABLES = (BAG_INFO_TABLE, TAG_FILES_TABLE)


def parse_config(text: str, origin: str = CONFIG_NAME) -> CollectionConfig:
    """Parse preserve.toml text; raise InputError naming the problem and the fix."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{origin}: not valid TOML ({exc}); fix the syntax or remove the file") from None
    values = {key: _checked_value(key, value, origin) for key, value in data.items() if key not in KNOWN_TABLES}
    extra = _tag_table(data.get(BAG_INFO_TABLE), f"[{BAG_INFO_TABLE}]", origin, bag_info=True)
    tag_files = _tag_files(data.get(TAG_FILES_TABLE), origin)
    return CollectionConfig(**values, extra_bag_info=extra, tag_files=tag_files)


def _table_kind(value: object) -> str:
    return "table" if isinstance(value, dict) else type(value).__name__


def _tag_table(table: object, where: str, origin: str, bag_info: bool = False) -> Fields:
    """A table of tag label -> string value, each checked; blank values left out."""
    if table is None:
        return ()
    if not isinstance(table, dict):
        raise InputError(f"{origin}: {where.strip('[]')!r} must be a table, not {_table_kind(table)}; "
                         f"write {where} on its own line, then Label = \"value\" lines")
    found: list[tuple[str, str]] = []
    for label, value in table.items():
        _check_label(label, where, origin, bag_info)
        if not isinstance(value, str):
            raise InputError(f"{origin}: {where} {label} must be a string, not {_table_kind(value)}; quote the value")
        value = value.strip()
        if "\n" in value or "\r" in value:
            raise InputError(f"{origin}: {where} {label} must be a single line; put its value on one line")
        if _CONTROL.search(value):
            raise InputError(f"{origin}: {where} {label} holds a control character; remove it")
        if value:
            found.append((label, value))
    return tuple(found)


#: any control character, tab and line breaks included: none may be in a tag label
_LABEL_CONTROL = re.compile(r"[\x00-\x1f\x7f\x85\u2028\u2029]")
#: what a tag label must be, as messages say it
LABEL_RULE = "RFC 8493 §2.2.2: no colon, no control character, no space around it"


def is_tag_label(label: str) -> bool:
    """True when label can be a tag's label in a tag file (RFC 8493 §2.2.2: no colon, no control
    character or line break, no space around it). Shared by preserve.toml and BagIt profiles."""
    return bool(label) and label == label.strip() and ":" not in label and not _LABEL_CONTROL.search(label)


def has_control(value: str) -> bool:
    """True when a one-line tag value holds a control character or a line break (tab too)."""
    return bool(_LABEL_CONTROL.search(value))


def _check_label(label: str, where: str, origin: str, bag_info: bool) -> None:
    """A tag label as RFC 8493 §2.2.2 allows it, and not one preserve writes itself."""
    if not is_tag_label(label):
        raise InputError(f"{origin}: {where} label {label!r} cannot be a tag name ({LABEL_RULE}); rename it")
    if not bag_info:
        return
    computed = {k.lower(): (k, why) for k, why in COMPUTED_TAGS.items()}
    if label.lower() in computed:
        name, why = computed[label.lower()]
        raise InputError(f"{origin}: {where} cannot set {name}: {why}; remove the line")
    keys = {k.lower(): (k, key) for k, key in BAG_INFO_KEYS.items()}
    if label.lower() in keys:
        name, key = keys[label.lower()]
        raise InputError(f"{origin}: {where} cannot set {name}: it comes from the key {key!r}; "
                         f"set {key} = \"...\" at the top of the file instead")


def _tag_files(table: object, origin: str) -> tuple[tuple[str, Fields], ...]:
    """The [tag-files."NAME.txt"] tables: one table of tags per plain-named tag file."""
    if table is None:
        return ()
    if not isinstance(table, dict):
        raise InputError(f"{origin}: 'tag-files' must be tables, not {_table_kind(table)}; "
                         'write [tag-files."NAME.txt"] on its own line, then Label = "value" lines')
    found = []
    for name, tags in table.items():
        bagit_own = name.lower() in _BAGIT_TAG_FILES or name.lower().startswith(("manifest-", "tagmanifest-"))
        if not _TAG_FILE.match(name) or bagit_own:
            why = "is one of BagIt's own tag files" if bagit_own else "is not a plain file name ending in .txt"
            raise InputError(f"{origin}: [tag-files.{name!r}] {why}; name another tag file such as \"aptrust-info.txt\"")
        fields_ = _tag_table(tags, f'[tag-files."{name}"]', origin)
        if fields_:
            found.append((name, fields_))
    return tuple(found)


def _checked_value(key: str, value: object, origin: str) -> str:
    """A config value, stripped, once its key and value pass every rule; else InputError."""
    if key not in KNOWN_KEYS:
        raise InputError(
            f"{origin}: unknown key {key!r}; known keys are {', '.join(KNOWN_KEYS + KNOWN_TABLES)}"
        )
    if not isinstance(value, str):
        kind = "table" if isinstance(value, dict) else type(value).__name__
        raise InputError(
            f"{origin}: key {key!r} must be a string, not {kind}; quote the value"
        )
    value = value.strip()
    if ("\n" in value or "\r" in value) and key != "address":
        raise InputError(f"{origin}: key {key!r} must be a single line; put its value on one line")
    if _CONTROL.search(value.replace("\r\n", "\n").replace("\n", " ")):
        raise InputError(f"{origin}: key {key!r} holds a control character; remove it")
    if key == "language" and value and not _LANGUAGE.match(value):
        raise InputError(f"{origin}: key 'language' is {value!r}, not a language code; "
                         "use an ISO 639 code such as \"en\" or \"ar\"")
    if key == "contact_email" and value and not _EMAIL.match(value):
        raise InputError(f"{origin}: key 'contact_email' is {value!r}, not an e-mail address; "
                         "give one such as \"archive@example.org\"")
    return value


def load_config(source: Path) -> CollectionConfig:
    """Load ``source/preserve.toml`` if present, else an empty config.

    The file must be a regular file of at most MAX_CONFIG_BYTES: a symlink is not followed and
    a FIFO or device is never opened (either would hang the run or read outside SOURCE).
    """
    path = Path(source) / CONFIG_NAME
    raw = read_user_file(path, MAX_CONFIG_BYTES, "a TOML text file of a few lines")
    if raw is None:
        return CollectionConfig()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError(f"{path}: line {line}: not UTF-8 text; save it as UTF-8") from None
    return parse_config(text, origin=str(path))
