"""Bag one release: check its record, then copy, identify, package and write it as one bag, atomically.

:func:`bag_release` is the library entry point for one release; the collection run in
:mod:`preserve.pipeline` calls it for each. The source is only ever read; the bag appears at
OUT/<release id>/ complete or not at all (see :mod:`preserve.bag.writer`).
"""
from __future__ import annotations

import threading
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Sequence

from preserve.pipeline.bag_info import bag_info_fields, existing_fingerprint, fingerprint, preserve_fields, real_title
from preserve.pipeline.options import BagOptions, BagOutcome, OutcomeStatus, bag_path
from preserve.pipeline.profile import ProfilePlan, ProfileUnsatisfied, plan_collection, plan_release
from preserve.bag import tagfiles
from preserve.bag.writer import BagBuilder
from preserve.fixity import Fixity, ProgressFn, copy_and_hash_many
from preserve.formats import Engine, FormatInfo, identifier, identify_head, identify_many, load_signatures
from preserve.intake.config import CollectionConfig
from preserve.intake.releases import Release
from preserve.package.build import make_package
from preserve.package.model import SCHEMAS_DIR, ContentFile, PackageInput, content_path, in_payload
from preserve.record import Record, plain, to_json
from preserve.xml.schemas import get_schema


def bag_release(release: Release, out: Path, *, config: CollectionConfig | None = None,
                options: BagOptions | None = None, record: Record | None = None,
                progress: ProgressFn | None = None) -> BagOutcome:
    """Describe, check and write one release as a bag at out/<release id>/, atomically.

    With ``options.serialize`` the bag is one archive, out/<release id>.tar (.tar.gz, .zip);
    with ``options.profile`` it satisfies that BagIt profile, or is not written (status
    "failed" when the record lacks a value the profile requires). A record with a wrong value is not bagged (status "invalid"). A record that lacks what
    deposit needs is bagged all the same, the outcome's ``incomplete`` saying what it lacks,
    unless ``options.strict`` (then status "incomplete", not bagged). An existing bag is kept
    when identical ("skipped") and replaced only with force ("refused" without). The source is
    only ever read.
    """
    from preserve.describe import describe_release
    from preserve.validate.deposit import check_record, incomplete_message, problem_line

    config = config or CollectionConfig()
    options = options or BagOptions()
    plan = None
    if options.profile is not None:
        plan = plan_collection(options.profile, algorithms=options.algorithms,  # type: ignore[arg-type]
                               serialization=options.serialize, config=config)
        options = profiled_options(options, plan)
    record = record or describe_release(release, config)
    dest = bag_path(out, release.id, options)
    outcome = BagOutcome(release.id, release.name, "created", dest, files=len(release.files), bytes=release.size)
    check = check_record(record)
    outcome.incomplete = [str(m) for m in check.incomplete]
    if check.errors:
        outcome.status = "invalid"
        outcome.message = "invalid metadata: " + "; ".join(map(problem_line, check.errors))
        return outcome
    if check.incomplete and options.strict:
        outcome.status = "incomplete"
        outcome.message = incomplete_message(check.incomplete)
        return outcome
    if plan is not None:
        try:
            plan = plan_release(plan, {"title": real_title(record) or "", "description": record.first("description") or ""})
        except ProfileUnsatisfied as exc:
            outcome.status, outcome.message = "failed", exc.message
            return outcome
    metadata = to_json(record)
    if dest.exists():
        outcome.status, outcome.message = _against_existing(release, dest, config, options, metadata, progress)
        if outcome.status != "replaced":
            return outcome
    created = datetime.now(timezone.utc)
    sniffed = _HeadIdentification(release) if options.identify == "builtin" else None
    warming = warm_up(options.identify)
    try:
        _write_bag(release, dest, record, metadata, config, options, created, sniffed, warming, progress,
                   outcome.incomplete, plan)
    finally:
        if warming is not None:
            warming.join()  # nothing of it outlives the call (an interrupted run included)
    return outcome


def profiled_options(options: BagOptions, plan: ProfilePlan) -> BagOptions:
    """The options a profile's plan implies: its manifest algorithms (md5 for APTrust) and serialization."""
    return replace(options, algorithms=plan.algorithms, serialize=plan.serialization)  # type: ignore[arg-type]


def _against_existing(release: Release, dest: Path, config: CollectionConfig, options: BagOptions,
                      metadata: dict, progress: ProgressFn | None) -> tuple[OutcomeStatus, str]:
    """What to do about the bag already at dest: skip it (identical), refuse, or replace it (force)."""
    fixities = copy_and_hash_many([(f.location, None) for f in release.files], options.algorithms,
                                  jobs=options.jobs, progress=progress, sizes=[f.size for f in release.files])
    if existing_fingerprint(dest) == fingerprint(release, fixities, config, options, metadata):
        return "skipped", "identical bag already present"
    if not options.force:
        return "refused", "a different bag already exists here; use --force to replace it"
    return "replaced", ""


