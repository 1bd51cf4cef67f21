"""The ``preserve`` command: parse options, call the library, format the result, pick the exit code.

Exit codes: 0 success; 1 damage found, a release not bagged (a wrong value in its record, or with
--strict a record incomplete for deposit) or a wrong value found by validate; 2 usage and input
errors; 130 / 143 interrupted by SIGINT / SIGTERM. No traceback ever reaches the user. Each problem
is printed once, on stderr; stdout holds the per-bag lines and the summary (or the --json document).
"""
from __future__ import annotations

import json
import signal
import sys
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

import click

from preserve import __version__
from preserve._runtime import interrupts
from preserve.errors import PreserveError

if TYPE_CHECKING:  # pragma: no cover
    from preserve.pipeline import BagOutcome
    from preserve.fixity import ProgressFn
    from preserve.verify.checks import BagReport, Level
    from preserve.validate.deposit import RecordCheck

# Each command imports the library it calls when it runs: `preserve verify` does not load the
# packaging code (METS, PREMIS, describing), and `preserve bag` not the verifier, so each starts
# (and forks its workers) with only what it uses.


class Interrupted(BaseException):
    """Raised in the main thread when SIGTERM arrives, so clean-up (staging removal) runs."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _on_sigterm(signum, frame):  # pragma: no cover - exercised in subprocess tests
    raise Interrupted(signum)


def err(message: str) -> None:
    """One line on stderr."""
    click.echo(f"preserve: {message}", err=True)


@contextmanager
def progress_bar(total_bytes: int, total_files: int, label: str, enabled: bool) -> Iterator[ProgressFn | None]:
    """A progress bar on stderr (bytes, with files done) when stderr is a terminal.

    Yields a thread-safe ``update(files, bytes)`` for the library's progress callback, or None.
    """
    if not enabled or not sys.stderr.isatty() or total_bytes + total_files <= 0:
        yield None
        return
    lock = threading.Lock()
    done = {"files": 0}
    with click.progressbar(length=max(total_bytes, 1), label=label, file=sys.stderr, show_pos=False,
                           show_percent=True, show_eta=True,
                           item_show_func=lambda n: None if n is None else
                           f"{n}/{total_files} files" if total_files else f"{n} files") as bar:
        def update(files: int, nbytes: int) -> None:
            with lock:
                done["files"] += files
                bar.update(nbytes, current_item=done["files"])
        yield update


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="preserve")
def cli() -> None:
    """Package releases as BagIt 1.0 bags with Dublin Core, METS and PREMIS; verify them."""


@cli.command()
@click.argument("source", default="seeds", type=click.Path(path_type=Path))
@click.option("--out", "out", default="bags", type=click.Path(path_type=Path), show_default=True,
              help="Folder that receives one bag per release.")
@click.option("--algorithm", "algorithms", multiple=True, metavar="NAME",
              help="Checksum algorithm (repeatable). Default: sha256 and sha512.")
@click.option("--force", is_flag=True, help="Replace existing bags that differ (atomically).")
@click.option("--jobs", type=click.IntRange(1, 256), default=None,
              help="Worker processes for many releases, threads within one (default: all cores).")
# The two choice lists repeat preserve.package.model.PACKAGE_TYPES and preserve.formats.ENGINES
# (tests/test_cli.py keeps them equal): importing those modules here would slow every command's start.
@click.option("--package-type", type=click.Choice(["SIP", "AIP"]), default="SIP", show_default=True,
              help="OAIS package type recorded in the METS.")
@click.option("--identify", type=click.Choice(["siegfried", "builtin"]), default="siegfried", show_default=True,
              help="Format identification: Siegfried's PRONOM signatures, or only the built-in table "
                   "(much faster on many small files; for transfers a repository identifies again).")
@click.option("--strict", is_flag=True,
              help="Do not bag a release whose record is incomplete for deposit (rights, type, ...); exit 1.")
# The same for preserve.bag.serialize.SERIALIZATIONS (tests/test_cli.py keeps them equal).
@click.option("--serialize", type=click.Choice(["tar", "tar.gz", "zip"]), default=None,
              help="Write each bag as one archive, OUT/<id>.tar (.tar.gz, .zip), instead of a folder.")
@click.option("--profile", metavar="NAME|PATH", default=None,
              help="Make bags that satisfy a BagIt profile: aptrust, btr, or a profile JSON file.")
@click.option("--json", "as_json", is_flag=True, help="Print a machine-readable result on stdout.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar, no per-bag lines.")
def bag(source: Path, out: Path, algorithms: tuple[str, ...], force: bool, jobs: int | None,
        package_type: str, identify: str, strict: bool, serialize: str | None, profile: str | None,
        as_json: bool, quiet: bool) -> None:
    """Bag every release in SOURCE (default: seeds/) into --out (default: bags/)."""
    from preserve.pipeline import BagOptions, bag_collection, prepare

    options = BagOptions(algorithms=algorithms, force=force, jobs=jobs, package_type=package_type,
                         identify=identify, strict=strict, serialize=serialize, profile=profile)
    found, _ = prepare(source, out)
    for warning in found.warnings:
        err(f"warning: {warning}")
    total = sum(r.size for r in found.releases)

    held: list[str] = []  # per-bag lines wait while a progress bar holds the terminal

    def report(outcome: BagOutcome) -> None:
        if not as_json and not quiet:  # the status only: why a release was not bagged goes to stderr, once
            line = f"{outcome.status:8} {outcome.path}"
            held.append(line) if progress else click.echo(line)

    files = sum(len(r.files) for r in found.releases)
    with progress_bar(total, files, "bagging", not quiet) as progress:
        result = bag_collection(source, out, options, progress=progress, on_outcome=report, found=found)
    for line in held:
        click.echo(line)
    if as_json:
        click.echo(json.dumps(result.as_dict(), indent=2, ensure_ascii=False))
    for outcome in result.outcomes:
        if not outcome.ok:
            err(f"{outcome.name}: not bagged: {outcome.message}")
        if outcome.incomplete and outcome.status != "incomplete":  # "incomplete": its message says it
            err(f"warning: {outcome.name}: incomplete for deposit: {'; '.join(outcome.incomplete)}")
    if not as_json and not quiet:
        click.echo(_bag_summary(result.outcomes, out))
    sys.exit(result.exit_code)


def _bag_summary(outcomes: list[BagOutcome], out: Path) -> str:
    """'2 bagged (1 incomplete for deposit), 1 unchanged, 0 not bagged, in OUT'."""
    def counted(label: str, statuses: tuple[str, ...]) -> str:
        these = [o for o in outcomes if o.status in statuses]
        lacking = sum(bool(o.incomplete) for o in these)
        return f"{len(these)} {label}" + (f" ({lacking} incomplete for deposit)" if lacking else "")

    bad = sum(not o.ok for o in outcomes)
    made, unchanged = counted("bagged", ("created", "replaced")), counted("unchanged", ("skipped",))
    return f"{made}, {unchanged}, {bad} not bagged, in {out}"


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--fast", is_flag=True, help="Payload-Oxum and completeness only (no hashing).")
@click.option("--completeness-only", is_flag=True, help="File names only: no hashing, no sizes.")
@click.option("--jobs", type=click.IntRange(1, 256), default=None,
              help="Worker processes for many releases, threads within one (default: all cores).")
@click.option("--json", "as_json", is_flag=True, help="Print a machine-readable report (schemas/verify-report.schema.json).")
@click.option("--log", "log", type=click.Path(path_type=Path), default=None,
              help="Append one JSON line per bag to this audit log (outside the bags).")
@click.option("--strict", is_flag=True,
              help="Treat warnings as errors: a bag with a warning is damaged (exit 1). Infos stay infos.")
@click.option("--profile", metavar="NAME|PATH", default=None,
              help="Also report every way each bag departs from a BagIt profile: aptrust, btr, or a profile JSON file.")
@click.option("--quiet", "-q", is_flag=True, help="Only damaged bags and the summary line.")
def verify(paths: tuple[Path, ...], fast: bool, completeness_only: bool, jobs: int | None,
           as_json: bool, log: Path | None, strict: bool, profile: str | None, quiet: bool) -> None:
    """Verify bags: PATH is a bag or a folder of bags (default: bags/). Never writes into a bag.

    Exit 0 when no bag has an error (warnings and infos are printed), 1 when any has one.
    """
    from preserve.bag.reader import payload_bytes
    from preserve.verify.report import (append_audit_log, exit_code, format_bag, report_document, summary,
                                        warnings_as_errors)
    from preserve.verify.checks import find_bags, verify_many

    level: Level = "completeness" if completeness_only else "fast" if fast else "full"
    loaded = None
    if profile is not None:
        from preserve.bag.profiles import load_profile

        loaded = load_profile(profile)  # a bad profile is one line, exit 2, before any bag is read
    bags = find_bags(list(paths) or [Path("bags")])
    if log is not None:
        append_audit_log(log, [], level)  # fail early (exit 2) if the log cannot be written
    reports: list[BagReport] = []
    total = payload_bytes(bags) if level == "full" else 0
    held: list[str] = []  # per-bag lines wait while a progress bar holds the terminal
    with progress_bar(total, 0, "verifying", not quiet and not as_json) as progress:
        for report in verify_many(bags, level=level, jobs=jobs, progress=progress, profile=loaded):
            if strict:
                report = warnings_as_errors([report])[0]
            reports.append(report)
            if not as_json and not (quiet and report.ok):
                held.append(format_bag(report)) if progress else click.echo(format_bag(report))
    for line in held:
        click.echo(line)
    if log is not None:
        append_audit_log(log, reports, level, strict=strict)
    if as_json:
        click.echo(json.dumps(report_document(reports, level, strict=strict), indent=2, ensure_ascii=False))
    else:
        click.echo(summary(reports, level))
    sys.exit(exit_code(reports))


@cli.command()
@click.argument("source", default="seeds", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the records with provenance instead of writing the sheet.")
def describe(source: Path, as_json: bool) -> None:
    """Draft Dublin Core for every release into SOURCE/metadata.csv (curator values are kept)."""
    from preserve.pipeline import prepare_source
    from preserve.describe import describe_and_write_sheet, describe_collection
    from preserve.record import to_json

    if as_json:
        found, config = prepare_source(source)
        records = describe_collection(source, found.releases, config)
        click.echo(json.dumps([to_json(r) for r in records], indent=2, ensure_ascii=False))
        return
    path, records = describe_and_write_sheet(source)
    click.echo(f"{len(records)} releases described in {path}; edit it, then run 'preserve validate'")


@cli.command()
@click.argument("source", default="seeds", type=click.Path(path_type=Path))
@click.option("--strict", is_flag=True, help="Exit 1 also when a record is incomplete for deposit.")
@click.option("--json", "as_json", is_flag=True, help="Print the problems as JSON.")
def validate(source: Path, strict: bool, as_json: bool) -> None:
    """Check every release's record: wrong values (errors) and what deposit still needs (warnings)."""
    from preserve.validate.collection import check_collection
    from preserve.validate.deposit import incomplete_message, problem_line

    checks = check_collection(source)
    if as_json:
        click.echo(json.dumps([item for check in checks for item in _validate_items(check)], indent=2,
                              ensure_ascii=False))
    else:
        for check in checks:
            for problem in check.errors:
                click.echo(f"{check.release}: {problem_line(problem)}")
            if check.incomplete:
                click.echo(f"warning: {check.release}: {incomplete_message(check.incomplete)}")
        click.echo(_validate_summary(checks))
    wrong = any(c.errors for c in checks)
    sys.exit(1 if wrong or (strict and any(c.incomplete for c in checks)) else 0)


