"""An OCFL 1.1 storage root on disk: recognised or created, locked, and changed only by atomic renames.

The root (OCFL 1.1 §4 "OCFL Storage Root") holds its declaration ``0=ocfl_1.1``, ``ocfl_layout.json``, the
layout's config under ``extensions/`` and the objects. preserve builds every change aside, in
``extensions/preserve-deposit-staging/`` (OCFL 1.1 on the root's extensions folder: "The
extensions directory MUST NOT contain any files or sub-directories other than extension
sub-directories"; extension sub-directories
"SHOULD" be registered names, and validators skip their content), then puts it in place with
one rename: a new object's highest missing folder, or an existing object swapped whole with a
copy made of hard links plus the new version (Linux ``renameat2(RENAME_EXCHANGE)``). So a kill
at any moment leaves every object as it was or as it is meant to be; the next deposit removes
what the staging folder holds.
"""
from __future__ import annotations

import errno
import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from preserve._runtime.interrupts import deferred
from preserve.bag.staging import STAGING_MARK, fsync_dir, write_new
from preserve.bag.tarstream import kernel_copy
from preserve.bag.writer import exchange_paths
from preserve.deposit import ocfl_layout
from preserve.deposit.ocfl_layout import HashedNTuple
from preserve.errors import InputError, LockedError
from preserve.fixity import open_regular

try:
    import fcntl
except ImportError:  # pragma: no cover - not on Windows
    fcntl = None  # type: ignore[assignment]

#: the storage root's declaration (OCFL 1.1 §4, the storage root's conformance declaration, NAMASTE)
ROOT_DECLARATION = ("0=ocfl_1.1", b"ocfl_1.1\n")
#: where preserve builds what it puts into the root (an extension sub-directory, see above)
STAGING = "extensions/preserve-deposit-staging"


def root_kind(root: Path) -> str:
    """"absent", "empty", "root" (it declares OCFL 1.1), or "other" (a folder or file that is not one)."""
    try:
        entries = os.listdir(root)
    except FileNotFoundError:
        return "absent"
    except NotADirectoryError:
        return "other"
    if not entries:
        return "empty"
    return "root" if ROOT_DECLARATION[0] in entries else "other"


def check_root(root: Path, where: str) -> HashedNTuple | None:
    """The root's layout, or None when preserve will create the root; InputError for anything else."""
    kind = root_kind(root)
    if kind in ("absent", "empty"):
        return None
    if kind == "other":
        others = [name for name in _listdir(root) if name.startswith("0=ocfl_")]
        what = f"it declares {others[0]!r}, not OCFL 1.1" if others else "it holds no 0=ocfl_1.1 declaration"
        raise InputError(f"{where}: not an OCFL 1.1 storage root and not empty ({what}); "
                         "give an OCFL storage root, an empty folder or a new path")
    return ocfl_layout.read_layout(root, where)


def _listdir(root: Path) -> list[str]:
    try:
        return sorted(os.listdir(root))
    except OSError:
        return []


def create_root(root: Path, layout: HashedNTuple, where: str) -> None:
    """Make the storage root: built in a hidden sibling, then renamed to ``root`` (an empty folder goes first)."""
    parent = root.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        stage = parent / f".{root.name}{STAGING_MARK}{os.getpid()}-{uuid.uuid4().hex[:8]}"
        (stage / "extensions" / ocfl_layout.NAME).mkdir(parents=True)
        for rel, data in ((ocfl_layout.LAYOUT_FILE, ocfl_layout.layout_json()),
                          (ocfl_layout.CONFIG_FILE, ocfl_layout.config_json(layout)),
                          (ROOT_DECLARATION[0], ROOT_DECLARATION[1])):
            write_new(stage / rel, data)
        fsync_dir(stage / "extensions" / ocfl_layout.NAME)
        fsync_dir(stage / "extensions")
        fsync_dir(stage)
        with deferred():
            if root_kind(root) == "empty":
                os.rmdir(root)
            os.rename(stage, root)
        fsync_dir(parent)
    except OSError as exc:
        if "stage" in locals():
            shutil.rmtree(stage, ignore_errors=True)
        if root_kind(root) == "root":  # another deposit made it meanwhile
            return
        raise InputError(f"{where}: cannot create the storage root ({exc.strerror or exc}); "
                         "choose a writable path") from None


