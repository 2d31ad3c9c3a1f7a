"""How much one upload request may carry, and what it costs the worker's
memory (UPLOAD_REQUESTS, issue 28 item 12).

Production's SpaceDock sets no body limit and reads a request's zip part whole
into memory (`f.write(request.files['zipball'].stream.read())`), so one plain
(not chunked) request of any size is held whole by a worker; the lab keeps
that as UPLOAD_REQUESTS=production. The fix: a request carries at most one
chunk (UPLOAD_CHUNK_BYTES) and its form fields, a bigger one is refused with
413 before any of it is read or written, and the chunk is copied to storage in
blocks, never whole in memory."""
from __future__ import annotations

import io
import itertools
import tracemalloc
from pathlib import Path
from typing import Any, BinaryIO

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import example, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from spacedock import storage
from spacedock.uploads import FORM_OVERHEAD_BYTES
from tests.unit.app.conftest import AppFactory, chunk_form, log_in, zip_bytes

MIB = 1024 * 1024
CHUNK = 2 * MIB
# the fix's limit on one request with the default chunk
LIMIT = CHUNK + FORM_OVERHEAD_BYTES
# each route an upload goes to: its form fields and its answer when complete
ROUTES = {
    "create": ("/api/mod/create", {"name": "Plain Mod", "version": "1.0"}, 201),
    "update": ("/api/mod/1/update", {"version": "9.0"}, 201),
    "edit_version": ("/api/mod/1/edit_version", {"version_id": "1"}, 200),
}


def fixed_client(make_app: AppFactory, writes: str, **settings_: Any) -> FlaskClient:
    client = make_app(UPLOAD_REQUESTS="fixed", UPLOAD_WRITES=writes, **settings_).test_client()
    log_in(client)
    return client


# one length for every body (Werkzeug's own boundaries vary in length)
BOUNDARY = "sdlab-upload-requests-boundary"


def plain_body(data: bytes, fields: dict[str, str]) -> tuple[bytes, str]:
    """A whole upload in one request, as a client without chunking sends it:
    the body and its Content-Type."""
    boundary, body = encode_multipart({**fields, "zipball": FileStorage(io.BytesIO(data), filename="mod.zip",
                                                                        content_type="application/zip")},
                                      boundary=BOUNDARY)
    return body, f"multipart/form-data; boundary={boundary}"


def post_body(client: FlaskClient, url: str, body: BinaryIO, content_type: str, length: int | None):
    """POST `body` with a Content-Length, or (None) of unknown length, as a
    chunked transfer reaches the app under gunicorn (Transfer-Encoding:
    chunked, wsgi.input_terminated)."""
    if length is None:
        return client.post(url, input_stream=body, content_type=content_type,
                           headers={"Transfer-Encoding": "chunked"}, environ_overrides={"wsgi.input_terminated": True})
    return client.post(url, input_stream=body, content_type=content_type, content_length=length)


