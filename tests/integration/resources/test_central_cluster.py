"""Central platform Cluster: lifecycle, replace rules, failures, import, kubeconfig, against a live localcloud."""

from __future__ import annotations

import asyncio
import base64
import logging
from pathlib import Path
from typing import Any

import dill
import pulumi
import pytest
import yaml

from aicompute.provider.errors import ApiError, WaitFailed
from aicompute.resources.central import Cluster, get_kubeconfig
from aicompute.resources.central.cluster import ClusterProvider, cluster_certificate
from tests.support.central import T4_NODE, central_api, central_writes, cluster_inputs, platform_calls
from tests.support.localcloud import Credentials, LocalCloudProcess
from tests.support.providers import checked, configured, last_seq


@pytest.fixture
def provider(localcloud: LocalCloudProcess, project: Credentials) -> ClusterProvider:
    return configured(ClusterProvider, localcloud, project)


def cluster_codes(localcloud: LocalCloudProcess, project: Credentials) -> list[str]:
    with central_api(localcloud, project) as api:
        return [c["metadata"]["clusterCode"] for c in api.data("GET", "/CCP/clusters")]


def test_lifecycle(provider: ClusterProvider, localcloud: LocalCloudProcess, project: Credentials) -> None:
    inputs = checked(provider, {**cluster_inputs("vision", count=2), "host_network": "192.168.0.0/20"})
    created = provider.create(inputs)
    assert created.outs["status"] == "running"
    assert created.outs["cluster_code"] == created.id
    assert created.outs["external_address"].startswith("https://")
    kubeconfig = yaml.safe_load(created.outs["kubeconfig"])
    assert kubeconfig["current-context"] == created.id
    assert kubeconfig["clusters"][0]["cluster"]["server"] == created.outs["external_address"]
    assert base64.b64decode(kubeconfig["users"][0]["user"]["client-key-data"]).startswith(b"-----BEGIN")

    read = provider.read(created.id, created.outs)
    assert read.id == created.id
    assert "kubeconfig" not in (read.inputs or {})
    assert provider.diff(created.id, read.outs, inputs).changes is False

    # Every input is create-only; a rename creates first, any other change deletes first (names are unique).
    renamed = provider.diff(created.id, read.outs, {**inputs, "name": "vision-2"})
    assert renamed.replaces == ["name"] and not renamed.delete_before_replace
    grown = {**inputs, "nodes": [{"node_resource": T4_NODE, "count": 3}]}
    bigger = provider.diff(created.id, read.outs, checked(provider, grown))
    assert bigger.replaces == ["nodes"] and bigger.delete_before_replace
    assert provider.diff(created.id, read.outs, {**inputs, "version": "1.20.x"}).replaces == ["version"]
    # A change of the timeouts alone is an update without any API call.
    since = last_seq(localcloud)
    provider.update(created.id, read.outs, {**inputs, "timeouts": {"delete": "5m"}})
    assert central_writes(localcloud, since) == []

    provider.delete(created.id, read.outs)
    assert provider.read(created.id, read.outs).id == ""
    assert cluster_codes(localcloud, project) == []
    provider.delete(created.id, read.outs)  # already gone: nothing to do


def test_import_by_cluster_code(provider: ClusterProvider) -> None:
    inputs = checked(provider, cluster_inputs("imported"))
    created = provider.create(inputs)
    imported = provider.read(created.id, {})
    assert imported.inputs is not None
    assert imported.inputs["name"] == "imported" and imported.inputs["version"] == "1.18.9"
    assert provider.diff(created.id, imported.outs, inputs).changes is False
    provider.delete(created.id, imported.outs)


def test_minor_line_is_kept_while_the_platform_runs_a_patch_of_it(provider: ClusterProvider) -> None:
    live = {"version": "1.18.9", "nodes": []}
    assert provider.reconcile_live(live, {"version": "1.18.x"})["version"] == "1.18.x"
    assert provider.reconcile_live(live, {"version": "1.20.x"})["version"] == "1.18.9"
    assert provider.reconcile_live(live, {"version": "1.18.7"})["version"] == "1.18.9"


def test_failed_creation_surfaces_the_platform_message(
    provider: ClusterProvider, localcloud: LocalCloudProcess, project: Credentials
) -> None:
    localcloud.fail_next(project.project_id, "central.cluster", message="no T4 capacity left in cn-bj-d")
    with pytest.raises(WaitFailed) as raised:
        provider.create(checked(provider, cluster_inputs("doomed")))
    assert "create_failed" in str(raised.value)
    assert "no T4 capacity left in cn-bj-d" in str(raised.value)
    assert "was deleted" in str(raised.value)
    assert cluster_codes(localcloud, project) == []


def test_platform_refusal_names_the_rule(provider: ClusterProvider) -> None:
    provider.create(checked(provider, cluster_inputs("taken")))
    with pytest.raises(ApiError) as raised:
        provider.create(checked(provider, cluster_inputs("taken")))
    assert "already exists" in str(raised.value) and raised.value.code == "CCP.409"


