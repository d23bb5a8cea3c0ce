"""``aicompute drift`` on a backend in a bucket: ``--unmanaged`` counts as managed whatever any stack
of the bucket holds, and ``--all-stacks`` scans every stack of the project in parallel into one
JSON/Markdown report whose exit code is the worst stack's."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from aicompute.resources.modelarts.network import NAME_LABEL, WORKSPACE_LABEL
from tests.support.api import SignedApi
from tests.support.engine_cli import EngineCli
from tests.support.localcloud import Credentials, LocalCloudProcess
from tests.support.s3_server import S3Bucket, bucket_resources, on_bucket

SCHEMA = json.loads((Path(__file__).parents[2] / "engine" / "schemas" / "drift.schema.json").read_text())
NETWORK = "pulumi-python:dynamic/modelarts:Network"


def two_stacks(tmp_path: Path, bucket: S3Bucket, localcloud: LocalCloudProcess, project: Credentials) -> EngineCli:
    """Stacks ``a`` and ``b`` of the drift project, both up, in one localcloud project and one bucket."""
    cli = on_bucket(EngineCli(tmp_path, "drift"), bucket)
    for name, cidr in (("a", "192.168.0.0/16"), ("b", "172.20.0.0/16")):
        config = {"drift:prefix": f"s3{name}", "drift:cidr": cidr}
        cli.init_for_localcloud(localcloud, project, name, via_cli=True, **config)
        cli.set_secret("drift:token", "token-value", name)
        cli.run("up", "--yes", "--skip-preview", "--stack", name, timeout=240)
    return cli


def network_id(bucket: S3Bucket, stack: str) -> str:
    return str(bucket_resources(bucket, "drift", stack)["network"]["id"])


def drift_all(cli: EngineCli, *args: str, expect: int) -> tuple[str, dict[str, Any], str]:
    report, summary = cli.root / "all.json", cli.root / "all.md"
    result = cli.run("drift", "--all-stacks", "--json", str(report), "--markdown", str(summary), *args, expect=expect)
    document = json.loads(report.read_text())
    for stack in document["stacks"]:
        Draft202012Validator(SCHEMA).validate(stack)
    return result.stdout, document, summary.read_text()


@pytest.mark.slow
def test_unmanaged_and_all_stacks_read_every_stack_in_the_bucket(
    tmp_path: Path, s3_bucket: S3Bucket, localcloud: LocalCloudProcess, project: Credentials
) -> None:
    cli = two_stacks(tmp_path, s3_bucket, localcloud, project)
    console, document, summary = drift_all(cli, "--unmanaged", expect=0)
    assert [(s["stack"], s["exit_code"]) for s in document["stacks"]] == [("a", 0), ("b", 0)]
    assert document["exit_code"] == 0 and "2 stack(s): 0 drifted, 0 failed." in console
    assert "| `a` | :white_check_mark: in sync |" in summary and "| `b` | :white_check_mark: in sync |" in summary

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

    # The platform lists stack a's network, stack b's (b holds it, in the bucket) and the stray one.
    single = cli.run("drift", "--stack", "a", "--unmanaged", "--json", str(cli.root / "a.json"), expect=2)
    unmanaged = json.loads((cli.root / "a.json").read_text())["unmanaged"]
    assert [(u["type"], u["id"]) for u in unmanaged if u["type"] == NETWORK] == [(NETWORK, stray)], single.stdout

    with SignedApi(localcloud, project) as api:
        api.request("DELETE", f"v1/networks/{stray}").raise_for_status()
        api.request("DELETE", f"v1/networks/{network_id(s3_bucket, 'b')}").raise_for_status()

    console, document, summary = drift_all(cli, expect=2)
    by_stack = {s["stack"]: s for s in document["stacks"]}
    assert (by_stack["a"]["exit_code"], by_stack["b"]["exit_code"], document["exit_code"]) == (0, 2, 2)
    assert [r["name"] for r in by_stack["b"]["resources"]] == ["network"]
    assert "=== stack a ===" in console and "=== stack b ===" in console
    assert "| `b` | :warning: drift |" in summary and "## Drift report: `drift/b`" in summary


@pytest.mark.slow
def test_all_stacks_refuses_a_stack_option_and_an_empty_project(tmp_path: Path, s3_bucket: S3Bucket) -> None:
    cli = on_bucket(EngineCli(tmp_path, "drift"), s3_bucket)
    assert "no stacks of project 'drift'" in cli.run("drift", "--all-stacks", expect=1).stderr
    assert "without --stack" in cli.run("drift", "--all-stacks", "--stack", "a", expect=1).stderr
