"""TrainingPlatform and InferenceEndpoint under Pulumi's mocks: type tokens, children parented to the
component and linked to each other, options passed through, outputs registered, and bad arguments
refused before anything is registered, naming the field and the rule."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pulumi
import pytest
from pulumi.runtime import rpc
from pulumi.runtime.mocks import MockMonitor

from aicompute.resources.modelarts import WorkspaceArgs
from aicompute.resources.modelarts.resource_pool import PoolResource
from aicompute.stacks import InferenceEndpoint, NetworkSpec, PoolSpec, TrainingPlatform, TrainingPlatformArgs
from aicompute.stacks._component import ComponentArgsError

CPU = "modelarts.vm.cpu.4ud"
CPU8 = "modelarts.vm.cpu.8u"
MODEL_TYPE = "pulumi-python:dynamic/modelarts:Model"
SERVICE_TYPE = "pulumi-python:dynamic/modelarts:InferenceService"


class _Mocks(pulumi.runtime.Mocks):
    """Ids are ``<name>-id``; outputs echo the inputs plus the status a settled object reports."""

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        state = dict(args.inputs)
        if args.typ.endswith(":InferenceService"):
            state["access_address"] = f"https://apig.localcloud/v1/infers/{args.name}-id"
        state.setdefault("status", "Available")
        return f"{args.name}-id", state

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        return {}, None


class Recorder(MockMonitor):
    """The mock monitor, keeping every registration request and every component's outputs."""

    def __init__(self) -> None:
        super().__init__(_Mocks())
        self.requests: dict[str, Any] = {}
        self.outputs: dict[str, dict[str, Any]] = {}

    def RegisterResource(self, request: Any) -> Any:
        response = super().RegisterResource(request)
        self.requests[request.name] = request
        return response

    def RegisterResourceOutputs(self, request: Any) -> Any:
        self.outputs[request.urn] = rpc.deserialize_properties(request.outputs)
        return super().RegisterResourceOutputs(request)


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    monitor = Recorder()
    pulumi.runtime.set_mocks(_Mocks(), preview=False, monitor=monitor)
    yield monitor


def platform_args(**changes: Any) -> dict[str, Any]:
    args: dict[str, Any] = {
        "workspace": {"name": "vision-ws", "description": "training"},
        "network": {"name": "vision-net", "cidr": "192.168.0.0/16"},
        "pool": {"name": "vision-pool", "scope": ["Train", "Infer"], "resources": [{"flavor": CPU, "count": 1}]},
        "node_pools": {
            "gpu": {"flavor": CPU8, "count": 2},
            "batch": {"flavor": CPU8, "count": 1, "labels": {"t": "b"}},
        },
    }
    return {**args, **changes}


def endpoint_args(**changes: Any) -> dict[str, Any]:
    args: dict[str, Any] = {
        "model": {
            "model_name": "detector",
            "model_version": "1.0.0",
            "model_type": "PyTorch",
            "source_location": "https://models.obs.example.com/detector",
        },
        "service_name": "detector-svc",
        "pool_id": "pool-0123",
        "instance_count": 2,
    }
    return {**args, **changes}


def run(program: Callable[[], list[pulumi.Output[Any]]]) -> list[Any]:
    """Run ``program`` to the end (every registration and output registration done) and return the
    values of the outputs it returns."""
    values: list[Any] = []
    pulumi.runtime.test(lambda: pulumi.Output.all(*program()).apply(values.extend))()
    return values


