"""Read one serialized bag (tar, tar.gz, zip) for verification by streaming its members: never unpacked.

The archive is read member by member (:mod:`preserve.bag.archive`): its listing fills the bag's
view as a folder walk would; its tag files, and at the full level the package's XML and dc.json
documents, are held in memory within the bounds of :data:`CAPTURE_LIMITS`; payload members are
hashed as they stream by, with the algorithms of the manifests seen so far. The folder checks
then run unchanged on the view (:mod:`preserve.verify.checks`), fixity comparing the digests
taken here.

One pass when the manifests come before the payload (as preserve writes its archives). When
payload members come first (DSpace, Fedora, some tar tools), the members the first pass could not
hash are hashed in a second streaming pass, which stops after the last of them: reading the
file again costs less than hashing every early member with every algorithm a manifest could
name (several times the CPU for the common case of one algorithm). Nothing is written.
"""
from __future__ import annotations

import io
import sys
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from pathlib import Path
from typing import BinaryIO, Iterator

from preserve.bag.archive import ArchiveReader
from preserve.bag.serialize import bag_name_of
from preserve.bag.reader import MAX_TAG_BYTES, BagView, TooLarge, read_tags
from preserve.fixity import SUPPORTED_ALGORITHMS, ProgressFn, hash_bytes
from preserve.fixity.algorithms import algorithm_key, new_hasher
from preserve.verify.bag import needed_algorithms

#: a serialized bag's manifests are held in memory while it is verified: each up to this size
MAX_CAPTURED_MANIFEST = 64 << 20
#: what is held in memory while a serialized bag is verified, each limit with its reason
CAPTURE_LIMITS: dict[str, tuple[int, str]] = {
    "manifest": (MAX_CAPTURED_MANIFEST, "a manifest is parsed from memory: 64 MiB holds half a million entries"),
    "tag": (MAX_TAG_BYTES, "other tag files are small by nature; a folder bag's are read with the same cap"),
    "document": (16 << 20, "one METS, PREMIS, DC XML or dc.json of the package; a larger one is reported, not held"),
    "total": (256 << 20, "all held bytes of one bag together; beyond it documents are reported, not held"),
}
_MANIFEST_PREFIXES = ("manifest-", "tagmanifest-")


def read_serialized(path: Path, *, full: bool, progress: ProgressFn | None = None) -> SerializedBag:
    """Stream a serialized bag once (twice when payload precedes its manifests) into a checked view."""
    bag = SerializedBag(Path(path), full=full, progress=progress)
    bag.load()
    return bag


