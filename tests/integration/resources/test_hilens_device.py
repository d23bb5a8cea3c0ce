"""HiLens Device resource against a live localcloud: registration, the package, coming online,
start/stop, activation, firmware upgrades, tags, import and invalid inputs."""

from __future__ import annotations

import base64
import gzip
from typing import Any

import pytest

from aicompute.provider.errors import ApiError, WaitTimeout
from aicompute.resources.hilens._base import UNRECORDED
from aicompute.resources.hilens.device import Device, DeviceProvider
from tests.support.api import signed_json, signed_request
from tests.support.hilens import agent_connecting, connect, node, nodes, tags
from tests.support.localcloud import Credentials, LocalCloudProcess
from tests.support.providers import checked, configured, last_seq, mutating_calls


@pytest.fixture
def provider(localcloud: LocalCloudProcess, project: Credentials) -> DeviceProvider:
    return configured(DeviceProvider, localcloud, project)


def calls(localcloud: LocalCloudProcess, since: int) -> list[tuple[str, str]]:
    return [(c["method"], c["path"].split("/", 3)[3]) for c in mutating_calls(localcloud, since)]


def test_lifecycle(provider: DeviceProvider, localcloud: LocalCloudProcess, project: Credentials) -> None:
    inputs = checked(
        provider,
        {"name": "cam-gw-1", "tags": {"site": "a"}, "log_configs": [{"component": "app", "type": "LTS", "size": 60.0}]},
    )
    created = provider.create(inputs)
    assert created.id.startswith("hilens-")
    # The registration package: a gzipped tar, given once, kept as a (secret) output.
    package = created.outs["package"]
    assert gzip.decompress(base64.b64decode(package))
    assert "package" in Device._secret_outputs
    assert created.outs["state"] == "UNCONNECTED"  # creation does not wait for the agent
    assert created.outs["log_configs"][0]["size"] == 60 and created.outs["log_configs"][0]["rotate_num"] == 5
    assert tags(localcloud, project, "node", created.id) == {"site": "a"}

    read = provider.read(created.id, created.outs)
    assert read.outs["package"] == package  # never re-read, kept from the previous outputs
    assert provider.diff(created.id, read.outs, inputs).changes is False

    changed = checked(provider, {**inputs, "description": "gateway", "tags": {"zone": "b"}, "enable_gpu": True})
    assert provider.diff(created.id, read.outs, changed).replaces == []
    since = last_seq(localcloud)
    updated = provider.update(created.id, read.outs, changed)
    assert calls(localcloud, since) == [
        ("PUT", f"ai-mgr/nodes/{created.id}"),
        ("POST", f"node/{created.id}/tags"),
        ("DELETE", f"node/{created.id}/tags/site"),
    ]
    assert updated.outs["package"] == package
    assert updated.outs["description"] == "gateway" and updated.outs["enable_gpu"] is True
    assert tags(localcloud, project, "node", created.id) == {"zone": "b"}
    assert provider.diff(created.id, updated.outs, changed).changes is False

    # A tag added outside the program is drift, read back through the tag API.
    added = {"tags": [{"key": "x", "value": "y"}]}
    signed_request(localcloud, project, "POST", f"v3/node/{created.id}/tags", json=added).raise_for_status()
    drifted = provider.read(created.id, updated.outs)
    assert drifted.outs["tags"] == {"zone": "b", "x": "y"}
    assert provider.diff(created.id, drifted.outs, changed).changes is True

    # Disabled and enabled again through the action endpoints.
    stopped = provider.update(created.id, drifted.outs, checked(provider, {**changed, "enabled": False}))
    assert stopped.outs["state"] == "STOPPED" and stopped.outs["enabled"] is False
    started = provider.update(created.id, stopped.outs, changed)
    assert started.outs["state"] == "UNCONNECTED" and started.outs["enabled"] is True
    assert tags(localcloud, project, "node", created.id) == {"zone": "b"}

    assert provider.diff(created.id, started.outs, {**changed, "name": "cam-gw-2"}).replaces == ["name"]
    assert provider.diff(created.id, started.outs, {**changed, "provider": "ief"}).replaces == ["provider"]
    assert provider.diff(created.id, started.outs, {**changed, "workspace_id": "w"}).replaces == ["workspace_id"]

    provider.delete(created.id, started.outs)
    assert provider.read(created.id, started.outs).id == ""
    assert nodes(localcloud, project) == []
    provider.delete(created.id, started.outs)


