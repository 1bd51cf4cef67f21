"""Bag a collection: discover releases, describe and check them, write one bag per release.

The library entry points are :func:`bag_collection` (a whole SOURCE folder) and
:func:`bag_release` (one release). Neither prints; both return outcomes the CLI formats.
"""
from __future__ import annotations

import hashlib
import json
import os
import threading
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Sequence

from preserve import SOFTWARE_NAME, __version__
from preserve.bag.writer import BagBuilder, remove_stale_staging
from preserve.bag.reader import read_bag_info
from preserve.bag.tagfiles import encode_path, field_values
from preserve.intake.config import CollectionConfig, load_config
from preserve.errors import InputError, PreserveError
from preserve.formats import ENGINES, FormatInfo, identifier, identify_head, identify_many, load_signatures
from preserve.package.build import make_package
from preserve.package.model import ContentFile, PackageInput, SCHEMAS_DIR, content_path
from preserve.fixity import (DEFAULT_ALGORITHMS, Fixity, ProgressFn, copy_and_hash_many, default_jobs,
                     normalise_algorithms)
from preserve.bag.lock import locked
from preserve.intake.releases import Discovery, Release, discover
from preserve.record import Record, is_placeholder, plain, to_json
from preserve._runtime.workers import run_tasks, start_method
from preserve.xml.schemas import get_schema

FINGERPRINT_FIELD = "Preserve-Fingerprint"


@dataclass(frozen=True)
class BagOptions:
    """How bags are written."""

    algorithms: tuple[str, ...] = DEFAULT_ALGORITHMS
    force: bool = False
    jobs: int | None = None
    package_type: str = "SIP"
    fsync: bool = True
    identify: str = "siegfried"  # or "builtin": see preserve.formats.identify_many

    def __post_init__(self) -> None:
        algorithms = normalise_algorithms(self.algorithms)
        if "sha256" not in algorithms:  # METS CHECKSUMs are sha256: keep a manifest that proves them
            algorithms += ("sha256",)
        object.__setattr__(self, "algorithms", algorithms)
        if self.package_type not in ("SIP", "AIP"):
            raise InputError(f"unknown package type {self.package_type!r}; choose SIP or AIP")
        if self.identify not in ENGINES:
            raise InputError(f"unknown identification {self.identify!r}; choose {' or '.join(ENGINES)}")


@dataclass
class BagOutcome:
    """What happened to one release: created, replaced, skipped (identical), refused or invalid."""

    release_id: str
    name: str
    status: str
    path: Path
    message: str = ""
    files: int = 0
    bytes: int = 0

    @property
    def ok(self) -> bool:
        return self.status in ("created", "replaced", "skipped")

    def as_dict(self) -> dict:
        return {"release": self.release_id, "name": self.name, "status": self.status,
                "path": str(self.path), "message": self.message, "files": self.files, "bytes": self.bytes}


@dataclass
class CollectionResult:
    """Outcomes for every release, plus warnings (skipped symlinks, special files)."""

    outcomes: list[BagOutcome] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        if any(o.status == "refused" for o in self.outcomes):
            return 2
        return 0 if all(o.ok for o in self.outcomes) else 1

    def as_dict(self) -> dict:
        return {"ok": self.exit_code == 0, "warnings": self.warnings,
                "bags": [o.as_dict() for o in self.outcomes]}


def check_output(source: Path, out: Path) -> None:
    """Refuse an output folder that is a file, inside SOURCE, or not writable."""
    src, dst = source.resolve(), out.resolve()
    if out.exists() and not out.is_dir():
        raise InputError(f"{out}: is a file, not a folder; choose another --out")
    if dst == src or src in dst.parents:
        raise InputError(f"{out}: is inside the source folder {source}; choose an --out outside it")
    if dst in src.parents:
        raise InputError(f"{out}: holds the source folder {source}; choose an --out outside it")
    probe = out if out.exists() else next((p for p in out.resolve().parents if p.exists()), None)
    if probe is None or not os.access(probe, os.W_OK | os.X_OK):
        raise InputError(f"{out}: not writable; choose a writable --out")