def post_chunks(client: FlaskClient, url: str, data: bytes, chunk: int, **fields: str) -> list:
    """The upload in chunks of `chunk` bytes, as the upload page sends it; every answer.
    (The bodies are made here: the test client's own leaves a temporary file open.)"""
    total = max(1, -(-len(data) // chunk))
    answers = []
    for index in range(total):
        form = chunk_form(data, index, total, chunk, **fields)
        part = form.pop("zipball")[0].getvalue()
        body, content_type = plain_body(part, form)
        answers.append(post_body(client, url, io.BytesIO(body), content_type, len(body)))
    return answers


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(path.relative_to(root)): path.read_bytes() for path in root.rglob("*") if path.is_file()}


def zip_of_size(size: int, seed_text: str = "x") -> bytes:
    """A valid zip of exactly `size` bytes (stored, one file)."""
    overhead = len(zip_bytes(0, seed_text))
    data = zip_bytes(size - overhead, seed_text)
    assert len(data) == size
    return data


class CountingInput(io.BytesIO):
    """A request body that counts what the app reads of it."""

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.taken = 0

    def read(self, size: int | None = -1) -> bytes:
        data = super().read(size)
        self.taken += len(data)
        return data

    def readline(self, size: int | None = -1) -> bytes:
        data = super().readline(size)
        self.taken += len(data)
        return data


# --- a request over one chunk is refused before it is read -----------------------------

@pytest.mark.parametrize("route", ROUTES)
def test_the_fix_refuses_a_plain_upload_over_one_chunk_before_reading_or_writing_it(
        make_app: AppFactory, storage_root: Path, writes: str, route: str) -> None:
    url, fields, done = ROUTES[route]
    client = fixed_client(make_app, writes)
    data = zip_bytes(3 * MIB)
    body, content_type = plain_body(data, fields)
    before = snapshot(storage_root)
    sent = CountingInput(body)

    response = post_body(client, url, sent, content_type, len(body))

    assert response.status_code == 413
    reason = response.json["reason"]
    assert f"this request's body is {len(body)} bytes" in reason
    assert f"at most {LIMIT} bytes: a chunk of at most {CHUNK} bytes" in reason and "dzchunkindex" in reason
    assert sent.taken == 0
    assert snapshot(storage_root) == before
    # nothing held: the same zip in chunks goes through
    answers = post_chunks(client, url, data, CHUNK, **fields)
    assert [answer.status_code for answer in answers] == [202] * (len(answers) - 1) + [done]


def test_the_fix_cuts_off_a_body_of_unknown_length_at_the_limit(make_app: AppFactory, storage_root: Path,
                                                                writes: str) -> None:
    client = fixed_client(make_app, writes)
    body, content_type = plain_body(zip_bytes(3 * MIB), ROUTES["create"][1])
    before = snapshot(storage_root)
    sent = CountingInput(body)

    response = post_body(client, "/api/mod/create", sent, content_type, None)

    assert response.status_code == 413
    assert f"this request's body passed {LIMIT} bytes" in response.json["reason"]
    assert sent.taken <= LIMIT + 1
    assert snapshot(storage_root) == before


def test_the_fix_bounds_every_route_not_only_uploads(make_app: AppFactory) -> None:
    client = make_app(UPLOAD_REQUESTS="fixed").test_client()

    response = client.post("/login", data={"username": "user", "password": "x" * (LIMIT + 1)})

    assert response.status_code == 413


def test_production_takes_a_plain_upload_of_many_chunks(make_app: AppFactory, storage_root: Path) -> None:
    """SpaceDock sets no limit on a request (the lab's: MAX_UPLOAD_BYTES and 1 MiB)."""
    client = make_app(UPLOAD_REQUESTS="production").test_client()
    log_in(client)
    data = zip_bytes(3 * MIB)

    body, content_type = plain_body(data, ROUTES["create"][1])

    response = post_body(client, "/api/mod/create", io.BytesIO(body), content_type, len(body))

    assert response.status_code == 201
    assert (storage_root / response.json["storage_path"]).read_bytes() == data


# --- an accepted chunk is copied in blocks -----------------------------------------------

class ReadsInBlocks:
    """The zip part as the request's parser spools it, refusing any read that
    is not of at most one block (read() of everything, read(-1), read(huge))."""

    def __init__(self, spool: BinaryIO, refused: list[str]) -> None:
        self.spool = spool
        self.refused = refused

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0 or size > storage.COPY_BLOCK_BYTES:
            self.refused.append(f"read({size})")
            raise AssertionError(f"the zip part was read with read({size}), not in blocks")
        return self.spool.read(size)

    def readinto(self, buffer: Any) -> int:
        self.refused.append(f"readinto({len(buffer)})")
        raise AssertionError("the zip part was read with readinto")

    def __getattr__(self, name: str) -> Any:
        # write, seek, tell, close... as the spool does them
        return getattr(self.spool, name)


def strict_parts(app: Flask) -> list[str]:
    """Make the app's zip parts ReadsInBlocks; returns the reads they refused."""
    refused: list[str] = []

    class StrictRequest(app.request_class):
        def _get_file_stream(self, *args: Any, **kwargs: Any) -> Any:
            return ReadsInBlocks(super()._get_file_stream(*args, **kwargs), refused)

    app.request_class = StrictRequest
    return refused


@pytest.mark.parametrize("length", ["Content-Length", "unknown length"])
def test_the_fix_copies_a_plain_upload_to_storage_in_blocks(make_app: AppFactory, storage_root: Path, writes: str,
                                                            length: str) -> None:
    app = make_app(UPLOAD_REQUESTS="fixed", UPLOAD_WRITES=writes)
    refused = strict_parts(app)
    client = app.test_client()
    log_in(client)
    data = zip_of_size(CHUNK, "blocks")
    body, content_type = plain_body(data, ROUTES["create"][1])

    response = post_body(client, "/api/mod/create", io.BytesIO(body), content_type,
                         len(body) if length == "Content-Length" else None)

    assert refused == []
    assert response.status_code == 201, response.json
    assert (storage_root / response.json["storage_path"]).read_bytes() == data
    assert response.json["download_size"] == len(data)


def test_the_fix_copies_each_chunk_of_a_chunked_upload_in_blocks(make_app: AppFactory, storage_root: Path,
                                                                 writes: str) -> None:
    app = make_app(UPLOAD_REQUESTS="fixed", UPLOAD_WRITES=writes)
    refused = strict_parts(app)
    client = app.test_client()
    log_in(client)
    data = zip_bytes(5 * MIB, "chunks")

    answers = post_chunks(client, "/api/mod/create", data, CHUNK, name="Chunked", version="1")

    assert refused == []
    assert [answer.status_code for answer in answers] == [202, 202, 201]
    assert (storage_root / answers[-1].json["storage_path"]).read_bytes() == data


# --- what a plain upload costs the worker's memory ----------------------------------------

BIG = 8 * MIB


def peak_memory_of_a_plain_upload(make_app: AppFactory, storage_root: Path, **settings_: Any) -> tuple[int, int]:
    """A plain upload of a BIG zip (UPLOAD_CHUNK_BYTES raised to let it in one
    request): the most memory Python held while the app took it, counted from
    after the body was made, and the status."""
    client = make_app(UPLOAD_CHUNK_BYTES=BIG + MIB, **settings_).test_client()
    log_in(client)
    data = zip_of_size(BIG, "memory")
    body, content_type = plain_body(data, ROUTES["create"][1])
    sent = io.BytesIO(body)
    # counted from here, whether or not something in this process traces already
    # (then its earlier peak and what it still holds are not this upload's)
    already = tracemalloc.is_tracing()
    tracemalloc.start()
    tracemalloc.reset_peak()
    before, _ = tracemalloc.get_traced_memory()
    try:
        response = post_body(client, "/api/mod/create", sent, content_type, len(body))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        if not already:
            tracemalloc.stop()
    assert (storage_root / response.json["storage_path"]).read_bytes() == data
    return peak - before, response.status_code


def test_the_fix_takes_a_plain_upload_without_holding_it_in_memory(make_app: AppFactory, storage_root: Path,
                                                                   writes: str) -> None:
    """Measured: some 0.75 MiB for an 8 MiB zip (Werkzeug's spool keeps 500 kB
    in memory before it goes to a temporary file); production's 8.3 MiB."""
    peak, status = peak_memory_of_a_plain_upload(make_app, storage_root, UPLOAD_REQUESTS="fixed",
                                                 UPLOAD_WRITES=writes)

    assert status == 201
    assert peak < BIG // 4, f"{peak / MIB:.2f} MiB held for a {BIG / MIB:.0f} MiB upload"


def test_production_holds_a_plain_upload_whole_in_memory(make_app: AppFactory, storage_root: Path) -> None:
    """SpaceDock's `stream.read()`, kept as UPLOAD_REQUESTS=production."""
    peak, status = peak_memory_of_a_plain_upload(make_app, storage_root, UPLOAD_REQUESTS="production")

    assert status == 201
    assert peak >= BIG


# --- the limit, byte by byte ---------------------------------------------------------------

SMALL_CHUNK = 4096
SMALL_LIMIT = SMALL_CHUNK + FORM_OVERHEAD_BYTES


def test_requests_around_the_limit_are_taken_whole_or_refused_untouched(make_app: AppFactory, storage_root: Path,
                                                                       writes: str) -> None:
    """Any body of up to the limit (one chunk and its form fields) is taken,
    its zip stored intact; any longer one is refused with 413 and nothing
    written, whether its length is announced or not."""
    client = fixed_client(make_app, writes, UPLOAD_CHUNK_BYTES=SMALL_CHUNK)
    names = itertools.count()

    @settings(max_examples=40, deadline=None)
    @given(past_the_limit=st.integers(min_value=-600, max_value=600), announced=st.booleans())
    @example(past_the_limit=0, announced=True)
    @example(past_the_limit=0, announced=False)
    @example(past_the_limit=1, announced=True)
    @example(past_the_limit=1, announced=False)
    def check(past_the_limit: int, announced: bool) -> None:
        fields = {"name": f"Edge {next(names)}", "version": "1.0"}
        size = SMALL_LIMIT + past_the_limit
        # the zip that makes the whole body `size` bytes
        empty_body, _ = plain_body(b"", fields)
        data = zip_of_size(size - len(empty_body), str(past_the_limit))
        body, content_type = plain_body(data, fields)
        assert len(body) == size
        before = snapshot(storage_root)

        response = post_body(client, "/api/mod/create", io.BytesIO(body), content_type,
                             len(body) if announced else None)

        if size <= SMALL_LIMIT:
            assert response.status_code == 201, response.json
            assert (storage_root / response.json["storage_path"]).read_bytes() == data
        else:
            assert response.status_code == 413, response.json
            assert f"at most {SMALL_LIMIT} bytes" in response.json["reason"]
            assert snapshot(storage_root) == before

    check()
