"""The OCFL 1.1 deposit target (``--to ocfl:PATH``): one object per release, one version per changed bag.

A version's content is the whole bag, tag files and ``data/`` (logical paths relative to the
bag folder: ``bagit.txt``, ``data/<id>/METS.xml``), so any version checked out is a valid bag.
The object's path comes from the root's 0004 layout (:mod:`~preserve.deposit.ocfl_layout`); its
inventory from :mod:`~preserve.deposit.ocfl_inventory`; every change is built aside and renamed
into place (:mod:`~preserve.deposit.ocfl_root`): content first, fsynced, then the version's
inventory, the root inventory last (OCFL 1.1 §3.7 "Version Inventory and Inventory Digest": the
root inventory "MUST be the same as the file in the most recent version"; it is what makes a
version exist, so it comes when all it names is on disk). Content is addressed by sha512: a file whose
digest the object holds already is not written again (§3.5.2 "Manifest"). A bag identical to
the head version (same paths, same digests) changes nothing. Before the new version is put in
place, every file of it is read back from disk and re-hashed against the inventory and the
bag's digests (:mod:`~preserve.deposit.ocfl_proof`); after, the root inventory is read back.
"""
from __future__ import annotations

import hashlib
import os
import shutil
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from preserve.bag.archive import ArchiveReader
from preserve.bag.staging import fsync_dir, write_new
from preserve.deposit import ocfl_inventory as inventory
from preserve.deposit.ocfl_layout import HashedNTuple
from preserve.deposit.ocfl_proof import ProofError, prove_version, read_bounded
from preserve.deposit.ocfl_root import (
    MAX_INVENTORY,
    check_root,
    check_writable,
    copy_file,
    create_root,
    fsync_tree,
    locked,
    new_staging,
    place_new,
    prune_empty,
    recover_object,
    remove_staging,
    remove_stale_root_staging,
    swap_object,
    try_link_tree,
)
from preserve.deposit.target import Arrival, BagToDeposit
from preserve.errors import PreserveError
from preserve.fixity import copy_and_hash_many, fsync_files
from preserve.fixity.algorithms import new_hasher

#: a bag file without a digest from the verification and at most this large is hashed to compare
#: it with the head version (tag manifests: nothing lists their digests)
SMALL = 1 << 20
CHUNK = 1 << 20


@dataclass
class _Version:
    """The new version being built: logical path -> sha512, and what it stores."""

    state: dict[str, str] = field(default_factory=dict)
    content: dict[str, str] = field(default_factory=dict)          # content path -> sha512
    fixity: dict[str, dict[str, str]] = field(default_factory=dict)  # content path -> {alg: hex}