def fingerprint(release: Release, fixities: Sequence[Fixity], config: CollectionConfig,
                options: BagOptions, metadata: object = None) -> str:
    """A digest of everything a bag is made from (source bytes, names, metadata, options), not of time."""
    doc = {
        "release": release.id, "name": release.name,
        # (each file's digests are sorted by algorithm as dumps sorts every key)
        "files": [[f.relpath, fx.size, dict(fx.digests)] for f, fx in zip(release.files, fixities)],
        "empty_dirs": list(release.empty_dirs), "config": config.as_dict(), "metadata": metadata,
        "algorithms": list(options.algorithms), "package_type": options.package_type,
    }
    if options.identify != "siegfried":  # absent for the default, so older fingerprints still match
        doc["identify"] = options.identify
    blob = json.dumps(doc, sort_keys=True, ensure_ascii=False).encode("utf-8")
    return "sha256:" + hashlib.sha256(blob).hexdigest()


def existing_fingerprint(bag: Path) -> str | None:
    """The fingerprint recorded in an existing bag's bag-info.txt, if any."""
    values = field_values(read_bag_info(bag), FINGERPRINT_FIELD)
    return values[0] if values else None


def record_problems(record: Record) -> list[str]:
    """The JSON Schema problems of a record, one readable line each."""
    from preserve.validate.schema import validate_record

    return [f"{p.field}: {p.value!r}: {p.expectation}" if p.value else f"{p.field}: {p.expectation}"
            for p in validate_record(plain(record), record.release_id)]


def bag_release(release: Release, out: Path, *, config: CollectionConfig | None = None,
                options: BagOptions | None = None, record: Record | None = None,
                progress: ProgressFn | None = None) -> BagOutcome:
    """Describe, check and write one release as a bag at out/<release id>/, atomically.

    A record that fails the metadata schema is not bagged (status "invalid"). The source is
    only ever read.
    """
    from preserve.describe import describe_release

    config = config or CollectionConfig()
    options = options or BagOptions()
    record = record or describe_release(release, config)
    dest = Path(out) / release.id
    outcome = BagOutcome(release.id, release.name, "created", dest, files=len(release.files), bytes=release.size)
    problems = record_problems(record)
    if problems:
        outcome.status = "invalid"
        outcome.message = "invalid metadata: " + "; ".join(problems)
        return outcome
    metadata = to_json(record)
    if dest.exists():
        fixities = copy_and_hash_many([(f.location, None) for f in release.files], options.algorithms,
                                      jobs=options.jobs, progress=progress, sizes=[f.size for f in release.files])
        wanted = fingerprint(release, fixities, config, options, metadata)
        if existing_fingerprint(dest) == wanted:
            outcome.status, outcome.message = "skipped", "identical bag already present"
            return outcome
        if not options.force:
            outcome.status = "refused"
            outcome.message = "a different bag already exists here; use --force to replace it"
            return outcome
        outcome.status = "replaced"
    created = datetime.now(timezone.utc)
    sniffed = _HeadIdentification(release) if options.identify == "builtin" else None
    warming = warm_up(options.identify)
    try:
        _write_bag(release, dest, record, metadata, config, options, created, sniffed, warming, progress)
    finally:
        if warming is not None:
            warming.join()  # nothing of it outlives the call (an interrupted run included)
    return outcome


_warm_lock = threading.Lock()
_warm_started = False


def warm_up(identify: str) -> threading.Thread | None:
    """Load what packaging needs after the copy on a thread, once per process (None: done before).

    The XSD validators and Siegfried's signatures take ~0.3 s to load. Loaded while the first
    release's files are copied, they cost nothing: hashing one large file leaves part of a
    core idle (see preserve.fixity.engine.plan_lanes). The caller joins the thread once the copy is
    done, before it identifies or validates anything.
    """
    global _warm_started
    with _warm_lock:
        if _warm_started:
            return None
        _warm_started = True
    thread = threading.Thread(target=_load_for_packaging, args=(identify,), name="preserve-warm-up")
    thread.start()
    return thread


def _load_for_packaging(identify: str) -> None:
    try:
        for kind in ("mets", "premis", "dc"):
            get_schema(kind)  # type: ignore[arg-type]
        identifier(identify)  # its description of Siegfried opens a scanner
        load_signatures(identify)
    except Exception:  # noqa: BLE001 - the same load on the caller's thread reports it
        pass


