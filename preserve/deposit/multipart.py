"""One object uploaded to S3 from a stream: a single PutObject when small, else a multipart upload.

Every request carries the integrity checksum of its bytes, ``Content-MD5`` (RFC 1864), which
every S3-compatible store checks (`rclone serve s3` included; it ignores ``x-amz-checksum-sha256``,
so that one is not sent). The stream is read one part at a time into one reused buffer, so
memory stays at about one part whatever the object's size; the bytes sent are hashed (sha256)
as they go, and an upload whose bytes do not hash to the expected sha256 is never completed.

An upload that fails or is interrupted (an exception, Ctrl-C, SIGTERM) before it completes is
aborted (AbortMultipartUpload), so no partial object ever becomes visible at the key: S3 makes a
multipart upload's object visible only on CompleteMultipartUpload.
"""
from __future__ import annotations

import base64
import hashlib
import os
import threading
from typing import Any

from preserve.errors import PreserveError
from preserve._runtime.interrupts import deferred

MiB = 1 << 20
#: the default part size; an object no larger than a part goes in one PutObject
PART_SIZE = 64 * MiB
#: S3's limits: at least 5 MiB per part (but the last), at most 10,000 parts
MIN_PART, MAX_PARTS = 5 * MiB, 10_000


def part_size_for(size: int, part_size: int = PART_SIZE) -> int:
    """The part size to use for an object of ``size`` bytes: part_size, raised (whole MiB) to stay within MAX_PARTS."""
    part_size = max(part_size, MIN_PART)
    least = -(-size // MAX_PARTS)
    if least > part_size:
        part_size = -(-least // MiB) * MiB
    return part_size


def fill(fd: int, view: memoryview) -> int:
    """Read from fd until view is full or the stream ends; the number of bytes read."""
    got = 0
    while got < len(view):
        n = os.readv(fd, [view[got:]])
        if n == 0:
            break
        got += n
    return got


class PartBody:
    """A read-only, seekable file over a memoryview: a request body botocore can resend on retry."""

    def __init__(self, view: memoryview) -> None:
        self._view, self._pos = view, 0

    def __len__(self) -> int:
        return len(self._view)

    def read(self, size: int = -1) -> bytes:
        end = len(self._view) if size is None or size < 0 else min(len(self._view), self._pos + size)
        data = self._view[self._pos:end].tobytes()
        self._pos = end
        return data

    def seek(self, offset: int, whence: int = 0) -> int:
        base = {0: 0, 1: self._pos, 2: len(self._view)}[whence]
        self._pos = max(0, min(len(self._view), base + offset))
        return self._pos

    def tell(self) -> int:
        return self._pos


def _checksums(view: memoryview) -> dict[str, str]:
    """The request field that makes the store check these bytes: Content-MD5, base64 (RFC 1864)."""
    return {"ContentMD5": base64.b64encode(hashlib.md5(view).digest()).decode("ascii")}


def _hash_part(sent: "hashlib._Hash", view: memoryview) -> dict[str, str]:
    """Add the part to the running sha256 on a second thread while its md5 is computed here
    (hashlib lets go of the GIL for large buffers); the part's request checksums."""
    helper = threading.Thread(target=sent.update, args=(view,), name="preserve-s3-sha256", daemon=True)
    helper.start()
    try:
        return _checksums(view)
    finally:
        helper.join()


def _next_part(fd: int, buffer: bytearray, want: int, where: str) -> memoryview:
    """The next ``want`` bytes of the stream in buffer; a stream that ends early is an error."""
    view = memoryview(buffer)[:want]
    if fill(fd, view) != want:
        raise PreserveError(f"{where}: changed while being uploaded (ended early)", exit_code=1)
    return view


def _confirm(sent: "hashlib._Hash", expect_sha256: str, where: str) -> None:
    if sent.hexdigest() != expect_sha256:
        raise PreserveError(f"{where}: changed while being uploaded (its sha256 is not what was "
                            "read before); nothing was stored; run the deposit again", exit_code=1)


def upload(client: Any, bucket: str, key: str, fd: int, size: int, *, expect_sha256: str,
           metadata: dict[str, str], where: str, part_size: int = PART_SIZE,
           abort_client: Any = None) -> dict[str, str]:
    """Upload ``size`` bytes read from fd to bucket/key; the response's ETag and VersionId (if any).

    ``expect_sha256``: the hex sha256 the bytes must have (checked before the object is made
    visible); ``where``: the source, for messages; ``abort_client``: the client (with short
    timeouts) that aborts, else ``client``. Raises PreserveError or the client's error; a
    multipart upload that did not complete is aborted first.
    """
    part_size = part_size_for(size, part_size)
    buffer = bytearray(min(part_size, size))
    sent = hashlib.sha256()
    if size <= part_size:
        view = _next_part(fd, buffer, size, where)
        sent.update(view)
        _confirm(sent, expect_sha256, where)
        reply = client.put_object(Bucket=bucket, Key=key, Body=PartBody(view), ContentLength=size,
                                  Metadata=metadata, **_checksums(view))
        return _ids(reply)
    upload_id = client.create_multipart_upload(Bucket=bucket, Key=key, Metadata=metadata)["UploadId"]
    try:
        parts, left, number = [], size, 1
        while left:
            view = _next_part(fd, buffer, min(part_size, left), where)
            sums = _hash_part(sent, view)
            reply = client.upload_part(Bucket=bucket, Key=key, UploadId=upload_id, PartNumber=number,
                                       Body=PartBody(view), ContentLength=len(view), **sums)
            parts.append({"PartNumber": number, "ETag": reply["ETag"]})
            left -= len(view)
            number += 1
        _confirm(sent, expect_sha256, where)
        reply = client.complete_multipart_upload(Bucket=bucket, Key=key, UploadId=upload_id,
                                                 MultipartUpload={"Parts": parts})
    except BaseException:
        with deferred():  # a second Ctrl-C does not cut the abort short (keep its timeouts short)
            try:
                (abort_client or client).abort_multipart_upload(Bucket=bucket, Key=key, UploadId=upload_id)
            except Exception:  # noqa: BLE001 - the first failure is the one to report
                pass
        raise
    return _ids(reply)


def _ids(reply: dict[str, Any]) -> dict[str, str]:
    return {name: str(reply[field]).strip('"') for name, field in (("etag", "ETag"), ("version_id", "VersionId"))
            if reply.get(field)}
