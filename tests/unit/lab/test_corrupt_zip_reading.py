"""corrupt-zip-cached (real) says what a zip reader makes of the copy ATS
served, to set beside CKAN's report (CRC mismatches in an intact zip)."""
from __future__ import annotations

from lab.scenarios.spacedock.corrupt_zip_cached import as_a_zip_reader_finds_it
from lab.standin_client import make_zip

ZIPBALL = make_zip(300_000, "reading")


def test_a_whole_zip_has_every_crc_right() -> None:
    assert as_a_zip_reader_finds_it(ZIPBALL) == "a zip, every CRC right"


def test_a_truncated_zip_is_refused_for_its_missing_end() -> None:
    assert as_a_zip_reader_finds_it(ZIPBALL[:len(ZIPBALL) // 2]).startswith("a zip reader refuses it:")


def test_a_changed_byte_inside_an_intact_zip_is_a_crc_mismatch_naming_the_member() -> None:
    changed = bytearray(ZIPBALL)
    changed[1000] ^= 0xFF
    assert as_a_zip_reader_finds_it(bytes(changed)) == "a zip, CRC mismatch in GameData/LabTest/payload.bin"
