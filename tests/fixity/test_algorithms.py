"""The digest-algorithm table: its facts agree with hashlib, and names as people write them are understood."""
from __future__ import annotations

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from preserve.errors import InputError
from preserve.fixity.algorithms import (ALGORITHMS, DEFAULT_ALGORITHMS, SUPPORTED_ALGORITHMS, algorithm_key, new_hasher,
                                        normalise_algorithm, normalise_algorithms)


@pytest.mark.parametrize("name", SUPPORTED_ALGORITHMS)
def test_each_algorithm_is_hashlibs_with_its_hex_length(name: str) -> None:
    algorithm = ALGORITHMS[name]
    assert algorithm.name == name
    assert algorithm.hex_length == 2 * hashlib.new(name).digest_size
    assert len(new_hasher(name).hexdigest()) == algorithm.hex_length


@pytest.mark.parametrize("name", SUPPORTED_ALGORITHMS)
def test_new_hasher_gives_hashlibs_digest(name: str) -> None:
    data = b"the same bytes" * 100
    hasher = new_hasher(name)
    hasher.update(data)
    assert hasher.hexdigest() == hashlib.new(name, data).hexdigest()
    assert new_hasher(name) is not hasher  # a fresh object each time


def test_labels_and_mets_names_are_unique() -> None:
    labels = [a.label for a in ALGORITHMS.values()]
    assert len(set(labels)) == len(labels)
    mets = [a.mets for a in ALGORITHMS.values() if a.mets is not None]
    assert len(set(mets)) == len(mets)


def test_defaults_are_supported() -> None:
    assert DEFAULT_ALGORITHMS and set(DEFAULT_ALGORITHMS) <= set(SUPPORTED_ALGORITHMS)


@pytest.mark.parametrize("written,name", [("SHA-256", "sha256"), ("sha256", "sha256"), ("sha3-256", "sha3_256"),
                                          ("SHA3_256", "sha3_256"), ("sha3256", "sha3_256"), ("SHA-384", "sha384"),
                                          ("sha384", "sha384"), (" MD5 ", "md5"), ("BLAKE2b", "blake2b")])
def test_normalise_accepts_names_as_people_write_them(written: str, name: str) -> None:
    assert normalise_algorithm(written) == name


@pytest.mark.parametrize("written", ["crc32", "", "sha", "sha3", "sha-3", "sha257", "sha_256", "sha3_84"])
def test_normalise_refuses_unknown_names(written: str) -> None:
    with pytest.raises(InputError, match="unknown checksum algorithm"):
        normalise_algorithm(written)


def test_normalise_names_the_choices_when_refusing() -> None:
    with pytest.raises(InputError, match="unknown checksum algorithm 'crc32'; choose from md5, sha1"):
        normalise_algorithm("crc32")


def test_normalise_algorithms_dedups_in_order_and_defaults() -> None:
    assert normalise_algorithms(["md5", "MD5", "sha512"]) == ("md5", "sha512")
    assert normalise_algorithms(["SHA-512", "sha256", "sha-512"]) == ("sha512", "sha256")
    assert normalise_algorithms([]) == DEFAULT_ALGORITHMS
    with pytest.raises(InputError):
        normalise_algorithms(["sha256", "crc32"])


@st.composite
def written_names(draw) -> tuple[str, str]:
    """A supported name as someone might write it: any case, hyphens anywhere, sha3's underscore
    kept or left out, spaces around."""
    name = draw(st.sampled_from(SUPPORTED_ALGORITHMS))
    out = []
    for char in name:
        if char == "_" and draw(st.booleans()):
            char = ""
        out.append(char.upper() if draw(st.booleans()) else char)
        out.append(draw(st.sampled_from(["", "", "-", "--"])))
    padding = st.sampled_from(["", " ", "\t"])
    return name, draw(padding) + "".join(out) + draw(padding)


@given(written_names())
def test_every_spelling_of_a_supported_name_normalises_to_it(pair: tuple[str, str]) -> None:
    name, written = pair
    assert algorithm_key(written) == name
    assert normalise_algorithm(written) == name


@given(st.text(max_size=20))
def test_normalise_gives_a_supported_name_or_input_error(text: str) -> None:
    try:
        name = normalise_algorithm(text)
    except InputError:
        assert algorithm_key(text) not in ALGORITHMS
    else:
        assert name in SUPPORTED_ALGORITHMS and name == algorithm_key(text)


@given(st.lists(st.sampled_from(SUPPORTED_ALGORITHMS + ("SHA-256", "SHA3-512", "Md5"))))
def test_normalise_algorithms_keeps_first_appearances(names: list[str]) -> None:
    keys = [algorithm_key(n) for n in names]
    assert normalise_algorithms(names) == (tuple(dict.fromkeys(keys)) or DEFAULT_ALGORITHMS)


@given(st.sampled_from(SUPPORTED_ALGORITHMS))
def test_algorithm_key_of_hashlibs_name_is_itself(name: str) -> None:
    assert algorithm_key(name) == name and algorithm_key(algorithm_key(name.upper())) == name
