"""The engine SIGKILLed (with its provider processes: the whole process group) at random points of an
``up`` and a ``destroy``, repeatedly, from a seeded RNG. Each kill point is drawn as a number of
platform writes to let through first, so the points spread over the run whatever the machine's
speed. After every kill the next ``up``/``destroy`` converges: no duplicate, no orphan, no lost
resource, no pending operation, and the lock the killed engine left does not block it."""

from __future__ import annotations

import json
import os
import random
import signal
import socket
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from aicompute.engine.backend.lock import StackLock, StackLocked
from tests.reliability.inventory import mismatches, pending_operations, platform_inventory
from tests.reliability.stack import DESTROY, UP, kill_group, reliability_stack, resource_count, start_in_group
from tests.support.engine_cli import EngineCli
from tests.support.localcloud import Credentials, LocalCloudProcess
from tests.support.providers import last_seq, mutating_calls


def kill_after_writes(cli: EngineCli, localcloud: LocalCloudProcess, writes: int, *args: str) -> str | None:
    """Run ``aicompute ARGS`` and SIGKILL its process group once localcloud has answered ``writes``
    mutating calls: None; or the run's output when it ended first."""
    since = last_seq(localcloud)
    engine = start_in_group(cli, *args)
    deadline = time.monotonic() + 600
    while len(mutating_calls(localcloud, since)) < writes:
        if engine.poll() is not None:
            output, _ = engine.communicate()
            assert engine.returncode == 0, output
            return output
        assert time.monotonic() < deadline, f"fewer than {writes} writes"
        time.sleep(0.01)
    output = kill_group(engine)
    if engine.returncode != -signal.SIGKILL:  # it ended on its own just before the kill
        assert engine.returncode == 0, output
        return output
    assert lock_files(cli), "a killed engine leaves its lock"
    return None


class Rounds:
    """Runs that may be killed; the first run after a kill must say it broke the killed run's lock."""

    def __init__(self, cli: EngineCli, localcloud: LocalCloudProcess, seed: int) -> None:
        self.cli, self.localcloud, self.rng = cli, localcloud, random.Random(seed)
        self.after_kill = False
        self.kills = 0

    def run(self, writes: int, *args: str) -> None:
        """Kill ``aicompute ARGS`` after 1 to ``writes`` platform writes (drawn), if any are left to do."""
        if writes < 1:
            return
        output = kill_after_writes(self.cli, self.localcloud, self.rng.randint(1, writes), *args)
        self.kills += output is None
        self.check(output)

    def check(self, output: str | None) -> None:
        if output is not None and self.after_kill:
            assert "removed a stale lock" in output, output
        self.after_kill = output is None


def lock_files(cli: EngineCli) -> list[Path]:
    return sorted((cli.state_dir / ".pulumi" / "locks").rglob("*.json"))


def converge(cli: EngineCli, localcloud: LocalCloudProcess, project: Credentials, *args: str) -> str:
    """Run to the end; then the state matches the platforms with nothing pending."""
    result = cli.run(*args, timeout=600)
    assert mismatches(cli, localcloud, project) == [] and pending_operations(cli) == []
    assert lock_files(cli) == []
    return result.stdout + result.stderr


def crash_and_recover(
    tmp_path: Path, localcloud: LocalCloudProcess, project: Credentials, size: int, seed: int, rounds: int
) -> int:
    """Kill ``rounds`` runs of up, converge, the same for destroy; how many runs were killed."""
    cli = reliability_stack(tmp_path, localcloud, project, size)
    runs = Rounds(cli, localcloud, seed)
    # Each object still to create takes a POST at least (and to delete a DELETE), so drawing from
    # that many writes always kills the run.
    for _ in range(rounds):
        runs.run(resource_count(size) - platform_inventory(localcloud, project).count(), *UP)
    runs.check(converge(cli, localcloud, project, *UP))
    assert platform_inventory(localcloud, project).count() == resource_count(size)
    cli.run("preview", "--expect-no-changes", timeout=300)

    for _ in range(rounds):
        runs.run(platform_inventory(localcloud, project).count(), *DESTROY)
    runs.check(converge(cli, localcloud, project, *DESTROY))
    assert platform_inventory(localcloud, project).count() == 0 and cli.resources() == {}
    return runs.kills


