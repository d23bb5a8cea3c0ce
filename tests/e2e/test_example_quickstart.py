"""examples/quickstart with the aicompute CLI against localcloud: up, a no-change preview, the
detector scaled in place, destroy leaving nothing on the platforms, and no secret in the state."""

from __future__ import annotations

import json
from pathlib import Path

from tests.support.engine_cli import EXAMPLES, EngineCli
from tests.support.examples import provider_env
from tests.support.inventory import live_objects
from tests.support.localcloud import Credentials, LocalCloudProcess
from tests.support.providers import last_seq, mutating_calls

TOKEN = "edge-token-7f3c9a"  # a value the state, the outputs and the logs must never show


def quickstart(tmp_path: Path, localcloud: LocalCloudProcess, project: Credentials) -> EngineCli:
    """The example as a user runs it: provider settings from the environment, the token a secret."""
    env = provider_env(localcloud, project)
    cli = EngineCli(tmp_path, "quickstart", source=EXAMPLES, env=env)
    cli.init()
    cli.set_secret("quickstart:apiToken", TOKEN)
    return cli


def test_quickstart_up_scale_and_destroy(tmp_path: Path, localcloud: LocalCloudProcess, project: Credentials) -> None:
    cli = quickstart(tmp_path, localcloud, project)

    up = cli.run("up", "--yes")
    assert "+ 8 created" in up.stdout
    assert live_objects(localcloud, project) == {
        "central clusters": ["quickstart-cluster"],
        "hilens workspaces": ["quickstart-edge"],
        "modelarts networks": [f"quickstart-net-{project.project_id}"],
        "modelarts workspaces": ["quickstart-ws"],
    }
    outputs = json.loads(cli.run("stack", "output", "--json").stdout)
    assert outputs["configmap_data"] == {"LOG_LEVEL": "info", "FRAME_RATE": "15"}
    assert outputs["detector_replicas"] == 1 and outputs["detector_workload"].startswith("human-detect-")
    assert outputs["network_status"] == "Active"
    cli.run("preview", "--expect-no-changes")

    cli.set_config(**{"quickstart:replicas": "3"})
    plan = cli.run("preview", "--diff", "--expect-no-changes", expect=7)
    assert "~  pulumi-python:dynamic/central:Workload detector update" in plan.stdout
    assert "~ replicas: 1 => 3" in plan.stdout
    since = last_seq(localcloud)
    cli.run("up", "--yes", "--skip-preview")
    writes = [(c["method"], c["path"]) for c in mutating_calls(localcloud, since) if not c["path"].startswith("/oauth")]
    assert writes == [("PUT", f"/CCP/algoservice/workloads/{outputs['detector_workload']}")]
    assert json.loads(cli.run("stack", "output", "detector_replicas", "--json").stdout) == 3
    cli.run("preview", "--expect-no-changes")

    cli.run("destroy", "--yes")
    assert live_objects(localcloud, project) == {}
    assert cli.resources() == {}
    for text in (cli.state_text(), up.stdout, up.stderr, plan.stdout):
        assert TOKEN not in text and project.secret_key not in text
