"""Exceptions the library raises for problems a user can act on.

The CLI turns each into one line on stderr and an exit code; nothing else is shown.
"""
from __future__ import annotations


class PreserveError(Exception):
    """A problem with the user's input or environment: one clear sentence, no traceback.

    ``exit_code`` is 2 for usage and input errors, 1 for invalid metadata or damage.
    """

    exit_code = 2

    def __init__(self, message: str, *, exit_code: int | None = None) -> None:
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code

    @property
    def message(self) -> str:
        return str(self.args[0])


class InputError(PreserveError):
    """Bad input: a missing or unreadable source, a malformed config or sheet (exit 2)."""


class PackageError(PreserveError):
    """The package's METS, PREMIS or DC does not validate (or its input is inconsistent); exit 1."""

    exit_code = 1


class LockedError(PreserveError):
    """Another run holds the lock on the output folder (exit 2)."""


class XMLParseError(PreserveError):
    """A document that is not well-formed XML (exit 1)."""

    exit_code = 1


class UnsafeXMLError(XMLParseError):
    """A document refused for safety: a DOCTYPE/entity declaration or too many bytes (exit 1)."""


class SchemaError(PreserveError):
    """The shipped schemas could not be loaded (a broken installation); exit 1."""

    exit_code = 1
