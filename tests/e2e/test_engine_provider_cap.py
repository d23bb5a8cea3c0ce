"""The provider server's width: 16 operations at a time in one process by default; with
AICOMPUTE_PROVIDER_OPERATIONS=4 and AICOMPUTE_MAX_PROVIDER_PROCESSES=1, the Pulumi CLI's one
provider process, 4 operations at a time."""

from __future__ import annotations

from pathlib import Path

from aicompute.engine.deploy.providers.plugin import MAX_PROCESSES_ENV, OPERATIONS_ENV
from tests.support.engine_cli import FileState


def test_one_provider_process_runs_four_operations_at_a_time(tmp_path: Path) -> None:
    # 6 creates of 1 s each with --parallel 6: two processes take about 1 s; one process takes two
    # rounds (4, then 2), about 2 s.
    fs = FileState(tmp_path)
    fs.init()
    fs.env[MAX_PROCESSES_ENV] = "1"
    fs.env[OPERATIONS_ENV] = "4"
    fs.spec(*({"name": f"t{i}", "value": i, "sleep": 1.0} for i in range(6)))
    fs.run("up", "--yes", "--skip-preview", "--parallel", "6")
    creates = [c for c in fs.calls() if c[0] == "create"]
    assert len(creates) == 6
    assert 1.95 < max(c[3] for c in creates) - min(c[2] for c in creates) < 3.5
    starts = sorted(c[2] for c in creates)
    assert starts[4] - starts[0] > 0.9  # the fifth create waited for a free slot of the one process


def test_one_default_provider_process_runs_more_than_four_operations_at_a_time(tmp_path: Path) -> None:
    fs = FileState(tmp_path)
    fs.init()
    fs.env[MAX_PROCESSES_ENV] = "1"
    fs.spec(*({"name": f"t{i}", "value": i, "sleep": 1.0} for i in range(6)))
    fs.run("up", "--yes", "--skip-preview", "--parallel", "6")
    creates = sorted(c for c in fs.calls() if c[0] == "create")
    assert len(creates) == 6
    starts = sorted(c[2] for c in creates)
    assert starts[5] - starts[0] < 0.9  # all six started before the first could end: no second round


def test_an_invalid_cap_fails_the_run_with_a_clear_error(tmp_path: Path) -> None:
    fs = FileState(tmp_path)
    fs.init()
    fs.env[MAX_PROCESSES_ENV] = "zero"
    fs.spec({"name": "a", "value": 1})
    failed = fs.run("preview", expect=1)
    assert f"{MAX_PROCESSES_ENV} must be a positive integer" in failed.stderr
    assert fs.calls() == []
