"""Provider plugins of other packages (``pulumi-resource-<package>``, e.g. pulumi-kubernetes), run as
the Pulumi CLI runs them (Pulumi: ``pkg/resource/plugin/provider_plugin.go`` and the provider
registry of ``pkg/resource/deploy/providers``).

A plugin is the binary ``pulumi-resource-<package>`` on PATH or in ``.tools/pulumi/bin``. Each
provider resource — an explicit ``pulumi:providers:<package>`` the program declares, or the
package's default provider — gets its own plugin process, started on first use with the address
of an ``Engine`` service (the plugin's logs become debug diagnostics) as its argument, checked with
``CheckConfig`` and configured with the provider resource's inputs (``Configure``: ``args``, and
``variables`` as ``<package>:config:<key>``). The resources that name that provider go through its
process: Check, Diff, Create, Read, Update, Delete.

The provider resource itself is the engine's, as in Pulumi: its check is the plugin's
``CheckConfig``, its diff ``DiffConfig``, its create an id (a UUID) and nothing else.

Plugins get plain values and their outputs are re-marked secret where the inputs were
(``acceptSecrets=False``), as for dynamic providers.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
from collections.abc import Callable, Iterator, Mapping
from concurrent import futures
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import grpc
from pulumi.runtime.proto import engine_pb2_grpc, provider_pb2, provider_pb2_grpc

from aicompute.engine.deploy.events import EventStream
from aicompute.engine.deploy.providers.base import CheckFailure, DiffResult, ProviderError, ReadResult
from aicompute.engine.deploy.providers.dynamic_providers import DynamicProviderResources
from aicompute.engine.deploy.providers.grpc_operations import GrpcOperations
from aicompute.engine.deploy.providers.served_process import LogCallback, ServedProcess
from aicompute.engine.resource.urn import PROVIDER_TYPE_PREFIX, is_provider_type, parse_provider_reference, parse_urn
from aicompute.engine.resource.wire_values import (
    PropertyMap,
    for_provider,
    reveal,
    to_struct,
)

PLUGIN_PREFIX = "pulumi-resource-"
TOOLS_BIN = Path(__file__).resolve().parents[3] / ".tools" / "pulumi" / "bin"


def package_of(type_: str) -> str:
    """The package a resource type belongs to (``kubernetes`` for ``kubernetes:apps/v1:Deployment``)."""
    if is_provider_type(type_):
        return type_.removeprefix(PROVIDER_TYPE_PREFIX)
    return type_.split(":", 1)[0]


def find_plugin(package: str, search: tuple[Path, ...] = (TOOLS_BIN,)) -> Path | None:
    """``pulumi-resource-<package>`` in ``.tools/pulumi/bin``, else on PATH."""
    name = PLUGIN_PREFIX + package
    for folder in search:
        if (folder / name).is_file() and os.access(folder / name, os.X_OK):
            return folder / name
    found = shutil.which(name)
    return Path(found) if found else None


def _config_variables(package: str, inputs: Mapping[str, Any]) -> dict[str, str]:
    """``Configure``'s legacy ``variables``: ``<package>:config:<key>`` → the value as a string."""
    variables = {}
    for key, value in reveal(dict(inputs)).items():
        if key == "version" or value is None:
            continue
        variables[f"{package}:config:{key}"] = value if isinstance(value, str) else json.dumps(value)
    return variables


class PluginProcess(ServedProcess, GrpcOperations):
    """One running plugin; configured once (``configure``) before resource operations."""

    def __init__(self, binary: Path, engine_address: str, on_log: LogCallback) -> None:
        super().__init__([str(binary), engine_address], f"the provider plugin {binary}", on_log)

    @contextmanager
    def _stub(self) -> Iterator[provider_pb2_grpc.ResourceProviderStub]:
        yield self.stub

    def configure(self, package: str, urn: str, inputs: PropertyMap) -> None:
        request = provider_pb2.ConfigureRequest(
            variables=_config_variables(package, inputs),
            args=to_struct(for_provider(inputs)),
            acceptSecrets=False,
            acceptResources=False,
        )
        self._call("configure", urn, lambda stub: stub.Configure(request))