class SerializedBag:
    """A serialized bag as read from its archive: the view, the digests taken, the bytes held.

    It is the view's source (:class:`preserve.bag.view.BagSource`): tag files and documents by bag path.
    """

    def __init__(self, path: Path, *, full: bool, progress: ProgressFn | None = None) -> None:
        self.path = path
        self.full = full
        self.progress = progress
        self.archive = ArchiveReader(path)
        self.view = BagView(root=path, source=self, serialization=self.archive.serialization or "unknown")
        self.held: dict[str, bytes] = {}
        self.not_held: dict[str, str] = {}  # name -> why it was not held
        self.held_bytes = 0
        self.digests: dict[str, dict[str, str]] = {}
        self._extra: dict[str, dict[str, str]] = {}  # algorithm -> path -> digest, from a later pass
        self.passes = 0

    # --- the BagSource of the view ----------------------------------------------------------------

    def read(self, name: str, limit: int) -> bytes:
        data = self._held(name)
        if len(data) > limit:
            raise TooLarge(f"larger than {limit} bytes")
        return data

    def open(self, name: str) -> tuple[BinaryIO, int]:
        data = self._held(name)
        return io.BytesIO(data), len(data)  # shares the held bytes: no copy

    def _held(self, name: str) -> bytes:
        """The bytes held for name; TooLarge when over its capture limit, OSError when not held."""
        data = self.held.get(name)
        if data is None:
            if name in self.not_held:
                raise TooLarge(self.not_held[name])
            if name in self.view.payload or name in self.view.tag_files:
                raise OSError(f"{name}: not held in memory (only tag files and package documents are, "
                              "and only when their member was read whole)")
            raise FileNotFoundError(2, "not in the archive", name)
        return data

    def digest(self, name: str, algorithm: str) -> str | None:
        known = self.digests.get(name, {}).get(algorithm)
        if known is not None or algorithm not in SUPPORTED_ALGORITHMS:
            return known
        if algorithm not in self._extra:  # one more pass hashes every payload member with it
            wanted = {p: {algorithm} for p in self.view.payload}
            found: dict[str, dict[str, str]] = {}
            self._hash_pass(wanted, found)
            self._extra[algorithm] = {p: d[algorithm] for p, d in found.items()}
        return self._extra[algorithm].get(name)

    # --- reading -----------------------------------------------------------------------------------

    def load(self) -> None:
        """Read the archive into the view: the listing, the tag files, and at the full level every digest."""
        if self.archive.serialization is None:
            list(self.archive.members())  # records its one problem: not an archive
            self.view.problems.extend(self.archive.problems)
            return
        self._first_pass()
        read_tags(self.view)
        if self.full:
            self._complete_digests()

    def _first_pass(self) -> None:
        """List every member, hold tag files (and documents), hash what the known manifests ask."""
        view, algorithms = self.view, set()
        self.passes += 1
        members = self.archive.members()
        with closing(members):
            for member in members:
                name = member.name
                if member.is_dir:
                    view.dirs.add(name)
                    continue
                self.archive.hold_names(_add_parents(view.dirs, name))  # bounded by LIMITS["names"]
                if name == "data":
                    continue  # a file where the payload folder should be: payload-dir-missing
                (view.payload if name.startswith("data/") else view.tag_files)[name] = member.size
                if name.startswith(_MANIFEST_PREFIXES) and "/" not in name and name.endswith(".txt"):
                    key = algorithm_key(name.split("-", 1)[1][:-4])
                    if key in SUPPORTED_ALGORITHMS:
                        algorithms.add(key)
                hold = self._may_hold(name, member.size)
                hashing = sorted(algorithms) if self.full else []
                if hold or hashing:
                    self._take(member, hashing, hold)
        view.name = self.archive.top or bag_name_of(self.path.name) or self.path.name
        view.problems[:0] = self.archive.problems

    def _may_hold(self, name: str, size: int) -> bool:
        """Whether to hold a member's bytes: tag files, and the package documents at the full level."""
        if not name.startswith("data/"):
            kind = "manifest" if name.startswith(_MANIFEST_PREFIXES) and "/" not in name else "tag"
        elif self.full and _is_document(name):
            kind = "document"
        else:
            return False
        cap, reason = CAPTURE_LIMITS[kind]
        if size > cap:
            self.not_held[name] = f"larger than {cap} bytes ({reason})"
            return False
        total = CAPTURE_LIMITS["total"][0]
        if self.held_bytes + size > total:
            self.not_held[name] = f"over the {total}-byte limit on what one bag may hold in memory"
            if not any(p.code == "archive-limit" for p in self.view.problems):
                self.view.add("archive-limit", name, f"files past {total} bytes held in memory are not read "
                              f"({CAPTURE_LIMITS['total'][1]})")
            return False
        self.held_bytes += size
        return True

    def _take(self, member, algorithms: list[str], hold: bool) -> None:
        hashers = [new_hasher(a) for a in algorithms]
        parts: list[bytes] = []
        progress = self.progress
        for chunk in _hashed(member.chunks(), hashers, member.size):
            if hold:
                parts.append(chunk)
            if progress:
                progress(0, len(chunk))
        if not member.complete:
            return
        if progress:
            progress(1, 0)
        if hold:
            self.held[member.name] = b"".join(parts)
        if hashers:
            self.digests.setdefault(member.name, {}).update(zip(algorithms, (h.hexdigest() for h in hashers)))

    def _complete_digests(self) -> None:
        """Every digest fixity and renames need: from held bytes, else from a second pass."""
        view = self.view
        wanted: dict[str, set[str]] = {}
        for path, algorithms in needed_algorithms(view).items():
            have = self.digests.setdefault(path, {})
            missing = algorithms - have.keys()
            if missing and path in self.held:
                have.update(hash_bytes(self.held[path], sorted(missing)).digests)
            elif missing:
                wanted[path] = missing
        listed = {p for m in view.manifests for p in m.entries}
        rename_algorithm = next((m.algorithm for m in view.manifests if m.algorithm in SUPPORTED_ALGORITHMS), None)
        if rename_algorithm and listed - view.payload.keys():  # renames are matched by digest (find_renames)
            for path in view.payload.keys() - listed:
                if rename_algorithm not in self.digests.get(path, {}):
                    wanted.setdefault(path, set()).add(rename_algorithm)
        if wanted:
            self._hash_pass(wanted, self.digests)

    def _hash_pass(self, wanted: dict[str, set[str]], into: dict[str, dict[str, str]]) -> None:
        """Stream the archive again, hashing the wanted members; stop after the last of them."""
        self.passes += 1
        left = dict(wanted)
        members = self.archive.members()
        with closing(members):
            for member in members:
                algorithms = left.pop(member.name, None)
                if algorithms and not member.is_dir:
                    hashers = [new_hasher(a) for a in sorted(algorithms)]
                    for _ in _hashed(member.chunks(), hashers, member.size):
                        pass
                    if member.complete:
                        into.setdefault(member.name, {}).update(
                            zip(sorted(algorithms), (h.hexdigest() for h in hashers)))
                if not left:
                    break


