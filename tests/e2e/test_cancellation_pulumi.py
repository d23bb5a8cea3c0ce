"""The same cancellations and ``destroy --yes`` with a protected resource, run by ``aicompute`` and by
the real Pulumi CLI on the ``filestate`` project: both behave alike (the reference for
``test_cancellation.py``)."""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.test_cancellation import lock_files, pending, wait_until
from tests.support.engine_cli import EngineCli, FileState
from tests.support.pulumi_cli import PulumiCli

UP = ("up", "--yes", "--skip-preview")
CLIS = ("aicompute", "pulumi")


class Project:
    """The filestate project under one CLI: its spec file, its objects, its calls."""

    def __init__(self, cli: EngineCli) -> None:
        self.cli = cli
        self.spec_file = cli.root / "spec.json"

    def spec(self, *things: dict[str, Any]) -> None:
        self.spec_file.write_text(json.dumps({"things": list(things)}))

    def files(self) -> set[str]:
        return {p.stem for p in self.cli.objects.glob("*.json")}

    def deletes(self) -> list[str]:
        log = self.cli.objects / "calls.log"
        return [line.split()[1] for line in log.read_text().splitlines() if line.startswith("delete ")]


@pytest.fixture(params=CLIS)
def project(request: pytest.FixtureRequest, tmp_path: Path) -> Project:
    if request.param == "pulumi":
        cli: EngineCli = PulumiCli(tmp_path, "filestate", request.getfixturevalue("pulumi_bin"))
    else:
        cli = FileState(tmp_path)
    config = {"filestate:spec": str(tmp_path / "spec.json"), "filestate:dir": str(cli.objects)}
    cli.init(**config)
    return Project(cli)


def test_destroy_yes_refuses_before_deleting_anything_when_a_resource_is_protected(project: Project) -> None:
    project.spec({"name": "base", "value": 1, "protect": True}, {"name": "x", "from": "base"}, {"name": "y"})
    project.cli.run(*UP, timeout=300)
    refused = project.cli.run("destroy", "--yes", expect=None, timeout=300)
    assert refused.returncode != 0
    assert "state unprotect" in refused.stdout + refused.stderr
    assert project.files() == {"base", "x", "y"} and project.deletes() == []


def test_sigterm_finishes_the_step_in_flight_and_says_update_canceled(project: Project) -> None:
    project.spec({"name": "a", "value": 1, "sleep": 3}, {"name": "b", "from": "a"})
    engine = project.cli.popen(*UP)
    wait_until(lambda: "a" in project.files(), "a is being created")
    engine.send_signal(signal.SIGTERM)
    out, err = engine.communicate(timeout=300)
    assert engine.returncode != 0 and "update canceled" in out + err, out + err
    assert "a" in project.cli.resources() and "b" not in project.cli.resources()
    assert pending(project.cli) == [] and lock_files(project.cli) == []  # type: ignore[arg-type]


def test_a_second_sigint_leaves_the_create_in_flight_pending_in_the_checkpoint(project: Project) -> None:
    project.spec({"name": "slow", "value": 1, "sleep": 600})
    engine = project.cli.popen(*UP)
    wait_until(lambda: "slow" in project.files(), "slow is being created")
    engine.send_signal(signal.SIGINT)
    time.sleep(1)  # the second signal after the first (an order, not a measure)
    engine.send_signal(signal.SIGINT)
    out, err = engine.communicate(timeout=300)
    assert engine.returncode != 0, out + err
    assert pending(project.cli) == [("creating", "slow")]  # type: ignore[arg-type]
