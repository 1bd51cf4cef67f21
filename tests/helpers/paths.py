"""Where things are, and whole-tree helpers: the checkout, the seeds, ../shared, tree digests, no network."""
from __future__ import annotations

import hashlib
import os
import socket
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared"
SEEDS = REPO / "seeds"
RIGHTS_CONFIG = 'rights = "Public domain (CC0 1.0)"\nlanguage = "en"\n'


def tree_digest(root: Path) -> dict[str, str]:
    """Relative path -> sha256 of every file below root (symlinks noted, never followed)."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in filenames + [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]:
            path = Path(dirpath) / name
            rel = str(path.relative_to(root))
            if path.is_symlink():
                out[rel] = "link:" + os.readlink(path)
            elif path.is_file():
                out[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


@contextmanager
def network_blocked():
    """Every way to open a connection raises, as on a machine with no network.

    Unix-domain sockets stay: they are local IPC, present with no network at all (a worker
    pool's fork server listens on one).
    """
    real_socket = socket.socket

    def refuse(*args, **kwargs):
        raise AssertionError("network access attempted")

    class LocalOnly(real_socket):  # a class, so that modules imported meanwhile can subclass it
        def __init__(self, family=-1, *args, **kwargs):
            if family != socket.AF_UNIX:
                refuse()
            super().__init__(family, *args, **kwargs)

    saved = socket.socket, socket.create_connection, socket.getaddrinfo
    socket.socket, socket.create_connection, socket.getaddrinfo = LocalOnly, refuse, refuse
    try:
        yield
    finally:
        socket.socket, socket.create_connection, socket.getaddrinfo = saved


def in_bag(bag: Path, relpath: str) -> Path:
    """Where a release file is in a bag preserve made: data/<release id>/representations/rep1/data/<relpath>."""
    from preserve.pipeline import payload_path

    return bag / "data" / payload_path(bag.name, relpath)
