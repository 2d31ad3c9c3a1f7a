"""SQL in the lab's PostgreSQL: psql inside the db container, as postgres."""
from __future__ import annotations

from lab.docker_ops import DockerLab
from lab.errors import LabError


def query(lab: DockerLab, database: str, sql: str) -> str:
    """psql's unaligned output, without headers, of `sql` run in `database`."""
    result = lab.exec("db", ["psql", "--no-psqlrc", "--tuples-only", "--no-align", "--set", "ON_ERROR_STOP=1",
                             f"--dbname={database}", "--command", sql], user="postgres")
    if result.exit_code != 0:
        raise LabError(f"psql in {database} failed (exit {result.exit_code}): {result.output.strip()}")
    return result.output.strip()