def _write_bag(release: Release, dest: Path, record: Record, metadata: dict, config: CollectionConfig,
               options: BagOptions, created: datetime, sniffed: "_HeadIdentification | None",
               warming: threading.Thread | None, progress: ProgressFn | None) -> None:
    """Copy, identify, package and write one release's bag at dest (see bag_release)."""
    with BagBuilder(dest, options.algorithms, jobs=options.jobs, fsync=options.fsync,
                    progress=progress, replace=options.force) as bag:
        added = bag.add_files([(content_path(f.relpath), f.location) for f in release.files],
                              sizes=[f.size for f in release.files],
                              on_head=sniffed.take if sniffed is not None else None)
        fixities = [added[content_path(f.relpath)] for f in release.files]
        if warming is not None:
            warming.join()
        for folder in release.empty_dirs:
            bag.add_empty_dir(content_path(folder))
        if sniffed is not None:
            formats = sniffed.formats
        else:
            formats = identify_many([bag.payload_path(content_path(f.relpath)) for f in release.files],
                                    jobs=options.jobs, engine=options.identify)
        package = make_package(package_input(release, record, fixities, formats, config, options, created,
                                             metadata))
        for relpath, data in package.files.items():
            digest = package.sha256.get(relpath)
            bag.add_bytes(relpath, data, constant=relpath.startswith(SCHEMAS_DIR),
                          known={"sha256": digest} if digest else None)
        info = bag_info_fields(release, config, created, record)
        info += [("Preserve-Empty-Directory", encode_path("data/" + content_path(d))) for d in release.empty_dirs]
        info.append((FINGERPRINT_FIELD, fingerprint(release, fixities, config, options, metadata)))
        bag.finish(info)


class _HeadIdentification:
    """``--identify builtin`` of a release's copies from the start of each as it is copied.

    The built-in table needs only a file's first bytes and its name: taking them from the
    copy's own reads gives what identify_many(engine="builtin") of the copies gives, without
    opening every copy again.
    """

    def __init__(self, release: Release) -> None:
        self.names = [f.relpath for f in release.files]
        self.formats: list[FormatInfo] = [None] * len(self.names)  # type: ignore[list-item]

    def take(self, index: int, head: bytes) -> None:
        """Called by the copy (maybe from a worker thread) with the first bytes of file ``index``."""
        self.formats[index] = identify_head(head, self.names[index])


def package_input(release: Release, record: Record, fixities: Sequence[Fixity], formats: Sequence[FormatInfo],
                  config: CollectionConfig, options: BagOptions, created: datetime,
                  dc_json: dict | None = None) -> PackageInput:
    """Everything the METS/PREMIS builder needs, from the release, its record, fixity and formats."""
    contents = [
        ContentFile(relpath=f.relpath, fixity=fx,
                    created=datetime.fromtimestamp(f.mtime_ns / 1e9, tz=timezone.utc), format=fmt)
        for f, fx, fmt in zip(release.files, fixities, formats)
    ]
    title = real_title(record)
    provenance = [(element, v.value, v.provenance + (f" ({v.note})" if v.note else ""))
                  for element, values in record.elements.items() for v in values]
    return PackageInput(
        release_id=release.id, identifier=record.first("identifier") or f"urn:preserve:{release.id}",
        title=title, dc=plain(record), dc_json=dc_json if dc_json is not None else to_json(record),
        provenance=provenance,
        validation_problems=[], files=contents, empty_dirs=list(release.empty_dirs), config=config,
        algorithms=options.algorithms, package_type=options.package_type, created=created,
        identify=options.identify,
    )


def real_title(record: Record) -> str | None:
    """The record's title, unless it is only the "[Untitled]" placeholder."""
    return next((v.value for v in record.elements.get("title", []) if not is_placeholder(v)), None)


def external_description(record: Record, limit: int = 200) -> str | None:
    """A short one-line description for bag-info.txt: the title, else the description."""
    title = real_title(record)
    text = " ".join((title or record.first("description") or "").split())
    if not text:
        return None
    date = record.first("date")
    text = f"{text} ({date})" if date else text
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def bag_info_fields(release: Release, config: CollectionConfig, created: datetime,
                    record: Record | None = None) -> list[tuple[str, str]]:
    """bag-info.txt fields (before Payload-Oxum, which the writer adds)."""
    fields = list(config.bag_info().items())
    if record is not None:
        fields.append(("External-Identifier", record.first("identifier") or release.id))
        description = external_description(record)
        if description:
            fields.append(("External-Description", description))
    fields += [
        ("Internal-Sender-Identifier", release.name),
        ("Bagging-Date", created.date().isoformat()),
        ("Bag-Software-Agent", f"{SOFTWARE_NAME} {__version__}"),
    ]
    return fields


