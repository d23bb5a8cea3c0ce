"""Every example project under the real Pulumi CLI (``make pulumi``) against localcloud.

Each runs as a user runs it in an IaC repository — ``pulumi login file://…``, a passphrase, the
provider settings in the environment, the interpreter aicompute is installed in as
``PULUMI_PYTHON_CMD`` — through its whole life: ``preview``, ``up --yes``, ``preview
--expect-no-changes``, the example's meaningful change with the exact platform writes it makes,
``refresh --yes`` (after which nothing is to change), ``destroy --yes``; then the platforms hold
nothing of the stack and the state no resource.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.support.central import central_writes
from tests.support.engine_cli import EXAMPLES
from tests.support.examples import edge_agent, provider_env
from tests.support.inventory import everything
from tests.support.localcloud import Credentials, LocalCloudProcess
from tests.support.providers import last_seq
from tests.support.pulumi_cli import PulumiCli

Writes = list[tuple[str, str]]
TOKEN = "pulumi-cli-token-3b8e"
WORKLOADS = "/CCP/algoservice/workloads"
STREAMS = {
    "gate": {"url": "rtsp://10.0.0.7/gate", "resolution": "PIXELS_200W"},
    "lobby": {"url": "rtsp://10.0.0.8/lobby", "resolution": "PIXELS_200W"},
    "dock": {"url": "rtsp://10.0.0.9/dock", "resolution": "PIXELS_400W"},
}


@dataclass(frozen=True)
class Lifecycle:
    """One example's life: the change (``pulumi config set`` arguments, applied in order) and the
    platform writes it must make, computed from the project and the stack's outputs before it."""

    change: list[tuple[str, ...]]
    writes: Callable[[Credentials, dict[str, Any]], Writes]
    secrets: dict[str, str] = field(default_factory=dict)
    needs: str | None = None  # an example whose stack this one reads (deployed first, destroyed after)
    agent: bool = False  # devices must connect before a deployment rolls out


def _hilens(project: Credentials, rest: str) -> str:
    return f"/v3/{project.project_id}/ai-mgr/{rest}"


LIFECYCLES: dict[str, Lifecycle] = {
    "quickstart": Lifecycle(
        change=[("replicas", "3")],
        writes=lambda _, out: [("PUT", f"{WORKLOADS}/{out['detector_workload']}")],
        secrets={"apiToken": TOKEN},
    ),
    "central-compute-cluster": Lifecycle(
        change=[("detectorReplicas", "3")],
        writes=lambda _, out: [("PUT", f"{WORKLOADS}/{out['engine_names']['detector']}")],
    ),
    "video-analytics-pipeline": Lifecycle(
        change=[("streams", json.dumps(STREAMS))],
        writes=lambda _, out: [("POST", "/CAP/AlgoTasks")],
    ),
    "training-platform": Lifecycle(
        change=[("gpuNodes", "2")],
        writes=lambda p, out: [("PATCH", f"/v2/{p.project_id}/pools/{out['pool_id']}/nodepools/gpu")],
    ),
    "inference-endpoint": Lifecycle(
        change=[("instances", "2")],
        writes=lambda p, out: [("PUT", f"/v1/{p.project_id}/services/{out['service_id']}/property")],
    ),
    "edge-fleet": Lifecycle(
        change=[("--path", "devices.cam-dock.description", "loading dock camera")],
        writes=lambda p, out: [
            ("POST", _hilens(p, "nodes")),
            ("PUT", _hilens(p, f"deployments/{out['deployment_id']}/nodes")),
        ],
        secrets={"apiToken": TOKEN},
        agent=True,
    ),
    "multi-stack/platform": Lifecycle(
        change=[("imageRegistry", "registry.local/vision-v2")],
        writes=lambda _, out: [],  # only the platform stack's output changes
    ),
    "multi-stack/app": Lifecycle(
        change=[("replicas", "3")],
        writes=lambda _, out: [("PUT", f"{WORKLOADS}/{out['workload_name']}")],
        needs="multi-stack/platform",
    ),
}
# Config the edge-fleet program reads as an object (set before the first up, so --path extends it).
INITIAL_PATHS = {
    "edge-fleet": [
        ("devices.cam-lobby.description", "lobby camera"),
        ("devices.cam-gate.description", "gate camera"),
    ]
}


def example_projects() -> list[str]:
    """Folders of examples/ holding a Pulumi project, as paths relative to examples/."""
    return sorted(str(p.parent.relative_to(EXAMPLES)) for p in EXAMPLES.rglob("Pulumi.yaml"))


def stack(root: Path, example: str, bin_dir: Path, env: dict[str, str], lifecycle: Lifecycle) -> PulumiCli:
    cli = PulumiCli(root, example, bin_dir, source=EXAMPLES, env=env)
    cli.init()
    for key, value in lifecycle.secrets.items():
        cli.set_secret(key, value)
    for path, value in INITIAL_PATHS.get(example, []):
        cli.run("config", "set", "--path", path, value)
    return cli


def writes_since(localcloud: LocalCloudProcess, since: int) -> Writes:
    return [(call["method"], call["path"]) for call in central_writes(localcloud, since)]


@pytest.mark.slow
@pytest.mark.parametrize("example", example_projects())
def test_example_lifecycle_under_the_pulumi_cli(
    example: str, tmp_path: Path, localcloud: LocalCloudProcess, project: Credentials, pulumi_bin: Path
) -> None:
    lifecycle = LIFECYCLES[example]
    env = provider_env(localcloud, project)
    needed = stack(tmp_path, lifecycle.needs, pulumi_bin, env, LIFECYCLES[lifecycle.needs]) if lifecycle.needs else None
    agent: AbstractContextManager[None] = edge_agent(localcloud, project) if lifecycle.agent else nullcontext()
    with agent:
        if needed is not None:
            needed.run("up", "--yes", "--skip-preview", timeout=300)
        cli = stack(tmp_path, example, pulumi_bin, env, lifecycle)
        preview = cli.run("preview", timeout=300)
        assert "to create" in preview.stdout, preview.stdout
        up = cli.run("up", "--yes", "--skip-preview", timeout=300)
        assert "created" in up.stdout, up.stdout
        cli.run("preview", "--expect-no-changes", timeout=300)
        before = json.loads(cli.run("stack", "output", "--json", "--show-secrets").stdout)

        for setting in lifecycle.change:
            cli.run("config", "set", *setting)
        since = last_seq(localcloud)
        cli.run("up", "--yes", "--skip-preview", timeout=300)
        assert writes_since(localcloud, since) == lifecycle.writes(project, before)
        cli.run("preview", "--expect-no-changes", timeout=300)

        since = last_seq(localcloud)
        cli.run("refresh", "--yes", "--skip-preview", timeout=300)
        assert writes_since(localcloud, since) == []  # a refresh only reads
        cli.run("preview", "--expect-no-changes", timeout=300)

        cli.run("destroy", "--yes", "--skip-preview", timeout=300)
        if needed is not None:
            needed.run("destroy", "--yes", "--skip-preview", timeout=300)
    assert everything(localcloud, project) == {}
    assert cli.resources() == {}
    for text in (cli.state_text(), up.stdout, up.stderr):
        assert TOKEN not in text and project.secret_key not in text


def test_every_example_has_a_lifecycle() -> None:
    """The parametrisation above covers every example project (even where pulumi is missing)."""
    found = example_projects()
    assert {"quickstart", "multi-stack/platform", "multi-stack/app"} <= set(found)
    assert set(LIFECYCLES) == set(found)