def test_import_by_id_reads_the_inputs(provider: DeviceProvider) -> None:
    program = checked(provider, {"name": "imported-dev", "description": "d", "workspace_id": "0"})
    created = provider.create(program)
    imported = provider.read(created.id, {})
    assert imported.inputs is not None
    assert imported.inputs["name"] == "imported-dev" and imported.inputs["provider"] == "hilens"
    assert imported.outs["package"] is None  # the package exists only in the registration answer
    # workspace_id is never returned: the program's value is adopted rather than forcing a replace.
    assert imported.inputs["workspace_id"] == UNRECORDED
    assert provider.diff(created.id, imported.outs, program).changes is False
    assert provider.diff(created.id, imported.outs, {**program, "name": "other"}).replaces == ["name"]
    provider.delete(created.id, imported.outs)


def test_create_can_wait_for_the_device_to_come_online(
    provider: DeviceProvider, localcloud: LocalCloudProcess, project: Credentials
) -> None:
    with agent_connecting(localcloud, project, "online-dev"):
        created = provider.create(checked(provider, {"name": "online-dev", "wait_for_state": "RUNNING"}))
    assert created.outs["state"] == "RUNNING"
    assert created.outs["type"] == "General ARM Device" and created.outs["firmware_version"] == "1.0.0"
    assert created.outs["package"]
    provider.delete(created.id, created.outs)


def test_a_device_that_never_connects_fails_at_the_deadline_and_is_deleted(
    provider: DeviceProvider, localcloud: LocalCloudProcess, project: Credentials
) -> None:
    props = {"name": "lonely-dev", "wait_for_state": "RUNNING", "timeouts": {"create": 0.3}}
    with pytest.raises(WaitTimeout) as raised:
        provider.create(checked(provider, props))
    assert "last state seen: 'UNCONNECTED'" in str(raised.value)
    assert "was deleted" in str(raised.value)
    assert nodes(localcloud, project) == []


def test_firmware_upgrades_wait_until_they_finish(
    provider: DeviceProvider, localcloud: LocalCloudProcess, project: Credentials
) -> None:
    props = {"name": "upgraded-dev", "wait_for_state": "RUNNING", "firmware_version": "1.1.0"}
    with agent_connecting(localcloud, project, "upgraded-dev"):
        created = provider.create(checked(provider, props))
    assert created.outs["firmware_version"] == "1.1.0" and created.outs["firmware_status"] == "3"
    assert created.outs["state"] == "RUNNING"

    newer = checked(provider, {**props, "firmware_version": "2.0.0"})
    assert provider.diff(created.id, created.outs, newer).replaces == []
    since = last_seq(localcloud)
    updated = provider.update(created.id, created.outs, newer)
    assert calls(localcloud, since) == [
        ("PUT", f"node-manager/node/{created.id}/firmware/7f8e9d0c1b2a43e5a6f7e8d9c0b1a2f3")
    ]
    assert updated.outs["firmware_version"] == "2.0.0"
    assert [r["firmware_version"] for r in updated.outs["firmware_upgrade_record"]] == ["1.1.0", "2.0.0"]
    assert provider.diff(created.id, provider.read(created.id, updated.outs).outs, newer).changes is False

    # A version the catalogue lacks for this device type names the versions it has.
    with pytest.raises(ApiError) as unknown:
        provider.update(created.id, updated.outs, checked(provider, {**props, "firmware_version": "9.9.9"}))
    assert "1.0.0, 1.1.0, 2.0.0" in str(unknown.value)

    # A failed upgrade fails the update with the platform's cause.
    localcloud.fail_next(project.project_id, "hilens.firmware", created.id, message="flash write error")
    with pytest.raises(Exception, match="flash write error"):
        provider.update(created.id, updated.outs, checked(provider, {**props, "firmware_version": "1.0.0"}))
    assert node(localcloud, project, created.id)["firmware_version"] == "2.0.0"
    provider.delete(created.id, updated.outs)