def prepare_source(source: Path) -> tuple[Discovery, CollectionConfig]:
    """Find the releases in SOURCE and load its collection config (input errors raise)."""
    source = Path(source)
    return discover(source), load_config(source)


def prepare(source: Path, out: Path) -> tuple[Discovery, CollectionConfig]:
    """Every input check that can fail before anything is written."""
    found, config = prepare_source(source)
    check_output(Path(source), Path(out))
    return found, config


def bag_collection(source: Path, out: Path, options: BagOptions | None = None, *,
                   progress: ProgressFn | None = None,
                   on_outcome: Callable[[BagOutcome], None] | None = None,
                   found: Discovery | None = None) -> CollectionResult:
    """Bag every release in SOURCE into OUT (one bag each), under OUT's lock."""
    options = options or BagOptions()
    source, out = Path(source), Path(out)
    if found is None:
        found, config = prepare(source, out)
    else:
        config = load_config(source)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"{out}: cannot create ({exc.strerror}); choose a writable --out") from None
    from preserve.describe import curated_values, may_analyse_text, preload as preload_description

    sheet = curated_values(source, found.releases)  # a malformed sheet stops the run before any write
    result = CollectionResult(warnings=list(found.warnings))
    task = ReleaseTask(found.releases, out, config, options, sheet, progress)

    def emit(index: int, outcome: BagOutcome) -> None:
        result.outcomes.append(outcome)
        if on_outcome:
            on_outcome(outcome)

    with locked(out):
        remove_stale_staging(out)
        workers = release_workers(found.releases, options.jobs)
        if workers > 1:
            go = options.identify == "siegfried"
            if start_method(fork_unsafe_calls=go) == "fork" and may_analyse_text(found.releases, sheet):
                preload_description()  # forked workers share one copy of the models, loaded once
            for index, outcome in run_tasks(task.without_progress(), len(found.releases), workers,
                                            on_lost=task.lost_in_worker, fork_unsafe_calls=go):
                task.report(found.releases[index])
                emit(index, outcome)
        else:
            for index in range(len(found.releases)):  # one at a time: memory does not grow with the count
                emit(index, task(index))
    return result


def release_workers(releases: Sequence[Release], jobs: int | None) -> int:
    """How many worker processes bag these releases: one per core, one release each at a time.

    Many small releases are bound by Python (description, METS/PREMIS) and gain a core per
    process; a single release stays in this process, where its files (or one large file's
    algorithms) are spread over the cores by threads.
    """
    return min(jobs or default_jobs(), len(releases))


@dataclass
class ReleaseTask:
    """Describe and bag release i of a collection; picklable, so worker processes can run it."""

    releases: Sequence[Release]
    out: Path
    config: CollectionConfig
    options: BagOptions
    sheet: dict
    progress: ProgressFn | None = None

    def __call__(self, index: int) -> BagOutcome:
        from preserve.describe import describe_release

        release = self.releases[index]
        try:
            record = describe_release(release, self.config, self.sheet.get(release.name))
            return bag_release(release, self.out, config=self.config, options=self.options, record=record,
                               progress=self.progress)
        except PreserveError as exc:
            return self.lost(index, exc.message)
        except OSError as exc:
            return self.lost(index, f"{exc.filename or release.path}: {exc.strerror or exc}")

    def without_progress(self) -> "ReleaseTask":
        """The same task for worker processes, which cannot call this process's progress bar."""
        return replace(self, progress=None)

    def report(self, release: Release) -> None:
        """Advance the progress bar by a whole release (what workers finished)."""
        if self.progress:
            self.progress(len(release.files), release.size)

    def lost_in_worker(self, index: int, error: BaseException) -> BagOutcome:
        """The outcome of a release whose worker process raised or died."""
        return self.lost(index, f"internal error: {error}" if isinstance(error, RuntimeError)
                         else f"internal error: {type(error).__name__}: {error}")

    def lost(self, index: int, message: str) -> BagOutcome:
        """The outcome of a release that could not be bagged: status "failed", with why."""
        release = self.releases[index]
        return BagOutcome(release.id, release.name, "failed", self.out / release.id, message)
