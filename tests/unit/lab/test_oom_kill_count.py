"""The OOM kill counter is read from a memory cgroup's own files: v2's
memory.events and v1's memory.oom_control (lab.docker_ops)."""
from __future__ import annotations

from lab.docker_ops import oom_kill_count


def test_cgroup_v2_memory_events_give_the_oom_kill_count() -> None:
    assert oom_kill_count("low 0\nhigh 0\nmax 12\noom 3\noom_kill 69\noom_group_kill 0\n") == 69


def test_cgroup_v1_oom_control_gives_the_oom_kill_count() -> None:
    assert oom_kill_count("oom_kill_disable 0\nunder_oom 0\noom_kill 355\n") == 355


def test_counters_without_the_line_give_none() -> None:
    assert oom_kill_count("cat: /sys/fs/cgroup/memory.events: No such file or directory\n") is None
