"""SpaceDock's storage layout, and names that may not reach outside it."""
from __future__ import annotations

import errno
import os
import time
from pathlib import Path

import pytest

from spacedock import storage


def test_zip_path_is_user_folder_mod_folder_and_secured_name() -> None:
    assert storage.zip_path("DasSkelett", 29813, "test", "1.4") == "DasSkelett_29813/test/test-1.4.zip"
    assert storage.zip_path("user", 2, "Near Future Electrical", "1.2.0") == \
        "user_2/Near_Future_Electrical/Near_Future_Electrical-1.2.0.zip"


def test_background_path_carries_the_unix_time() -> None:
    assert storage.background_path("user", 2, "My Mod", 1700000000, "png") == "user_2/My_Mod/My_Mod-1700000000.png"


@pytest.mark.parametrize("relative", ["../x", "a/../../x", "/etc/passwd"])
def test_absolute_refuses_paths_that_leave_the_root(tmp_path: Path, relative: str) -> None:
    with pytest.raises(storage.UnsafeName):
        storage.absolute(tmp_path, relative)


def test_absolute_keeps_paths_inside_the_root(tmp_path: Path) -> None:
    assert storage.absolute(tmp_path, "a/b.zip") == tmp_path.resolve() / "a" / "b.zip"


class CannotReplace:
    """os.replace as smbnetfs does it: no rename over an existing file (EEXIST);
    and, when told, no rename at all of the part into place."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, *, part_stuck: bool = False) -> None:
        self.rename = os.replace
        self.part_stuck = part_stuck
        monkeypatch.setattr(storage.os, "replace", self)

    def __call__(self, source: Path, target: Path) -> None:
        if Path(target).exists():
            raise FileExistsError(errno.EEXIST, "File exists", str(target))
        if self.part_stuck and Path(source).name.endswith(".part"):
            raise OSError(errno.EIO, "Input/output error", str(source))
        self.rename(source, target)


def published_and_part(root: Path) -> tuple[storage.AtomicWriter, Path]:
    writer = storage.AtomicWriter()
    final = root / "user_2" / "Mod" / "Mod-1.0.zip"
    final.parent.mkdir(parents=True)
    final.write_bytes(b"published")
    writer.start(final, "u1")
    writer.append(final, "u1", 0, b"replacement")
    return writer, final


def test_atomic_commit_replaces_a_file_where_renaming_over_it_is_refused(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    writer, final = published_and_part(tmp_path)
    CannotReplace(monkeypatch)

    writer.commit(final, "u1")

    assert final.read_bytes() == b"replacement"
    assert sorted(path.name for path in final.parent.iterdir()) == ["Mod-1.0.zip"]


def test_atomic_commit_puts_the_published_file_back_when_the_new_one_cannot_go_in(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    writer, final = published_and_part(tmp_path)
    CannotReplace(monkeypatch, part_stuck=True)

    with pytest.raises(OSError):
        writer.commit(final, "u1")

    assert final.read_bytes() == b"published"


def test_parts_nobody_wrote_to_for_the_bound_are_removed_and_fresh_ones_kept(tmp_path: Path) -> None:
    old, fresh, published = tmp_path / ".Mod-1.0.zip.a.part", tmp_path / ".Mod-1.0.zip.b.part", tmp_path / "Mod-1.0.zip"
    for path in (old, fresh, published):
        path.write_bytes(b"x")
    an_hour_ago = time.time() - 3600
    os.utime(old, (an_hour_ago, an_hour_ago))
    os.utime(published, (an_hour_ago, an_hour_ago))

    removed = storage.AtomicWriter().remove_stale_parts(tmp_path, older_than_s=600)

    assert removed == 1
    assert sorted(path.name for path in tmp_path.iterdir()) == [".Mod-1.0.zip.b.part", "Mod-1.0.zip"]
