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


def test_it_is_sent_no_faster_than_its_rate() -> None:
    body = b"x" * (4 * PACED_PIECE_BYTES)
    rate = 4 * PACED_PIECE_BYTES / 0.4  # the first three pieces' worth take 0.3 s

    started = time.monotonic()
    for _ in PacedBody(body, rate):
        pass

    assert time.monotonic() - started >= 0.3


@pytest.mark.parametrize("rate", [0, -1.0])
def test_a_rate_of_nothing_is_refused(rate: float) -> None:
    with pytest.raises(ValueError, match="rate above 0"):
        PacedBody(b"x", rate)
