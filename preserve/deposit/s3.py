"""The S3 target (``--to s3://BUCKET/PREFIX``): a bag as one archive object, proven by reading it back.

The object's key is ``PREFIX/<name>.tar`` (``.tar.gz``, ``.zip``): a serialized bag is sent as
it is, its own format naming the suffix; a folder bag is serialized on the fly with
:func:`preserve.bag.serialize.write_archive` (tar by default, as APTrust's receiving buckets want)
into a pipe, never to disk. The archive is read twice: once for its size and digests, every
member checked against the verification's digests (:mod:`preserve.deposit.s3_proof`), once to
upload it (:mod:`preserve.deposit.multipart`, whose bytes must hash the same). An object already
at the key is "unchanged" only when the store proves the same bytes (its ETag, else the object
read back); a different one is never overwritten. The sha256 is stored with the object as
``x-amz-meta-sha256`` (for people; never trusted). After the upload the object is proven by HEAD (size,
metadata) and a GET streamed through sha256 (compared with the local archive's) and md5 (reported).

Credentials come from boto3's usual places (AWS_* environment variables, ~/.aws config and
credentials files, instance roles); ``endpoint_url`` names an S3-compatible store. No message,
log or repr holds a secret: errors name the error code and HTTP status only, never the server's
text, and the endpoint is shown without any user:password in it.
"""
from __future__ import annotations

import fcntl
import hashlib
import ipaddress
import os
import re
import queue
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterable, Iterator
from urllib.parse import urlsplit

from preserve.bag.serialize import SERIALIZATIONS, archive_name, write_archive
from preserve.deposit.multipart import MIN_PART, PART_SIZE, upload
from preserve.deposit.s3_proof import ArchiveDigest, digest_file, digest_stream
from preserve.deposit.target import Arrival, BagToDeposit
from preserve.errors import InputError, PreserveError
from preserve.fixity.reading import open_regular

#: the object metadata key (header x-amz-meta-sha256) holding the archive's sha256
SHA256_KEY = "sha256"
PIECE = 1 << 20
#: pieces read back that may wait for the md5 thread
DEPTH = 4


def _safe_endpoint(url: str) -> str:
    """The endpoint as shown: scheme, host and port only (never a user:password, path or query)."""
    try:
        parts = urlsplit(url)
        host, port = parts.hostname, parts.port
    except ValueError:  # a port that is no number
        return "the --endpoint-url given"
    if parts.scheme not in ("http", "https") or not host:
        return "the --endpoint-url given"
    host = f"[{host}]" if ":" in host else host
    return f"{parts.scheme}://{host}:{port}" if port else f"{parts.scheme}://{host}"


_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
_HOST = re.compile(r"[a-z0-9]([a-z0-9.-]*[a-z0-9])?")


def _check_bucket(bucket: str) -> None:
    """Refuse a bucket name S3 does not allow (3-63 of a-z 0-9 . -); the name is not echoed (it may hold a user:password)."""
    if not _BUCKET.fullmatch(bucket) or ".." in bucket:
        raise InputError("the bucket name in --to s3://BUCKET/PREFIX is not a valid S3 bucket name "
                         "(3-63 characters: lowercase letters, digits, '.', '-'); correct --to")


def _check_endpoint(url: str) -> None:
    """Refuse an --endpoint-url that is not http(s)://host[:port] (no path, query or fragment); never echoed."""
    bad = ("--endpoint-url is not http(s)://host[:port] with no path, query or fragment; "
           "give one like https://host:9000")
    try:
        parts = urlsplit(url)
        host, _ = parts.hostname, parts.port
    except ValueError:  # a port that is no number, a bad IPv6 address
        raise InputError(bad) from None
    if (parts.scheme not in ("http", "https") or not host or parts.path not in ("", "/") or parts.query
            or parts.fragment or "?" in url or "#" in url or any(c.isspace() or ord(c) < 32 for c in url)):
        raise InputError(bad)
    if ":" in host:
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            raise InputError(bad) from None
    elif not _HOST.fullmatch(host):
        raise InputError(bad)


def _code(exc: Exception) -> tuple[str, int]:
    """A botocore ClientError's error code and HTTP status (no server text: it may quote a key id)."""
    response = getattr(exc, "response", None) or {}
    return str(response.get("Error", {}).get("Code", "")), int(response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)


