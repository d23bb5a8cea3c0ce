"""HiLens Deployment resource against a live localcloud: rollout on online devices, PUT/PATCH/batch
deploy updates, replaces, tags through the tag API, import, offline devices and invalid inputs."""

from __future__ import annotations

from typing import Any

import pytest

from aicompute.provider.errors import WaitFailed, WaitTimeout
from aicompute.provider.generic import prune
from aicompute.resources.hilens.config_map import ConfigMapProvider
from aicompute.resources.hilens.deployment import DeploymentProvider
from aicompute.resources.hilens.device import DeviceProvider
from aicompute.resources.hilens.secret import SecretProvider
from tests.support.api import signed_json, signed_request
from tests.support.hilens import online_device, tags
from tests.support.localcloud import Credentials, LocalCloudProcess
from tests.support.providers import checked, configured, last_seq, mutating_calls

CONFIGS = {"host_network": False, "restart_policy": "Always"}


def app(**extra: Any) -> dict[str, Any]:
    return {
        "name": "detector",
        "app_url": "swr.cn-north-4.myhuaweicloud.com/edge/detector:1.0",
        "version": "1.0.0",
        "resources": {"limits": {"cpu": 0.5, "memory": 256.0}},
        **extra,
    }


@pytest.fixture
def provider(localcloud: LocalCloudProcess, project: Credentials) -> DeploymentProvider:
    return configured(DeploymentProvider, localcloud, project)


def calls(localcloud: LocalCloudProcess, since: int) -> list[tuple[str, str]]:
    return [(c["method"], c["path"].split("/", 3)[3]) for c in mutating_calls(localcloud, since)]


def deployments(localcloud: LocalCloudProcess, project: Credentials) -> list[dict[str, Any]]:
    return list(signed_json(localcloud, project, "GET", "v3/ai-mgr/deployments")["deployments"])


