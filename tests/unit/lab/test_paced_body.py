"""A paced request body, as from an uploader's link of a given rate: it gives
requests its length and its bytes, no faster than the rate."""
from __future__ import annotations

import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lab.http import PACED_PIECE_BYTES, PacedBody

# so fast that pacing never waits in the property tests
UNBOUNDED = 1e12


@given(st.binary(max_size=3 * PACED_PIECE_BYTES + 7))
def test_its_pieces_joined_are_the_body(body: bytes) -> None:
    assert b"".join(PacedBody(body, UNBOUNDED)) == body


@given(st.binary(max_size=3 * PACED_PIECE_BYTES + 7))
def test_its_length_is_the_body_s(body: bytes) -> None:
    assert len(PacedBody(body, UNBOUNDED)) == len(body)


def test_no_piece_comes_before_its_time_at_the_rate() -> None:
    body = b"x" * (4 * PACED_PIECE_BYTES)
    rate = PACED_PIECE_BYTES / 0.1  # a piece every 0.1 s

    started = time.monotonic()
    came = [time.monotonic() - started for _ in PacedBody(body, rate)]

    assert all(at >= index * 0.1 for index, at in enumerate(came)), came


@pytest.mark.parametrize("rate", [0, -1.0])
def test_a_rate_of_nothing_is_refused(rate: float) -> None:
    with pytest.raises(ValueError, match="rate above 0"):
        PacedBody(b"x", rate)