def remove_stale_root_staging(root: Path) -> None:
    """Remove hidden siblings a killed :func:`create_root` left beside the root (another pid's)."""
    prefix = f".{root.name}{STAGING_MARK}"
    for name in _listdir(root.parent):
        if name.startswith(prefix) and not name.startswith(f"{prefix}{os.getpid()}-"):
            shutil.rmtree(root.parent / name, ignore_errors=True)


@contextmanager
def locked(root: Path, where: str) -> Iterator[None]:
    """Hold an exclusive flock on the root folder (one deposit at a time), then clear old staging."""
    fd = os.open(root, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        if fcntl is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as exc:
                if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                    raise LockedError(f"{where}: another deposit is writing to this storage root; "
                                      "wait for it to finish") from None
                raise
        # under the lock, whatever the staging folder holds was left by a killed deposit
        staging = root / STAGING
        for name in _listdir(staging):
            shutil.rmtree(staging / name, ignore_errors=True)
        yield
    finally:
        os.close(fd)


def new_staging(root: Path) -> Path:
    """A new, empty staging folder of this deposit under the root's extensions/."""
    path = root / STAGING / f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
    path.mkdir(parents=True)
    return path


def remove_staging(stage: Path) -> None:
    """Remove a staging folder (and the staging area when it is empty again)."""
    with deferred():
        shutil.rmtree(stage, ignore_errors=True)
    try:
        os.rmdir(stage.parent)
    except OSError:
        pass


def fsync_tree(top: Path) -> None:
    """fsync every folder under top, deepest first (the files were flushed when written)."""
    for dirpath, _dirs, _files in os.walk(top, topdown=False):
        fsync_dir(dirpath)


def link_tree(src: Path, dest: Path) -> None:
    """A copy of the folder src at dest made of hard links (same file system: costs no data)."""
    for dirpath, dirs, files in os.walk(src):
        rel = os.path.relpath(dirpath, src)
        out = dest if rel == "." else dest / rel
        out.mkdir(exist_ok=rel == ".")
        for name in files:
            os.link(os.path.join(dirpath, name), out / name, follow_symlinks=False)
        dirs.sort()


def place_new(stage: Path, root: Path, rel: str) -> None:
    """Move ``stage/rel`` to ``root/rel`` with one rename: the highest folder of rel not yet in root."""
    parts = rel.split("/")
    for depth in range(1, len(parts) + 1):
        here = root.joinpath(*parts[:depth])
        if not os.path.lexists(here):
            with deferred():
                os.rename(stage.joinpath(*parts[:depth]), here)
            fsync_dir(here.parent)
            return
    raise FileExistsError(errno.EEXIST, "the object's folder exists already", str(root / rel))


def swap_object(new: Path, obj: Path, version: str, *, whole: bool = True) -> None:
    """Put the object built at ``new`` (``whole``: the old one hard-linked, plus ``version``) in the place of obj.

    Atomic where the system can exchange two folders and ``new`` is whole; elsewhere (or when
    ``new`` holds only the new version and the root inventory, hard links being refused) the
    new version folder goes in first and the root inventory after it (OCFL's order: at worst an
    orphan version folder, never an inventory naming missing content; the next deposit removes it).
    """
    with deferred():
        swapped = whole and exchange_paths(new, obj)
    if swapped:
        fsync_dir(obj.parent)
        return
    with deferred():
        os.rename(new / version, obj / version)
        fsync_dir(obj)
        for name in ("inventory.json", "inventory.json.sha512"):
            os.replace(new / name, obj / name)
    fsync_dir(obj)


def copy_file(src: Path, dest: Path) -> None:
    """Copy a regular file (safe open) to a new file in the kernel; a partial copy is removed."""
    fd, st = open_regular(src)
    try:
        out = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o644)
        try:
            kernel_copy(fd, out, st.st_size, str(src))
        except BaseException:
            os.unlink(dest)
            raise
        finally:
            os.close(out)
    finally:
        os.close(fd)


def try_link_tree(obj: Path, built: Path) -> bool:
    """Hard-link the object into built (True); False, with built empty, where hard links are refused."""
    try:
        link_tree(obj, built)
        return True
    except OSError as exc:
        if exc.errno not in NO_LINKS:
            raise
    shutil.rmtree(built, ignore_errors=True)
    built.mkdir()
    return False


NO_LINKS = {errno.EPERM, errno.EXDEV, errno.EMLINK, errno.ENOTSUP, getattr(errno, "EOPNOTSUPP", errno.ENOTSUP)}


def prune_empty(folder: Path, stop: Path) -> None:
    """Remove folder and its parents up to stop while they are empty."""
    while folder != stop:
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent
