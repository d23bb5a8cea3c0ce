"""EdgeFleet's structure under Pulumi mocks: type token, children parented to it, options passed
through, outputs, the deployment across every device, secrets kept secret, and bad arguments
refused before any resource is registered, naming the field."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pulumi
import pytest
from pulumi.runtime import rpc
from pulumi.runtime.mocks import MockMonitor

from aicompute.resources.hilens import DeviceArgs, WorkspaceArgs
from aicompute.stacks import EdgeFleet, EdgeFleetArgs, SecretSpec
from aicompute.stacks._component import ComponentArgsError

APP = {
    "name": "detector",
    "app_url": "swr.example.com/edge/detector:1.0",
    "resources": {"limits": {"cpu": 1, "memory": 512}},
    "envs": [{"name": "API_TOKEN", "value_from": {"secret": {"name": "fleet-token", "key": "token"}}}],
}
DEPLOYMENT = {
    "name": "detector",
    "source": "userdefined",
    "apps": [APP],
    "configs": {"host_network": True, "restart_policy": "Always"},
}
TOKEN = "s3cret-token-value"


def fleet_args(**overrides: Any) -> dict[str, Any]:
    return {
        "workspace": {"name": "edge-ws"},
        "devices": {"cam-1": {"description": "lobby"}, "cam-2": {"tags": {"site": "north"}}},
        "config_maps": {"settings": {"name": "fleet-settings", "data": {"LOG_LEVEL": "info"}}},
        "secrets": {"token": {"name": "fleet-token", "data": {"token": TOKEN}}},
        "deployment": DEPLOYMENT,
        **overrides,
    }


class Mocks(pulumi.runtime.Mocks):
    """Records every registration; ids are ``hilens-<logical name>``, outputs echo the inputs."""

    def __init__(self) -> None:
        self.registered: dict[str, pulumi.runtime.MockResourceArgs] = {}

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        self.registered[args.name] = args
        outputs = dict(args.inputs)
        if args.typ.endswith("hilens:Device"):
            outputs["package"] = f"package-of-{args.name}"
        if args.typ.endswith("hilens:Deployment"):
            outputs["state"] = "RUNNING"
        return f"hilens-{args.name}", outputs

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        return {}, None


class Monitor(MockMonitor):
    """The mock monitor, keeping each registration request (parent, protect, dependencies) and each
    component's registered outputs."""

    def __init__(self, mocks: Mocks) -> None:
        super().__init__(mocks)
        self.requests: dict[str, Any] = {}
        self.outputs: dict[str, dict[str, Any]] = {}

    def RegisterResource(self, request: Any) -> Any:
        self.requests[request.name] = request
        return super().RegisterResource(request)

    def RegisterResourceOutputs(self, request: Any) -> Any:
        self.outputs[request.urn] = rpc.deserialize_properties(request.outputs)
        return super().RegisterResourceOutputs(request)


@pytest.fixture
def mocks() -> Iterator[Mocks]:
    recorder = Mocks()
    pulumi.runtime.set_mocks(recorder, preview=False)
    yield recorder


@pytest.fixture
def monitor() -> Iterator[Monitor]:
    watcher = Monitor(Mocks())
    pulumi.runtime.set_mocks(watcher.mocks, preview=False, monitor=watcher)
    yield watcher


CHILDREN = {
    "fleet-workspace": "Workspace",
    "fleet-device-cam-1": "Device",
    "fleet-device-cam-2": "Device",
    "fleet-configmap-settings": "ConfigMap",
    "fleet-secret-token": "Secret",
    "fleet-deployment": "Deployment",
}


