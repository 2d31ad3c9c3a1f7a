"""HTTP through the lab's front door, ATS on 127.0.0.1:$HTTP_PORT, the way a
client on the internet reaches SpaceDock: the site is chosen by the Host header.

Knows the lab's own headers: X-Served-By (which container produced a
response), Via (which layers it passed), the xdebug plugin's X-Cache, and
X-Lab-Test (tags a request so the ATS and Apache logs can be searched for it).
"""
from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Iterator, Mapping

import requests

from lab.errors import StackNotRunning

DEFAULT_TIMEOUT_S = 15.0
# what a paced body hands the socket at once
PACED_PIECE_BYTES = 64 * 1024
# Not Via: asking xdebug for it turns the Via into ATS's detailed form.
XDEBUG_HEADERS = "X-Cache, X-Cache-Key"


class PacedBody:
    """A request body sent at no more than `bytes_per_s`, as from a client
    whose link has that rate: requests reads its length (Content-Length) and
    sends the pieces it yields, each when the rate allows."""

    def __init__(self, body: bytes, bytes_per_s: float) -> None:
        if bytes_per_s <= 0:
            raise ValueError(f"a paced body needs a rate above 0 bytes/s, not {bytes_per_s}")
        self.body = body
        self.bytes_per_s = bytes_per_s

    def __len__(self) -> int:
        return len(self.body)

    def __iter__(self) -> Iterator[bytes]:
        started = time.monotonic()
        for offset in range(0, len(self.body), PACED_PIECE_BYTES):
            # pacing, not waiting for anything: the piece's time on a link of this rate
            time.sleep(max(0.0, started + offset / self.bytes_per_s - time.monotonic()))
            yield self.body[offset:offset + PACED_PIECE_BYTES]


class LabClient:
    def __init__(self, base_url: str, *, test_tag: str = "", timeout_s: float = DEFAULT_TIMEOUT_S,
                 ca_file: Path | None = None) -> None:
        """base_url: ATS's plain port, or its TLS port with the lab CA's certificate as `ca_file`."""
        self.base_url = base_url.rstrip("/")
        self.test_tag = test_tag
        self.timeout_s = timeout_s
        self.session = requests.Session()
        # given with each request: a session's own `verify` loses to REQUESTS_CA_BUNDLE
        self.verify: str | bool = str(ca_file) if ca_file is not None else True

    def request(self, method: str, path: str, *, host: str = "spacedock.info", debug: bool = False,
                headers: Mapping[str, str] | None = None, **kwargs: Any) -> requests.Response:
        """One request through ATS. `debug` asks xdebug for X-Cache and X-Cache-Key."""
        sent = {"Host": host}
        if self.test_tag:
            sent["X-Lab-Test"] = self.test_tag
        if debug:
            sent["X-Debug"] = XDEBUG_HEADERS
        sent.update(headers or {})
        kwargs.setdefault("timeout", self.timeout_s)
        kwargs.setdefault("allow_redirects", False)
        kwargs.setdefault("verify", self.verify)
        url = f"{self.base_url}{path}"
        try:
            return self.session.request(method, url, headers=sent, **kwargs)
        except requests.ConnectionError as error:
            raise StackNotRunning(f"ATS does not answer at {self.base_url} ({method} {path}, Host {host}): {error}") from error
        except requests.Timeout as error:
            raise StackNotRunning(f"no answer within {kwargs['timeout']} s from ATS at {url} (Host {host})") from error

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("POST", path, **kwargs)


def served_by(response: requests.Response) -> str | None:
    """The container that produced the response (a cache hit replays it)."""
    return response.headers.get("X-Served-By")


def via_hops(response: requests.Response) -> list[str]:
    """The Via entries in order, oldest (closest to the origin) first."""
    return [hop.strip() for hop in response.headers.get("Via", "").split(",") if hop.strip()]


def cache_result(response: requests.Response) -> str | None:
    """xdebug's verdict when asked with debug=True: miss, hit-fresh, hit-stale, skipped, none."""
    return response.headers.get("X-Cache")
