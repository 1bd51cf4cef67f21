"""The tar stream of a serialized bag: pax headers, contents copied in the kernel, gzip on a second thread.

:func:`write_tar` writes members given in archive order (see :mod:`preserve.bag.serialize`) as
one POSIX pax tar stream into a sink: :class:`FileSink` writes it straight to the archive file,
gathering small pieces and copying large files in the kernel (``copy_file_range``, else
``sendfile``, else read/write); :class:`GzipSink` passes it through zlib as one gzip member.
Memory stays flat: files are streamed in CHUNK pieces, never read whole.
"""
from __future__ import annotations

import errno
import os
import queue
import tarfile
import threading
import zlib
from typing import Iterable, Iterator

from preserve.errors import PreserveError
from preserve.fixity.reading import open_regular

#: pieces a file is streamed in (the most any one file costs in memory, a few times over)
CHUNK = 1 << 20
#: files up to this size go through the write buffer; larger ones are copied in the kernel
SMALL = 64 << 10
#: gzip's and zlib's default level: what `tar czf` and `zip` use
LEVEL = 6
FILE_MODE, DIR_MODE = 0o644, 0o755
BLOCK = tarfile.BLOCKSIZE  # 512: a tar member's data is padded to whole blocks (POSIX ustar)
_RECORD = tarfile.RECORDSIZE  # 10240: GNU tar and tarfile pad the archive to whole records


# -- sinks: where the tar stream goes ----------------------------------------------------------------

def write_all(fd: int, data: bytes | bytearray | memoryview) -> None:
    """Write all of data to fd (os.write may take less than it is given)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def read_exact(fd: int, size: int, where: str) -> Iterator[bytes]:
    """The next ``size`` bytes of fd in pieces of at most CHUNK; a file that ends early is an error."""
    left = size
    while left:
        piece = os.read(fd, min(CHUNK, left))
        if not piece:
            raise PreserveError(f"{where}: changed while being serialized (shorter than {size} bytes)")
        left -= len(piece)
        yield piece


_NO_KERNEL_COPY = {errno.EXDEV, errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP, errno.EBADF,
                   getattr(errno, "ENOTSUP", errno.EOPNOTSUPP)}


def kernel_copy(src: int, dst: int, size: int, where: str) -> None:
    """Copy size bytes from src's position to dst's in the kernel where it can, else by read/write."""
    left = size
    for call in ("copy_file_range", "sendfile"):
        if not hasattr(os, call):
            continue
        try:
            while left:
                n = (os.copy_file_range(src, dst, min(left, 1 << 30)) if call == "copy_file_range"
                     else os.sendfile(dst, src, None, min(left, 1 << 30)))
                if n == 0:
                    raise PreserveError(f"{where}: changed while being serialized (shorter than {size} bytes)")
                left -= n
            return
        except OSError as exc:
            if exc.errno not in _NO_KERNEL_COPY:
                raise
    for piece in read_exact(src, left, where):
        write_all(dst, piece)


class FileSink:
    """The tar stream written straight to the file: small pieces gathered, large files copied in the kernel."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self._buf = bytearray()

    def write(self, data: bytes) -> None:
        self._buf += data
        if len(self._buf) >= CHUNK:
            self.flush()

    def flush(self) -> None:
        write_all(self.fd, self._buf)
        self._buf.clear()

    def copy(self, src: int, size: int, where: str) -> None:
        if size <= SMALL:
            for piece in read_exact(src, size, where):
                self.write(piece)
            return
        self.flush()
        kernel_copy(src, self.fd, size, where)

    def close(self) -> None:
        self.flush()

    def abort(self) -> None:
        self._buf = bytearray()  # a new buffer: a failed write may still hold a view of the old one


