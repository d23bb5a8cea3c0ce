"""``aicompute drift`` against localcloud: in sync after up (exit 0); changes and deletes made out of
band through the platform APIs (exit 2, property paths and both values in JSON and Markdown, secret
values masked everywhere); objects no stack manages (``--unmanaged``); a platform error (exit 1);
the same resources flagged by ``refresh --preview-only`` and ``preview --refresh``; no state write
and no mutating API call."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from aicompute.engine.drift.formats import SCHEMA_VERSION
from aicompute.resources.modelarts.network import NAME_LABEL, WORKSPACE_LABEL
from tests.support.api import SignedApi
from tests.support.engine_cli import EngineCli
from tests.support.localcloud import Credentials, LocalCloudProcess
from tests.support.providers import last_seq, mutating_calls

SCHEMA = json.loads((Path(__file__).parents[2] / "engine" / "schemas" / "drift.schema.json").read_text())
TOKEN = "first-token-value"
CHANGED_TOKEN = "rotated-out-of-band"


def _stack(tmp_path: Path, localcloud: LocalCloudProcess, project: Credentials, prefix: str) -> EngineCli:
    cli = EngineCli(tmp_path, "drift")
    cli.init_for_localcloud(localcloud, project, **{"aicompute:maxRetries": "2", "drift:prefix": prefix})
    cli.set_secret("drift:token", TOKEN)
    cli.run("up", "--yes", "--skip-preview", timeout=240)
    return cli


def _drift(cli: EngineCli, *args: str, expect: int) -> tuple[str, dict[str, Any], str]:
    """``aicompute drift`` with --json and --markdown: (console output, JSON, Markdown)."""
    report, summary = cli.root / "drift.json", cli.root / "drift.md"
    result = cli.run(
        "drift", "--stack", cli.stack, "--json", str(report), "--markdown", str(summary), *args, expect=expect
    )
    document = json.loads(report.read_text())
    Draft202012Validator(SCHEMA).validate(document)
    return result.stdout + result.stderr, document, summary.read_text()


def _ids(cli: EngineCli) -> dict[str, str]:
    return {name: str(r["id"]) for name, r in cli.resources().items() if r.get("id") and r["custom"]}


def _change_out_of_band(cli: EngineCli, localcloud: LocalCloudProcess, project: Credentials) -> dict[str, str]:
    """Through the platform APIs: a configmap value changed and a tag added, the secret's value
    rewritten, the network deleted. The state's ids by resource name."""
    ids = _ids(cli)
    with SignedApi(localcloud, project) as api:
        configmap = api.request("GET", f"v3/ai-mgr/configmaps/{ids['settings']}").json()["configmap"]
        body = {
            "configmap": {
                "name": configmap["name"],
                "configs": [{"key": "mode", "value": "slow"}, {"key": "level", "value": "3"}],
                "tags": [{"key": "team", "value": "vision"}, {"key": "owner", "value": "ops"}],
            }
        }
        api.request("PUT", f"v3/ai-mgr/configmaps/{ids['settings']}", json=body).raise_for_status()
        secret = api.request("GET", f"v3/ai-mgr/secrets/{ids['token']}").json()["secret"]
        body = {"secret": {"name": secret["name"], "secrets": [{"key": "token", "value": CHANGED_TOKEN}], "tags": []}}
        api.request("PUT", f"v3/ai-mgr/secrets/{ids['token']}", json=body).raise_for_status()
        api.request("DELETE", f"v1/networks/{ids['network']}").raise_for_status()
    return ids