class OcflTarget:
    """An OCFL 1.1 storage root laid out with 0004-hashed-n-tuple-storage-layout."""

    scheme = "ocfl"

    def __init__(self, root: Path, *, jobs: int | None = None) -> None:
        self.root = Path(root)
        self.jobs = jobs

    def describe(self) -> str:
        """The target in one line."""
        return f"ocfl:{self.root}"

    def check(self) -> None:
        """InputError unless the path is an OCFL 1.1 storage root with the 0004 layout, empty or absent, and writable."""
        check_root(self.root, self.describe())
        check_writable(self.root, self.describe())

    def _layout(self) -> HashedNTuple:
        return check_root(self.root, self.describe()) or HashedNTuple()

    def plan(self, bag: BagToDeposit) -> str:
        """What deposit would do, judged from the inventory and the bag's digests; writes nothing."""
        rel = self._layout().object_path(bag.identifier)
        inv = self._inventory(self.root / rel, bag.identifier)
        if inv is None:
            return f"would create object {bag.identifier} at {self.root / rel} (v1)"
        known = self._known(bag)
        if bag.serialization:  # the digests name the files (tag manifests aside): a partial list
            same = inventory.same_as_head(known, set(known), inv, complete=False)
        else:
            same = inventory.same_as_head(known, set(_folder_files(bag.path)), inv)
        after = inventory.version_name(inventory.head_number(inv) + 1)
        if same:
            return f"unchanged: object {bag.identifier} at {self.root / rel} {inv['head']} holds this bag"
        if same is None:
            return f"would add {after} to object {bag.identifier} at {self.root / rel} unless the bag is unchanged"
        return f"would add {after} to object {bag.identifier} at {self.root / rel}"

    def deposit(self, bag: BagToDeposit) -> Arrival:
        """Write the bag as a new object or version (or nothing when unchanged), then prove it."""
        layout = check_root(self.root, self.describe())
        remove_stale_root_staging(self.root)
        if layout is None:
            layout = HashedNTuple()
            create_root(self.root, layout, self.describe())
        rel = layout.object_path(bag.identifier)
        obj = self.root / rel
        with locked(self.root, self.describe()):
            stage = self._new_staging(bag)
            try:
                if os.path.lexists(obj):
                    recover_object(obj, stage, bag.identifier)  # a fallback swap a kill cut short
                inv = self._inventory(obj, bag.identifier)
                if inv is not None:
                    _remove_orphan_versions(obj, inv)
                known = self._known(bag)
                if (inv is not None and not bag.serialization
                        and inventory.same_as_head(known, set(_folder_files(bag.path)), inv)):
                    return self._arrival(obj, rel, bag, "unchanged")
                done = self._write(bag, inv, known, stage, rel)  # the new inventory's sha512, or None
            finally:
                remove_staging(stage)
            return self._arrival(obj, rel, bag, "deposited" if done else "unchanged", done)

    def _new_staging(self, bag: BagToDeposit) -> Path:
        """This deposit's staging folder; PreserveError (exit 1, one line) when the root cannot be written."""
        try:
            return new_staging(self.root)
        except OSError as exc:
            raise PreserveError(f"{self.describe()}: cannot write {bag.identifier} into the storage root "
                                f"({exc.strerror or exc}); make the storage root writable or choose another one",
                                exit_code=1) from None

    # -- writing ---------------------------------------------------------------------------

    def _write(self, bag: BagToDeposit, inv: dict | None, known: dict[str, dict[str, str]], stage: Path,
               rel: str) -> str | None:
        """Build the object (new) or its next version in stage, prove it, put it in place; its inventory's sha512.

        None when the bag turned out to hold the head version's content (nothing is put in place).
        """
        number = inventory.head_number(inv) + 1
        name = inventory.version_name(number)
        built = stage / (rel if inv is None else "object")
        obj = self.root / rel
        linked = False
        try:
            if inv is None:
                built.mkdir(parents=True)
                write_new(built / inventory.OBJECT_DECLARATION[0], inventory.OBJECT_DECLARATION[1])
            else:
                linked = try_link_tree(obj, built)
            version = _Version()
            algorithms = _fixity_algorithms(bag, known)
            if bag.serialization:
                self._copy_archive(bag, inv, known, built / name, version, algorithms)
            else:
                self._copy_folder(bag, inv, known, built / name, version, algorithms)
            if inv is not None and version.state == inventory.head_state(inv):
                return None
            created = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
            new_inv = inventory.next_inventory(inv, bag.identifier, version.state, version.content,
                                               version.fixity, created)
            data = inventory.encode(new_inv)
            digest, side = inventory.sidecar(data)
            (built / name).mkdir(exist_ok=True)  # a version storing no new content has no content folder
            for folder in (built / name, built):  # the version's inventory, then the root's (§3.5, §3.6)
                for fname, payload in ((inventory.INVENTORY, data), (inventory.SIDECAR, side)):
                    if folder == built and inv is not None and linked:
                        os.unlink(built / fname)  # the hard link to the old root inventory
                    write_new(folder / fname, payload)
            try:  # the one read back, before the version becomes visible
                prove_version([built, obj], new_inv, bag.digests, jobs=self.jobs)
            except ProofError as exc:
                raise self._failed(bag, str(exc)) from None
            if inv is None:
                fsync_tree(stage)  # the object and the layout's tuple folders above it
                place_new(stage, self.root, rel)
            else:
                fsync_tree(built / name)
                fsync_dir(built)
                swap_object(built, obj, name, whole=linked)
            return digest
        except OSError as exc:
            raise PreserveError(f"{self.describe()}: cannot write {bag.identifier} ({exc.strerror or exc}); "
                                "nothing partial was left in the storage root", exit_code=1) from None

    def _copy_folder(self, bag: BagToDeposit, inv: dict | None, known: dict[str, dict[str, str]], vdir: Path,
                     version: _Version, algorithms: list[str]) -> None:
        """Copy the bag folder's files that the object lacks into vdir/content.

        A file whose sha512 (and every fixity digest) the verification gave is copied in the
        kernel, as cp does; the others are hashed as they are copied (one read). The proof reads
        them all back.
        """
        held = inventory.manifest_paths(inv)
        head, fixity = inventory.head_state(inv), inventory.known_fixity(inv)
        groups: dict[tuple[str, ...], list[tuple[str, Path, Path]]] = {}
        for path in _folder_files(bag.path):
            digest = inventory.digest_of(path, known.get(path, {}), head, fixity)
            if digest is not None and digest in held:
                version.state[path] = digest  # the object holds this content already
                continue
            missing = tuple(a for a in algorithms if a not in known.get(path, {}))
            groups.setdefault(missing, []).append((path, bag.path / path, vdir / inventory.CONTENT / path))
        plain = [item for item in groups.get((), []) if "sha512" in known.get(item[0], {})]
        groups[()] = [item for item in groups.get((), []) if "sha512" not in known.get(item[0], {})]
        for path, src, dest in plain:  # digests known from the verification: copied like cp, proved after
            dest.parent.mkdir(parents=True, exist_ok=True)
            copy_file(src, dest)
        fsync_files([dest for _, _, dest in plain], jobs=self.jobs)
        for path, _, dest in plain:
            self._keep(vdir, path, dest, dict(known[path]), held, version)
        for missing, items in groups.items():
            if not items:
                continue
            for _, _, dest in items:
                dest.parent.mkdir(parents=True, exist_ok=True)
            results = copy_and_hash_many([(src, dest) for _, src, dest in items], ("sha512", *missing),
                                         jobs=self.jobs)
            for (path, _, dest), fx in zip(items, results):
                expected = known.get(path, {}).get("sha512")
                if expected and expected.lower() != fx.digests["sha512"]:
                    raise PreserveError(f"{bag.path}/{path}: changed since the bag was verified; "
                                        "verify and deposit it again", exit_code=1)
                self._keep(vdir, path, dest, {**known.get(path, {}), **fx.digests}, held, version)

    def _copy_archive(self, bag: BagToDeposit, inv: dict | None, known: dict[str, dict[str, str]], vdir: Path,
                      version: _Version, algorithms: list[str]) -> None:
        """Write a serialized bag's members, streamed, into vdir/content (never unpacked elsewhere)."""
        held = inventory.manifest_paths(inv)
        head, fixity = inventory.head_state(inv), inventory.known_fixity(inv)
        reader = ArchiveReader(bag.path)
        for member in reader.members():
            if member.is_dir:
                continue
            path = member.name
            named = _manifest_algorithm(path)  # tag files come first in preserve's archives: later files get it
            if named in inventory.FIXITY_NAMES and named != "sha512" and named not in algorithms:
                algorithms.append(named)
            digest = inventory.digest_of(path, known.get(path, {}), head, fixity)
            if digest is not None and digest in held:
                version.state[path] = digest
                continue
            dest = vdir / inventory.CONTENT / path
            dest.parent.mkdir(parents=True, exist_ok=True)
            hashers = {a: new_hasher(a) for a in ("sha512", *algorithms)}
            fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o644)
            try:
                for chunk in member.chunks():
                    for h in hashers.values():
                        h.update(chunk)
                    view = memoryview(chunk)
                    while view:
                        view = view[os.write(fd, view):]
                os.fsync(fd)
            finally:
                os.close(fd)
            if not member.complete:
                why = reader.problems[0].message if reader.problems else "a member ends early"
                raise PreserveError(f"{bag.path}: cannot read the bag ({why}); verify it again", exit_code=1)
            digests = {a: h.hexdigest() for a, h in hashers.items()}
            self._keep(vdir, path, dest, {**known.get(path, {}), **digests}, held, version)
        if reader.problems:
            first = reader.problems[0]
            raise PreserveError(f"{bag.path}: cannot read the bag ({first.message}); verify it again",
                                exit_code=1)

    @staticmethod
    def _keep(vdir: Path, path: str, dest: Path, digests: dict[str, str], held: dict[str, str],
              version: _Version) -> None:
        """Record a copied file; drop the copy when the object (or this version) holds its content."""
        digest = digests["sha512"].lower()
        version.state[path] = digest
        if digest in held:
            dest.unlink()
            prune_empty(dest.parent, vdir)  # §3.3.1 "Content Directory": no empty folders
            return
        content_path = f"{vdir.name}/{inventory.CONTENT}/{path}"
        held[digest] = content_path
        version.content[content_path] = digest
        fixity = {inventory.FIXITY_NAMES[a]: h.lower() for a, h in digests.items()
                  if a in inventory.FIXITY_NAMES and a != "sha512"}
        if fixity:
            version.fixity[content_path] = fixity

    # -- reading back ----------------------------------------------------------------------

    def _inventory(self, obj: Path, identifier: str) -> dict | None:
        """The object's root inventory, its sidecar checked; None when there is no object."""
        if not os.path.lexists(obj):
            return None
        data, _ = self._read_inventory(obj, identifier)
        return data

    def _read_inventory(self, obj: Path, identifier: str) -> tuple[dict, str]:
        try:
            data = read_bounded(obj / inventory.INVENTORY, MAX_INVENTORY)
            stated = inventory.sidecar_digest(read_bounded(obj / inventory.SIDECAR, 4096))
            digest = hashlib.sha512(data).hexdigest()
            if digest != stated:
                raise inventory.InventoryError(f"{inventory.INVENTORY} does not match {inventory.SIDECAR}")
            return inventory.parse(data, identifier), digest
        except (OSError, inventory.InventoryError) as exc:
            raise PreserveError(f"{self.describe()}: the object {identifier} at {obj} is damaged or not "
                                f"preserve's ({exc}); check it with an OCFL validator", exit_code=1) from None

    def _known(self, bag: BagToDeposit) -> dict[str, dict[str, str]]:
        """The bag's digests by path; a folder's small files without one are hashed (sha512) now."""
        known = {path: {a.lower(): h.lower() for a, h in d.items()} for path, d in bag.digests.items()}
        if bag.serialization:
            return known
        small = [(path, bag.path / path) for path in _folder_files(bag.path)
                 if "sha512" not in known.get(path, {}) and _size(bag.path / path) <= SMALL]
        for (path, _), fx in zip(small, copy_and_hash_many([(p, None) for _, p in small], ("sha512",), jobs=1)):
            known.setdefault(path, {})["sha512"] = fx.digests["sha512"]
        return known

    def _arrival(self, obj: Path, rel: str, bag: BagToDeposit, status: str, expected: str | None = None) -> Arrival:
        """The object as read back: its root inventory (sidecar checked) and the head version's, the same bytes.

        ``expected``: the sha512 of the inventory this deposit wrote (its content was proved before).
        """
        inv, digest = self._read_inventory(obj, bag.identifier)
        head = inv["head"]
        try:
            same = hashlib.sha512(read_bounded(obj / head / inventory.INVENTORY, MAX_INVENTORY)).hexdigest() == digest
        except OSError:
            same = False
        if not same or (expected is not None and digest != expected):
            raise self._failed(bag, f"the root inventory is not the {head} inventory this deposit wrote")
        return Arrival(location=f"{self.root}/{rel} {head}", status=status,  # type: ignore[arg-type]
                       identifiers={"object": bag.identifier, "version": head, "inventory_sha512": digest},
                       checksums={"sha512": digest})

    def _failed(self, bag: BagToDeposit, why: str) -> PreserveError:
        return PreserveError(f"{self.describe()}: the deposit of {bag.identifier} did not prove intact: {why}",
                             exit_code=1)


