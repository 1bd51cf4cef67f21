"""Fixity: every file read once, every digest algorithm fed from the same buffers.

The room's public names, imported by the other stages; the modules below hold them:
algorithms (the digest table), reading (the safe open for reading), engine (hashing and
copying), durability (fsync), threads (the shared pool and cancellation).
"""
from preserve.fixity.algorithms import (ALGORITHMS, DEFAULT_ALGORITHMS, SUPPORTED_ALGORITHMS, normalise_algorithm,
                                        normalise_algorithms)
from preserve.fixity.durability import fsync_files
from preserve.fixity.engine import KNOWN_DIGESTS, Fixity, copy_and_hash, copy_and_hash_many, hash_bytes, hash_constant
from preserve.fixity.pumps import ProgressFn
from preserve.fixity.reading import HEAD_BYTES, open_for_reading, open_regular, read_head, read_upto
from preserve.fixity.threads import Cancelled, default_jobs

__all__ = ["ALGORITHMS", "DEFAULT_ALGORITHMS", "HEAD_BYTES", "KNOWN_DIGESTS", "SUPPORTED_ALGORITHMS", "Cancelled", "Fixity",
           "ProgressFn", "copy_and_hash", "copy_and_hash_many", "default_jobs", "fsync_files", "hash_bytes",
           "hash_constant", "normalise_algorithm", "normalise_algorithms", "open_for_reading", "open_regular",
           "read_head", "read_upto"]
