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

import contextlib
import errno
import hashlib
import os
import shutil
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from preserve._runtime.interrupts import deferred
from preserve.bag.staging import STAGING_MARK, fsync_dir, write_new
from preserve.bag.tarstream import kernel_copy
from preserve.bag.writer import exchange_paths
from preserve.deposit import ocfl_inventory as inventory
from preserve.deposit import ocfl_layout
from preserve.deposit.ocfl_inventory import INVENTORY, SIDECAR
from preserve.deposit.ocfl_layout import HashedNTuple
from preserve.deposit.ocfl_proof import read_bounded
from preserve.errors import InputError, PreserveError
from preserve.fixity import open_regular

try:
    import fcntl
except ImportError:  # pragma: no cover - not on Windows
    fcntl = None  # type: ignore[assignment]

#: the storage root's declaration (OCFL 1.1 §4, the storage root's conformance declaration, NAMASTE)
ROOT_DECLARATION = ("0=ocfl_1.1", b"ocfl_1.1\n")
#: where preserve builds what it puts into the root (an extension sub-directory, see above)
STAGING = "extensions/preserve-deposit-staging"
#: at most this many bytes of an inventory are read (a bag of a million files stays well below)
MAX_INVENTORY = 1 << 30


def root_kind(root: Path) -> str:
    """"absent", "empty", "partial" (only what a stopped :func:`create_root` writes, no declaration yet),
    "root" (it declares OCFL 1.1), or "other" (a folder or file that is not one)."""
    try:
        entries = os.listdir(root)
    except FileNotFoundError:
        return "absent"
    except NotADirectoryError:
        return "other"
    if not entries:
        return "empty"
    if ROOT_DECLARATION[0] in entries:
        return "root"
    return "partial" if _only_partial(root, entries) else "other"


def _only_partial(root: Path, entries: list[str]) -> bool:
    """True when the folder holds nothing but the root files :func:`create_root` writes before the declaration."""
    allowed = {"": {ocfl_layout.LAYOUT_FILE, "extensions"},
               "extensions": {ocfl_layout.NAME, STAGING.split("/")[1]},
               f"extensions/{ocfl_layout.NAME}": {"config.json"},
               STAGING: set()}
    todo = [("", entries)]
    while todo:
        rel, names = todo.pop()
        for name in names:
            if name.startswith(".") and STAGING_MARK in name:
                continue  # a temporary file of create_root
            if name not in allowed[rel]:
                return False
            sub = f"{rel}/{name}" if rel else name
            if sub in allowed:
                try:
                    todo.append((sub, os.listdir(root / sub)))
                except OSError:
                    return False
    return True


def check_root(root: Path, where: str) -> HashedNTuple | None:
    """The root's layout, or None when preserve will create the root; InputError for anything else."""
    kind = root_kind(root)
    if kind in ("absent", "empty", "partial"):
        return None
    if kind == "other":
        others = [name for name in _listdir(root) if name.startswith("0=ocfl_")]
        what = f"it declares {others[0]!r}, not OCFL 1.1" if others else "it holds no 0=ocfl_1.1 declaration"
        raise InputError(f"{where}: not an OCFL 1.1 storage root and not empty ({what}); "
                         "give an OCFL storage root, an empty folder or a new path")
    return ocfl_layout.read_layout(root, where)


def check_writable(root: Path, where: str) -> None:
    """InputError (one line) when the root, or the folder it would be made in, cannot be written."""
    here = root
    while not os.path.lexists(here) and here != here.parent:
        here = here.parent
    folders = [here] + [here / "extensions", here / STAGING]
    for folder in folders:
        if os.path.isdir(folder) and not os.access(folder, os.W_OK | os.X_OK):
            reason = "read-only file system" if _read_only_fs(folder) else "permission denied"
            raise InputError(f"{where}: cannot write into {folder} ({reason}); "
                             "make the storage root writable or choose another one")


def _read_only_fs(folder: Path) -> bool:
    try:
        return bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    except (OSError, AttributeError):
        return False


def _listdir(root: Path) -> list[str]:
    try:
        return sorted(os.listdir(root))
    except OSError:
        return []


def _write_replace(path: Path, data: bytes) -> None:
    """Write data to path: a temporary file beside it, flushed, then renamed over it (never half-written)."""
    temp = path.parent / f".{path.name}{STAGING_MARK}{os.getpid()}-{uuid.uuid4().hex[:8]}"
    try:
        write_new(temp, data)
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


def create_root(root: Path, layout: HashedNTuple, where: str) -> None:
    """Make the storage root in place (made when absent): layout files first, the declaration last.

    The folder itself is never replaced, so a mount point, or a folder an administrator made
    with its owner, mode and ACLs, stays as it is. ``0=ocfl_1.1`` is written last: until it
    is there the folder holds only these partial files (``root_kind`` "partial"), and the next
    deposit writes them again (same bytes) and finishes.
    """
    try:
        made = not os.path.isdir(root)
        root.mkdir(parents=True, exist_ok=True)
        (root / "extensions" / ocfl_layout.NAME).mkdir(parents=True, exist_ok=True)
        for rel, data in ((ocfl_layout.LAYOUT_FILE, ocfl_layout.layout_json()),
                          (ocfl_layout.CONFIG_FILE, ocfl_layout.config_json(layout))):
            _write_replace(root / rel, data)
        fsync_dir(root / "extensions" / ocfl_layout.NAME)
        fsync_dir(root / "extensions")
        fsync_dir(root)
        with deferred():  # the declaration marks the root complete (OCFL 1.1 §4.2, NAMASTE)
            _write_replace(root / ROOT_DECLARATION[0], ROOT_DECLARATION[1])
            fsync_dir(root)
        if made:
            fsync_dir(root.parent)
    except OSError as exc:
        if root_kind(root) == "root":  # another deposit made it meanwhile
            return
        raise InputError(f"{where}: cannot create the storage root ({exc.strerror or exc}); "
                         "choose a writable path") from None


