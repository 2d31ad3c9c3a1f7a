"""Receiving an upload onto storage, chunk by chunk, the way SpaceDock's
browser client (Dropzone) sends it: 2 MiB chunks, one after another, to the
same URL with the form fields `dzuuid`, `dzchunkindex`, `dztotalchunkcount`,
`dzchunkbyteoffset`, `dztotalfilesize` and the file field `zipball`. A request
without the dz fields is a whole upload in one chunk.

What happens to the bytes is chosen by the lab's switches (config.py):
UPLOAD_REQUESTS (how much one request may carry, and whether its zip part is
read whole into memory, as SpaceDock does, or copied to storage in blocks),
UPLOAD_WRITES (production's in-place appends, or atomic writes aside) and
UPLOAD_CHECKS (what counts as a zip). In every environment one file takes one
upload at a time (claims.py): a second upload of it is refused with 409.
"""
from __future__ import annotations

import io
import logging
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, BinaryIO, Callable, Iterator, Mapping, TypeVar

from flask import Request, current_app, request
from flask_login import current_user
from sqlalchemy.orm import Session

from spacedock import archives, claims, database, storage
from spacedock.errors import Rejected

log = logging.getLogger(__name__)
T = TypeVar("T")


@contextmanager
def storage_errors(what: str) -> Iterator[None]:
    """A failing storage box is not the uploader's fault: 503, try again."""
    try:
        yield
    except OSError as error:
        raise Rejected(503, f"the storage box could not {what}: {error.strerror or error}; try again",
                       retry_after_s=10) from error


# --- how much one request may carry ---------------------------------------------------

# UPLOAD_REQUESTS=fixed: what a request may carry besides its chunk of the zip:
# the multipart framing and the text fields (the longest, a changelog of 10 000
# characters, is at most 40 kB in UTF-8).
FORM_OVERHEAD_BYTES = 64 * 1024
# UPLOAD_REQUESTS=production: a request may carry a whole upload.
WHOLE_UPLOAD_OVERHEAD_BYTES = 1024 * 1024


def request_body_limit(settings: Mapping[str, Any]) -> int:
    """The most bytes one request's body may have (Flask's MAX_CONTENT_LENGTH)."""
    if settings["UPLOAD_REQUESTS"] == "fixed":
        return settings["UPLOAD_CHUNK_BYTES"] + FORM_OVERHEAD_BYTES
    return settings["MAX_UPLOAD_BYTES"] + WHOLE_UPLOAD_OVERHEAD_BYTES


def too_large(limit: int, what: str) -> Rejected:
    chunk = current_app.config["UPLOAD_CHUNK_BYTES"]
    return Rejected(413, f"{what}; one request may carry at most {limit} bytes: a chunk of at most {chunk} bytes "
                         f"of the zip and {FORM_OVERHEAD_BYTES} bytes of form fields. Send the zip in chunks of at "
                         "most that size (the fields dzuuid, dzchunkindex, dztotalchunkcount, dzchunkbyteoffset and "
                         "dztotalfilesize, as the upload page does)")


class BoundedBody:
    """A request body of unknown length (chunked transfer encoding, which
    Werkzeug reads to its end whatever MAX_CONTENT_LENGTH says), refused with
    413 as soon as more than `limit` bytes of it have been read."""

    def __init__(self, stream: BinaryIO, limit: int) -> None:
        self.stream = stream
        self.limit = limit
        self.seen = 0

    def _count(self, data: bytes) -> bytes:
        self.seen += len(data)
        if self.seen > self.limit:
            raise too_large(self.limit, f"this request's body passed {self.limit} bytes")
        return data

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0:
            blocks = []
            while block := self.read(storage.COPY_BLOCK_BYTES):
                blocks.append(block)
            return b"".join(blocks)
        # never more than one byte past the limit from the stream
        return self._count(self.stream.read(min(size, self.limit + 1 - self.seen)))

    def readline(self, size: int | None = -1) -> bytes:
        room = self.limit + 1 - self.seen
        return self._count(self.stream.readline(room if size is None or size < 0 else min(size, room)))

    def close(self) -> None:
        self.stream.close()


class PartsClosingRequest(Request):
    """Flask's request, which closes every file part its form parser spooled,
    those of a body cut off halfway (BoundedBody) too: Werkzeug closes only
    the parts of a form it has finished parsing."""

    def _get_file_stream(self, *args: Any, **kwargs: Any) -> BinaryIO:
        part = super()._get_file_stream(*args, **kwargs)
        self.__dict__.setdefault("spooled_parts", []).append(part)
        return part

    def close(self) -> None:
        super().close()
        for part in self.__dict__.get("spooled_parts", ()):
            part.close()


