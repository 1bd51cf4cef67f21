"""Deposit targets by address: ``ocfl:PATH`` and ``s3://BUCKET/PREFIX``, each kind in its own module."""
from __future__ import annotations

from pathlib import Path

from preserve.deposit.target import Target
from preserve.errors import InputError

#: the address forms ``--to`` takes, for messages and docs
TARGET_FORMS = ("ocfl:PATH", "s3://BUCKET/PREFIX")


def open_target(address: str, *, endpoint_url: str | None = None, serialization: str = "tar",
                jobs: int | None = None) -> Target:
    """The target an address names; InputError (one line) for an address of no known kind.

    ``endpoint_url`` (S3-compatible stores) and ``serialization`` (how a folder bag is sent to
    S3) apply to S3 only, ``jobs`` (threads that copy) to OCFL only. Each target module is
    imported only when its kind is used. An address is never echoed whole when it may hold
    credentials.
    """
    if address.startswith("ocfl:"):
        path = address[len("ocfl:"):]
        if not path:
            raise InputError("ocfl: needs a path: --to ocfl:PATH (an OCFL storage root, created when absent)")
        from preserve.deposit.ocfl import OcflTarget

        return OcflTarget(Path(path), jobs=jobs)
    if address.startswith("s3://"):
        bucket, _, prefix = address[len("s3://"):].partition("/")
        if "@" in bucket:  # user:secret@bucket: said without echoing it
            raise InputError("s3://…: --to holds credentials ('@' before the bucket); give s3://BUCKET/PREFIX "
                             "and set the credentials in the AWS settings (AWS_ACCESS_KEY_ID ...)")
        if not bucket:
            raise InputError(f"{address}: no bucket; give --to s3://BUCKET/PREFIX")
        from preserve.deposit.s3 import S3Target

        return S3Target(bucket, prefix.strip("/"), endpoint_url=endpoint_url, serialization=serialization)
    scheme = address.partition(":")[0] if ":" in address else address
    raise InputError(f"unknown deposit target {scheme!r}; give one of: {', '.join(TARGET_FORMS)}")