def test_dropped_create_answer_is_adopted_not_duplicated(
    provider: ClusterProvider, localcloud: LocalCloudProcess, project: Credentials
) -> None:
    localcloud.add_fault(method="POST", path="^/CCP/clusters$", drop_response=True, count=1)
    try:
        created = provider.create(checked(provider, cluster_inputs("dropped")))
    finally:
        localcloud.clear_faults()
    assert cluster_codes(localcloud, project) == [created.id]
    assert created.outs["status"] == "running"


def test_retries_server_errors(provider: ClusterProvider, localcloud: LocalCloudProcess) -> None:
    localcloud.add_fault(method="GET", path="^/CCP/clusters/", status=503, count=2)
    try:
        created = provider.create(checked(provider, cluster_inputs("flaky")))
    finally:
        localcloud.clear_faults()
    assert created.outs["status"] == "running"


def test_invalid_inputs_make_no_api_call(provider: ClusterProvider, localcloud: LocalCloudProcess) -> None:
    since = last_seq(localcloud)
    cases: list[tuple[dict[str, Any], str]] = [
        ({**cluster_inputs("c"), "version": "1.19.3"}, "version"),
        ({**cluster_inputs("c"), "host_network": "192.168.0.1/20"}, "host_network"),
        ({**cluster_inputs("c"), "nodes": []}, "nodes"),
        (cluster_inputs("c", count=0), "nodes[0].count"),
        (cluster_inputs("c", node={**T4_NODE, "xpu_resources": [{"xpu_type": "NVIDIA_T4", "num": 0}]}), "num"),
        (cluster_inputs(""), "name"),
        ({**cluster_inputs("c"), "timeouts": {"create": "soon"}}, "timeouts.create"),
    ]
    for props, field in cases:
        failures = provider.check({}, {**props, "__provider": "x"}).failures
        assert failures and field in failures[0].reason, (props, [f.reason for f in failures])
    assert "1.18.x" in provider.check({}, {**cluster_inputs("c"), "version": "2.0"}).failures[0].reason
    assert platform_calls(localcloud, since) == []


def test_kubeconfig_is_a_secret_and_never_in_plaintext_elsewhere(
    provider: ClusterProvider,
    localcloud: LocalCloudProcess,
    project: Credentials,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)
    assert "kubeconfig" in Cluster._secret_outputs
    inputs = checked(provider, cluster_inputs("secretive"))
    localcloud.add_fault(method="GET", path="^/CCP/clusters/", status=503, count=1)
    try:
        created = provider.create(inputs)
    finally:
        localcloud.clear_faults()
    read = provider.read(created.id, created.outs)
    errors = []
    try:  # an error on the certificate route: its message must not carry certificate data either
        localcloud.add_fault(method="GET", path="/license$", status=500, count=20)
        provider.read(created.id, created.outs)
    except ApiError as error:
        errors.append(str(error))
    finally:
        localcloud.clear_faults()
    with central_api(localcloud, project) as api:
        cert = cluster_certificate(api, created.id)
    provider.delete(created.id, read.outs)

    key = cert["clientKeyData"]
    assert key in created.outs["kubeconfig"]  # the one place: an output the resource marks secret
    elsewhere = "\n".join(
        [
            repr({k: v for k, v in created.outs.items() if k != "kubeconfig"}),
            repr({k: v for k, v in read.outs.items() if k != "kubeconfig"}),
            repr(read.inputs),
            dill.dumps(provider, recurse=True).decode("latin-1"),
            caplog.text,
            *errors,
            *capsys.readouterr(),
            Path(localcloud.stderr.name).read_text(errors="replace"),
        ]
    )
    for secret in (key, base64.b64decode(key).decode(), project.central_client_secret):
        assert secret not in elsewhere
    assert errors and "HTTP 500" in errors[0]


class _NoResources(pulumi.runtime.Mocks):
    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        return f"{args.name}-id", dict(args.inputs)

    def call(self, args: pulumi.runtime.MockCallArgs) -> dict[str, Any]:
        return {}


def test_get_kubeconfig_is_a_secret_output(
    provider: ClusterProvider, localcloud: LocalCloudProcess, project: Credentials, monkeypatch: pytest.MonkeyPatch
) -> None:
    code = provider.create(checked(provider, cluster_inputs("lookup"))).id
    for variable, value in {
        "AICOMPUTE_ENDPOINT": localcloud.url,
        "AICOMPUTE_CENTRAL_CLIENT_ID": project.central_client_id,
        "AICOMPUTE_CENTRAL_CLIENT_SECRET": project.central_client_secret,
    }.items():
        monkeypatch.setenv(variable, value)
    pulumi.runtime.set_mocks(_NoResources(), preview=False)
    seen: dict[str, Any] = {}

    @pulumi.runtime.test
    def program() -> pulumi.Output[None]:
        kubeconfig = get_kubeconfig(code, inner=True)

        async def inspect() -> None:
            seen["secret"] = await kubeconfig.is_secret()
            seen["text"] = await kubeconfig.future()

        return pulumi.Output.from_input(asyncio.ensure_future(inspect()))

    program()
    assert seen["secret"] is True
    parsed = yaml.safe_load(seen["text"])
    assert parsed["clusters"][0]["cluster"]["server"].startswith("https://192.168.")  # the inner address
