"""Bags as the deposit run hands them to a target: verified in full, with the verification's digests."""
from __future__ import annotations

from pathlib import Path

from preserve.deposit.run import bag_to_deposit
from preserve.deposit.target import BagToDeposit
from preserve.verify.checks import verify_bag


def verified(path: Path) -> BagToDeposit:
    """The bag verified (full level, it must be intact) with the digests the verification computed."""
    digests: dict[str, dict[str, str]] = {}
    assert verify_bag(path, keep_digests=digests).ok
    assert digests
    return bag_to_deposit(path, digests)
