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

import sys
from dataclasses import dataclass, fields
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from .errors import InputError

CONFIG_NAME = "preserve.toml"


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
    values: dict[str, str] = {}
    for key, value in data.items():
        if key not in KNOWN_KEYS:
            raise InputError(
                f"{origin}: unknown key {key!r}; known keys are {', '.join(KNOWN_KEYS)}"
            )
        if not isinstance(value, str):
            raise InputError(
                f"{origin}: key {key!r} must be a string, not {type(value).__name__}; quote the value"
            )
        if "\n" in value.strip() and key != "address":
            raise InputError(f"{origin}: key {key!r} must be a single line")
        values[key] = value.strip()
    return CollectionConfig(**values)


def load_config(source: Path) -> CollectionConfig:
    """Load ``source/preserve.toml`` if present, else an empty config."""
    path = source / CONFIG_NAME
    if not path.exists():
        return CollectionConfig()
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text; save it as UTF-8") from None
    return parse_config(text, origin=str(path))
