"""The embedded engine runs the real ModelArts resources against localcloud: up, no-change preview,
update, replace of a create-only field, removal, destroy; an engine killed mid-create and mid-delete;
``aicompute import`` of an object made out of band."""

from __future__ import annotations

import time
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
    cli.init_for_localcloud(
        localcloud,
        project,
        **{
            "modelarts:workspace": "engine-e2e",
            "modelarts:networkName": "engine-net",
            "modelarts:cidr": "192.168.0.0/16",
        },
    )

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


def _kill_when_logged(
    cli: EngineCli, localcloud: LocalCloudProcess, since: int, method: str, path: str, *args: str
) -> None:
    """Start ``aicompute ARGS`` and SIGKILL it as soon as localcloud has answered ``method path``."""
    engine = cli.popen(*args)
    try:
        deadline = time.monotonic() + 60
        while not any(r["method"] == method and r["path"] == path for r in localcloud.requests(since)):
            assert engine.poll() is None, engine.communicate()
            assert time.monotonic() < deadline, f"no {method} {path}"
            time.sleep(0.05)
    finally:
        engine.kill()
        engine.communicate()


def _pending(cli: EngineCli) -> list[tuple[str, str]]:
    latest = cli.state()["checkpoint"]["latest"]
    return [(op["type"], op["resource"]["urn"].rsplit("::", 1)[1]) for op in latest.get("pending_operations", [])]


def test_a_killed_engine_recovers_creates_by_adoption_and_deletes_by_repeating_them(
    tmp_path: Path, localcloud: LocalCloudProcess, project: Credentials
) -> None:
    cli = EngineCli(tmp_path, "modelarts")
    cli.init_for_localcloud(
        localcloud,
        project,
        **{
            "modelarts:workspace": "killed-ws",
            "modelarts:networkName": "killed-net",
            "modelarts:cidr": "192.168.0.0/16",
            "modelarts:network": "false",
        },
    )
    base = f"/v1/{project.project_id}"
    up = ("up", "--yes", "--skip-preview")
    try:
        # Killed while waiting for the new workspace: it exists on the platform, not in the state.
        localcloud.add_fault(method="GET", path=f"^{base}/workspaces/[^/]+$", latency_ms=5_000, count=1)
        since = last_seq(localcloud)
        _kill_when_logged(cli, localcloud, since, "POST", f"{base}/workspaces", *up)
        assert _pending(cli) == [("creating", "workspace")] and "workspace" not in cli.resources()
        [workspace] = _workspaces(localcloud, project)

        # The next up adopts it (no second POST: an ordinary create would get ModelArts.0104), then is
        # killed in turn while waiting for the network it creates.
        cli.set_config(**{"modelarts:network": "true"})
        localcloud.add_fault(method="GET", path=f"^{base}/networks/[^/]+$", latency_ms=5_000, count=1)
        _kill_when_logged(cli, localcloud, last_seq(localcloud), "POST", f"{base}/networks", *up)
        assert cli.resources()["workspace"]["id"] == workspace["id"]
        assert _pending(cli) == [("creating", "network")]
        [network] = _networks(localcloud, project)

        cli.run(*up)
        assert [w["id"] for w in _workspaces(localcloud, project)] == [workspace["id"]]
        assert [n["metadata"]["name"] for n in _networks(localcloud, project)] == [network["metadata"]["name"]]
        assert cli.resources()["network"]["id"] == network["metadata"]["name"] and _pending(cli) == []
        posts = [r["path"] for r in mutating_calls(localcloud, since) if r["method"] == "POST"]
        assert posts == [f"{base}/workspaces", f"{base}/networks"]
        cli.run("preview", "--expect-no-changes")

        # Killed while waiting for the network to go: the next destroy repeats the delete and converges.
        localcloud.add_fault(method="GET", path=f"^{base}/networks/[^/]+$", latency_ms=5_000, count=1)
        delete = f"{base}/networks/{network['metadata']['name']}"
        _kill_when_logged(cli, localcloud, last_seq(localcloud), "DELETE", delete, "destroy", "--yes", "--skip-preview")
        assert _pending(cli) == [("deleting", "network")]
        cli.run("destroy", "--yes", "--skip-preview")
        assert _workspaces(localcloud, project) == [] and _networks(localcloud, project) == []
        assert cli.resources() == {} and _pending(cli) == []
    finally:
        localcloud.clear_faults()


