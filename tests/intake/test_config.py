"""preserve.toml: every malformed config is one InputError naming the file, the key and the fix."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from preserve.intake.config import CollectionConfig, load_config, parse_config
from preserve.errors import InputError


def test_all_keys_and_multi_line_address() -> None:
    cfg = parse_config('organisation = "Org"\naddress = """1 Road\nTown"""\ncontact_name = "Ann"\n'
                       'contact_email = "ann@example.org"\nrights = "CC0"\nlanguage = "en-GB"\npublisher = "Pub"\n')
    assert cfg == CollectionConfig("Org", "1 Road\nTown", "Ann", "ann@example.org", "CC0", "en-GB", "Pub")
    assert cfg.bag_info()["Contact-Email"] == "ann@example.org"


@pytest.mark.parametrize("text, needle", [
    ("organisation = ", "not valid TOML"),
    ("organisation = 'a'\norganisation = 'b'", "not valid TOML"),
    ("colour = 'red'", "unknown key 'colour'"),
    ("rights = 1", "key 'rights' must be a string, not int"),
    ("rights = true", "must be a string, not bool"),
    ("rights = ['a']", "must be a string, not list"),
    ("[rights]\nx = 'y'", "must be a string, not table"),
    ("organisation = '''a\nb'''", "must be a single line"),
    ("contact_name = \"a\\rb\"", "must be a single line"),
    ("rights = \"a\\u0000b\"", "control character"),
    ("language = 'English'", "not a language code"),
    ("contact_email = 'nobody'", "not an e-mail address"),
])
def test_bad_config_text(text: str, needle: str) -> None:
    with pytest.raises(InputError, match=needle) as info:
        parse_config(text, "SRC/preserve.toml")
    assert info.value.message.startswith("SRC/preserve.toml: ") and "\n" not in info.value.message


def test_bom_and_blank_values_are_fine(tmp_path: Path) -> None:
    (tmp_path / "preserve.toml").write_bytes('\ufefforganisation = "Ünïcode Org"\nrights = ""\n'.encode("utf-8"))
    cfg = load_config(tmp_path)
    assert cfg.organisation == "Ünïcode Org" and cfg.as_dict() == {"organisation": "Ünïcode Org"}


def test_missing_file_is_an_empty_config(tmp_path: Path) -> None:
    assert load_config(tmp_path) == CollectionConfig()


def test_not_utf8_names_the_line(tmp_path: Path) -> None:
    (tmp_path / "preserve.toml").write_bytes(b'rights = "ok"\norganisation = "caf\xe9"\n')
    with pytest.raises(InputError, match=r"line 2: not UTF-8 text; save it as UTF-8"):
        load_config(tmp_path)


def test_symlink_fifo_folder_and_huge_file_are_refused_without_reading(tmp_path: Path) -> None:
    secret = tmp_path / "secret.toml"
    secret.write_text('rights = "from outside"\n')
    src = tmp_path / "src"
    src.mkdir()
    os.symlink(secret, src / "preserve.toml")
    with pytest.raises(InputError, match="symbolic link"):
        load_config(src)
    os.unlink(src / "preserve.toml")
    os.mkfifo(src / "preserve.toml")  # opening it would block forever
    with pytest.raises(InputError, match="not a regular file"):
        load_config(src)
    os.unlink(src / "preserve.toml")
    (src / "preserve.toml").mkdir()
    with pytest.raises(InputError, match="not a regular file"):
        load_config(src)
    os.rmdir(src / "preserve.toml")
    with open(src / "preserve.toml", "wb") as f:
        f.truncate(2 << 20)
    with pytest.raises(InputError, match="more than"):
        load_config(src)