def _validate_items(check: RecordCheck) -> list[dict[str, str]]:
    """One record's findings for `preserve validate --json`: errors, then what it lacks."""
    items = [{"release": check.release, "level": "error", "field": p.field, "value": p.value,
              "expectation": p.expectation} for p in check.errors]
    items += [{"release": check.release, "level": "incomplete", "field": m.element, "value": "",
               "expectation": f"required for deposit; {m.where}"} for m in check.incomplete]
    return items


def _validate_summary(checks: list[RecordCheck]) -> str:
    """'all records valid', or 'N problems in M releases'; then how many records are incomplete."""
    wrong = sum(len(c.errors) for c in checks)
    head = f"{wrong} problems in {sum(bool(c.errors) for c in checks)} releases" if wrong else "all records valid"
    lacking = sum(bool(c.incomplete) for c in checks)
    return head + (f"; {lacking} of {len(checks)} incomplete for deposit" if lacking else "")


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--to", "to", required=True, metavar="TARGET",
              help="Where to deposit: ocfl:PATH (an OCFL storage root) or s3://BUCKET/PREFIX.")
@click.option("--endpoint-url", default=None, metavar="URL", help="An S3-compatible store's address (s3:// only).")
# The same for preserve.bag.serialize.SERIALIZATIONS (tests/test_cli.py keeps them equal).
@click.option("--serialize", type=click.Choice(["tar", "tar.gz", "zip"]), default="tar", show_default=True,
              help="How a folder bag is sent to S3 (serialized bags go as they are).")
