"""The storage root on disk: what counts as one, one-rename placement, and versions added where hard links are refused."""
from __future__ import annotations

import errno
import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers.ocfl import bag_digests, make_bag, object_dirs, root_errors, to_deposit

from preserve.bag.staging import STAGING_MARK
from preserve.deposit import ocfl as ocfl_mod
from preserve.deposit import ocfl_layout, ocfl_root
from preserve.deposit.ocfl import OcflTarget
from preserve.deposit.ocfl_root import place_new, root_kind
from preserve.errors import InputError, LockedError, PreserveError


def test_root_kinds(tmp_path: Path) -> None:
    assert root_kind(tmp_path / "none") == "absent"
    assert root_kind(tmp_path) == "empty"
    (tmp_path / "x").write_text("x")
    assert root_kind(tmp_path) == "other" and root_kind(tmp_path / "x") == "other"
    (tmp_path / "0=ocfl_1.1").write_text("ocfl_1.1\n")
    assert root_kind(tmp_path) == "root"


def test_place_new_renames_the_highest_missing_folder(tmp_path: Path) -> None:
    root, stage = tmp_path / "root", tmp_path / "stage"
    (root / "abc" / "def").mkdir(parents=True)
    (stage / "abc" / "def" / "ghi" / "obj").mkdir(parents=True)
    (stage / "abc" / "def" / "ghi" / "obj" / "f").write_text("1")
    place_new(stage, root, "abc/def/ghi/obj")
    assert (root / "abc/def/ghi/obj/f").read_text() == "1"
    assert not (stage / "abc/def/ghi").exists()
    with pytest.raises(FileExistsError):
        place_new(stage, root, "abc/def/ghi/obj")


def test_a_version_is_added_where_hard_links_are_refused(tmp_path: Path, monkeypatch) -> None:
    def refuse(src: Path, dest: Path) -> None:
        raise OSError(errno.EPERM, "hard links refused")

    target = OcflTarget(tmp_path / "store")
    target.deposit(to_deposit(make_bag(tmp_path / "a" / "r1", {"r1/x.txt": b"one\n", "r1/y.txt": b"same\n"})))
    monkeypatch.setattr(ocfl_root, "link_tree", refuse)
    arrival = target.deposit(to_deposit(make_bag(tmp_path / "b" / "r1", {"r1/x.txt": b"two\n", "r1/y.txt": b"same\n"})))
    assert arrival.identifiers["version"] == "v2"
    assert root_errors(tmp_path / "store") == []
    [obj] = object_dirs(tmp_path / "store")
    assert (obj / "v2/content/data/r1/x.txt").read_bytes() == b"two\n"
    assert not (obj / "v2/content/data/r1/y.txt").exists()


def test_an_extra_file_added_after_verification_is_not_deposited(tmp_path: Path) -> None:
    bag = make_bag(tmp_path / "a" / "r1", {"r1/x.txt": b"one\n"})
    digests = bag_digests(bag)
    (bag / "data/r1/added.txt").write_bytes(b"after verification\n")
    with pytest.raises(PreserveError, match="did not prove intact.*added.txt is in the version but not"):
        OcflTarget(tmp_path / "store").deposit(to_deposit(bag, digests=digests))
    assert object_dirs(tmp_path / "store") == []
    assert root_errors(tmp_path / "store") == []


def test_the_root_is_built_inside_an_existing_empty_folder(tmp_path: Path) -> None:
    root = tmp_path / "store"
    root.mkdir(mode=0o750)
    os.chmod(root, 0o750)
    before = os.stat(root)
    OcflTarget(root).deposit(to_deposit(make_bag(tmp_path / "a" / "r1", {"r1/x.txt": b"one\n"})))
    after = os.stat(root)
    assert (after.st_ino, after.st_mode, after.st_uid) == (before.st_ino, before.st_mode, before.st_uid)
    assert root_errors(root) == []
    assert not [n for n in os.listdir(tmp_path) if n.startswith(".store")]


