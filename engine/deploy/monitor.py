"""The gRPC services a Pulumi program talks to: ``ResourceMonitor`` and ``Engine``.

Served on a loopback port with the SDK's own generated servicers (``pulumi.runtime.proto``), as
the Pulumi CLI serves them to its language hosts. Each request is decoded and handed to the
``DeploymentRun``; its answer goes back in Pulumi's wire form — unknowns during a preview stay
unknown, so the program sees them as unknown outputs.

Features answered: ``secrets`` (the SDK sends secrets as such), ``aliasSpecs`` (aliases come as
specs, resolved by the engine with its parents' aliases: ``aliases``) and ``resourceReferences`` (a
resource among a resource's properties comes as a reference, recorded as such and given back to the
program, which makes it a resource again where its class is known; providers get its id or URN).
Output values are not advertised, so the SDK sends plain values; options that need more
(transforms, hooks, deletedWith, package parameterization) are refused by the SDK with its own message.
"""

from __future__ import annotations

import threading
from concurrent import futures
from typing import Any

import grpc
from google.protobuf import empty_pb2
from pulumi.runtime.proto import (
    alias_pb2,
    engine_pb2,
    engine_pb2_grpc,
    provider_pb2,
    resource_pb2,
    resource_pb2_grpc,
)

from aicompute.engine.deploy.events import EventStream, Severity
from aicompute.engine.deploy.registrations import AliasSpec, ReadRegistration, Registration, RegistrationHandler
from aicompute.engine.resource.wire_values import from_struct, to_struct

SUPPORTED_FEATURES = frozenset({"secrets", "aliasSpecs", "resourceReferences"})

_SEVERITIES: dict[int, Severity] = {
    engine_pb2.DEBUG: "debug",
    engine_pb2.INFO: "info",
    engine_pb2.WARNING: "warning",
    engine_pb2.ERROR: "error",
}


def registration_from_request(request: resource_pb2.RegisterResourceRequest) -> Registration:
    aliases = [*(AliasSpec(urn=urn) for urn in request.aliasURNs), *(_alias(alias) for alias in request.aliases)]
    return Registration(
        type=request.type,
        name=request.name,
        custom=request.custom,
        parent=request.parent,
        inputs=from_struct(request.object),
        protect=request.protect,
        dependencies=tuple(request.dependencies),
        property_dependencies={key: list(deps.urns) for key, deps in request.propertyDependencies.items()},
        delete_before_replace=request.deleteBeforeReplace,
        ignore_changes=tuple(request.ignoreChanges),
        additional_secret_outputs=tuple(request.additionalSecretOutputs),
        aliases=tuple(dict.fromkeys(aliases)),
        replace_on_changes=tuple(request.replaceOnChanges),
        retain_on_delete=request.retainOnDelete,
        provider=request.provider,
        import_id=request.importId,
    )


def _alias(alias: alias_pb2.Alias) -> AliasSpec:
    if alias.WhichOneof("alias") != "spec":
        return AliasSpec(urn=alias.urn)
    spec = alias.spec
    return AliasSpec(
        name=spec.name,
        type=spec.type,
        project=spec.project,
        stack=spec.stack,
        parent=spec.parentUrn,
        no_parent=spec.noParent,
    )