@click.option("--dry-run", is_flag=True, help="Verify each bag and say what would be sent where; send nothing.")
@click.option("--log", "log", type=click.Path(path_type=Path), default=Path("deposit-log.jsonl"), show_default=True,
              help="Append one JSON line per bag (time, bag, target, identifiers, checksums, outcome).")
@click.option("--jobs", type=click.IntRange(1, 256), default=None, help="Threads that verify a bag (default: all cores).")
@click.option("--json", "as_json", is_flag=True, help="Print a machine-readable result on stdout.")
@click.option("--quiet", "-q", is_flag=True, help="Only bags not deposited and the summary line.")
def deposit(paths: tuple[Path, ...], to: str, endpoint_url: str | None, serialize: str, dry_run: bool,
            log: Path, jobs: int | None, as_json: bool, quiet: bool) -> None:
    """Deposit bags (default: bags/) into TARGET: each verified first, then sent and proven on arrival."""
    from preserve.deposit.run import deposit_paths, exit_code
    from preserve.deposit.targets import open_target

    target = open_target(to, endpoint_url=endpoint_url, serialization=serialize, jobs=jobs)

    def report(outcome) -> None:
        if not as_json and not (quiet and outcome.ok):
            click.echo(f"{outcome.status:10} {outcome.bag}: {outcome.message}")

    outcomes = deposit_paths(list(paths) or [Path("bags")], target, dry_run=dry_run, log=log, jobs=jobs,
                             on_outcome=report)
    if as_json:
        click.echo(json.dumps({"ok": exit_code(outcomes) == 0, "target": target.describe(), "dry_run": dry_run,
                               "bags": [o.as_dict() for o in outcomes]}, indent=2, ensure_ascii=False))
    else:
        counts = {s: sum(o.status == s for o in outcomes) for s in ("deposited", "unchanged", "planned")}
        sent = f"{counts['planned']} planned (dry run: nothing sent)" if dry_run else f"{counts['deposited']} deposited, {counts['unchanged']} unchanged"
        click.echo(f"{sent}, {sum(not o.ok for o in outcomes)} not deposited, to {target.describe()}")
    sys.exit(exit_code(outcomes))


def main(argv: list[str] | None = None) -> None:
    """Run the CLI, turning every error into one line and an exit code (see preserve.launch)."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _on_sigterm)
        interrupts.install(KeyboardInterrupt, Interrupted)
    try:
        cli.main(args=argv, prog_name="preserve", standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        err(exc.format_message().splitlines()[0] if exc.format_message() else "usage error")
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        err("interrupted")
        sys.exit(130)
    except PreserveError as exc:
        err(f"error: {exc.message}")
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        err("interrupted; no partial bag was left")
        sys.exit(130)
    except Interrupted:
        err("terminated; no partial bag was left")
        sys.exit(143)
    except OSError as exc:
        err(f"error: {exc.filename + ': ' if exc.filename else ''}{exc.strerror or exc}")
        sys.exit(2)
    except Exception as exc:  # noqa: BLE001 - the promise is: never a traceback
        err(f"internal error: {type(exc).__name__}: {exc} (please report this)")
        sys.exit(1)
