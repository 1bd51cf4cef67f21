"""What every deposit target offers: one small interface, and the facts a deposit returns.

A target (an OCFL storage root, an S3 bucket, ...) is built from the ``--to`` address by
:func:`preserve.deposit.targets.open_target`. The deposit run (:mod:`preserve.deposit.run`)
verifies each bag first, then calls :meth:`Target.deposit`, which transfers the bag and proves
the copy by reading back from the target what arrived (its checksums), never by trusting the
transfer. Nothing here prints; a target reports secrets to no one (``describe`` never shows them).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Protocol

#: what became of one bag at a target
ArrivalStatus = Literal["deposited", "unchanged"]


@dataclass(frozen=True)
class BagToDeposit:
    """A bag that verified intact, ready to send.

    ``path`` is a bag folder or a serialized bag (tar, tar.gz, zip); ``name`` the bag's name
    (its folder, or the archive's top folder: the release id for bags preserve made);
    ``identifier`` the release identifier (bag-info.txt External-Identifier, else the name);
    ``serialization`` None for a folder; ``digests`` the payload and tag files' digests the
    verification just computed, path in the bag -> {algorithm: hex} (may be empty for an archive).
    """

    path: Path
    name: str
    identifier: str
    serialization: str | None = None
    digests: dict[str, dict[str, str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Arrival:
    """What a target holds after a deposit, as read back from it.

    ``location``: where the bag is now, with no secret in it (``s3://bucket/key``, an OCFL
    object's path and version); ``identifiers``: what the target calls it (object id, version,
    ETag, deposit id ...); ``checksums``: algorithm -> hex of what arrived, computed from the
    target's copy (for an archive, of the archive; for a folder kept file by file, of the
    version's inventory, say which in ``identifiers``); ``status``: "deposited", or "unchanged"
    when an identical copy was already there and nothing was sent.
    """

    location: str
    status: ArrivalStatus
    identifiers: dict[str, str] = field(default_factory=dict)
    checksums: dict[str, str] = field(default_factory=dict)


class Target(Protocol):
    """A place bags are deposited into."""

    #: the address scheme, "ocfl" or "s3"
    scheme: str

    def describe(self) -> str:
        """The target in one line, for output, --dry-run and the deposit log; never a secret."""
        ...

    def check(self) -> None:
        """Fail early with one clear line (InputError): unreachable, wrong credentials, missing
        bucket, a path that is not an OCFL storage root... Called once before any bag is sent."""
        ...

    def plan(self, bag: BagToDeposit) -> str:
        """What deposit would do with this bag, in one line (for --dry-run); sends nothing."""
        ...

    def deposit(self, bag: BagToDeposit) -> Arrival:
        """Send the bag, prove what arrived by reading it back, return the facts.

        Atomic as the target allows: nothing partial visible (an OCFL version's inventory is
        written last; an S3 multipart upload is completed only whole, aborted otherwise). Raises
        PreserveError (one line) when the transfer or the proof fails.
        """
        ...