def test_import_of_a_network_made_out_of_band_then_a_program_with_its_code_previews_no_changes(
    tmp_path: Path, localcloud: LocalCloudProcess, project: Credentials
) -> None:
    body = {
        "apiVersion": "v1",
        "kind": "Network",
        "metadata": {"labels": {"os.modelarts/name": "made-elsewhere", "os.modelarts/workspace.id": "0"}},
        "spec": {"cidr": "172.16.0.0/16"},
    }
    network_id = signed_json(localcloud, project, "POST", "v1/networks", json=body)["metadata"]["name"]
    cli = EngineCli(tmp_path, "modelarts")
    cli.init_for_localcloud(localcloud, project)

    since = last_seq(localcloud)
    result = cli.run("import", "pulumi-python:dynamic/modelarts:Network", "imported", network_id, "--yes")
    assert mutating_calls(localcloud, since) == []
    assert f"Imported pulumi-python:dynamic/modelarts:Network imported ({network_id})" in result.stdout
    code = result.stdout.split("Add this code to the program to manage it:\n\n", 1)[1]
    assert code.startswith("import pulumi\n\nfrom aicompute.resources.modelarts import Network\n")
    assert code.endswith(
        "imported = Network(\n    'imported',\n    name='made-elsewhere',\n    cidr='172.16.0.0/16',\n"
        "    opts=pulumi.ResourceOptions(protect=True),\n)\n"
    )  # the inputs with their default values (workspace "0", no description) left out
    imported = cli.resources()["imported"]
    assert imported["id"] == network_id and imported["protect"] is True
    assert imported["inputs"]["cidr"] == "172.16.0.0/16" and "__provider" in imported["inputs"]

    (cli.project_dir / "__main__.py").write_text(code)
    cli.run("preview", "--expect-no-changes")
    cli.run("import", "pulumi-python:dynamic/modelarts:Network", "again", network_id, "--yes", expect=1)


def test_import_of_a_hilens_device_writes_code_that_runs_as_printed(
    tmp_path: Path, localcloud: LocalCloudProcess, project: Credentials
) -> None:
    """The device's workspace_id is never returned: the code reads it from config (issue #14 item 19)."""
    node = {"name": "cam-elsewhere", "workspace_id": "0", "log_configs": [], "tags": []}
    created = signed_json(localcloud, project, "POST", "v3/ai-mgr/nodes?provider=hilens", json={"node": node})
    cli = EngineCli(tmp_path, "modelarts")
    cli.init_for_localcloud(localcloud, project)

    result = cli.run("import", "pulumi-python:dynamic/hilens:Device", "cam", created["id"], "--yes")
    code = result.stdout.split("Add this code to the program to manage it:\n\n", 1)[1].split("\nThe platform", 1)[0]
    assert "not recorded" not in code and "    workspace_id=config.get('cam_workspace_id'),\n" in code
    assert "`aicompute config set cam_workspace_id …`" in result.stdout
    (cli.project_dir / "__main__.py").write_text(code)
    cli.run("config", "set", "cam_workspace_id", "0")
    cli.run("preview", "--expect-no-changes")


def test_a_stack_without_credentials_fails_its_preview_naming_what_to_set(tmp_path: Path) -> None:
    """Pulumi configures providers at preview: a missing credential fails there, not at ``up``
    (issue #14 item 16) — and an endpoint that refuses connections is named in the error."""
    cli = EngineCli(tmp_path, "modelarts")
    settings = {"aicompute:endpoint": "http://127.0.0.1:9", "aicompute:projectId": "0123456789abcdef0123456789abcdef"}
    program = {"modelarts:workspace": "ws-nocreds", "modelarts:description": "d", "modelarts:network": "false"}
    cli.init(**settings, **program)
    failed = cli.run("preview", expect=1)
    assert "no credentials: set aicompute:accessKey and aicompute:secretKey" in failed.stdout + failed.stderr

    cli.set_config(**{"aicompute:accessKey": "AK", "aicompute:maxRetries": "1", "aicompute:pollInterval": "0.01"})
    cli.set_secret("aicompute:secretKey", "SK-0123456789")
    refused = cli.run("up", "--yes", "--skip-preview", expect=1)
    output = refused.stdout + refused.stderr
    assert "cannot connect to http://127.0.0.1:9 (" in output and "Connection refused" in output
    assert "[Errno" not in output and "retrying" not in output
