"""Deposit bags into a target: verify each bag, send it, prove what arrived, log one line per bag.

A bag that does not verify intact (full level) is never sent: its outcome is "refused". The
target proves each copy by reading it back (see :class:`preserve.deposit.target.Target`). Every
outcome, sent or not, is appended to the deposit log (one JSON line per bag, outside the bags).
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Literal, Sequence

from preserve import SOFTWARE_NAME, __version__
from preserve.bag.reader import read_bag_info
from preserve.bag.serialize import bag_name_of, serialization_of
from preserve.bag.tagfiles import field_values
from preserve.deposit.target import Arrival, BagToDeposit, Target
from preserve.errors import PreserveError
from preserve.verify.checks import find_bags, verify_bag
from preserve.verify.report import append_json_lines

#: what became of one bag: sent and proven, already there, would be sent (--dry-run), not sent
#: because it did not verify, or not sent because the transfer or its proof failed
DepositStatus = Literal["deposited", "unchanged", "planned", "refused", "failed"]
LOG_FORMAT = "preserve-deposit-log"
LOG_FORMAT_VERSION = 1
#: how many of a refused bag's problems its outcome names
SHOWN_PROBLEMS = 3


@dataclass
class DepositOutcome:
    """One bag's deposit: its status, where it went and what the target says it holds."""

    bag: Path
    status: DepositStatus
    target: str
    message: str = ""
    arrival: Arrival | None = None
    identifier: str = ""  # the release identifier (bag-info.txt External-Identifier, else the bag's name)

    @property
    def ok(self) -> bool:
        """True when the bag is at the target (sent now or already there), or would be sent."""
        return self.status in ("deposited", "unchanged", "planned")

    def as_dict(self) -> dict:
        arrival = self.arrival
        identifiers = {"release": self.identifier} if self.identifier else {}
        return {"bag": str(self.bag), "status": self.status, "target": self.target, "message": self.message,
                "location": arrival.location if arrival else None,
                "identifiers": {**identifiers, **(arrival.identifiers if arrival else {})},
                "checksums": dict(arrival.checksums) if arrival else {}}


def deposit_paths(paths: Sequence[Path], target: Target, *, dry_run: bool = False, log: Path | None = None,
                  jobs: int | None = None,
                  on_outcome: Callable[[DepositOutcome], None] | None = None) -> list[DepositOutcome]:
    """Deposit every bag found under paths (see preserve.verify.checks.find_bags) into target.

    ``target.check()`` runs once first (unreachable, refused credentials, not a storage root:
    InputError, nothing sent). With ``dry_run`` each bag is verified and the target says what it
    would do; nothing is sent and nothing logged. Otherwise each outcome is appended to ``log``.
    """
    bags = find_bags(paths)
    if log is not None and not dry_run:
        append_json_lines(log, [], "--log", "deposit log")  # an unwritable log stops the run before any deposit
    target.check()
    outcomes = []
    seen: dict[str, Path] = {}  # identifiers and names already deposited in this run -> their bag
    for bag in bags:
        item = bag_to_deposit(bag, {})
        outcome = _once_per_run(item, bag, target, seen) or deposit_one(bag, target, dry_run=dry_run, jobs=jobs,
                                                                       item=item)
        if log is not None and not dry_run:
            append_json_lines(log, [log_record(outcome)], "--log", "deposit log")
        outcomes.append(outcome)
        if on_outcome:
            on_outcome(outcome)
    return outcomes


def _once_per_run(item: BagToDeposit, bag: Path, target: Target, seen: dict[str, Path]) -> DepositOutcome | None:
    """A "failed" outcome for a bag with the name or identifier of one already in this run, else None.

    Two such bags would go to one OCFL object or one S3 key: the second would replace the
    first (or add a version each run, for ever). Neither is sent twice; the user chooses.
    """
    for key in (item.identifier, item.name):
        if key in seen:
            return DepositOutcome(bag, "failed", target.describe(), f"has the name or identifier {key!r} of "
                                  f"{seen[key]}, deposited in this run; deposit one of them at a time",
                                  identifier=item.identifier)
    seen.update({item.identifier: bag, item.name: bag})
    return None


def deposit_one(bag: Path, target: Target, *, dry_run: bool = False, jobs: int | None = None,
                item: BagToDeposit | None = None) -> DepositOutcome:
    """Verify one bag, then deposit it (or, with dry_run, say what would be done).

    ``item``: the bag as bag_to_deposit read it already (its name and identifier), if the caller has it.
    """
    where = target.describe()
    item = item or bag_to_deposit(bag, {})
    identifier = item.identifier
    digests: dict[str, dict[str, str]] = {}
    report = verify_bag(bag, jobs=jobs, keep_digests=digests)
    if not report.ok:
        errors = [p for p in report.problems if p.severity == "error"]
        shown = "; ".join(f"{p.code}: {p.path}" for p in errors[:SHOWN_PROBLEMS])
        more = f" (and {len(errors) - SHOWN_PROBLEMS} more)" if len(errors) > SHOWN_PROBLEMS else ""
        return DepositOutcome(bag, "refused", where, f"does not verify, not deposited: {shown}{more}; "
                              f"run 'preserve verify {bag}'", identifier=identifier)
    item = replace(item, digests=digests)
    try:
        if dry_run:
            return DepositOutcome(bag, "planned", where, target.plan(item), identifier=identifier)
        arrival = target.deposit(item)
    except PreserveError as exc:
        if exc.exit_code == 2:
            raise  # bad input (a target that stopped answering, refused credentials): stop the run
        return DepositOutcome(bag, "failed", where, exc.message, identifier=identifier)
    return DepositOutcome(bag, arrival.status, where, arrival.location, arrival, identifier)


def bag_to_deposit(bag: Path, digests: dict[str, dict[str, str]]) -> BagToDeposit:
    """A verified bag as a target receives it: its name, release identifier, serialization, digests."""
    bag = Path(bag).resolve()  # "." names its folder
    serialization = serialization_of(bag.name) if bag.is_file() else None
    name = (bag_name_of(bag.name) or bag.name) if bag.is_file() else bag.name
    identifier = (field_values(read_bag_info(bag), "External-Identifier")[:1] or [name])[0].strip() or name
    return BagToDeposit(path=bag, name=name, identifier=identifier, serialization=serialization, digests=digests)


def log_record(outcome: DepositOutcome) -> dict:
    """One deposit-log line: time, tool, bag, target, status, location, identifiers, checksums."""
    record = outcome.as_dict()
    record.update(format=LOG_FORMAT, format_version=LOG_FORMAT_VERSION, bag=str(Path(outcome.bag).resolve()),
                  time=datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
                  tool={"name": SOFTWARE_NAME, "version": __version__})
    return record


def exit_code(outcomes: Sequence[DepositOutcome]) -> int:
    """0 when every bag is at the target (or would be sent), else 1."""
    return 0 if all(o.ok for o in outcomes) else 1