class PluginProviders:
    """The plugin processes of one run: one per provider resource, and one unconfigured per package
    for the provider resources' own checks and diffs."""

    def __init__(self, events: EventStream, search: tuple[Path, ...] = (TOOLS_BIN,)) -> None:
        self.events = events
        self.search = search
        self._lock = threading.Lock()
        self._configs: dict[str, tuple[str, PropertyMap]] = {}
        """Provider URN → (package, inputs) of every provider resource the run has seen."""
        self._processes: dict[str, PluginProcess] = {}
        self._engine: grpc.Server | None = None
        self._engine_address = ""
        self.lookup: Callable[[str], PropertyMap | None] = lambda _urn: None
        """The inputs of a provider resource the run has not registered, from the state (set by the run)."""

    def available(self, package: str) -> bool:
        return find_plugin(package, self.search) is not None

    # the engine service the plugins log to ----------------------------------------------------
    def _engine_service(self) -> str:
        if self._engine is None:
            from aicompute.engine.deploy.monitor import EngineService

            server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
            engine_pb2_grpc.add_EngineServicer_to_server(EngineService(self.events), server)
            port = server.add_insecure_port("127.0.0.1:0")
            server.start()
            self._engine, self._engine_address = server, f"127.0.0.1:{port}"
        return self._engine_address

    def _start(self, package: str) -> PluginProcess:
        binary = find_plugin(package, self.search)
        if binary is None:
            raise ProviderError("start", "", f"no provider plugin {PLUGIN_PREFIX}{package} on PATH or in {TOOLS_BIN}")
        return PluginProcess(binary, self._engine_service(), lambda line: self.events.diag("debug", line))

    def _process(self, key: str, package: str, configure: Callable[[PluginProcess], None] | None) -> PluginProcess:
        with self._lock:
            process = self._processes.get(key)
            if process is None:
                process = self._start(package)
                if configure is not None:
                    try:
                        configure(process)
                    except BaseException:
                        process.close()
                        raise
                self._processes[key] = process
            return process

    def unconfigured(self, package: str) -> PluginProcess:
        return self._process(f"unconfigured:{package}", package, None)

    def remember(self, provider_urn: str, package: str, inputs: PropertyMap) -> None:
        """A provider resource's inputs (from the program, or the state), for configuring its plugin."""
        with self._lock:
            self._configs[provider_urn] = (package, dict(inputs))

    def for_reference(self, reference: str) -> PluginProcess:
        """The configured plugin of the provider resource ``reference`` (``<urn>::<id>``)."""
        urn, _id = parse_provider_reference(reference)
        with self._lock:
            known = self._configs.get(urn)
        if known is None:
            inputs = self.lookup(urn)
            if inputs is None:
                raise ProviderError("configure", urn, f"the provider {urn} is not registered in this run or the state")
            known = (package_of(parse_urn(urn).type), inputs)
        package, inputs = known
        return self._process(reference, package, lambda p: p.configure(package, urn, inputs))

    def close(self) -> None:
        with self._lock:
            processes, self._processes = list(self._processes.values()), {}
        for process in processes:
            process.close()
        if self._engine is not None:
            self._engine.stop(grace=None)


class ProviderResources(DynamicProviderResources):
    """The ``Provider`` operations of ``pulumi:providers:<package>`` resources themselves.

    Recorded as the dynamic provider's resources are, except that the plugin checks and diffs the
    configuration and is told each provider's inputs, to be configured from them when used."""

    def __init__(self, plugins: PluginProviders) -> None:
        self.plugins = plugins

    def check(
        self, urn: str, type_: str, name: str, olds: PropertyMap, news: PropertyMap
    ) -> tuple[PropertyMap, list[CheckFailure]]:
        return self.plugins.unconfigured(package_of(type_)).check(urn, type_, name, olds, news, rpc="CheckConfig")

    def diff(
        self,
        urn: str,
        type_: str,
        name: str,
        id_: str,
        old_outputs: PropertyMap,
        news: PropertyMap,
        old_inputs: PropertyMap,
        ignore_changes: list[str],
    ) -> DiffResult:
        plugin = self.plugins.unconfigured(package_of(type_))
        return plugin.diff(urn, type_, name, id_, old_outputs, news, old_inputs, ignore_changes, rpc="DiffConfig")

    def create(self, urn: str, type_: str, name: str, inputs: PropertyMap) -> tuple[str, PropertyMap]:
        self.plugins.remember(urn, package_of(type_), inputs)
        return super().create(urn, type_, name, inputs)

    def update(
        self,
        urn: str,
        type_: str,
        name: str,
        id_: str,
        old_outputs: PropertyMap,
        news: PropertyMap,
        old_inputs: PropertyMap,
    ) -> PropertyMap:
        self.plugins.remember(urn, package_of(type_), news)
        return super().update(urn, type_, name, id_, old_outputs, news, old_inputs)

    def read(self, urn: str, type_: str, name: str, id_: str, outputs: PropertyMap, inputs: PropertyMap) -> ReadResult:
        self.plugins.remember(urn, package_of(type_), inputs)
        return super().read(urn, type_, name, id_, outputs, inputs)