def test_children_are_parented_to_the_component_and_wait_for_its_dependencies(monitor: Monitor) -> None:
    urns: list[str] = []

    def program() -> Any:
        gate = pulumi.CustomResource("test:index:Gate", "gate")
        fleet = EdgeFleet("fleet", fleet_args(), opts=pulumi.ResourceOptions(protect=True, depends_on=[gate]))
        return pulumi.Output.all(gate.urn, fleet.urn, fleet.deployment_id).apply(urns.extend)

    pulumi.runtime.test(program)()
    gate, fleet, _ = urns
    component = monitor.requests["fleet"]
    assert component.type == EdgeFleet.type_token == "aicompute:stacks:EdgeFleet"
    assert not component.custom and component.protect and gate in component.dependencies
    for name, kind in CHILDREN.items():
        child = monitor.requests[name]
        assert child.type == f"pulumi-python:dynamic/hilens:{kind}", name
        assert child.parent == fleet and child.protect, name
        assert gate in child.dependencies, name
    # the root stack registers once per process, so whether it is here depends on which tests ran before;
    # the shard providers the children are dealt to (``provider_shards``) are not the component's
    registered_names = {name for name in monitor.requests if not name.startswith("aicompute-shard-")}
    assert registered_names - {"project-stack"} == {"gate", "fleet", *CHILDREN}
    waits_for = {urn.rsplit("::", 1)[1] for urn in monitor.requests["fleet-deployment"].dependencies}
    assert {"gate", "fleet-configmap-settings", "fleet-secret-token"} <= waits_for
    registered = monitor.outputs[fleet]
    assert registered["workspace_id"] == "hilens-fleet-workspace"
    assert registered["device_ids"] == {"cam-1": "hilens-fleet-device-cam-1", "cam-2": "hilens-fleet-device-cam-2"}
    assert registered["deployment_id"] == "hilens-fleet-deployment" and registered["deployment_state"] == "RUNNING"


@pulumi.runtime.test
def test_every_object_is_in_the_workspace_and_the_deployment_targets_every_device(mocks: Mocks) -> Any:
    fleet = EdgeFleet("fleet", EdgeFleetArgs.model_validate(fleet_args(provider="hilens")))

    def check(_: Any) -> None:
        inputs = {name: args.inputs for name, args in mocks.registered.items()}
        for name in ("fleet-device-cam-1", "fleet-device-cam-2", "fleet-configmap-settings", "fleet-secret-token"):
            assert inputs[name]["workspace_id"] == "hilens-fleet-workspace"
            assert inputs[name]["provider"] == "hilens"
        assert inputs["fleet-device-cam-1"]["name"] == "cam-1"
        assert inputs["fleet-device-cam-1"]["description"] == "lobby"
        assert inputs["fleet-device-cam-2"]["tags"] == {"site": "north"}
        assert inputs["fleet-configmap-settings"]["name"] == "fleet-settings"
        deployment = inputs["fleet-deployment"]
        assert sorted(deployment["node_ids"]) == ["hilens-fleet-device-cam-1", "hilens-fleet-device-cam-2"]
        assert (
            deployment.get("cluster_id") is None
            and deployment["replicas"] == 1
            and deployment["apps"][0]["name"] == "detector"
        )

    return fleet.deployment_id.apply(check)


@pulumi.runtime.test
def test_outputs(mocks: Mocks) -> Any:
    fleet = EdgeFleet("fleet", fleet_args())

    def check(values: list[Any]) -> None:
        workspace_id, device_ids, config_map_ids, secret_ids, deployment_id, state, packages = values
        assert workspace_id == "hilens-fleet-workspace"
        assert device_ids == {"cam-1": "hilens-fleet-device-cam-1", "cam-2": "hilens-fleet-device-cam-2"}
        assert config_map_ids == {"settings": "hilens-fleet-configmap-settings"}
        assert secret_ids == {"token": "hilens-fleet-secret-token"}
        assert (deployment_id, state) == ("hilens-fleet-deployment", "RUNNING")
        assert packages == {"cam-1": "package-of-fleet-device-cam-1", "cam-2": "package-of-fleet-device-cam-2"}

    return pulumi.Output.all(
        fleet.workspace_id,
        fleet.device_ids,
        fleet.config_map_ids,
        fleet.secret_ids,
        fleet.deployment_id,
        fleet.deployment_state,
        fleet.device_packages,
    ).apply(check)


