"""The load generator counts every request that goes wrong, whatever the
error, with its type, and keeps going: "0 failed" must mean it. Against a
small server on loopback that answers every other request with a body cut short."""
from __future__ import annotations

import itertools
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Iterator

import pytest

from lab.load import Load
from lab.waiting import poll_until

REQUESTS = 40


class HalfBroken(BaseHTTPRequestHandler):
    """Odd requests: a proper 200; even ones: a chunked body that breaks off."""
    counter = itertools.count()
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        if next(self.counter) % 2:
            self.send_response(200)
            self.send_header("X-Served-By", "sd1a")
            self.send_header("Content-Length", "3")
            self.end_headers()
            self.wfile.write(b"ok\n")
            return
        self.send_response(200)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self.wfile.write(b"5\r\nabc")  # promised 5 bytes, sent 3, then gone
        self.close_connection = True

    def log_message(self, *args: object) -> None:
        """Quiet."""


@pytest.fixture
def half_broken_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), HalfBroken)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_every_error_is_a_counted_failure_with_its_type_and_the_clients_go_on(half_broken_server: str) -> None:
    with Load(half_broken_server, clients=2, max_seconds=30, max_requests=REQUESTS) as load:
        poll_until(lambda: len(load.results) >= REQUESTS, timeout_s=20,
                   awaited=f"{REQUESTS} answers from the load's clients",
                   last_state=lambda: f"{len(load.results)} answers")

    failures = load.failures()
    assert len(failures) >= REQUESTS // 2 - 2
    assert {failure.error.split(":")[0] for failure in failures} == {"ChunkedEncodingError"}
    assert sum(1 for result in load.results if result.ok) >= REQUESTS // 2 - 2