class ResourceMonitorService(resource_pb2_grpc.ResourceMonitorServicer):
    def __init__(self, run: RegistrationHandler) -> None:
        self.run = run

    def SupportsFeature(self, request: Any, context: grpc.ServicerContext) -> Any:
        return resource_pb2.SupportsFeatureResponse(hasSupport=request.id in SUPPORTED_FEATURES)

    def GetDeploymentInfo(self, request: Any, context: grpc.ServicerContext) -> Any:
        context.abort(grpc.StatusCode.UNIMPLEMENTED, "GetDeploymentInfo is not supported by aicompute's engine")

    def RegisterResource(self, request: Any, context: grpc.ServicerContext) -> Any:
        if request.remote:
            context.abort(
                grpc.StatusCode.INVALID_ARGUMENT,
                f"{request.type} is a multi-language component, which needs a Pulumi provider plugin; "
                "use the Pulumi CLI for this program",
            )
        result = self.run.register_resource(registration_from_request(request))
        return resource_pb2.RegisterResourceResponse(
            urn=result.urn,
            id=result.id,
            object=to_struct(result.outputs),
            result=resource_pb2.FAIL if result.failed else resource_pb2.SUCCESS,
            unknown=result.unknown,
        )

    def RegisterResourceOutputs(self, request: Any, context: grpc.ServicerContext) -> Any:
        try:
            self.run.register_outputs(request.urn, from_struct(request.outputs))
        except KeyError as error:
            context.abort(grpc.StatusCode.NOT_FOUND, str(error))
        return empty_pb2.Empty()

    def ReadResource(self, request: Any, context: grpc.ServicerContext) -> Any:
        read = ReadRegistration(
            type=request.type,
            name=request.name,
            id=request.id,
            parent=request.parent,
            inputs=from_struct(request.properties),
            dependencies=tuple(request.dependencies),
            additional_secret_outputs=tuple(request.additionalSecretOutputs),
            provider=request.provider,
        )
        result = self.run.read_resource(read)
        return resource_pb2.ReadResourceResponse(
            urn=result.urn,
            id=result.id,
            properties=to_struct(result.outputs),
            result=resource_pb2.FAIL if result.failed else resource_pb2.SUCCESS,
        )

    def Invoke(self, request: Any, context: grpc.ServicerContext) -> Any:
        try:
            value = self.run.invoke(request.tok, from_struct(request.args))
        except KeyError as error:
            message = str(error.args[0]) if error.args else str(error)
            return resource_pb2.ResourceInvokeResponse(failures=[provider_pb2.CheckFailure(reason=message)])
        return resource_pb2.ResourceInvokeResponse(**{"return": to_struct(value)})

    def Call(self, request: Any, context: grpc.ServicerContext) -> Any:
        context.abort(
            grpc.StatusCode.UNIMPLEMENTED,
            f"method calls ({request.tok}) need a Pulumi provider plugin; use the Pulumi CLI for this program",
        )

    def SignalAndWaitForShutdown(self, request: Any, context: grpc.ServicerContext) -> Any:
        return empty_pb2.Empty()


class EngineService(engine_pb2_grpc.EngineServicer):
    def __init__(self, events: EventStream) -> None:
        self.events = events
        self._root = ""
        self._lock = threading.Lock()

    def Log(self, request: Any, context: grpc.ServicerContext) -> Any:
        if not request.ephemeral:
            self.events.diag(_SEVERITIES.get(request.severity, "info"), request.message.rstrip("\n"), request.urn)
        return empty_pb2.Empty()

    def GetRootResource(self, request: Any, context: grpc.ServicerContext) -> Any:
        with self._lock:
            return engine_pb2.GetRootResourceResponse(urn=self._root)

    def SetRootResource(self, request: Any, context: grpc.ServicerContext) -> Any:
        with self._lock:
            self._root = request.urn
        return engine_pb2.SetRootResourceResponse()

    def RequirePulumiVersion(self, request: Any, context: grpc.ServicerContext) -> Any:
        # aicompute speaks the protocol of the SDK it ships with; any range the program asks for is met.
        return engine_pb2.RequirePulumiVersionResponse()


class MonitorServer:
    """Both services on one loopback port, with enough threads for ``parallel`` blocked registrations."""

    def __init__(self, run: RegistrationHandler, events: EventStream, parallel: int) -> None:
        workers = max(32, 2 * parallel + 8)
        self.server = grpc.server(
            futures.ThreadPoolExecutor(max_workers=workers, thread_name_prefix="monitor"),
            options=[("grpc.max_receive_message_length", 400 * 1024 * 1024)],
        )
        resource_pb2_grpc.add_ResourceMonitorServicer_to_server(ResourceMonitorService(run), self.server)
        engine_pb2_grpc.add_EngineServicer_to_server(EngineService(events), self.server)
        self.port = self.server.add_insecure_port("127.0.0.1:0")
        self.address = f"127.0.0.1:{self.port}"

    def __enter__(self) -> MonitorServer:
        self.server.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.stop(grace=None)
