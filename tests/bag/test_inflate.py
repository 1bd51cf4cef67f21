"""Bounded decompression: no step gives more than CHUNK bytes, whatever the input's ratio."""
from __future__ import annotations

import bz2
import gzip
import io
import zipfile
import zlib

import pytest

from preserve.bag.inflate import CHUNK, DictionaryTooLarge, GunzipStream, MemberInflater

ZEROS = bytes(8 * CHUNK)


def drain(inflater: MemberInflater, data: bytes) -> list[bytes]:
    """Every output step of the member's compressed data, fed in one piece."""
    steps = [inflater.feed(data)]
    while inflater.pending():
        steps.append(inflater.more())
    return steps


@pytest.mark.parametrize("method, compress", [(zipfile.ZIP_DEFLATED, lambda d: zlib.compress(d)[2:-4]),
                                              (zipfile.ZIP_BZIP2, bz2.compress)])
def test_each_step_is_bounded_and_all_of_it_comes_out(method: int, compress) -> None:
    steps = drain(MemberInflater(method, len(ZEROS), 1 << 20), compress(ZEROS))
    assert max(map(len, steps)) <= CHUNK and b"".join(steps) == ZEROS


def test_a_huge_lzma_dictionary_is_refused_before_it_is_allocated() -> None:
    header = bytes([9, 20, 5, 0, 93]) + (0xFFFF_FFFF).to_bytes(4, "little")  # version, size 5, lc/lp/pb, dict
    with pytest.raises(DictionaryTooLarge):
        MemberInflater(zipfile.ZIP_LZMA, 1 << 30, 1 << 20).feed(header + b"\0" * 16)


def test_gunzip_reads_concatenated_members_in_bounded_steps_and_refuses_truncation() -> None:
    data = gzip.compress(ZEROS) + gzip.compress(b"tail")
    stream = GunzipStream(io.BytesIO(data))
    buffer = bytearray(4 * CHUNK)
    parts = []
    while n := stream.readinto(buffer):
        assert n <= CHUNK
        parts.append(bytes(buffer[:n]))
    assert b"".join(parts) == ZEROS + b"tail" and stream.consumed == len(data)
    cut = GunzipStream(io.BytesIO(data[: len(data) // 3]))
    with pytest.raises(OSError, match="truncated"):
        while cut.readinto(buffer):
            pass