@pulumi.runtime.test
def test_secret_values_and_packages_are_secrets(mocks: Mocks) -> Any:
    from_config = pulumi.Output.secret("from-config-value")
    fleet = EdgeFleet("fleet", fleet_args(secrets={"token": {"data": {"token": TOKEN, "other": from_config}}}))
    secret = fleet.secrets["token"]

    def check(flags: list[bool]) -> None:
        assert flags == [True, True, False]

    return pulumi.Output.all(
        pulumi.Output.is_secret(secret.data),
        pulumi.Output.is_secret(fleet.device_packages),
        pulumi.Output.is_secret(fleet.device_ids),
    ).apply(check)


@pulumi.runtime.test
def test_without_a_deployment_only_the_workspace_and_devices(mocks: Mocks) -> Any:
    fleet = EdgeFleet("bare", {"workspace": {"name": "bare-ws"}, "devices": {"gw": {}}})
    assert fleet.deployment is None

    def check(values: list[Any]) -> None:
        assert values == [None, {}, {}, {"gw": "hilens-bare-device-gw"}]
        assert sorted(mocks.registered) == ["bare", "bare-device-gw", "bare-workspace"]

    outputs = (fleet.deployment_id, fleet.secret_ids, fleet.config_map_ids, fleet.device_ids)
    return pulumi.Output.all(*outputs).apply(check)


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"workspace": {"name": "default"}}, "workspace.name: Value error, 'default' is the name of the built-in"),
        ({"devices": {"cam 1": {}}}, "devices.cam 1.[key]: Value error, 'cam 1' breaks the rule: 1-64 characters"),
        ({"devices": {"cam-1": {"npu_type": "D999"}}}, "devices.cam-1.npu_type: Input should be 'D310' or 'D910'"),
        (
            {"devices": {"cam-1": {"workspace_id": "w"}}},
            "devices: Value error, cam-1.workspace_id: set by the fleet",
        ),
        ({"devices": {"cam-1": {"provider": "ief"}}}, "devices: Value error, cam-1.provider: set by the fleet"),
        ({"config_maps": {"settings": {"name": "s", "data": {"k": "v"}}}}, "config_maps.settings.name: Value error"),
        (
            {"secrets": {"token": {"data": {"1bad": "v"}}}},
            "secrets.token.data: Value error, key '1bad' breaks",
        ),
        ({"deployment": {**DEPLOYMENT, "node_ids": ["x"]}}, "deployment: Value error, node_ids: set by the fleet"),
        ({"devices": {}}, "deployment: Value error, a deployment needs at least one device in devices"),
        ({"deployment": {**DEPLOYMENT, "replicas": 100}}, "deployment.replicas: Input should be less than or equal"),
        ({"devcies": {}}, "devcies: Extra inputs are not permitted"),
    ],
)
def test_bad_arguments_name_the_field_and_register_nothing(
    mocks: Mocks, overrides: dict[str, Any], expected: str
) -> None:
    with pytest.raises(ComponentArgsError) as error:
        EdgeFleet("fleet", fleet_args(**overrides))
    assert str(error.value).startswith("EdgeFleet 'fleet': invalid arguments: ")
    assert expected in str(error.value)
    assert mocks.registered == {}


def test_typed_specs_are_taken_and_their_owned_fields_refused(mocks: Mocks) -> None:
    typed = EdgeFleetArgs(
        workspace=WorkspaceArgs(name="edge-ws"),
        devices={"cam-1": DeviceArgs(name="lobby-camera")},
        secrets={"token": SecretSpec(name="fleet-token", data={"token": pulumi.Output.secret(TOKEN)})},
    )
    assert typed.devices["cam-1"].name == "lobby-camera" and typed.devices["cam-1"].workspace_id is None
    with pytest.raises(ComponentArgsError) as error:
        EdgeFleet(
            "fleet", {"workspace": {"name": "edge-ws"}, "devices": {"cam-1": DeviceArgs(name="c", workspace_id="w")}}
        )
    assert "devices: Value error, cam-1.workspace_id: set by the fleet" in str(error.value)


def test_a_bad_secret_value_is_refused_without_showing_it(mocks: Mocks) -> None:
    with pytest.raises(ComponentArgsError) as error:
        EdgeFleet("fleet", fleet_args(secrets={"token": {"data": {"token": "leak{me}"}}}))
    assert "secrets.token.data: Value error, the value of 'token' breaks the rule" in str(error.value)
    assert "leak{me}" not in str(error.value)
