"""SpaceDock's storage layout, and names that may not reach outside it."""
from __future__ import annotations

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