def test_activation_and_deactivation(
    provider: DeviceProvider, localcloud: LocalCloudProcess, project: Credentials
) -> None:
    orders = signed_json(localcloud, project, "GET", "v1/platform-manager/orders")["data"]
    small = next(order["id"] for order in orders if order["device_type"] == "small_device")
    base = checked(provider, {"name": "paid-dev"})
    created = provider.create(base)
    assert created.outs["active_status"] == "INACTIVE"

    active = checked(provider, {**base, "activation": {"order_id": small}})
    assert provider.diff(created.id, created.outs, active).changes is True
    activated = provider.update(created.id, created.outs, active)
    assert activated.outs["active_status"] == "ACTIVATED" and activated.outs["active_content"] == [small]
    assert activated.outs["activation"] == {"active": True, "order_id": small}
    assert provider.diff(created.id, provider.read(created.id, activated.outs).outs, active).changes is False

    inactive = checked(provider, {**base, "activation": {"active": False}})
    deactivated = provider.update(created.id, activated.outs, inactive)
    assert deactivated.outs["active_status"] == "INACTIVE"
    assert provider.diff(created.id, deactivated.outs, inactive).changes is False
    provider.delete(created.id, deactivated.outs)


def test_the_package_survives_an_update_and_a_refresh_but_not_an_import(provider: DeviceProvider) -> None:
    created = provider.create(checked(provider, {"name": "kept-package"}))
    assert provider.read(created.id, {}).outs["package"] is None
    refreshed = provider.read(created.id, created.outs)
    assert refreshed.outs["package"] == created.outs["package"]
    provider.delete(created.id, refreshed.outs)


def test_connect_reports_the_agent_facts(localcloud: LocalCloudProcess, project: Credentials) -> None:
    provider = configured(DeviceProvider, localcloud, project)
    created = provider.create(checked(provider, {"name": "x86-dev"}))
    connect(localcloud, project, created.id, arch="x86_64")
    read = provider.read(created.id, created.outs)
    assert read.outs["state"] == "RUNNING" and read.outs["type"] == "General x86 Device"
    provider.delete(created.id, read.outs)


@pytest.mark.parametrize(
    ("props", "field"),
    [
        ({"name": "has space"}, "name"),
        ({"name": "d" * 65}, "name"),
        ({"name": "dev", "description": "a*b"}, "description"),
        ({"name": "dev", "tags": {"k": "v.1"}}, "tags"),
        ({"name": "dev", "tags": {f"k{i}": "v" for i in range(21)}}, "tags"),
        ({"name": "dev", "log_configs": [{"component": "app", "type": "LTS", "size": 5}]}, "log_configs[0].size"),
        (
            {"name": "dev", "log_configs": [{"component": "app", "type": "LTS", "rotate_period": "daily"}]},
            "log_configs",
        ),
        ({"name": "dev", "firmware_version": "1.0.0"}, "firmware_version"),
        ({"name": "dev", "firmware_version": "01.0.0", "wait_for_state": "RUNNING"}, "firmware_version"),
        ({"name": "dev", "enabled": False, "wait_for_state": "RUNNING"}, "wait_for_state"),
        ({"name": "dev", "npu_type": "D999"}, "npu_type"),
        ({"name": "dev", "provider": "aws"}, "provider"),
    ],
)
def test_invalid_inputs_fail_in_check_without_api_calls(
    provider: DeviceProvider, localcloud: LocalCloudProcess, props: dict[str, Any], field: str
) -> None:
    since = last_seq(localcloud)
    failures = provider.check({}, {**props, "__provider": "x"}).failures
    assert [f.property for f in failures] == [field]
    assert mutating_calls(localcloud, since) == []