def _pid_alive(pid: int) -> bool:
    """True unless no process has this id (os.kill(pid, 0) says ProcessLookupError)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        pass
    return True


def remove_stale_root_staging(root: Path) -> None:
    """Remove hidden siblings and temporary files a killed deposit left, only those whose process is gone.

    (Older versions built the root in a sibling; the name holds the pid: ``.ROOT.preserve-staging-PID-XXXX``.)
    """
    for folder, prefix in ((root.parent, f".{root.name}{STAGING_MARK}"), (root, "."),
                           (root / "extensions" / ocfl_layout.NAME, ".")):
        for name in _listdir(folder):
            if not name.startswith(prefix) or STAGING_MARK not in name:
                continue
            pid = name.rsplit(STAGING_MARK, 1)[1].split("-", 1)[0]
            if pid.isdigit() and int(pid) != os.getpid() and not _pid_alive(int(pid)):
                path = folder / name
                with contextlib.suppress(OSError):
                    shutil.rmtree(path) if os.path.isdir(path) and not os.path.islink(path) else os.unlink(path)


LOCK_TIMEOUT, LOCK_POLL = 60.0, 0.2  #: seconds a deposit waits for another one in the root; how often it looks


@contextmanager
def locked(root: Path, where: str, timeout: float | None = None) -> Iterator[None]:
    """Hold an exclusive flock on the root folder (one deposit at a time, waiting up to ``timeout``), then clear old staging.

    PreserveError (exit 1: this bag fails, the run goes on) when the lock is not had in time.
    """
    wait = LOCK_TIMEOUT if timeout is None else timeout
    fd = os.open(root, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        if fcntl is not None:
            deadline = time.monotonic() + wait
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except OSError as exc:
                    if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                        raise
                if time.monotonic() >= deadline:
                    raise PreserveError(f"{where}: another deposit is writing to this storage root and did not "
                                        f"finish within {wait:g} s; deposit this bag again when it is done",
                                        exit_code=1)
                time.sleep(LOCK_POLL)
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

    Atomic where the system can exchange two folders and ``new`` is whole. Elsewhere (NFS,
    CIFS, or ``new`` holding only the new version and the root inventory, hard links being
    refused): the new version folder goes in first, with its own inventory and sidecar (OCFL
    1.1 §3.5.3 "Inventory": a version's inventory and sidecar come with the version), then the
    root inventory, then its sidecar, each by one rename. A kill between them leaves either an
    orphan version folder (no root inventory names it: removed) or a root inventory whose
    sidecar does not match it while the new version's pair is whole: the next deposit's
    :func:`recover_object` finishes the copy, under the lock, before it reads the object.
    """
    with deferred():
        swapped = whole and exchange_paths(new, obj)
    if swapped:
        fsync_dir(obj.parent)
        return
    with deferred():
        os.rename(new / version, obj / version)
        fsync_dir(obj)
        os.replace(new / INVENTORY, obj / INVENTORY)
        os.replace(new / SIDECAR, obj / SIDECAR)
    fsync_dir(obj)


def recover_object(obj: Path, scratch: Path, identifier: str) -> bool:
    """Finish a root inventory a killed fallback swap left half-replaced; True when it did.

    Only when the root ``inventory.json`` and its sidecar disagree (or one is missing) and the
    highest version's pair agree, that version is the head its inventory names, and every
    content path of its manifest is on disk: that pair is copied to the object root (each a
    file written in ``scratch``, then renamed in). OCFL 1.1 §3.7: the root inventory "MUST be
    the same as the file in the most recent version". Anything else is left for the caller to
    report. Call it under :func:`locked`.
    """
    try:
        if _pair_agrees(obj):
            return False
    except (OSError, inventory.InventoryError):
        pass
    numbers = []
    for name in _listdir(obj):
        try:
            numbers.append(inventory.version_number(name))
        except inventory.InventoryError:
            continue
    if not numbers:
        return False
    top = obj / inventory.version_name(max(numbers))
    try:
        if not _pair_agrees(top):
            return False
        data = read_bounded(top / INVENTORY, MAX_INVENTORY)
        inv = inventory.parse(data, identifier)
        side = read_bounded(top / SIDECAR, 4096)
    except (OSError, inventory.InventoryError):
        return False
    if inv["head"] != top.name:
        return False
    for paths in inv["manifest"].values():
        if not all(os.path.isfile(obj / p) and not os.path.islink(obj / p) for p in paths):
            return False
    with deferred():
        for name, payload in ((INVENTORY, data), (SIDECAR, side)):
            temp = scratch / name
            write_new(temp, payload)
            os.replace(temp, obj / name)
        fsync_dir(obj)
    return True


def _pair_agrees(folder: Path) -> bool:
    """True when folder's inventory.json has the sha512 its sidecar states (OSError when one is missing)."""
    data = read_bounded(folder / INVENTORY, MAX_INVENTORY)
    stated = inventory.sidecar_digest(read_bounded(folder / SIDECAR, 4096))
    return hashlib.sha512(data).hexdigest() == stated


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