def test_killed_once_in_up_and_once_in_destroy_then_both_converge(
    tmp_path: Path, localcloud: LocalCloudProcess, project: Credentials
) -> None:
    assert crash_and_recover(tmp_path, localcloud, project, size=1, seed=11, rounds=1) == 2


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5, 6])
def test_killed_repeatedly_at_seeded_random_points(
    tmp_path: Path, localcloud: LocalCloudProcess, project: Credentials, seed: int
) -> None:
    assert crash_and_recover(tmp_path, localcloud, project, size=6, seed=seed, rounds=4) >= 2


@pytest.mark.parametrize(
    ("collection", "resource"),
    [
        pytest.param("AlgoPackages", "cc-pkg-0", marks=pytest.mark.slow),
        pytest.param("AlgoServices", "cc-svc", marks=pytest.mark.slow),
        ("AlgoTasks", "cc-task-0"),
    ],
)
def test_a_create_killed_right_after_its_post_is_adopted_by_the_next_up(
    tmp_path: Path, localcloud: LocalCloudProcess, project: Credentials, collection: str, resource: str
) -> None:
    """Kinds found by something other than a name: algorithm packages whose id the provider chose
    (no package_id), services (found by their inputs) and tasks (found by their stream). The next
    up must adopt what the killed create made, not make a second one or fail."""
    cli = reliability_stack(tmp_path, localcloud, project, size=1, config={"reliability:packageIds": "false"})
    localcloud.add_fault(method="GET", path=f"^/CAP/{collection}/", latency_ms=5_000, count=1)
    try:
        assert kill_after_posts_to(cli, localcloud, f"/CAP/{collection}", *UP) is None
    finally:
        localcloud.clear_faults()
    assert ("creating", resource) in pending_operations(cli) and resource not in cli.resources()
    converge(cli, localcloud, project, *UP)
    assert platform_inventory(localcloud, project).count() == resource_count(1)


def kill_after_posts_to(cli: EngineCli, localcloud: LocalCloudProcess, path: str, *args: str) -> str | None:
    """Run ``aicompute ARGS`` and SIGKILL its process group once localcloud has answered a POST to ``path``."""
    since = last_seq(localcloud)
    engine = start_in_group(cli, *args)
    deadline = time.monotonic() + 600
    while not any(r["method"] == "POST" and r["path"] == path for r in localcloud.requests(since)):
        if engine.poll() is not None:
            return engine.communicate()[0]
        assert time.monotonic() < deadline, f"no POST {path}"
        time.sleep(0.01)
    output = kill_group(engine)
    return None if engine.returncode == -signal.SIGKILL else output


def test_a_lock_whose_pid_a_later_process_took_is_broken_and_a_held_one_is_not(tmp_path: Path) -> None:
    """A killed engine's pid is soon reused (in a container, by the next job): a lock is stale when the
    process now holding its pid started after the lock was taken."""
    lock_dir = tmp_path / "locks"
    lock_dir.mkdir()
    mine = {"pid": os.getpid(), "username": "ci", "hostname": socket.gethostname()}
    reused = lock_dir / "reused.json"
    reused.write_text(json.dumps({**mine, "timestamp": "2020-01-01T00:00:00.123456789+08:00"}))
    with StackLock(lock_dir, "'dev'") as lock:
        assert not reused.exists() and "stale lock" in lock.notices[0]
    held = lock_dir / "held.json"
    held.write_text(json.dumps({**mine, "timestamp": datetime.now(UTC).isoformat()}))
    with pytest.raises(StackLocked, match="ci@"):
        StackLock(lock_dir, "'dev'").acquire()