#: a member this large has its second and later algorithms hashed in a thread beside the reading
PIPELINE_BYTES = 4 << 20
_POOL: ThreadPoolExecutor | None = None


def _hashed(chunks: Iterator[bytes], hashers: list, size: int) -> Iterator[bytes]:
    """Feed every chunk to every hasher, yielding it; a large member is hashed in two lanes.

    The first hasher runs here, beside the reading (and inflating) of the next chunk; the others
    in one worker thread (hashlib and zlib release the GIL), a chunk behind: on two cores a
    stream is hashed about as fast as the fixity engine hashes a file.
    """
    if len(hashers) < 2 or size < PIPELINE_BYTES:
        for chunk in chunks:
            for h in hashers:
                h.update(chunk)
            yield chunk
        return
    global _POOL
    if _POOL is None:
        _POOL = ThreadPoolExecutor(1, thread_name_prefix="preserve-stream-hash")
    first, rest = hashers[0], hashers[1:]
    pending = None
    try:
        for chunk in chunks:
            if pending is not None:
                pending.result()
            pending = _POOL.submit(_update_all, rest, chunk)
            first.update(chunk)
            yield chunk
    finally:
        if pending is not None:
            pending.result()


def _update_all(hashers: list, chunk: bytes) -> None:
    for h in hashers:
        h.update(chunk)


def _is_document(name: str) -> bool:
    """A package document verify parses: an XML or dc.json file, not a representation's content file."""
    if not (name.lower().endswith(".xml") or name.endswith("/dc.json")):
        return False
    parts = name.split("/")
    return not any(parts[i] == "representations" and parts[i + 2:i + 3] == ["data"] for i in range(len(parts) - 2))


def _add_parents(dirs: set[str], name: str) -> int:
    """Add the folders a member's name implies (a tar may list a file without its folders); the memory they take."""
    end, held = name.rfind("/"), 0
    while end > 0:
        parent = name[:end]
        if parent in dirs:
            break
        dirs.add(parent)
        held += sys.getsizeof(parent)
        end = name.rfind("/", 0, end)
    return held


def is_unreadable(view: BagView) -> bool:
    """True when the file is no archive at all: its one problem says so and no other check applies."""
    return view.serialization == "unknown"


