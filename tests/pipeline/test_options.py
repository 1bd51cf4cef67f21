"""Bag options and outcomes: what is accepted, what counts as bagged, the exit code."""
from __future__ import annotations

from pathlib import Path
from typing import get_args

import pytest

from preserve.pipeline.options import (BAGGED, DEFAULT_IDENTIFY, BagOptions, BagOutcome, CollectionResult,
                                  OutcomeStatus)
from preserve.errors import InputError
from preserve.formats import ENGINES


def test_the_default_identification_engine_is_one_of_the_engines() -> None:
    assert DEFAULT_IDENTIFY in ENGINES


def test_algorithms_are_normalised_and_sha256_always_kept() -> None:
    assert BagOptions().algorithms == ("sha256", "sha512")
    assert BagOptions(algorithms=("MD5", "sha-1", "md5")).algorithms == ("md5", "sha1", "sha256")


@pytest.mark.parametrize("kwargs, message", [
    ({"identify": "magic"}, "unknown identification 'magic'; choose siegfried or builtin"),
    ({"package_type": "DIP"}, "unknown package type 'DIP'; choose SIP or AIP"),
    ({"algorithms": ("crc32",)}, "unknown checksum algorithm"),
])
def test_unknown_choices_are_input_errors(kwargs: dict, message: str) -> None:
    with pytest.raises(InputError, match=message):
        BagOptions(**kwargs)


def _outcome(status: OutcomeStatus) -> BagOutcome:
    return BagOutcome("r", "r.txt", status, Path("out/r"), files=2, bytes=10)


def test_only_bags_in_place_are_ok_and_refusals_exit_2() -> None:
    statuses = get_args(OutcomeStatus)
    assert [s for s in statuses if _outcome(s).ok] == list(BAGGED) == ["created", "replaced", "skipped"]
    assert CollectionResult([_outcome(s) for s in BAGGED]).exit_code == 0
    assert CollectionResult([_outcome("created"), _outcome("invalid")]).exit_code == 1
    assert CollectionResult([_outcome("created"), _outcome("incomplete")]).exit_code == 1
    assert CollectionResult([_outcome("failed"), _outcome("refused")]).exit_code == 2
    assert CollectionResult().exit_code == 0


def test_a_bagged_release_incomplete_for_deposit_is_ok() -> None:
    lacking = BagOutcome("r", "r.txt", "created", Path("out/r"), incomplete=["no rights (set rights ...)"])
    assert lacking.ok and CollectionResult([lacking]).exit_code == 0
    assert not BagOptions().strict and BagOptions(strict=True).strict


def test_result_as_dict() -> None:
    result = CollectionResult([_outcome("skipped")], ["skipped a link"])
    result.outcomes[0].incomplete = ["no rights (set rights in preserve.toml or dc.rights in metadata.csv)"]
    assert result.as_dict() == {"ok": True, "warnings": ["skipped a link"], "bags": [
        {"release": "r", "name": "r.txt", "status": "skipped", "path": str(Path("out/r")), "message": "",
         "files": 2, "bytes": 10,
         "incomplete": ["no rights (set rights in preserve.toml or dc.rights in metadata.csv)"]}]}