def _folder_files(top: Path) -> list[str]:
    """Every file of a bag folder, relative, "/"-separated, sorted (folders are not OCFL content)."""
    out = []
    for dirpath, dirs, files in os.walk(top):
        dirs.sort()
        rel = os.path.relpath(dirpath, top)
        out += [name if rel == "." else f"{rel}/{name}".replace(os.sep, "/") for name in files]
    return sorted(out)


def _size(path: Path) -> int:
    try:
        return os.lstat(path).st_size
    except OSError:
        return SMALL + 1


def _fixity_algorithms(bag: BagToDeposit, known: dict[str, dict[str, str]]) -> list[str]:
    """The bag's other algorithms OCFL's fixity block can hold: those of its digests and of its manifests."""
    names = {a for d in known.values() for a in d}
    if not bag.serialization:
        names |= {n for n in map(_manifest_algorithm, os.listdir(bag.path)) if n}
    return sorted(a for a in names if a in inventory.FIXITY_NAMES and a != "sha512")


def _manifest_algorithm(name: str) -> str | None:
    """The algorithm a top-level (tag) manifest's name states, e.g. sha256 for manifest-sha256.txt."""
    for prefix in ("manifest-", "tagmanifest-"):
        if name.startswith(prefix) and name.endswith(".txt") and "/" not in name:
            return name[len(prefix):-len(".txt")].lower()
    return None


def _remove_orphan_versions(obj: Path, inv: dict) -> None:
    """Remove version folders past the head (a deposit killed where folders cannot be swapped whole)."""
    head = inventory.head_number(inv)
    for name in os.listdir(obj):
        try:
            number = inventory.version_number(name)
        except inventory.InventoryError:
            continue
        if number > head:
            shutil.rmtree(obj / name, ignore_errors=True)