# TrainingPlatform --------------------------------------------------------------------------------
def test_platform_children_are_parented_linked_and_outputs_registered(recorder: Recorder) -> None:
    def program() -> list[pulumi.Output[Any]]:
        platform = TrainingPlatform("tp", platform_args())
        return [platform.urn, platform.node_pool_ids]

    urn, node_pool_ids = run(program)
    component = recorder.requests["tp"]
    assert component.type == "aicompute:stacks:TrainingPlatform" == TrainingPlatform.type_token
    assert not component.custom
    children = {"tp-workspace": "Workspace", "tp-network": "Network", "tp-pool": "ResourcePool"}
    children |= {"tp-gpu": "NodePool", "tp-batch": "NodePool"}
    for name, kind in children.items():
        assert recorder.requests[name].type == f"pulumi-python:dynamic/modelarts:{kind}"
        assert recorder.requests[name].parent == urn, name
    network = rpc.deserialize_properties(recorder.requests["tp-network"].object)
    pool = rpc.deserialize_properties(recorder.requests["tp-pool"].object)
    gpu = rpc.deserialize_properties(recorder.requests["tp-gpu"].object)
    assert network["workspace_id"] == "tp-workspace-id" and network["cidr"] == "192.168.0.0/16"
    assert pool["workspace_id"] == "tp-workspace-id" and pool["network_id"] == "tp-network-id"
    assert pool["resources"] == [{"flavor": CPU, "count": 1}]
    assert (gpu["pool_name"], gpu["name"], gpu["flavor"], gpu["count"]) == ("tp-pool-id", "gpu", CPU8, 2)
    assert node_pool_ids == {"gpu": "tp-gpu-id", "batch": "tp-batch-id"}
    registered = recorder.outputs[urn]
    assert registered["workspace_id"] == "tp-workspace-id" and registered["network_id"] == "tp-network-id"
    assert registered["pool_id"] == "tp-pool-id" and registered["pool_name"] == "vision-pool"
    assert registered["node_pool_ids"] == node_pool_ids
    assert registered["node_pool_statuses"] == {"gpu": "Available", "batch": "Available"}


def test_platform_takes_typed_args_and_passes_options_through(recorder: Recorder) -> None:
    def program() -> list[pulumi.Output[Any]]:
        gate = pulumi.CustomResource("test:index:Gate", "gate")
        options = pulumi.ResourceOptions(protect=True, depends_on=[gate])
        typed = TrainingPlatformArgs(
            workspace=WorkspaceArgs(name="vision-ws"),
            network=NetworkSpec(name="vision-net", cidr="172.16.0.0/16"),
            pool=PoolSpec(name="vision-pool", scope=["Train"], resources=[PoolResource(flavor=CPU, count=1)]),
        )
        platform = TrainingPlatform("tp", typed, opts=options)
        return [gate.urn, platform.urn]

    gate_urn, urn = run(program)
    assert recorder.requests["tp"].protect is True
    assert gate_urn in recorder.requests["tp"].dependencies
    for name in ("tp-workspace", "tp-network", "tp-pool"):
        assert recorder.requests[name].protect is True, name
        assert gate_urn in recorder.requests[name].dependencies, name
    assert "tp-gpu" not in recorder.requests
    assert recorder.outputs[urn]["node_pool_ids"] == {}


@pytest.mark.parametrize(
    ("changes", "field", "rule"),
    [
        ({"workspace": {"name": "default"}}, "workspace.name", "reserved"),
        ({"network": {"name": "vision-net", "cidr": "10.0.0.0/8"}}, "network.cidr", "172.16.0.0/12"),
        (
            {"network": {"name": "vision-net", "cidr": "192.168.0.0/16", "workspace_id": "abc"}},
            "network.workspace_id",
            "set by the TrainingPlatform",
        ),
        ({"pool": {"name": "Pool", "scope": ["Train"], "resources": [{"flavor": CPU, "count": 1}]}}, "pool.name", ""),
        ({"pool": {"name": "vision-pool", "scope": [], "resources": [{"flavor": CPU, "count": 1}]}}, "pool.scope", ""),
        (
            {"pool": {"name": "vision-pool", "scope": ["Train"], "resources": [{"flavor": "cpu", "count": 1}]}},
            "pool.resources[0].flavor",
            "modelarts.vm.cpu.4ud",
        ),
        ({"node_pools": {"gpu": {"flavor": CPU8, "count": 0}}}, "node_pools.gpu.count", "greater than or equal to 1"),
        ({"node_pools": {"gpu": {"flavor": CPU8, "count": 2, "max_count": 3}}}, "node_pools.gpu.max_count", "equal"),
        ({"node_pools": {"-gpu": {"flavor": CPU8, "count": 1}}}, "node_pools.-gpu.[key]", "pattern"),
        ({"node_pools": {"gpu": {"flavor": CPU8, "count": 1, "pool_name": "p"}}}, "node_pools.gpu.pool_name", "set by"),
        ({"nodepools": {}}, "nodepools", "Extra inputs are not permitted"),
    ],
)
def test_platform_refuses_bad_arguments_before_registering(
    recorder: Recorder, changes: dict[str, Any], field: str, rule: str
) -> None:
    with pytest.raises(ComponentArgsError) as refused:
        TrainingPlatform("tp", platform_args(**changes))
    message = str(refused.value)
    assert message.startswith("TrainingPlatform 'tp': invalid arguments: ")
    assert f" {field}: " in message and rule in message, message
    assert recorder.requests == {}