class S3Target:
    """Bags deposited as archive objects in an S3 bucket (any S3-compatible store via endpoint_url)."""

    scheme = "s3"

    def __init__(self, bucket: str, prefix: str, *, endpoint_url: str | None = None,
                 serialization: str = "tar", part_size: int = PART_SIZE) -> None:
        if serialization not in SERIALIZATIONS:
            raise InputError(f"unknown serialization {serialization!r}; choose {', '.join(SERIALIZATIONS)}")
        _check_bucket(bucket)
        if endpoint_url is not None:
            _check_endpoint(endpoint_url)
        self.bucket, self.prefix = bucket, prefix.strip("/")
        self.endpoint_url, self.serialization, self.part_size = endpoint_url, serialization, part_size
        self._clients: dict[bool, Any] = {}

    def __repr__(self) -> str:
        return f"S3Target({self.describe()!r})"

    def describe(self) -> str:
        where = f"s3://{self.bucket}/{self.prefix}".rstrip("/")
        return f"{where} at {_safe_endpoint(self.endpoint_url)}" if self.endpoint_url else where

    # -- the client --------------------------------------------------------------------------------

    def _client(self, quick: bool = False) -> Any:
        """A boto3 S3 client: short timeouts and two tries when ``quick`` (check), else patient ones."""
        if quick not in self._clients:
            import boto3
            from botocore.config import Config

            config = Config(connect_timeout=5, read_timeout=10 if quick else 120,
                            retries={"mode": "standard", "total_max_attempts": 2 if quick else 4},
                            # checksums are given by us on each request, not as aws-chunked trailers,
                            # which not every S3-compatible store reads
                            request_checksum_calculation="when_required",
                            response_checksum_validation="when_required",
                            # every request carries Content-MD5, so the signature need not hash the body too
                            s3={"addressing_style": "path" if self.endpoint_url else "auto",
                                "payload_signing_enabled": False})
            try:
                self._clients[quick] = boto3.session.Session().client("s3", endpoint_url=self.endpoint_url, config=config)
            except ValueError:  # boto3's message quotes the URL, which may hold a password
                if self.endpoint_url is None:  # boto3 refuses a region name that is no host name part
                    raise InputError(f"{self.describe()}: the AWS region is not valid; check AWS_DEFAULT_REGION "
                                     "or the region in ~/.aws/config") from None
                raise InputError(f"{self.describe()}: --endpoint-url is not a URL; give one like "
                                 "https://host:port") from None
        return self._clients[quick]

    def _fail(self, exc: Exception, doing: str) -> PreserveError:
        """One line for a botocore failure: unreachable, no or refused credentials, no bucket, else the code."""
        from botocore import exceptions as bx

        where = self.describe()
        if isinstance(exc, (bx.EndpointConnectionError, bx.ConnectTimeoutError, bx.ReadTimeoutError,
                            bx.ConnectionClosedError)):
            shown = _safe_endpoint(self.endpoint_url) if self.endpoint_url else "S3"
            return InputError(f"{where}: cannot reach {shown} ({type(exc).__name__}) while {doing}; "
                              "check --endpoint-url and the network")
        if isinstance(exc, bx.NoCredentialsError):
            return InputError(f"{where}: no AWS credentials found; set AWS_ACCESS_KEY_ID and "
                              "AWS_SECRET_ACCESS_KEY, or AWS_PROFILE with ~/.aws/credentials")
        if isinstance(exc, (bx.PartialCredentialsError, bx.ProfileNotFound, bx.NoRegionError)):
            return InputError(f"{where}: incomplete AWS configuration ({type(exc).__name__}); "
                              "check the AWS_* variables and ~/.aws files")
        if isinstance(exc, (bx.EndpointResolutionError, bx.ParamValidationError)):
            return InputError(f"{where}: the request cannot be made ({type(exc).__name__}) while {doing}; "
                              "check --to and --endpoint-url")
        if isinstance(exc, bx.ConfigParseError):
            return InputError(f"{where}: the AWS config file cannot be read (ConfigParseError); "
                              "correct ~/.aws/config or AWS_CONFIG_FILE")
        if isinstance(exc, bx.HTTPClientError) and isinstance(getattr(exc, "kwargs", {}).get("error"), ValueError):
            return InputError(f"{where}: the request could not be sent (HTTPClientError) while {doing}; "
                              "check --to and --endpoint-url")
        code, status = _code(exc)
        if code in ("InvalidAccessKeyId", "SignatureDoesNotMatch", "AccessDenied", "403") or status == 403:
            return InputError(f"{where}: the credentials were refused ({code or status}) while {doing}; "
                              "check the AWS access key, secret and their rights on the bucket")
        if code == "NoSuchBucket" or (status == 404 and doing == "checking the bucket"):
            return InputError(f"{where}: no bucket {self.bucket!r} there; create it or correct --to")
        if status == 301 or code == "PermanentRedirect":
            return InputError(f"{where}: the bucket is in another region; set AWS_DEFAULT_REGION to its region")
        if isinstance(exc, bx.BotoCoreError):
            return PreserveError(f"{where}: {doing} failed ({type(exc).__name__})", exit_code=1)
        return PreserveError(f"{where}: {doing} failed ({code or 'HTTP'} {status})", exit_code=1)

    @contextmanager
    def _talking(self, doing: str) -> Iterator[None]:
        """Turn botocore's exceptions into one-line errors with no secret in them."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            yield
        except (BotoCoreError, ClientError) as exc:
            raise self._fail(exc, doing) from None

    # -- the Target protocol -------------------------------------------------------------------------

    def check(self) -> None:
        with self._talking("checking the bucket"):
            self._client(quick=True).head_bucket(Bucket=self.bucket)

    def key_for(self, bag: BagToDeposit) -> str:
        """The object key: PREFIX/<name>.<suffix>, the suffix from the bag's own serialization or ours."""
        name = archive_name(bag.name, bag.serialization or self.serialization)  # type: ignore[arg-type]
        return f"{self.prefix}/{name}" if self.prefix else name

    def plan(self, bag: BagToDeposit) -> str:
        key = self.key_for(bag)
        digest = self._digest(bag)
        try:
            found = self._existing(key, digest)
        except PreserveError as exc:
            return f"would refuse: {exc}"
        if found is not None:
            return (f"unchanged: s3://{self.bucket}/{key} already holds {Path(key).name} "
                    f"({digest.size} bytes, same content by {found[0]['checksums_from']})")
        return f"would upload {Path(key).name} ({digest.size} bytes) to s3://{self.bucket}/{key}"

    def deposit(self, bag: BagToDeposit) -> Arrival:
        key = self.key_for(bag)
        location = f"s3://{self.bucket}/{key}"
        digest = self._digest(bag)
        size, sha256 = digest.size, digest.sha256
        found = self._existing(key, digest)
        if found is not None:
            return Arrival(location, "unchanged", found[0], found[1])
        with self._talking(f"uploading {key}"), self._archive(bag) as fd:
            uploaded = upload(self._client(), self.bucket, key, fd, size, expect_sha256=sha256,
                              metadata={SHA256_KEY: sha256}, where=str(bag.path),
                              part_size=self.part_size, abort_client=self._client(quick=True))
        with self._talking(f"reading back {key}"):
            head = self._client().head_object(Bucket=self.bucket, Key=key)
            got_size, got_sha256, got_md5 = self._read_back(key)
        problems = [what for what, ok in (
            ("size", head["ContentLength"] == size == got_size),
            ("sha256", got_sha256 == sha256),
            ("sha256 metadata", _meta(head, SHA256_KEY) == sha256)) if not ok]
        if problems:
            with self._talking(f"removing the damaged {key}"):  # else a rerun would skip it by its metadata
                self._client().delete_object(Bucket=self.bucket, Key=key)
            raise PreserveError(f"{self.describe()}: {key} read back differs from {bag.path} "
                                f"({', '.join(problems)}); it was removed; run the deposit again", exit_code=1)
        ids = self._identifiers(key, head)  # what the store says now; the upload's reply fills gaps
        for name, value in uploaded.items():
            ids.setdefault(name, value)
        ids["checksums_from"] = "read-back"
        return Arrival(location, "deposited", ids, {"sha256": got_sha256, "md5": got_md5})

    # -- the parts -----------------------------------------------------------------------------------

    def _identifiers(self, key: str, head: dict[str, Any]) -> dict[str, str]:
        ids = {"bucket": self.bucket, "key": key}
        for name, field in (("etag", "ETag"), ("version_id", "VersionId")):
            if head.get(field):
                ids[name] = str(head[field]).strip('"')  # an ETag comes quoted (RFC 9110 §8.8.3)
        return ids

    def _existing(self, key: str, digest: ArchiveDigest) -> tuple[dict[str, str], dict[str, str]] | None:
        """An object already at key with this archive's bytes: its identifiers and the checksums the
        store proved (its ETag, else the object read back); None when the key is free. The object's
        own x-amz-meta-sha256 is never trusted. A different object there is an error: never overwritten."""
        from botocore.exceptions import ClientError

        with self._talking(f"looking for {key}"):
            try:
                head = self._client().head_object(Bucket=self.bucket, Key=key)
            except ClientError as exc:
                if _code(exc)[1] == 404:
                    return None
                raise
        ids = self._identifiers(key, head)
        where = f"s3://{self.bucket}/{key}"
        if head.get("ContentLength") != digest.size:
            raise PreserveError(f"{where} holds a different bag ({head.get('ContentLength')} bytes, this one "
                                f"{digest.size}); remove it or deposit under another prefix", exit_code=1)
        if digest.etag_proves(head.get("ETag")):  # computed by the store from the bytes it holds
            ids["checksums_from"] = "etag"
            etag = str(head["ETag"]).strip('"').lower()
            return ids, ({"md5": etag} if etag == digest.md5 else {"s3-multipart-etag": etag})
        with self._talking(f"reading back {key}"):
            _, got_sha256, got_md5 = self._read_back(key)
        if got_sha256 != digest.sha256:
            raise PreserveError(f"{where} holds a different bag (sha256 {got_sha256}); remove it or deposit "
                                "under another prefix", exit_code=1)
        ids["checksums_from"] = "read-back"
        return ids, {"sha256": got_sha256, "md5": got_md5}

    def _read_back(self, key: str) -> tuple[int, str, str]:
        """The stored object's size, sha256 and md5, streamed from a GET."""
        body = self._client().get_object(Bucket=self.bucket, Key=key)["Body"]
        try:
            return hash_both(body.iter_chunks(PIECE))
        finally:
            body.close()

    def _digest(self, bag: BagToDeposit) -> ArchiveDigest:
        """The archive's size, sha256, md5 and part md5s (a folder bag serialized on the fly for it), every
        member checked against the digests the verification computed (PreserveError if one differs)."""
        part_size, where = max(self.part_size, MIN_PART), f"{bag.path}"
        if bag.serialization:
            try:
                return digest_file(bag.path, part_size, bag.digests, where)
            except OSError as exc:
                raise InputError(f"{bag.path}: cannot read it ({exc.strerror or exc})") from None
        with serialized(bag.path, self.serialization, bag.name) as fd:
            return digest_stream(fd, self.serialization, part_size, bag.digests, where, folder=bag.path)

    @contextmanager
    def _archive(self, bag: BagToDeposit) -> Iterator[int]:
        """A descriptor reading the bag as one archive: the file itself, or a folder serialized into a pipe."""
        if bag.serialization:
            try:
                fd, _ = open_regular(bag.path)
            except OSError as exc:
                raise InputError(f"{bag.path}: cannot read it ({exc.strerror or exc})") from None
            try:
                yield fd
            finally:
                os.close(fd)
            return
        with serialized(bag.path, self.serialization, bag.name) as fd:
            yield fd


