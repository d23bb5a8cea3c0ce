"""``aicompute up`` of dozens of resources on three platforms while localcloud injects faults: random
503 and 429 (with Retry-After), added latency, creates whose response is dropped after the commit,
and a platform error on one resource. The run converges or stops with a clear error; either way the
state matches the platforms (no duplicate, no orphan, no lost resource) and a second ``up`` with
the faults off converges with nothing left to change."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.reliability.inventory import mismatches, pending_operations, platform_inventory
from tests.reliability.stack import DESTROY, UP, reliability_stack, resource_count
from tests.support.localcloud import Credentials, LocalCloudProcess


def transient_faults(share: float) -> list[dict[str, Any]]:
    """503s and 429s on ``share`` of all platform calls, latency on more, and lost create answers."""
    return [
        {"status": 503, "retry_after": 0, "probability": share / 2},
        {"status": 429, "retry_after": 0, "probability": share / 2},
        {"latency_ms": 30, "probability": 2 * share},
        {
            "method": "POST",
            "path": r"/(workspaces|networks|configmaps|secrets|clusters|workloads|AlgoPackages)$",
            "drop_response": True,
            "probability": share,
        },
    ]


@pytest.fixture
def faults(localcloud: LocalCloudProcess) -> Iterator[LocalCloudProcess]:
    """localcloud with no fault rules before and after the test."""
    localcloud.clear_faults()
    try:
        yield localcloud
    finally:
        localcloud.clear_faults()


def inject(localcloud: LocalCloudProcess, seed: int, rules: list[dict[str, Any]]) -> None:
    localcloud.admin("POST", "/faults/seed", json={"seed": seed})
    for rule in rules:
        localcloud.add_fault(**rule)


def fired(localcloud: LocalCloudProcess) -> dict[str, int]:
    """How often each kind of fault fired (read before the rules are cleared)."""
    counts: dict[str, int] = {}
    for rule in localcloud.admin("GET", "/faults"):
        kind = "drop" if rule["drop_response"] else str(rule["status"] or "latency")
        counts[kind] = counts.get(kind, 0) + int(rule["fired"])
    return counts


def converges_after(cli: Any, localcloud: LocalCloudProcess, project: Credentials, size: int) -> None:
    """With the faults off: state matches the platforms, an up completes it, then nothing is left."""
    localcloud.clear_faults()
    assert mismatches(cli, localcloud, project) == []
    cli.run(*UP, timeout=600)
    assert mismatches(cli, localcloud, project) == [] and pending_operations(cli) == []
    assert platform_inventory(localcloud, project).count() == resource_count(size)
    cli.run("preview", "--expect-no-changes", timeout=300)


def run_under_faults(
    tmp_path: Path, localcloud: LocalCloudProcess, project: Credentials, size: int, seed: int, share: float
) -> None:
    cli = reliability_stack(tmp_path, localcloud, project, size, config={"aicompute:maxRetries": "10"})
    inject(localcloud, seed, transient_faults(share))
    result = cli.run(*UP, expect=None, timeout=900)
    counts = fired(localcloud)
    assert counts.get("503") and counts.get("429") and counts.get("drop"), counts  # the faults did happen
    output = result.stdout + result.stderr
    assert "Traceback" not in output
    if result.returncode != 0:  # it may stop, but with an error that names the resource and the cause
        assert result.returncode == 1 and "error: " in result.stdout, output
    converges_after(cli, localcloud, project, size)


def test_up_under_random_503_429_latency_and_dropped_creates_keeps_state_and_platforms_in_step(
    tmp_path: Path, faults: LocalCloudProcess, project: Credentials
) -> None:
    run_under_faults(tmp_path, faults, project, size=4, seed=8, share=0.2)


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_large_stack_under_heavier_faults_for_several_seeds(
    tmp_path: Path, faults: LocalCloudProcess, project: Credentials, seed: int
) -> None:
    run_under_faults(tmp_path, faults, project, size=10, seed=seed, share=0.35)


def test_a_platform_error_on_one_resource_stops_the_run_with_its_reason_and_loses_nothing(
    tmp_path: Path, faults: LocalCloudProcess, project: Credentials
) -> None:
    cli = reliability_stack(tmp_path, faults, project, size=4)
    faults.fail_next(project.project_id, "central.workload", message="image pull failed: manifest unknown")
    inject(faults, 5, transient_faults(0.1))
    result = cli.run(*UP, expect=1, timeout=900)
    failed = [line for line in result.stdout.splitlines() if line.strip().startswith("error: ")]
    assert any("cc-wl-" in line and "image pull failed: manifest unknown" in line for line in failed), result.stdout
    assert "Traceback" not in result.stdout + result.stderr
    converges_after(cli, faults, project, size=4)


@pytest.mark.slow
def test_destroy_under_faults_and_dropped_deletes_leaves_nothing_behind(
    tmp_path: Path, faults: LocalCloudProcess, project: Credentials
) -> None:
    cli = reliability_stack(tmp_path, faults, project, size=4, config={"aicompute:maxRetries": "10"})
    cli.run(*UP, timeout=600)
    rules = [*transient_faults(0.2), {"method": "DELETE", "drop_response": True, "probability": 0.3}]
    inject(faults, 21, rules)
    result = cli.run(*DESTROY, expect=None, timeout=900)
    assert fired(faults).get("drop"), fired(faults)
    faults.clear_faults()
    assert "Traceback" not in result.stdout + result.stderr
    if result.returncode != 0:
        assert result.returncode == 1 and "error: " in result.stdout, result.stdout
    assert mismatches(cli, faults, project) == []
    cli.run(*DESTROY, timeout=600)
    assert platform_inventory(faults, project).count() == 0 and cli.resources() == {}