def test_in_sync_after_up_then_changed_and_deleted_out_of_band(
    tmp_path: Path, localcloud: LocalCloudProcess, project: Credentials
) -> None:
    cli = _stack(tmp_path, localcloud, project, "drf")
    state_before = cli.state_text()
    since = last_seq(localcloud)
    console, document, summary = _drift(cli, expect=0)
    assert document["version"] == SCHEMA_VERSION and document["exit_code"] == 0
    assert document["summary"]["total_managed"] == 4 and document["summary"]["total_in_sync"] == 4
    assert document["resources"] == [] and not document["summary"]["drifted"]
    assert "in sync" in summary and "Congrats" in console
    assert mutating_calls(localcloud, since) == [] and cli.state_text() == state_before

    ids = _change_out_of_band(cli, localcloud, project)

    since = last_seq(localcloud)
    console, document, summary = _drift(cli, expect=2)
    assert mutating_calls(localcloud, since) == [] and cli.state_text() == state_before
    counts = document["summary"]
    assert (counts["total_changed"], counts["total_deleted"], counts["total_in_sync"]) == (2, 1, 1)
    by_name = {r["name"]: r for r in document["resources"]}
    assert by_name["network"]["kind"] == "deleted" and by_name["network"]["id"] == ids["network"]
    assert by_name["settings"]["properties"] == [
        {"path": "data.mode", "state": "fast", "live": "slow"},
        {"path": "tags.owner", "state": None, "live": "ops"},  # added out of band
    ]
    [secret] = by_name["token"]["properties"]
    assert secret == {"path": "data.token", "state": "[secret]", "live": "[secret]", "secret": True}

    assert '~ data.mode: "fast" => "slow"' in console
    assert "Found deleted resources:" in console and "Found changed resources:" in console
    assert '| `data.mode` | `"fast"` | `"slow"` |' in summary
    assert "| `data.token` | `[secret]` | `[secret]` |" in summary
    assert "### Deleted out of band" in summary and ids["network"] in summary
    for text in (console, json.dumps(document), summary):
        assert TOKEN not in text and CHANGED_TOKEN not in text and project.secret_key not in text
    _, each, _ = _drift(cli, "--read-each", expect=2)  # one read per resource finds the same
    assert each["resources"] == document["resources"] and {t["method"] for t in each["types"]} == {"read"}


def test_unmanaged_objects_a_platform_error_and_bad_credentials(
    tmp_path: Path, localcloud: LocalCloudProcess, project: Credentials
) -> None:
    cli = _stack(tmp_path, localcloud, project, "unm")
    with SignedApi(localcloud, project) as api:
        body = {
            "apiVersion": "v1",
            "kind": "Network",
            "metadata": {"labels": {NAME_LABEL: "stray-net", WORKSPACE_LABEL: "0"}},
            "spec": {"cidr": "172.16.0.0/16"},
        }
        response = api.request("POST", "v1/networks", json=body)
        response.raise_for_status()
        stray = str(response.json()["metadata"]["name"])

    console, document, summary = _drift(cli, expect=0)  # without --unmanaged, no listing is judged
    assert document["unmanaged"] == [] and not document["unmanaged_checked"]
    console, document, summary = _drift(cli, "--unmanaged", expect=2)
    unmanaged = {(u["type"], u["id"]) for u in document["unmanaged"]}
    assert ("pulumi-python:dynamic/modelarts:Network", stray) in unmanaged
    assert not any(u["id"] in _ids(cli).values() for u in document["unmanaged"])
    assert document["summary"]["total_unmanaged"] == len(document["unmanaged"]) and document["resources"] == []
    assert "Found resources not covered by IaC:" in console and stray in console
    assert "### Not managed by any stack" in summary and stray in summary

    fault = localcloud.add_fault(platform="modelarts", method="GET", path="/workspaces", status=503)
    try:
        console, document, _ = _drift(cli, expect=1)
    finally:
        localcloud.admin("DELETE", f"/faults/{fault['id']}")
    assert document["exit_code"] == 1 and document["summary"]["total_errors"] >= 1
    assert "HTTP 503" in console and "pulumi-python:dynamic/modelarts:Workspace" in console
    assert "retrying" not in console  # one line per retry drowned the report (issue #14 item 16)

    cli.set_secret("aicompute:secretKey", "wrong-secret-key")  # bad credentials: an error, not drift
    console, document, _ = _drift(cli, expect=1)
    assert document["summary"]["total_errors"] >= 1 and document["summary"]["total_in_sync"] == 0
    assert "wrong-secret-key" not in console + json.dumps(document)


@pytest.mark.slow
def test_refresh_preview_and_preview_after_refresh_flag_what_drift_flags(
    tmp_path: Path, localcloud: LocalCloudProcess, project: Credentials
) -> None:
    """Pulumi's own terms: the refresh preview records the drifted resources changed or gone, and a
    preview after a refresh proposes to change them back (or to create the deleted one again)."""
    cli = _stack(tmp_path, localcloud, project, "agr")
    _change_out_of_band(cli, localcloud, project)
    state_before = cli.state_text()
    _, document, _ = _drift(cli, expect=2)
    drifted = {r["urn"] for r in document["resources"]}
    assert len(drifted) == 3
    refresh = json.loads(cli.run("refresh", "--preview-only", "--json").stdout)
    assert {s["urn"] for s in refresh["steps"] if s["op"] in ("update", "delete")} == drifted
    preview = json.loads(cli.run("preview", "--refresh", "--json").stdout)
    assert {s["urn"] for s in preview["steps"] if s["op"] in ("update", "create", "replace")} == drifted
    assert cli.state_text() == state_before