class GzipSink(FileSink):
    """The tar stream through zlib as one gzip member (RFC 1952; no name, time 0).

    ``threaded``: the main thread reads, a second one compresses and writes (zlib releases the
    GIL), as `tar czf` runs gzip as a second process; at most DEPTH pieces wait between them.
    Measured on a 1 GiB bag in the page cache (a bag just staged is): no faster than one thread
    (compression is 95% of the time) and 8 MiB more memory, so it is off by default; it helps
    when reading waits on a disk.
    """

    DEPTH = 4

    def __init__(self, fd: int, threaded: bool = False) -> None:
        super().__init__(fd)
        self._z = zlib.compressobj(LEVEL, zlib.DEFLATED, 16 + zlib.MAX_WBITS)  # 16+: gzip header and trailer
        self._error: BaseException | None = None
        self._cancel = False
        self._queue: queue.Queue[bytes | None] | None = None
        self._thread: threading.Thread | None = None
        if threaded:
            self._queue = queue.Queue(self.DEPTH)
            self._thread = threading.Thread(target=self._run, name="preserve-gzip", daemon=True)
            self._thread.start()

    def copy(self, src: int, size: int, where: str) -> None:
        for piece in read_exact(src, size, where):
            self.write(piece)

    def flush(self) -> None:
        if self._buf:
            self._push(bytes(self._buf))
            self._buf.clear()

    def _compress(self, data: bytes) -> None:
        out = self._z.compress(data)
        if out:
            write_all(self.fd, out)

    def _push(self, data: bytes) -> None:
        if self._queue is None:
            self._compress(data)
            return
        while True:
            if self._error is not None:
                raise self._error
            try:
                self._queue.put(data, timeout=0.1)
                return
            except queue.Full:
                pass

    def _run(self) -> None:
        assert self._queue is not None
        while True:
            item = self._queue.get()
            if item is None or self._cancel:
                return
            try:
                self._compress(item)
            except BaseException as exc:  # noqa: BLE001 - handed to the main thread, which raises it
                self._error = exc
                return

    def _stop(self) -> None:
        if self._thread is None:
            return
        while self._thread.is_alive():  # the sentinel, once there is room (the thread may have ended)
            try:
                self._queue.put(None, timeout=0.05)  # type: ignore[union-attr]
                break
            except queue.Full:
                pass
        self._thread.join()
        self._thread = None

    def close(self) -> None:
        self.flush()
        self._stop()
        if self._error is not None:
            raise self._error
        write_all(self.fd, self._z.flush())

    def abort(self) -> None:
        self._cancel = True
        self._buf = bytearray()  # a new buffer: a failed write may still hold a view of the old one
        if self._queue is not None:
            while True:  # drop what waits, so the thread sees the cancel at once
                try:
                    self._queue.get_nowait()
                except queue.Empty:
                    break
        self._stop()  # joined before the caller closes the file the thread writes to


def _tar_header(name: str, size: int, mtime: float, is_dir: bool) -> bytes:
    """A pax header block (plus an extended header when the name is long or not ASCII)."""
    info = tarfile.TarInfo(name)
    info.type = tarfile.DIRTYPE if is_dir else tarfile.REGTYPE
    info.mode = DIR_MODE if is_dir else FILE_MODE
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    info.size = 0 if is_dir else size
    info.mtime = int(mtime)  # an int: a float would cost a pax record per member
    return info.tobuf(tarfile.PAX_FORMAT, "utf-8", "surrogateescape")


def write_tar(folder: str, top: str, items: Iterable[tuple[str, str, bool]], sink: FileSink) -> None:
    """Write the tar stream: the top folder ``top`` (folder's own entry), then items (name, path, is a folder)."""
    total = 0

    def put(data: bytes) -> None:
        nonlocal total
        sink.write(data)
        total += len(data)

    put(_tar_header(top, 0, os.stat(folder).st_mtime, True))
    for rel, path, is_dir in items:
        name = f"{top}/{rel}"
        if is_dir:
            put(_tar_header(name, 0, os.lstat(path).st_mtime, True))
            continue
        fd, st = open_regular(path)
        try:
            put(_tar_header(name, st.st_size, st.st_mtime, False))
            sink.copy(fd, st.st_size, path)
            total += st.st_size
        finally:
            os.close(fd)
        if st.st_size % BLOCK:
            put(bytes(BLOCK - st.st_size % BLOCK))
    put(bytes(2 * BLOCK))  # the end of the archive: two zero blocks (POSIX ustar)
    if total % _RECORD:
        put(bytes(_RECORD - total % _RECORD))