def test_lifecycle(provider: DeploymentProvider, localcloud: LocalCloudProcess, project: Credentials) -> None:
    first = online_device(localcloud, project, "gw-first")
    second = online_device(localcloud, project, "gw-second")
    configmaps = configured(ConfigMapProvider, localcloud, project)
    secrets = configured(SecretProvider, localcloud, project)
    configmap = configmaps.create(checked(configmaps, {"name": "detector-cfg", "data": {"threshold": "0.6"}}))
    secret = secrets.create(checked(secrets, {"name": "detector-key", "data": {"token": "t0k3n"}}))
    envs = [
        {"name": "MODE", "value": "fast"},
        {"name": "THRESHOLD", "value_from": {"configmap": {"name": "detector-cfg", "key": "threshold"}}},
        {"name": "TOKEN", "value_from": {"secret": {"name": "detector-key", "key": "token"}}},
        {"name": "HOST_IP", "field_path": "status.hostIP"},
    ]
    program = {
        "name": "detector",
        "source": "userdefined",
        "apps": [app(envs=envs)],
        "configs": CONFIGS,
        "node_ids": [first],
        "tags": {"team": "vision"},
    }
    inputs = checked(provider, program)
    created = provider.create(inputs)
    assert created.outs["state"] == "RUNNING"  # create waits until it runs on its device
    assert created.outs["node_ids"] == [first] and created.outs["ready_replicas"] == 1
    assert created.outs["apps"][0]["resources"]["limits"] == {"cpu": "0.5", "memory": "256"}
    assert tags(localcloud, project, "deployment", created.id) == {"team": "vision"}

    read = provider.read(created.id, created.outs)
    assert read.outs["tags"] == {"team": "vision"}
    assert provider.diff(created.id, read.outs, inputs).changes is False

    # The description alone: PUT {description}, no rollout.
    described = checked(provider, {**program, "description": "people counting"})
    since = last_seq(localcloud)
    updated = provider.update(created.id, read.outs, described)
    assert calls(localcloud, since) == [("PUT", f"ai-mgr/deployments/{created.id}")]
    assert updated.outs["description"] == "people counting"

    # Only the version and a new or changed variable: PATCH (the variables keep comparing by name).
    patched_envs = [{"name": "MODE", "value": "accurate"}, *envs[1:], {"name": "EXTRA", "value": "1"}]
    patched = checked(
        provider, {**program, "description": "people counting", "apps": [app(version="1.1.0", envs=patched_envs)]}
    )
    since = last_seq(localcloud)
    updated = provider.update(created.id, updated.outs, patched)
    assert calls(localcloud, since) == [("PATCH", f"ai-mgr/deployments/{created.id}")]
    assert updated.outs["state"] == "RUNNING" and updated.outs["apps"][0]["version"] == "1.1.0"
    assert provider.diff(created.id, updated.outs, patched).changes is False

    # A removed variable or another template change: the full-replacement PUT.
    replaced = checked(
        provider, {**program, "description": "people counting", "configs": {**CONFIGS, "restart_policy": "OnFailure"}}
    )
    since = last_seq(localcloud)
    updated = provider.update(created.id, updated.outs, replaced)
    assert calls(localcloud, since) == [("PUT", f"ai-mgr/deployments/{created.id}")]
    assert updated.outs["configs"]["restart_policy"] == "OnFailure"
    assert [env["name"] for env in updated.outs["apps"][0]["envs"]] == [env["name"] for env in envs]

    # Adding a device: batch deploy; the wait covers the new device too.
    grown = {**replaced, "node_ids": [first, second]}
    assert provider.diff(created.id, updated.outs, grown).replaces == []
    since = last_seq(localcloud)
    updated = provider.update(created.id, updated.outs, grown)
    assert calls(localcloud, since) == [("PUT", f"ai-mgr/deployments/{created.id}/nodes")]
    assert sorted(updated.outs["node_ids"]) == sorted([first, second]) and updated.outs["ready_replicas"] == 2
    assert provider.diff(created.id, updated.outs, {**grown, "node_ids": [second, first]}).changes is False

    # Removing a device replaces (the API cannot take a device out); the name stays, so delete first.
    shrunk = provider.diff(created.id, updated.outs, {**grown, "node_ids": [second]})
    assert shrunk.replaces == ["node_ids"] and shrunk.delete_before_replace
    assert provider.diff(created.id, updated.outs, {**grown, "name": "detector-2"}).replaces == ["name"]
    assert provider.diff(created.id, updated.outs, {**grown, "source": "aig"}).replaces == ["source"]

    # Tags go through the tag API, and drift made there shows.
    retagged = {**grown, "tags": {"owner": "ops"}}
    updated = provider.update(created.id, updated.outs, checked(provider, retagged))
    assert tags(localcloud, project, "deployment", created.id) == {"owner": "ops"}
    added = {"tags": [{"key": "x", "value": "y"}]}
    signed_request(localcloud, project, "POST", f"v3/deployment/{created.id}/tags", json=added).raise_for_status()
    drifted = provider.read(created.id, updated.outs)
    assert drifted.outs["tags"] == {"owner": "ops", "x": "y"}
    assert provider.diff(created.id, drifted.outs, retagged).changes is True

    provider.delete(created.id, drifted.outs)
    assert provider.read(created.id, drifted.outs).id == ""
    assert deployments(localcloud, project) == []
    provider.delete(created.id, drifted.outs)
    configmaps.delete(configmap.id, configmap.outs)
    secrets.delete(secret.id, secret.outs)


def test_import_and_fields_the_api_never_returns(
    provider: DeploymentProvider, localcloud: LocalCloudProcess, project: Credentials
) -> None:
    device = online_device(localcloud, project, "gw-import")
    affinity = {"node_affinity": [{"key": "zone", "operator": "In", "values": ["a"]}]}
    program = checked(
        provider,
        {
            "name": "kept",
            "source": "userdefined",
            "apps": [app()],
            "configs": CONFIGS,
            "node_ids": [device],
            "affinity": affinity,
            "license_quota": 2,
        },
    )
    created = provider.create(program)
    # affinity and license_quota are never returned: kept from the inputs, no perpetual diff.
    read = provider.read(created.id, created.outs)
    assert prune(read.outs["affinity"]) == affinity and read.outs["license_quota"] == 2
    assert provider.diff(created.id, read.outs, program).changes is False

    imported = provider.read(created.id, {})
    assert imported.inputs is not None
    assert imported.inputs["name"] == "kept" and imported.inputs["node_ids"] == [device]
    assert imported.inputs["provider"] == "hilens"
    without_affinity = {k: v for k, v in program.items() if k != "affinity"}
    assert provider.diff(created.id, imported.outs, without_affinity).changes is False
    provider.delete(created.id, imported.outs)


