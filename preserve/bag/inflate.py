"""Bounded decompression for the archive reader: never more than CHUNK bytes out of one step.

:class:`MemberInflater` decompresses a zip member's deflate, bzip2 or lzma data (Python's
zipfile bounds none but deflate: a member of a few KB can make gigabytes in one read);
:class:`GunzipStream` is a gzip file's content as a stream, for a tar.gz read in stream mode.
The callers count what comes out against declared sizes and the compression-ratio limit.
"""
from __future__ import annotations

import bz2
import io
import lzma
import struct
import zipfile
import zlib

CHUNK = 1 << 20


class DictionaryTooLarge(ValueError):
    """An LZMA member whose dictionary, allocated whole, is over the caller's limit (bytes in args[0])."""


class MemberInflater:
    """One zip member's deflate, bzip2 or lzma data decompressed in steps of at most CHUNK bytes out.

    Python's zipfile decompresses bzip2 and lzma without an output bound (a member of a few KB
    can make gigabytes in one read): here every method gets zlib's max_length treatment.
    """

    def __init__(self, method: int, declared: int, max_dictionary: int) -> None:
        self.method, self.declared, self.max_dictionary = method, declared, max_dictionary
        self._head = b""  # lzma: its properties header, until whole
        self._stalled = False
        self._obj = (zlib.decompressobj(-15) if method == zipfile.ZIP_DEFLATED else
                     bz2.BZ2Decompressor() if method == zipfile.ZIP_BZIP2 else None)

    def pending(self) -> bool:
        """Whether output waits without more input."""
        obj = self._obj
        if obj is None or obj.eof or self._stalled:
            return False
        return bool(obj.unconsumed_tail) if self.method == zipfile.ZIP_DEFLATED else not obj.needs_input

    def more(self) -> bytes:
        """The next output from input already given."""
        obj = self._obj
        data = obj.decompress(obj.unconsumed_tail if self.method == zipfile.ZIP_DEFLATED else b"", CHUNK)
        self._stalled = not data  # no progress without input: ask for input (never loop)
        return data

    def feed(self, data: bytes) -> bytes:
        """Output from the next input (call only when nothing is pending)."""
        self._stalled = False
        if self._obj is None:
            self._head += data
            data = self._start_lzma()
            if self._obj is None:
                return b""
        if self._obj.eof:
            return b""  # bytes after the end of the stream: ignored, as zlib does
        return self._obj.decompress(data, CHUNK)

    def ended(self, flag_bits: int) -> bool:
        """Whether the stream ended properly: its end marker (an lzma member may go without, APPNOTE 5.8.9)."""
        if self.method == zipfile.ZIP_LZMA and not flag_bits & 2:
            return self._obj is not None
        return self._obj is not None and self._obj.eof

    def _start_lzma(self) -> bytes:
        """The raw LZMA decoder from the member's header (APPNOTE 5.8.8: version, properties size, properties)."""
        head = self._head
        if len(head) < 4 or len(head) < 4 + struct.unpack("<H", head[2:4])[0]:
            return b""  # the header is at most 4 + 65535 bytes
        size = struct.unpack("<H", head[2:4])[0]
        if size != 5 or head[4] >= 9 * 5 * 5:
            raise ValueError("bad LZMA properties header")
        lc, lp, pb = head[4] % 9, head[4] // 9 % 5, head[4] // 45
        dict_size = max(4096, min(struct.unpack("<I", head[5:9])[0], self.declared))  # no more than it holds
        if dict_size > self.max_dictionary:
            raise DictionaryTooLarge(dict_size)
        self._obj = lzma.LZMADecompressor(lzma.FORMAT_RAW, filters=[
            {"id": lzma.FILTER_LZMA1, "dict_size": dict_size, "lc": lc, "lp": lp, "pb": pb}])
        self._head = b""
        return head[9:]


class GunzipStream(io.RawIOBase):
    """A gzip file's content as a stream, inflated in bounded steps (never more than CHUNK at once).

    Counts the compressed bytes consumed (the bomb ratio's denominator); a stream that ends
    before its gzip trailer is truncated (OSError). Concatenated gzip members are read in turn.
    """

    def __init__(self, raw) -> None:
        self.raw = raw
        self.consumed = 0
        self.inflate = zlib.decompressobj(31)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        want = min(len(buffer), CHUNK)
        while True:
            if self.inflate.eof:  # first: at a member's end, the bytes after it wait in unused_data
                rest = self.inflate.unused_data
                if not rest:
                    rest = self.raw.read(1 << 16)
                    self.consumed += len(rest)
                if not rest.strip(b"\0"):
                    return 0  # the end (tar tools may pad a gzip file with zeros)
                self.inflate = zlib.decompressobj(31)  # another gzip member follows
                data = self.inflate.decompress(rest, want)
            elif self.inflate.unconsumed_tail:
                data = self.inflate.decompress(self.inflate.unconsumed_tail, want)
            else:
                chunk = self.raw.read(1 << 16)
                if not chunk:
                    raise OSError("truncated gzip stream (no end of the compressed data)")
                self.consumed += len(chunk)
                data = self.inflate.decompress(chunk, want)
            if data:
                buffer[:len(data)] = data
                return len(data)
