"""Bag a collection: discover releases, describe and check them, write one bag per release.

The library entry points are :func:`bag_collection` (a whole SOURCE folder) and
:func:`bag_release` (one release, from :mod:`preserve.pipeline.release`). Neither prints; both
return outcomes (:mod:`preserve.pipeline.options`) the CLI formats.

The pipeline wires the stages together: intake finds the releases, describe and validate make
each record, package builds its E-ARK payload, bag writes it. Its modules: options (what a run
is asked and what became of each release), release (one release from record to bag), bag_info
(a release's bag-info.txt fields and the fingerprint that lets a rerun skip an identical bag).
"""
from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Sequence

from preserve.bag.lock import locked
from preserve.pipeline.options import BagOptions, BagOutcome, CollectionResult, bag_path
from preserve.pipeline.profile import plan_collection
from preserve.pipeline.release import bag_release, profiled_options
from preserve.bag.writer import remove_stale_staging
from preserve.errors import InputError, PreserveError
from preserve.fixity import ProgressFn, default_jobs
from preserve.intake.config import CollectionConfig, load_config
from preserve.intake.releases import Discovery, Release, discover
from preserve.package.model import content_path, in_payload
from preserve._runtime.workers import run_tasks, start_method

# The names callers import from here (the CLI, preserve's public API, scripts).
__all__ = ["BagOptions", "BagOutcome", "CollectionResult", "ReleaseTask", "bag_collection", "bag_release",
           "check_output", "content_path", "payload_path", "prepare", "prepare_source", "release_workers"]


def payload_path(release_id: str, relpath: str) -> str:
    """Where a release's file is in its bag, relative to data/: ``<id>/representations/rep1/data/<relpath>``."""
    return in_payload(release_id, content_path(relpath))


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
    _create_output(out)
    from preserve.describe import curated_values

    curated = curated_values(source, found.releases)  # a malformed sheet stops the run before any write
    if options.profile is not None:  # what the profile needs of the options and config, checked before any write
        options = profiled_options(options, plan_collection(
            options.profile, algorithms=options.algorithms, serialization=options.serialize, config=config))  # type: ignore[arg-type]
    result = CollectionResult(warnings=list(found.warnings))
    task = ReleaseTask(found.releases, out, config, options, curated, progress)

    def emit(outcome: BagOutcome) -> None:
        result.outcomes.append(outcome)
        if on_outcome:
            on_outcome(outcome)

    with locked(out):
        remove_stale_staging(out)
        workers = release_workers(found.releases, options.jobs)
        if workers > 1:
            _bag_in_workers(task, workers, emit)
        else:
            for index in range(len(found.releases)):  # one at a time: memory does not grow with the count
                emit(task(index))
    return result


def _create_output(out: Path) -> None:
    """Make the output folder (and its parents) if it is not there yet."""
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"{out}: cannot create ({exc.strerror}); choose a writable --out") from None


def _bag_in_workers(task: ReleaseTask, workers: int, emit: Callable[[BagOutcome], None]) -> None:
    """Run the task for every release on worker processes; emit each outcome in release order."""
    from preserve.describe import may_analyse_text, preload as preload_description

    # identifying with Siegfried calls into its Go runtime: no fork once that is loaded here
    uses_go = task.options.identify == "siegfried"
    if start_method(fork_unsafe_calls=uses_go) == "fork" and may_analyse_text(task.releases, task.curated):
        preload_description()  # forked workers share one copy of the models, loaded once
    for index, outcome in run_tasks(task.without_progress(), len(task.releases), workers,
                                    on_lost=task.lost_in_worker, fork_unsafe_calls=uses_go):
        task.report(task.releases[index])
        emit(outcome)


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
    curated: dict[str, dict[str, list[str]]]  # metadata.csv's values by release name
    progress: ProgressFn | None = None

    def __call__(self, index: int) -> BagOutcome:
        from preserve.describe import describe_release

        release = self.releases[index]
        try:
            record = describe_release(release, self.config, self.curated.get(release.name))
            return bag_release(release, self.out, config=self.config, options=self.options, record=record,
                               progress=self.progress)
        except PreserveError as exc:
            return self.lost(index, exc.message)
        except OSError as exc:
            return self.lost(index, f"{exc.filename or release.path}: {exc.strerror or exc}")

    def without_progress(self) -> ReleaseTask:
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
        return BagOutcome(release.id, release.name, "failed", bag_path(self.out, release.id, self.options), message)