# InferenceEndpoint -------------------------------------------------------------------------------
def test_endpoint_deploys_its_model_on_the_pool_and_registers_the_address(recorder: Recorder) -> None:
    def program() -> list[pulumi.Output[Any]]:
        endpoint = InferenceEndpoint("ep", endpoint_args(envs={"MODE": "fast"}, workspace_id="ws-1"))
        return [endpoint.urn, endpoint.access_address]

    urn, address = run(program)
    assert recorder.requests["ep"].type == "aicompute:stacks:InferenceEndpoint"
    assert recorder.requests["ep-model"].type == MODEL_TYPE and recorder.requests["ep-model"].parent == urn
    assert recorder.requests["ep-service"].type == SERVICE_TYPE and recorder.requests["ep-service"].parent == urn
    model = rpc.deserialize_properties(recorder.requests["ep-model"].object)
    service = rpc.deserialize_properties(recorder.requests["ep-service"].object)
    assert (model["model_name"], model["model_version"], model["workspace_id"]) == ("detector", "1.0.0", "ws-1")
    assert service["infer_type"] == "real-time" and service["status"] == "running"
    assert service["pool_name"] == "pool-0123" and service["workspace_id"] == "ws-1"
    assert service["config"] == [
        {
            "model_id": "ep-model-id",
            "specification": "modelarts.vm.cpu.2u",
            "instance_count": 2,
            "weight": 100,
            "envs": {"MODE": "fast"},
        }
    ]
    assert address == "https://apig.localcloud/v1/infers/ep-service-id"
    registered = recorder.outputs[urn]
    assert registered["access_address"] == address
    assert (registered["model_id"], registered["service_id"]) == ("ep-model-id", "ep-service-id")


def test_endpoint_stopped_takes_outputs_as_inputs_and_passes_options(recorder: Recorder) -> None:
    def program() -> list[pulumi.Output[Any]]:
        pool = pulumi.CustomResource("test:index:Pool", "pool")
        options = pulumi.ResourceOptions(protect=True, depends_on=[pool])
        endpoint = InferenceEndpoint("ep", endpoint_args(pool_id=pool.id, running=False), opts=options)
        return [pool.urn, endpoint.urn]

    pool_urn, _ = run(program)
    service = rpc.deserialize_properties(recorder.requests["ep-service"].object)
    assert service["status"] == "stopped" and service["pool_name"] == "pool-id"
    for name in ("ep", "ep-model", "ep-service"):
        assert recorder.requests[name].protect is True, name
        assert pool_urn in recorder.requests[name].dependencies, name


@pytest.mark.parametrize(
    ("changes", "field", "rule"),
    [
        ({"instance_count": 0}, "instance_count", "greater than or equal to 1"),
        ({"instance_count": 129}, "instance_count", "less than or equal to 128"),
        ({"service_name": "bad name!"}, "service_name", "letters, Chinese, digits"),
        ({"specification": "custom"}, "custom_spec", "required when specification is custom"),
        (
            {"specification": "custom", "custom_spec": {"cpu": 1, "memory": 1024}, "pool_id": None},
            "specification",
            "pool",
        ),
        ({"custom_spec": {"cpu": 1, "memory": 1024}}, "custom_spec", "only allowed when specification is custom"),
        ({"description": "a & b"}, "description", "none of"),
        (
            {"model": {"model_name": "m", "model_version": "01.0.0", "model_type": "PyTorch", "source_location": "x"}},
            "model.model_version",
            "N.N.N",
        ),
        (
            {"model": {"model_name": "m", "model_version": "1.0.0", "model_type": "PyTorch"}},
            "model.source_location",
            "required",
        ),
        (
            {"model": {**endpoint_args()["model"], "workspace_id": "w"}},
            "model.workspace_id",
            "set by the InferenceEndpoint",
        ),
        ({"running": "maybe"}, "running", "boolean"),
        ({"workspace_id": ""}, "workspace_id", "at least 1 character"),
    ],
)
def test_endpoint_refuses_bad_arguments_before_registering(
    recorder: Recorder, changes: dict[str, Any], field: str, rule: str
) -> None:
    with pytest.raises(ComponentArgsError) as refused:
        InferenceEndpoint("ep", endpoint_args(**changes))
    message = str(refused.value)
    assert message.startswith("InferenceEndpoint 'ep': invalid arguments: ")
    assert f" {field}: " in message and rule in message, message
    assert recorder.requests == {}
