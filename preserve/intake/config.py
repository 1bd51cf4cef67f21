"""The optional collection config, ``SOURCE/preserve.toml``.

Keys (all optional, all strings)::

    organisation   = "Name of the submitting organisation"
    address        = "Postal address"
    contact_name   = "A person to ask"
    contact_email  = "someone@example.org"
    rights         = "Rights statement applied to every release"
    language       = "en"            # default language (ISO 639-1) when detection is unsure
    publisher      = "Publisher (defaults to organisation)"

An unknown key or a value of the wrong type is an error naming the key and the fix.
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

    def bag_info(self) -> dict[str, str]:
        """The bag-info.txt fields this config supplies (RFC 8493 reserved names)."""
        pairs = {
            "Source-Organization": self.organisation,
            "Organization-Address": self.address,
            "Contact-Name": self.contact_name,
            "Contact-Email": self.contact_email,
        }
        return {k: v for k, v in pairs.items() if v}

    def as_dict(self) -> dict[str, str]:
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name)}


KNOWN_KEYS = tuple(f.name for f in fields(CollectionConfig))


def parse_config(text: str, origin: str = CONFIG_NAME) -> CollectionConfig:
    """Parse preserve.toml text; raise InputError naming the problem and the fix."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{origin}: not valid TOML ({exc}); fix the syntax or remove the file") from None
    return CollectionConfig(**{key: _checked_value(key, value, origin) for key, value in data.items()})


def _checked_value(key: str, value: object, origin: str) -> str:
    """A config value, stripped, once its key and value pass every rule; else InputError."""
    if key not in KNOWN_KEYS:
        raise InputError(
            f"{origin}: unknown key {key!r}; known keys are {', '.join(KNOWN_KEYS)}"
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
