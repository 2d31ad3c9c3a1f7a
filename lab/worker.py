"""The Celery worker in each web container (the app's Celery app, lab.app:
the stand-in's spacedock.tasks or SpaceDock's KerbalStuff.celery:app, on a
Redis database of the container's own), reached with `python3 -m celery` in
the container, as the app's user and from the app's directory (SpaceDock reads
its config.ini and logging.ini from there): who answers, and queueing a task."""
from __future__ import annotations

import json

from lab.app import App
from lab.docker_ops import DockerLab, ExecResult
from lab.errors import LabError

# the stand-in's (app/spacedock/tasks.py)
CALCULATE_MOD_SCORES = "spacedock.tasks.calculate_mod_scores"


class CeleryWorkers:
    def __init__(self, lab: DockerLab, app: App) -> None:
        self._lab = lab
        self._app = app

    def _celery(self, service: str, *arguments: str) -> ExecResult:
        return self._lab.exec(service, ["python3", "-m", "celery", "--app", self._app.celery_app, *arguments],
                              user="www-data", workdir=self._app.directory)

    def answering(self, service: str, timeout_s: float = 3.0) -> set[str]:
        """The workers that answer a ping on the service's broker within
        timeout_s: {"celery@sd1a"} when its own worker runs and no other shares it."""
        result = self._celery(service, "inspect", "ping", "--json", "--timeout", f"{timeout_s:g}")
        # the JSON is the last line; with no answer, celery says so and exits 69
        lines = result.output.strip().splitlines()
        if result.exit_code != 0 or not lines or not lines[-1].startswith("{"):
            return set()
        return set(json.loads(lines[-1]))

    def answers(self, service: str, timeout_s: float = 3.0) -> bool:
        """Whether the service's own worker answers a ping (at once when it does)."""
        return self._celery(service, "inspect", "ping", "--timeout", f"{timeout_s:g}",
                            "--destination", f"celery@{service}").exit_code == 0

    def queue(self, service: str, task: str) -> str:
        """Queues `task` on the service's broker; returns the task's id."""
        result = self._celery(service, "call", task)
        if result.exit_code != 0:
            raise LabError(f"queueing {task} in {service} failed (exit {result.exit_code}): {result.output}")
        return result.output.strip()
