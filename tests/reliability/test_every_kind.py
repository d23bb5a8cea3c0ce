"""Every resource type under the faults that leave a create's outcome unknown — dropped answers, 503
bursts after the commit, provider processes SIGKILLed, a double Ctrl-C — then an ``up`` without
faults: per type, how many runs converged, and the duplicates, orphans and lost objects left.

A run: the all-kinds reliability stack (``reliability:allKinds``: all 17 types) is brought up under
one fault, which may stop it; then, faults off, ``up`` once more must converge: the state matches
the platforms (no duplicate, orphan or lost object of any type) with nothing pending, and nothing is
left to change. localcloud's edge agent connects the device (a deployment runs only on a running
device). The figures are printed (``-s``) for each scenario."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.reliability.inventory import TYPE_PREFIX, mismatches, pending_operations, platform_inventory
from tests.reliability.stack import UP, reliability_stack, resource_count
from tests.reliability.test_fault_injection import fired, inject
from tests.support.engine_cli import EngineCli
from tests.support.examples import edge_agent
from tests.support.localcloud import Credentials, LocalCloudProcess
from tests.support.providers import last_seq, mutating_calls

KINDS = (
    "modelarts:Workspace",
    "modelarts:Network",
    "modelarts:ResourcePool",
    "modelarts:NodePool",
    "modelarts:Model",
    "modelarts:InferenceService",
    "hilens:Workspace",
    "hilens:Device",
    "hilens:ConfigMap",
    "hilens:Secret",
    "hilens:Deployment",
    "central:Cluster",
    "central:ClusterNodes",
    "central:Workload",
    "central:AlgorithmPackage",
    "central:AlgorithmService",
    "central:AnalysisTask",
)
PROBLEMS = ("duplicate", "orphan", "lost")
FIGURES = Path(os.environ.get("AICOMPUTE_RELIABILITY_FIGURES", "build/reliability"))
"""Where each scenario's table is written too (xdist workers' output is not shown)."""


class Tally:
    """Per type: runs, how many objects the faulted runs left unknown to the state (a pending
    operation, or an object the state lacks; counted after each faulted run), converged runs, and the
    problems left after the recovering ``up``."""

    def __init__(self) -> None:
        self.runs: Counter[str] = Counter()
        self.unknown: Counter[str] = Counter()
        self.converged: Counter[str] = Counter()
        self.problems: dict[str, Counter[str]] = {problem: Counter() for problem in PROBLEMS}

    def faulted(self, cli: EngineCli, problems: list[str]) -> None:
        """What the faulted run left for the recovering ``up`` to resolve."""
        latest = cli.state()["checkpoint"].get("latest") or {}
        for operation in latest.get("pending_operations") or []:
            self.unknown[operation["resource"]["type"].removeprefix(TYPE_PREFIX)] += 1
        for problem in problems:
            if problem.startswith("orphan"):
                self.unknown[problem.split(" ", 2)[1]] += 1

    def record(self, problems: list[str]) -> None:
        for kind in KINDS:
            mine = [p for p in problems if p.split(" ", 2)[1] == kind]
            self.runs[kind] += 1
            self.converged[kind] += not mine
            for problem in PROBLEMS:
                self.problems[problem][kind] += sum(p.startswith(problem) for p in mine)

    def table(self, title: str) -> str:
        lines = [title, f"{'type':28} runs unknown converged duplicates orphans lost"]
        for kind in KINDS:
            counts = [self.problems[p][kind] for p in PROBLEMS]
            lines.append(
                f"{kind:28} {self.runs[kind]:4} {self.unknown[kind]:7} {self.converged[kind]:9} "
                f"{counts[0]:10} {counts[1]:7} {counts[2]:4}"
            )
        return "\n".join(lines)


@pytest.fixture
def faults(localcloud: LocalCloudProcess) -> Iterator[LocalCloudProcess]:
    localcloud.clear_faults()
    try:
        yield localcloud
    finally:
        localcloud.clear_faults()


def all_kinds(tmp_path: Path, localcloud: LocalCloudProcess, project: Credentials) -> EngineCli:
    return reliability_stack(
        tmp_path, localcloud, project, size=1, config={"reliability:allKinds": "true", "aicompute:maxRetries": "10"}
    )


def recover(cli: EngineCli, localcloud: LocalCloudProcess, project: Credentials, tally: Tally) -> None:
    """Faults off, ``up`` to the end: then every type must have converged."""
    localcloud.clear_faults()
    cli.set_config(**{"aicompute:maxRetries": "10"})
    result = cli.run(*UP, expect=None, timeout=900)
    problems = mismatches(cli, localcloud, project)
    tally.record(problems)
    assert result.returncode == 0, result.stdout + result.stderr
    assert problems == [] and pending_operations(cli) == [], problems
    assert platform_inventory(localcloud, project).count() == resource_count(1, all_kinds=True)
    cli.run("preview", "--expect-no-changes", timeout=300)


Scenario = Callable[[EngineCli, LocalCloudProcess, random.Random, Callable[[], None]], None]
"""A scenario runs the stack under its fault, calling its last argument after each faulted run."""


def under_rules(*rules: dict[str, Any], retries: int, rounds: int = 3) -> Scenario:
    """``rounds`` runs of ``up`` under ``rules`` (each goes on from where the last stopped, so the
    faults reach the kinds that wait for others), with ``retries``: few, so that the creates a fault
    hits fail with their outcome unknown (with more, the provider reconciles them itself). Faults
    must have fired over the rounds; not in each: a later round may have only the earlier rounds'
    unknown creates left to look up, which makes no write a rule could hit."""

    def scenario(cli: EngineCli, localcloud: LocalCloudProcess, rng: random.Random, ran: Callable[[], None]) -> None:
        cli.set_config(**{"aicompute:maxRetries": str(retries)})
        faults_fired = 0
        for _ in range(rounds):
            inject(localcloud, rng.randint(1, 10_000), list(rules))
            result = cli.run(*UP, expect=None, timeout=900)
            faults_fired += sum(fired(localcloud).values())
            assert "Traceback" not in result.stdout + result.stderr, result.stdout + result.stderr
            localcloud.clear_faults()
            ran()
        assert faults_fired > 0, f"no fault fired in {rounds} rounds"

    return scenario


def after_writes(cli: EngineCli, localcloud: LocalCloudProcess, writes: int) -> subprocess.Popen[str]:
    """``up`` started; returns once localcloud answered ``writes`` mutating calls (or the run ended)."""
    since = last_seq(localcloud)
    engine = cli.popen(*UP)
    deadline = time.monotonic() + 600
    while len(mutating_calls(localcloud, since)) < writes and engine.poll() is None:
        assert time.monotonic() < deadline, f"fewer than {writes} writes"
        time.sleep(0.01)
    return engine


def provider_processes(engine: subprocess.Popen[str]) -> list[int]:
    """The engine's dynamic provider servers (``python -c <bootstrap> N`` children that run pulumi.dynamic)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        if parent == engine.pid and b"pulumi.dynamic" in cmdline:
            found.append(int(entry.name))
    return found


