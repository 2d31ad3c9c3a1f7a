"""The real SpaceDock's client sends a zip as SpaceDock's Dropzone does: in
pieces of a chunk size, each with its index, the count and its offset."""
from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from lab.spacedock.client import dropzone_chunks


@given(st.binary(min_size=1, max_size=5000), st.integers(min_value=1, max_value=1200))
def test_the_pieces_joined_in_order_are_the_zip(zipball: bytes, chunk_bytes: int) -> None:
    assert b"".join(piece for _, piece in dropzone_chunks(zipball, chunk_bytes)) == zipball


@given(st.binary(min_size=1, max_size=5000), st.integers(min_value=1, max_value=1200))
def test_each_piece_names_its_index_the_count_and_its_offset(zipball: bytes, chunk_bytes: int) -> None:
    chunks = dropzone_chunks(zipball, chunk_bytes)
    offset = 0
    for index, (fields, piece) in enumerate(chunks):
        assert fields == {"dzchunkindex": str(index), "dztotalchunkcount": str(len(chunks)),
                          "dzchunkbyteoffset": str(offset)}
        assert 0 < len(piece) <= chunk_bytes
        offset += len(piece)


def test_only_the_last_piece_is_short() -> None:
    assert [len(piece) for _, piece in dropzone_chunks(b"x" * 10, 4)] == [4, 4, 2]