def bound_request_body() -> None:
    """Before anything reads a request (before_request, every route):
    UPLOAD_REQUESTS=fixed refuses a body longer than one chunk and its form
    fields with 413, without reading any of it; a body of unknown length is
    cut off with 413 once it passes that."""
    if current_app.config["UPLOAD_REQUESTS"] != "fixed":
        return
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    length = request.content_length
    if length is not None and length > limit:
        raise too_large(limit, f"this request's body is {length} bytes")
    if length is None and request.environ.get("wsgi.input_terminated"):
        request.environ["wsgi.input"] = BoundedBody(request.environ["wsgi.input"], limit)


# --- the request ------------------------------------------------------------------

@dataclass(frozen=True)
class Chunk:
    upload_id: str
    index: int
    total: int
    offset: int
    declared_size: int | None
    # the chunk's bytes, from their start
    part: BinaryIO

    @property
    def last(self) -> bool:
        return self.index == self.total - 1


def int_field(name: str, default: int | None = None) -> int | None:
    value = request.form.get(name)
    if value is None or value == "":
        return default
    if not (value.isascii() and value.isdigit()):
        raise Rejected(400, f"{name} must be a whole number, not {value!r}")
    return int(value)


def text_field(name: str, limit: int) -> str:
    """A text field as the database can keep it: no NUL byte, at most `limit` characters."""
    value = request.form.get(name, "")
    if "\0" in value:
        raise Rejected(400, f"{name} may not contain a NUL byte")
    if len(value) > limit:
        raise Rejected(400, f"{name} is {len(value)} characters long; at most {limit} are allowed")
    return value


def chunk_bytes(part: BinaryIO) -> BinaryIO:
    """The zip part as the request's parser left it: up to 500 kB in memory,
    the rest in a temporary file (Werkzeug's SpooledTemporaryFile).
    UPLOAD_REQUESTS=fixed copies it to storage from there, in blocks;
    production's SpaceDock reads it whole into memory first
    (`f.write(request.files['zipball'].stream.read())`)."""
    if current_app.config["UPLOAD_REQUESTS"] == "fixed":
        return part
    return io.BytesIO(part.read())


def read_chunk() -> Chunk:
    upload = request.files.get("zipball")
    if upload is None:
        raise Rejected(400, "no file: send the zip in the form field 'zipball'")
    total = int_field("dztotalchunkcount", 1)
    index = int_field("dzchunkindex", 0)
    if total == 0 or index >= total:
        raise Rejected(400, f"chunk index {index} is outside the {total} chunks announced")
    chunk = Chunk(
        # without a dzuuid, each request is an upload of its own
        upload_id=text_field("dzuuid", 128) or f"single-{uuid.uuid4()}",
        index=index,
        total=total,
        offset=int_field("dzchunkbyteoffset", 0),
        declared_size=int_field("dztotalfilesize"),
        part=chunk_bytes(upload.stream),
    )
    limit = current_app.config["MAX_UPLOAD_BYTES"]
    if chunk.declared_size is not None and chunk.declared_size > limit:
        raise Rejected(413, f"the file is {chunk.declared_size} bytes; uploads may be at most {limit} bytes")
    return chunk


# --- one upload -------------------------------------------------------------------------

@dataclass(frozen=True)
class Target:
    """The file an upload writes (relative to storage) and what it will be."""
    path: str
    mod_name: str
    version: str


