"""The embedded engine runs the real ModelArts resources against localcloud: up, no-change preview,
update, replace of a create-only field, removal, destroy."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.support.api import signed_json
from tests.support.engine_cli import EngineCli
from tests.support.localcloud import Credentials, LocalCloudProcess
from tests.support.providers import last_seq, mutating_calls


def _workspaces(localcloud: LocalCloudProcess, project: Credentials) -> list[dict[str, Any]]:
    listing = signed_json(localcloud, project, "GET", "v1/workspaces")
    return [w for w in listing["workspaces"] if w["name"] != "default"]


def _networks(localcloud: LocalCloudProcess, project: Credentials) -> list[dict[str, Any]]:
    return list(signed_json(localcloud, project, "GET", "v1/networks")["items"])


def test_modelarts_stack_lifecycle_against_localcloud(
    tmp_path: Path, localcloud: LocalCloudProcess, project: Credentials
) -> None:
    cli = EngineCli(tmp_path, "modelarts")
    cli.init(
        **{
            "aicompute:endpoint": localcloud.url,
            "aicompute:projectId": project.project_id,
            "aicompute:accessKey": project.access_key,
            "aicompute:pollInterval": "0.02",
            "modelarts:workspace": "engine-e2e",
            "modelarts:networkName": "engine-net",
            "modelarts:cidr": "192.168.0.0/16",
        }
    )
    cli.set_secret("aicompute:secretKey", project.secret_key)

    up = cli.run("up", "--yes", "--skip-preview")
    assert "+ 3 created" in up.stdout
    [workspace] = _workspaces(localcloud, project)
    [network] = _networks(localcloud, project)
    assert workspace["name"] == "engine-e2e" and workspace["description"] == "managed by aicompute"
    assert network["spec"]["cidr"] == "192.168.0.0/16"
    assert project.secret_key not in cli.state_text()
    cli.run("preview", "--expect-no-changes")

    cli.set_config(**{"modelarts:description": "second", "modelarts:cidr": "172.16.0.0/16"})
    plan = cli.run("preview", "--diff", "--expect-no-changes", expect=7)
    assert "~  pulumi-python:dynamic/modelarts:Workspace workspace update" in plan.stdout
    assert '~ description: "managed by aicompute" => "second"' in plan.stdout
    assert "+- pulumi-python:dynamic/modelarts:Network network replace" in plan.stdout
    assert '~ cidr: "192.168.0.0/16" => "172.16.0.0/16" (forces replacement)' in plan.stdout

    since = last_seq(localcloud)
    cli.run("up", "--yes", "--skip-preview")
    [workspace] = _workspaces(localcloud, project)
    [replaced] = _networks(localcloud, project)
    assert workspace["description"] == "second"
    assert replaced["spec"]["cidr"] == "172.16.0.0/16"
    # The network keeps its unique name, so the replace deletes first.
    calls = [(c["method"], c["path"].split("/")[3]) for c in mutating_calls(localcloud, since)]
    assert calls.index(("DELETE", "networks")) < calls.index(("POST", "networks"))
    cli.run("preview", "--expect-no-changes")

    cli.set_config(**{"modelarts:network": "false"})
    removed = cli.run("up", "--yes", "--skip-preview")
    assert "-  pulumi-python:dynamic/modelarts:Network network deleted" in removed.stdout
    assert _networks(localcloud, project) == []

    cli.run("destroy", "--yes", "--skip-preview")
    assert _workspaces(localcloud, project) == [] and _networks(localcloud, project) == []
    assert cli.resources() == {}