def provider_sigkill(
    cli: EngineCli, localcloud: LocalCloudProcess, rng: random.Random, ran: Callable[[], None]
) -> None:
    engine = after_writes(cli, localcloud, rng.randint(1, resource_count(1, all_kinds=True)))
    for pid in provider_processes(engine):
        os.kill(pid, signal.SIGKILL)
    out, err = engine.communicate(timeout=900)
    assert "Traceback" not in out + err, out + err
    ran()


def double_ctrl_c(cli: EngineCli, localcloud: LocalCloudProcess, rng: random.Random, ran: Callable[[], None]) -> None:
    engine = after_writes(cli, localcloud, rng.randint(1, resource_count(1, all_kinds=True)))
    engine.send_signal(signal.SIGINT)
    time.sleep(0.2)  # the second signal after the first (an order, not a measure)
    engine.send_signal(signal.SIGINT)
    out, err = engine.communicate(timeout=900)
    assert "Traceback" not in out + err, out + err
    if engine.returncode != 0:
        assert engine.returncode == 1 and "update canceled" in out, out + err
    ran()


SCENARIOS: dict[str, Scenario] = {
    "dropped-responses": under_rules(
        {"method": "POST", "drop_response": True, "probability": 0.3},
        {"method": "PUT", "drop_response": True, "probability": 0.2},
        # node pools and devices wait for a pool and a workspace: their creates' answers are lost once
        {"method": "POST", "path": "/(nodepools|ai-mgr/nodes)$", "drop_response": True, "count": 2},
        retries=0,
    ),
    "503-bursts-after-commit": under_rules(
        {"method": "POST", "status": 503, "after_commit": True, "probability": 0.3},
        {"method": "GET", "status": 503, "probability": 0.3},
        retries=1,
    ),
    "provider-sigkill": provider_sigkill,
    "double-ctrl-c": double_ctrl_c,
}


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc to find the provider processes")
@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_every_type_converges_after_creates_whose_outcome_was_unknown(
    tmp_path: Path, faults: LocalCloudProcess, scenario: str, seeds: int = 3
) -> None:
    tally = Tally()
    for seed in range(seeds):
        project = faults.new_project()  # each run on a project of its own
        cli = all_kinds(tmp_path / f"run-{seed}", faults, project)
        with edge_agent(faults, project):

            def ran(cli: EngineCli = cli, project: Credentials = project) -> None:
                faults.clear_faults()
                tally.faulted(cli, mismatches(cli, faults, project))

            SCENARIOS[scenario](cli, faults, random.Random(f"{scenario}-{seed}"), ran)
            recover(cli, faults, project, tally)
    report = tally.table(f"{scenario}: {seeds} runs")
    print("\n" + report)
    FIGURES.mkdir(parents=True, exist_ok=True)
    (FIGURES / f"{scenario}.txt").write_text(report + "\n")
    assert all(tally.converged[kind] == seeds for kind in KINDS)


def test_the_all_kinds_stack_has_every_type_and_comes_up_clean(
    tmp_path: Path, faults: LocalCloudProcess, project: Credentials
) -> None:
    cli = all_kinds(tmp_path, faults, project)
    with edge_agent(faults, project):
        recover(cli, faults, project, Tally())
    assert set(platform_inventory(faults, project).ids) == set(KINDS)