@contextmanager
def serialized(folder: Path, fmt: str, top: str) -> Iterator[int]:
    """The bag folder as an archive stream: a pipe's read end, written by a thread running write_archive.

    Leaving the block closes the read end (a writer still going gets EPIPE and stops) and joins
    the thread; a failure of the writer is raised here (a stream it cut short is one too).
    """
    read_end, write_end = os.pipe()
    if hasattr(fcntl, "F_SETPIPE_SZ"):
        try:
            fcntl.fcntl(write_end, fcntl.F_SETPIPE_SZ, PIECE)  # fewer, larger reads
        except OSError:
            pass
    failure: list[BaseException] = []

    def write() -> None:
        try:
            write_archive(folder, write_end, fmt, top)  # type: ignore[arg-type]
        except BaseException as exc:  # noqa: BLE001 - handed to the reading thread
            failure.append(exc)
        finally:
            os.close(write_end)

    writer = threading.Thread(target=write, name="preserve-s3-serialize", daemon=True)
    writer.start()
    try:
        yield read_end
    except Exception as exc:  # the writer's failure says why the stream ended, unless the reader stopped
        _stop(read_end, writer)  # on its own verdict; EPIPE (and tarstream's BufferError after it) say nothing
        if failure and not isinstance(failure[0], (BrokenPipeError, BufferError)) and not isinstance(exc, PreserveError):
            raise failure[0] from None
        raise
    except BaseException:  # Ctrl-C, SIGTERM: the writer stops, the interrupt goes on
        _stop(read_end, writer)
        raise
    _stop(read_end, writer)
    if failure and not isinstance(failure[0], BrokenPipeError):
        raise failure[0]