class Upload:
    """The chunk a request carries, of the upload that writes `target`."""

    def __init__(self, target: Target, chunk: Chunk) -> None:
        config = current_app.config
        self.target = target
        self.chunk = chunk
        self.atomic = config["UPLOAD_WRITES"] == "atomic"
        self.writer = storage.writer(config["UPLOAD_WRITES"])
        self.final = storage.absolute(config["STORAGE"], target.path)
        self.session: Session = database.session()

    def receive(self, *, before_writing: Callable[[], None] | None = None,
                on_first_chunk: Callable[[], None] | None = None) -> bool:
        """Write this chunk: False while more are expected, True once the last
        one has completed a valid zip (then `publish` puts it in place).

        before_writing: checks that need the file claimed (the first chunk);
        on_first_chunk: runs once writing has begun. Raises Rejected."""
        if self.chunk.index == 0:
            self._begin(before_writing)
            if on_first_chunk:
                on_first_chunk()
        else:
            self._continue()
        size = self._append()
        if not self.chunk.last:
            return False
        self._check_complete(size)
        return True

    def publish(self) -> int:
        """Put the finished zip at its final path and give up the claim (in
        the caller's transaction, which records the version); returns its size."""
        with storage_errors("put the upload in place"):
            self.writer.commit(self.final, self.chunk.upload_id)
            size = self.final.stat().st_size
        claims.release(self.session, self.target.path, self.chunk.upload_id)
        return size

    @contextmanager
    def guarded(self) -> Iterator[None]:
        """Whatever goes wrong while this request works on the upload (a bug,
        the database refusing), the file is given up before the error is
        answered, so no claim is left behind to block the author's retry."""
        try:
            yield
        except Exception:
            self.give_up(delete=False)
            raise

    def finish_only_if(self, check: Callable[[], T]) -> T:
        """A last check of the complete upload (under the caller's locks), and
        what it returns; if it refuses, the upload is given up and what it
        wrote removed."""
        try:
            return check()
        except Rejected:
            self.give_up(delete=not self.atomic)
            raise

    def give_up(self, *, delete: bool) -> None:
        """Refused: free the file for another upload; delete what was written
        if asked (the atomic part always goes: nobody can finish it)."""
        self.session.rollback()
        if delete or self.atomic:
            try:
                self.writer.discard(self.final, self.chunk.upload_id)
            except OSError as error:
                # the answer says why the upload was refused; this is only the clean-up
                log.warning("could not remove the refused upload of %s: %s", self.target.path, error)
        claims.release(self.session, self.target.path, self.chunk.upload_id)
        self.session.commit()

    # --- steps ------------------------------------------------------------------------

    def _begin(self, before_writing: Callable[[], None] | None) -> None:
        sweep_abandoned(self.session)
        try:
            claims.take(self.session, self.target.path, self.chunk.upload_id, user_id=current_user.id,
                        mod_name=self.target.mod_name, version=self.target.version)
        except claims.Busy as busy:
            raise Rejected(409, f"{busy}; wait until it has finished") from None
        if self.atomic:
            # parts whose clean-up failed; abandoned as their claims were
            with storage_errors("look for abandoned uploads"):
                storage.AtomicWriter().remove_stale_parts(self.final.parent,
                                                          current_app.config["ABANDONED_UPLOAD_SECONDS"])
        try:
            if before_writing:
                before_writing()
            with storage_errors("start writing the upload"):
                self.writer.start(self.final, self.chunk.upload_id)
        except Rejected:
            self.give_up(delete=False)
            raise

    def _continue(self) -> None:
        if claims.held(self.session, self.target.path, self.chunk.upload_id) is not None:
            return
        other = claims.holder(self.session, self.target.path)
        if other is not None:
            raise Rejected(409, f"chunk {self.chunk.index} of {self.chunk.total}: {claims.describe(other)}, "
                                "and this chunk is not part of it")
        if self.atomic:
            raise Rejected(400, f"chunk {self.chunk.index} of {self.chunk.total}: no upload in progress "
                                "(the first chunk, index 0, was not received, or the upload was abandoned)")
        # UPLOAD_WRITES=in-place: SpaceDock appends any chunk to whatever is at
        # the final path, a published zip included (the lab still wants the
        # chunk to start where that file ends).

    def _append(self) -> int:
        try:
            with storage_errors("write the chunk"):
                size = self.writer.append(self.final, self.chunk.upload_id, self.chunk.offset, self.chunk.part)
        except storage.ChunkOrderError as error:
            self.give_up(delete=False)
            raise Rejected(400, f"chunk {self.chunk.index} of {self.chunk.total}: {error}") from None
        except Rejected:
            self.give_up(delete=False)
            raise
        limit = current_app.config["MAX_UPLOAD_BYTES"]
        if size > limit:
            self.give_up(delete=True)
            raise Rejected(413, f"the upload passed {limit} bytes, the most allowed")
        return size

    def _check_complete(self, size: int) -> None:
        declared = self.chunk.declared_size
        if declared is not None and size != declared:
            self.give_up(delete=False)
            raise Rejected(400, f"the last chunk arrived after {size} of the {declared} bytes announced")
        written = self.writer.written(self.final, self.chunk.upload_id)
        try:
            with storage_errors("read the upload back"):
                if current_app.config["UPLOAD_CHECKS"] == "fixed":
                    archives.check_thoroughly(written, current_app.config["ZIP_TEST_MAX_BYTES"])
                else:
                    archives.check_like_spacedock(written)
        except archives.NotAZip as error:
            # SpaceDock deletes a finished upload that is not a zip, too
            self.give_up(delete=True)
            raise Rejected(400, str(error)) from None
        except Rejected:
            self.give_up(delete=False)
            raise


def sweep_abandoned(session: Session) -> int:
    """Forget uploads nobody has sent a chunk for in ABANDONED_UPLOAD_SECONDS;
    with atomic writes, remove their hidden parts too (production's in-place
    writes leave the partial zip at the final path, as SpaceDock does).
    Returns how many were swept."""
    config = current_app.config
    swept = 0
    for claim in claims.abandoned(session, timedelta(seconds=config["ABANDONED_UPLOAD_SECONDS"])):
        # forgotten first, and only if untouched since: an upload that sends a
        # chunk meanwhile keeps its claim and its part
        if not claims.forget(session, claim):
            continue
        swept += 1
        if config["UPLOAD_WRITES"] == "atomic":
            final = storage.absolute(config["STORAGE"], claim.storage_path)
            try:
                storage.AtomicWriter().discard(final, claim.upload_id)
            except OSError as error:
                # the next upload into that folder removes it by its age
                log.warning("could not remove the abandoned upload of %s: %s", claim.storage_path, error)
    return swept
