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


# --- [bag-info] and [tag-files."NAME.txt"] ------------------------------------------------------

TABLES = ('organisation = "Org"\n[bag-info]\nBag-Group-Identifier = "press-2025"\nBag-Count = ""\n'
          'Internal-Sender-Description = "Press releases"\n'
          '[tag-files."aptrust-info.txt"]\nAccess = "Institution"\nStorage-Option = "Standard"\n')


def test_tables_load_in_order_blank_values_left_out_and_config_stays_hashable() -> None:
    cfg = parse_config(TABLES)
    assert cfg.extra_bag_info == (("Bag-Group-Identifier", "press-2025"), ("Internal-Sender-Description", "Press releases"))
    assert cfg.tag_file("aptrust-info.txt") == {"Access": "Institution", "Storage-Option": "Standard"}
    assert cfg.tag_file("other.txt") == {} and hash(cfg) == hash(parse_config(TABLES))
    assert cfg.as_dict() == {"organisation": "Org",
                             "bag-info": {"Bag-Group-Identifier": "press-2025", "Internal-Sender-Description": "Press releases"},
                             "tag-files": {"aptrust-info.txt": {"Access": "Institution", "Storage-Option": "Standard"}}}
    assert cfg.bag_info() == {"Source-Organization": "Org"}


def test_without_tables_as_dict_is_what_it_was() -> None:
    """as_dict is hashed into every bag's fingerprint: bags made before the tables must still match."""
    text = 'organisation = "Org"\nrights = "CC0"\n'
    assert parse_config(text).as_dict() == {"organisation": "Org", "rights": "CC0"}
    assert parse_config(text + "[bag-info]\n[tag-files.\"x.txt\"]\nA = ''\n").as_dict() == {"organisation": "Org", "rights": "CC0"}


@pytest.mark.parametrize("text, needle", [
    ("bag-info = 'x'", "'bag-info' must be a table, not str; write [bag-info] on its own line"),
    ("[bag-info]\nBag-Count = 1", "[bag-info] Bag-Count must be a string, not int; quote the value"),
    ("[bag-info]\nBag-Count = {a = 'b'}", "[bag-info] Bag-Count must be a string, not table"),
    ("[bag-info]\n'Bad:Label' = 'x'", "label 'Bad:Label' cannot be a tag name (RFC 8493 §2.2.2"),
    ("[bag-info]\n' Spaced' = 'x'", "cannot be a tag name"),
    ("[bag-info]\n\"A\\u0001\" = 'x'", "cannot be a tag name"),
    ("[bag-info]\n\"A\\nPayload-Oxum\" = 'x'", "cannot be a tag name"),
    ("[tag-files.\"x.txt\"]\n\"A\\tB\" = 'x'", "cannot be a tag name"),
    ("[bag-info]\nPayload-Oxum = '1.1'", "[bag-info] cannot set Payload-Oxum: preserve computes it from the payload"),
    ("[bag-info]\nbagging-date = '2020'", "cannot set Bagging-Date: preserve writes the day the bag is made"),
    ("[bag-info]\nBag-Size = '1 KB'", "cannot set Bag-Size"),
    ("[bag-info]\nBagIt-Profile-Identifier = 'u'", "cannot set BagIt-Profile-Identifier: preserve writes it from --profile"),
    ("[bag-info]\nSource-Organization = 'O'", "cannot set Source-Organization: it comes from the key 'organisation'"),
    ("[bag-info]\nNote = '''a\nb'''", "[bag-info] Note must be a single line"),
    ("[bag-info]\nNote = \"a\\u0000b\"", "[bag-info] Note holds a control character"),
    ("tag-files = 'x'", "'tag-files' must be tables, not str"),
    ("[tag-files]\n'x.txt' = 'y'", "'tag-files.\"x.txt\"' must be a table, not str"),
    ("[tag-files.\"bag-info.txt\"]\nA = 'b'", "is one of BagIt's own tag files"),
    ("[tag-files.\"manifest-md5.txt\"]\nA = 'b'", "is one of BagIt's own tag files"),
    ("[tag-files.\"tagmanifest-sha256.txt\"]\nA = 'b'", "is one of BagIt's own tag files"),
    ("[tag-files.\"fetch.txt\"]\nA = 'b'", "is one of BagIt's own tag files"),
    ("[tag-files.\"bagit.txt\"]\nA = 'b'", "is one of BagIt's own tag files"),
    ("[tag-files.\"dir/x.txt\"]\nA = 'b'", "is not a plain file name ending in .txt"),
    ("[tag-files.\"x.md\"]\nA = 'b'", "is not a plain file name ending in .txt"),
    ("[tag-files.\"../x.txt\"]\nA = 'b'", "is not a plain file name ending in .txt"),
    ("[tag-files.\"x.txt\"]\n'A:B' = 'b'", "cannot be a tag name"),
    ("[tags]\nA = 'b'", "unknown key 'tags'; known keys are organisation, address"),
])
def test_bad_tables_are_one_line_naming_the_key_and_fix(text: str, needle: str) -> None:
    with pytest.raises(InputError) as info:
        parse_config(text, "SRC/preserve.toml")
    assert needle in info.value.message, info.value.message
    assert info.value.message.startswith("SRC/preserve.toml: ") and "\n" not in info.value.message