def test_a_root_stopped_before_its_declaration_is_finished(tmp_path: Path) -> None:
    root = tmp_path / "store"
    (root / "extensions" / ocfl_layout.NAME).mkdir(parents=True)
    (root / ocfl_layout.LAYOUT_FILE).write_bytes(b"{half")  # killed mid-way: no 0=ocfl_1.1 yet
    assert root_kind(root) == "partial"
    OcflTarget(root).check()
    OcflTarget(root).deposit(to_deposit(make_bag(tmp_path / "a" / "r1", {"r1/x.txt": b"one\n"})))
    assert root_kind(root) == "root" and root_errors(root) == []


def test_stale_staging_of_a_live_process_is_kept(tmp_path: Path) -> None:
    root = tmp_path / "store"
    live = tmp_path / f".store{STAGING_MARK}{os.getppid()}-abcd1234"
    dead = tmp_path / f".store{STAGING_MARK}999999999-abcd1234"
    live.mkdir()
    dead.mkdir()
    ocfl_root.remove_stale_root_staging(root)
    assert live.exists() and not dead.exists()


DEPOSIT = """
import sys
from pathlib import Path
from preserve.deposit.ocfl import OcflTarget
from preserve.deposit.target import BagToDeposit
bag = Path(sys.argv[1])
print(OcflTarget(Path(sys.argv[2])).deposit(BagToDeposit(path=bag, name=bag.name, identifier=bag.name)).status)
"""


@pytest.mark.parametrize("existing", [False, True])
def test_two_deposits_at_once_both_complete(tmp_path: Path, existing: bool) -> None:
    root = tmp_path / "store"
    if existing:
        OcflTarget(root).deposit(to_deposit(make_bag(tmp_path / "z" / "r0", {"r0/x.txt": b"zero\n"})))
    bags = [make_bag(tmp_path / n / f"r{n}", {f"r{n}/x{i}.bin": os.urandom(1 << 16) for i in range(40)})
            for n in ("1", "2", "3")]
    procs = [subprocess.Popen([sys.executable, "-c", DEPOSIT, str(bag), str(root)], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for bag in bags]
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        assert out.strip() == "deposited"
    assert len(object_dirs(root)) == 3 + existing
    assert root_errors(root) == []


def test_a_lock_held_too_long_fails_this_bag_only(tmp_path: Path, monkeypatch) -> None:
    root = tmp_path / "store"
    target = OcflTarget(root)
    target.deposit(to_deposit(make_bag(tmp_path / "a" / "r1", {"r1/x.txt": b"one\n"})))
    monkeypatch.setattr(ocfl_root, "LOCK_TIMEOUT", 0.3)
    with ocfl_root.locked(root, "held"), pytest.raises(PreserveError, match="another deposit.*within 0.3 s") as err:
        target.deposit(to_deposit(make_bag(tmp_path / "b" / "r2", {"r2/x.txt": b"two\n"})))
    assert err.value.exit_code == 1 and not isinstance(err.value, LockedError)


def test_a_read_only_root_is_one_line_naming_the_target(tmp_path: Path, monkeypatch) -> None:
    root = tmp_path / "store"
    target = OcflTarget(root)
    target.deposit(to_deposit(make_bag(tmp_path / "a" / "r1", {"r1/x.txt": b"one\n"})))
    monkeypatch.setattr(ocfl_root.os, "access", lambda path, mode: False)
    with pytest.raises(InputError, match=f"ocfl:{root}: cannot write into .*; make the storage root writable"):
        target.check()
    monkeypatch.undo()

    def read_only(root: Path) -> Path:
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(ocfl_mod, "new_staging", read_only)
    with pytest.raises(PreserveError, match=f"ocfl:{root}: cannot write r2 into the storage root "
                                            r"\(Read-only file system\); make the storage root writable") as err:
        target.deposit(to_deposit(make_bag(tmp_path / "b" / "r2", {"r2/x.txt": b"two\n"})))
    assert err.value.exit_code == 1 and "\n" not in str(err.value)