_warm_lock = threading.Lock()
_warm_started = False


def warm_up(identify: Engine) -> threading.Thread | None:
    """Load what packaging needs after the copy on a thread, once per process (None: done before).

    The XSD validators and Siegfried's signatures load while the first release's files are
    copied, so they are ready when the copy ends: hashing one large file leaves part of a core
    idle (see preserve.fixity.lanes.plan_lanes). The caller joins the thread once the copy is
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


def _load_for_packaging(identify: Engine) -> None:
    try:
        for kind in ("mets", "premis", "dc"):
            get_schema(kind)  # type: ignore[arg-type]
        identifier(identify)  # its description of Siegfried opens a scanner
        load_signatures(identify)
    except Exception:  # noqa: BLE001 - the same load on the caller's thread reports it
        pass


def _write_bag(release: Release, dest: Path, record: Record, metadata: dict, config: CollectionConfig,
               options: BagOptions, created: datetime, sniffed: _HeadIdentification | None,
               warming: threading.Thread | None, progress: ProgressFn | None, incomplete: Sequence[str],
               plan: ProfilePlan | None = None) -> None:
    """Copy, identify, package and write one release's bag at dest (see bag_release)."""
    with BagBuilder(dest, options.algorithms, jobs=options.jobs, fsync=options.fsync,
                    progress=progress, replace=options.force, serialize=options.serialize,
                    tag_algorithms=plan.tag_manifest_algorithms if plan is not None else None) as bag:
        fixities = _copy_payload(bag, release, sniffed)
        if warming is not None:
            warming.join()
        for folder in release.empty_dirs:
            bag.add_empty_dir(in_payload(release.id, content_path(folder)))
        formats = sniffed.formats if sniffed is not None else _identify_copies(bag, release, options)
        package = make_package(package_input(release, record, fixities, formats, config, options, created,
                                             metadata, incomplete))
        for relpath, data in package.files.items():
            digest = package.sha256.get(relpath)
            bag.add_bytes(in_payload(release.id, relpath), data, constant=relpath.startswith(SCHEMAS_DIR),
                          known={"sha256": digest} if digest else None)
        info = bag_info_fields(release, config, created, record)
        info += plan.bag_info if plan is not None else config.extra_bag_info
        info += preserve_fields(release, fingerprint(release, fixities, config, options, metadata))
        tables = plan.tag_files if plan is not None else config.tag_files  # [tag-files."NAME.txt"] of preserve.toml
        bag.finish(info, {name: tagfiles.bag_info_text(fields).encode("utf-8") for name, fields in tables},
                   bag_size=plan is not None and plan.bag_size)  # a profile asks for Bag-Size


def _copy_payload(bag: BagBuilder, release: Release, sniffed: _HeadIdentification | None) -> list[Fixity]:
    """Copy the release's files into the bag; their fixity, in the release's order."""
    paths = [in_payload(release.id, content_path(f.relpath)) for f in release.files]
    added = bag.add_files(list(zip(paths, (f.location for f in release.files))),
                          sizes=[f.size for f in release.files],
                          on_head=sniffed.take if sniffed is not None else None)
    return [added[path] for path in paths]


def _identify_copies(bag: BagBuilder, release: Release, options: BagOptions) -> list[FormatInfo]:
    """The formats of the release's copies in the bag, by the chosen engine."""
    return identify_many([bag.payload_path(in_payload(release.id, content_path(f.relpath))) for f in release.files],
                         jobs=options.jobs, engine=options.identify)


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
                  dc_json: dict | None = None, incomplete: Sequence[str] = ()) -> PackageInput:
    """Everything the METS/PREMIS builder needs, from the release, its record, fixity and formats.

    ``incomplete``: what the record lacks for deposit (PREMIS records it in the validation event).
    """
    contents = [
        ContentFile(relpath=f.relpath, fixity=fx,
                    created=datetime.fromtimestamp(f.mtime_ns / 1e9, tz=timezone.utc), format=fmt)
        for f, fx, fmt in zip(release.files, fixities, formats)
    ]
    provenance = [(element, v.value, v.provenance + (f" ({v.note})" if v.note else ""))
                  for element, values in record.elements.items() for v in values]
    return PackageInput(
        release_id=release.id, identifier=record.first("identifier") or f"urn:preserve:{release.id}",
        title=real_title(record), dc=plain(record), dc_json=dc_json if dc_json is not None else to_json(record),
        provenance=provenance,
        validation_problems=[], files=contents, empty_dirs=list(release.empty_dirs), config=config,
        algorithms=options.algorithms, package_type=options.package_type, created=created,
        identify=options.identify, incomplete=tuple(incomplete),
    )
