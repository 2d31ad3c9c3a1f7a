"""Steady load through ATS from several concurrent clients, every answer
recorded (when, status, which container, or the error), for swap tests and
benchmarks. Bounded by time and by request count; targets only the lab."""
from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Iterator

from lab.errors import LabTimeout
from lab.http import LabClient, served_by
from lab.waiting import poll_until

CLIENT_TIMEOUT_S = 30.0


@dataclass(frozen=True)
class Result:
    sent_at: float
    answered_at: float
    status: int | None
    container: str | None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and self.status == 200


@dataclass
class Load:
    """`with Load(base_url, clients=20) as load:` ... `load.results`."""
    base_url: str
    clients: int = 20
    path: str = "/version"
    host: str = "spacedock.info"
    max_seconds: float = 600.0
    max_requests: int = 2_000_000
    results: list[Result] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads = [threading.Thread(target=self._client, name=f"load-{n}", daemon=True)
                         for n in range(self.clients)]

    def __enter__(self) -> "Load":
        self._deadline = time.monotonic() + self.max_seconds
        for thread in self._threads:
            thread.start()
        return self

    def run_out(self) -> None:
        """Wait until every client has stopped by itself (max_seconds or
        max_requests reached, and its last answer in: at most a client's timeout later)."""
        deadline = self._deadline + CLIENT_TIMEOUT_S + 10
        for thread in self._threads:
            thread.join(timeout=max(deadline - time.monotonic(), 0))
            if thread.is_alive():
                raise LabTimeout(f"load client {thread.name} still running {CLIENT_TIMEOUT_S + 10:g} s after "
                                 f"its {self.max_seconds:g} s")

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=30)

    def _client(self) -> None:
        client = LabClient(self.base_url, test_tag="lab load", timeout_s=CLIENT_TIMEOUT_S)
        while not self._stop.is_set() and time.monotonic() < self._deadline:
            with self._lock:
                if len(self.results) >= self.max_requests:
                    return
            sent = time.monotonic()
            try:
                # a fresh query string each time: never answered from ATS's cache
                answer = client.get(f"{self.path}?load={uuid.uuid4().hex[:12]}", host=self.host)
                result = Result(sent, time.monotonic(), answer.status_code, served_by(answer))
            # Whatever goes wrong with one request (a reset, a body cut short:
            # requests' ChunkedEncodingError, ...) is a failure to count, not
            # the end of this client: "0 failed" must mean it.
            except Exception as error:  # noqa: BLE001
                result = Result(sent, time.monotonic(), None, None, f"{type(error).__name__}: {error}")
            with self._lock:
                self.results.append(result)

    def between(self, start: float, end: float) -> Iterator[Result]:
        with self._lock:
            snapshot = list(self.results)
        return (result for result in snapshot if start <= result.sent_at < end)

    def until_running(self, timeout_s: float = 30) -> None:
        """Wait until the load has had as many answers as it has clients."""
        poll_until(lambda: len(self.results) >= self.clients, timeout_s=timeout_s,
                   awaited=f"the load on {self.host}{self.path} to run")

    def answered_since(self, start: float) -> list[Result]:
        """Every answer (or failure) that came at or after `start`, including
        those to requests already on their way then."""
        with self._lock:
            return [result for result in self.results if result.answered_at >= start]

    def failures(self) -> list[Result]:
        with self._lock:
            return [result for result in self.results if not result.ok]
