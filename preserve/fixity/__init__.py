"""Fixity: every file read once, every digest algorithm fed from the same buffers.

The room's public names, imported by the other stages; the modules below hold them.
"""
from preserve.fixity.algorithms import (ALGORITHMS, DEFAULT_ALGORITHMS, SUPPORTED_ALGORITHMS, normalise_algorithm,
                                        normalise_algorithms)
from preserve.fixity.engine import (HEAD_BYTES, KNOWN_DIGESTS, Cancelled, Fixity, ProgressFn, copy_and_hash, copy_and_hash_many,
                                    default_jobs, fsync_files, hash_bytes, hash_constant,
                                    open_for_reading, read_head, read_upto)

__all__ = ["ALGORITHMS", "DEFAULT_ALGORITHMS", "HEAD_BYTES", "KNOWN_DIGESTS", "SUPPORTED_ALGORITHMS", "Cancelled", "Fixity",
           "ProgressFn", "copy_and_hash", "copy_and_hash_many", "default_jobs", "fsync_files", "hash_bytes",
           "hash_constant", "normalise_algorithm", "normalise_algorithms", "open_for_reading", "read_head", "read_upto"]
