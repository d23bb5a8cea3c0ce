"""localcloud stopped and started again on the same port and database while ``aicompute up`` creates
the reliability stack: the run recovers (its calls retry) or fails cleanly, and the next ``up``
converges with the state matching the platforms."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.reliability.inventory import mismatches, pending_operations, platform_inventory
from tests.reliability.stack import UP, reliability_stack, resource_count, start_in_group
from tests.support.localcloud import Credentials, LocalCloudProcess
from tests.support.providers import mutating_calls


@pytest.fixture
def own_localcloud(tmp_path: Path) -> Iterator[LocalCloudProcess]:
    """A localcloud of this test only, persisted in a file so that a restart keeps its objects."""
    server = LocalCloudProcess(db=str(tmp_path / "localcloud.db"), time_scale=0.01).start()
    try:
        yield server
    finally:
        server.stop()


def restart_during_up(
    tmp_path: Path, server: LocalCloudProcess, size: int, writes: int, down_for: float
) -> tuple[int, str, Credentials]:
    """Stop localcloud once it has answered ``writes`` mutating calls, keep it down ``down_for``
    seconds, start it again on its port; the run's exit code and output."""
    project = server.new_project()
    cli = reliability_stack(tmp_path / "stack", server, project, size, config={"aicompute:maxRetries": "12"})
    engine = start_in_group(cli, *UP)
    deadline = time.monotonic() + 300
    while len(mutating_calls(server, 0)) < writes and engine.poll() is None:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    port = server.port
    server.stop()
    time.sleep(down_for)
    server.start(port=port)
    output, _ = engine.communicate(timeout=900)
    assert "Traceback" not in output, output
    if engine.returncode != 0:
        assert engine.returncode == 1 and "error: " in output, output
    localcloud_converges(cli, server, project, size)
    return engine.returncode, output, project


def localcloud_converges(cli: object, server: LocalCloudProcess, project: Credentials, size: int) -> None:
    from tests.support.engine_cli import EngineCli

    assert isinstance(cli, EngineCli)
    cli.run(*UP, timeout=600)
    assert mismatches(cli, server, project) == [] and pending_operations(cli) == []
    assert platform_inventory(server, project).count() == resource_count(size)
    cli.run("preview", "--expect-no-changes", timeout=300)


def test_a_short_restart_mid_up_is_ridden_out_by_retries(tmp_path: Path, own_localcloud: LocalCloudProcess) -> None:
    code, output, _ = restart_during_up(tmp_path, own_localcloud, size=2, writes=6, down_for=0.5)
    assert code == 0, output


@pytest.mark.slow
@pytest.mark.parametrize(("writes", "down_for"), [(3, 0.2), (12, 2.0), (20, 8.0)])
def test_restarts_at_several_points_and_lengths(
    tmp_path: Path, own_localcloud: LocalCloudProcess, writes: int, down_for: float
) -> None:
    restart_during_up(tmp_path, own_localcloud, size=6, writes=writes, down_for=down_for)