def _stop(read_end: int, writer: threading.Thread) -> None:
    """Close the pipe's read end (a writer still going gets EPIPE) and wait for the writer."""
    os.close(read_end)
    writer.join()


def hash_both(pieces: Iterable[bytes]) -> tuple[int, str, str]:
    """The size, sha256 and md5 of a stream of pieces; md5 on a second thread (hashlib lets go
    of the GIL), at most DEPTH pieces waiting for it."""
    sha256, md5, size = hashlib.sha256(), hashlib.md5(), 0
    waiting: queue.Queue[bytes | None] = queue.Queue(DEPTH)

    def run() -> None:
        while (piece := waiting.get()) is not None:
            md5.update(piece)

    helper = threading.Thread(target=run, name="preserve-s3-md5", daemon=True)
    helper.start()
    try:
        for piece in pieces:
            waiting.put(piece)
            sha256.update(piece)
            size += len(piece)
    finally:
        waiting.put(None)  # the helper drains the queue, so there is room soon
        helper.join()
    return size, sha256.hexdigest(), md5.hexdigest()


def _meta(head: dict[str, Any], name: str) -> str | None:
    """A user metadata value from a HEAD, whatever case the store gave its name."""
    for key, value in (head.get("Metadata") or {}).items():
        if key.lower() == name:
            return str(value)
    return None