def test_a_deployment_to_an_offline_device_fails_at_the_deadline_and_is_deleted(
    provider: DeploymentProvider, localcloud: LocalCloudProcess, project: Credentials
) -> None:
    devices = configured(DeviceProvider, localcloud, project)
    offline = devices.create(checked(devices, {"name": "gw-offline"}))
    props = {
        "name": "waits",
        "source": "userdefined",
        "apps": [app()],
        "configs": CONFIGS,
        "node_ids": [offline.id],
        "timeouts": {"create": 0.5},
    }
    with pytest.raises(WaitTimeout) as raised:
        provider.create(checked(provider, props))
    assert "last state seen: 'CREATING'" in str(raised.value)
    assert "was deleted" in str(raised.value)
    assert deployments(localcloud, project) == []
    devices.delete(offline.id, offline.outs)


def test_a_failed_rollout_reports_the_reason(
    provider: DeploymentProvider, localcloud: LocalCloudProcess, project: Credentials
) -> None:
    device = online_device(localcloud, project, "gw-fails")
    localcloud.fail_next(project.project_id, "hilens.deployment", message="image pull failed")
    props = {"name": "fails", "source": "userdefined", "apps": [app()], "configs": CONFIGS, "node_ids": [device]}
    with pytest.raises(WaitFailed) as raised:
        provider.create(checked(provider, props))
    assert "CREATE_FAILED" in str(raised.value) and "image pull failed" in str(raised.value)
    assert deployments(localcloud, project) == []


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"name": "Detector"}, "name"),
        ({"source": "market"}, "source"),
        ({"node_ids": None}, "cluster_id"),
        ({"cluster_id": "c1"}, "cluster_id"),
        ({"node_ids": ["a", "a"]}, "node_ids"),
        ({"replicas": 100}, "replicas"),
        ({"apps": []}, "apps"),
        ({"apps": [app(), app()]}, "apps"),
        ({"apps": [app(name="Bad_Name")]}, "apps[0].name"),
        ({"apps": [app(resources={"limits": {"cpu": 2000}})]}, "apps[0].resources.limits.cpu"),
        ({"apps": [app(envs=[{"name": "A", "value": "1", "field_path": "status.hostIP"}])]}, "apps[0].envs[0]"),
        ({"apps": [app(envs=[{"name": "A", "value": "1"}, {"name": "A", "value": "2"}])]}, "apps[0].envs"),
        ({"apps": [app(command=["run $(x)"])]}, "apps[0].command"),
        (
            {"apps": [app(envs=[{"name": "S", "value_from": {"secret": {"name": "Bad", "key": "k"}}}])]},
            "apps[0].envs[0].value_from.secret.name",
        ),
        (
            {
                "apps": [
                    app(
                        volumes=[
                            {
                                "name": "v",
                                "type": "secret",
                                "source": "s",
                                "destination": "/d",
                                "key": "k",
                                "read_only": False,
                            }
                        ]
                    )
                ]
            },
            "apps[0].volumes[0]",
        ),
        ({"configs": {"host_network": False}}, "configs.restart_policy"),
        ({"tags": {"k": "a/b"}}, "tags"),
        (
            {"affinity": {"node_affinity": [{"key": "k", "operator": "Exists", "values": ["x"]}]}},
            "affinity.node_affinity[0]",
        ),
    ],
)
def test_invalid_inputs_fail_in_check_without_api_calls(
    provider: DeploymentProvider, localcloud: LocalCloudProcess, change: dict[str, Any], field: str
) -> None:
    props = {"name": "valid", "source": "userdefined", "apps": [app()], "configs": CONFIGS, "node_ids": ["hilens-x"]}
    since = last_seq(localcloud)
    failures = provider.check({}, {**props, **change, "__provider": "x"}).failures
    assert [f.property for f in failures] == [field]
    assert mutating_calls(localcloud, since) == []
