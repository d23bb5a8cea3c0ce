"""Dynamic resources, driven through the Pulumi SDK's own provider server.

The Pulumi CLI runs Python dynamic resources in ``python -u -m pulumi.dynamic`` (the
``pulumi-resource-pulumi-python`` plugin), which prints its port and serves Pulumi's
``ResourceProvider`` gRPC service. We start the same server and speak to it with the SDK's
generated stub: ``Configure`` with the whole stack config (namespaced keys, as the CLI passes it to
dynamic providers), then Check, Diff, Create, Read, Update, Delete.

The SDK's server runs 4 operations at a time (``ThreadPoolExecutor(max_workers=4)``); we start it
with a pool of 16 threads instead (its operations wait on the platforms, not on the CPU; the
SDK keeps one configured provider per process and each operation opens its own client), and keep a
pool of such processes — started on demand, up to ``ceil(parallel / 16)`` — so that ``--parallel``
resource operations run at once without starting a Python process per 4 of them. Two environment
variables tune it: ``AICOMPUTE_PROVIDER_OPERATIONS`` (operations per process; ``4`` is the SDK's
own) and ``AICOMPUTE_MAX_PROVIDER_PROCESSES`` (a cap on the pool). Both at their Pulumi CLI values,
``4`` and ``1``, give the Pulumi CLI's behaviour: one provider process, 4 operations at a time
(``bench/engine_parallel.py`` compares them).

The server answers ``acceptSecrets=False``: like Pulumi's engine, we send it plain values and mark
secret again every output whose input was secret.
"""

from __future__ import annotations

import math
import os
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

from aicompute.engine.deploy.providers.base import ProviderError
from aicompute.engine.deploy.providers.grpc_operations import GrpcOperations
from aicompute.engine.deploy.providers.served_process import LogCallback, ServedProcess
from aicompute.engine.resource.wire_values import to_struct

SERVER_BOOTSTRAP = """\
import os, runpy, sys, threading, time
parent = os.getppid()
def _exit_with_parent():
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(1)
threading.Thread(target=_exit_with_parent, daemon=True).start()
import grpc
from concurrent import futures
_workers = int(sys.argv[1])
_sdk_server = grpc.server
def _server(thread_pool, *args, **kwargs):
    grpc.server = _sdk_server
    return _sdk_server(futures.ThreadPoolExecutor(max_workers=_workers), *args, **kwargs)
grpc.server = _server
sys.argv = ["pulumi.dynamic"]
runpy.run_module("pulumi.dynamic", run_name="__main__", alter_sys=True)
"""
"""``python -u -m pulumi.dynamic``, plus a watch that ends the server when the engine is gone (a
killed engine must not leave provider processes behind), and the server's thread pool sized by
its argument instead of the SDK's 4 (its operations wait on the network, not on the CPU)."""
OPERATIONS_PER_PROCESS = 16
MAX_PROCESSES_ENV = "AICOMPUTE_MAX_PROVIDER_PROCESSES"
OPERATIONS_ENV = "AICOMPUTE_PROVIDER_OPERATIONS"


@dataclass(frozen=True)
class ProviderHost:
    """Where and how provider processes run: the program's interpreter, directory and environment."""

    interpreter: str
    working_directory: Path
    env: Mapping[str, str] = field(default_factory=dict)


def _positive_setting(env: Mapping[str, str], name: str) -> int | None:
    value = env.get(name, "").strip()
    if not value:
        return None
    if not value.isdigit() or int(value) < 1:
        raise ValueError(f"{name} must be a positive integer, not {value!r}")
    return int(value)


def operations_per_process(env: Mapping[str, str] | None = None) -> int:
    """How many operations one provider process runs at a time: 16, or
    ``AICOMPUTE_PROVIDER_OPERATIONS`` when it is set (4 is the SDK's own server, as the Pulumi CLI runs it)."""
    return _positive_setting(os.environ if env is None else env, OPERATIONS_ENV) or OPERATIONS_PER_PROCESS


def max_provider_processes(parallel: int, env: Mapping[str, str] | None = None) -> int:
    """How many provider processes a pool may run: ``ceil(parallel / operations_per_process)``,
    capped by ``AICOMPUTE_MAX_PROVIDER_PROCESSES`` when it is set (a positive integer)."""
    env = os.environ if env is None else env
    wanted = max(1, math.ceil(max(1, parallel) / operations_per_process(env)))
    cap = _positive_setting(env, MAX_PROCESSES_ENV)
    return wanted if cap is None else min(wanted, cap)


class ProviderProcess(ServedProcess):
    """One ``python -u -m pulumi.dynamic`` server, configured with the stack config."""

    def __init__(
        self,
        host: ProviderHost,
        config: Mapping[str, Any],
        on_log: LogCallback | None = None,
        operations: int = OPERATIONS_PER_PROCESS,
    ) -> None:
        self.operations = operations
        command = [host.interpreter, "-u", "-c", SERVER_BOOTSTRAP, str(operations)]
        env = {**host.env, "PYTHONUNBUFFERED": "1"}
        super().__init__(command, "the dynamic provider server", on_log, host.working_directory, env)
        self.stub.Configure(
            provider_pb2.ConfigureRequest(
                args=to_struct(config),
                acceptSecrets=False,
                acceptResources=False,
            )
        )
        self.in_flight = 0


class ProviderPool(GrpcOperations):
    """Provider processes for one deployment, up to ``max_provider_processes(parallel)``, started as needed."""

    def __init__(
        self,
        host: ProviderHost,
        config: Mapping[str, Any],
        parallel: int = 16,
        on_log: LogCallback | None = None,
    ) -> None:
        self.host = host
        self.config = dict(config)
        self.operations = operations_per_process()
        self.max_processes = max_provider_processes(parallel)
        self.on_log = on_log
        self._processes: list[ProviderProcess] = []
        self._starting = 0
        self._cond = threading.Condition()
        self._closed = False
        self._start_error: ProviderError | None = None

    def prewarm(self) -> None:
        """Start the first provider process in the background (while the program starts up)."""
        with self._cond:
            if self._processes or self._starting or self._closed:
                return
            self._starting += 1
        threading.Thread(target=self._start_reserved, name="provider-prewarm", daemon=True).start()

    def _start_reserved(self) -> ProviderProcess | None:
        """Start a process for a slot already counted in ``_starting``; None when it failed."""
        try:
            started = ProviderProcess(self.host, self.config, self.on_log, self.operations)
        except ProviderError as error:
            with self._cond:
                self._starting -= 1
                self._start_error = error
                self._cond.notify_all()
            return None
        except BaseException:
            with self._cond:
                self._starting -= 1
                self._cond.notify_all()
            raise
        with self._cond:
            self._starting -= 1
            self._cond.notify_all()
            if self._closed:
                started.close()
                return None
            self._processes.append(started)
        return started

    @contextmanager
    def _lease(self) -> Iterator[ProviderProcess]:
        process = self._acquire()
        try:
            yield process
        finally:
            with self._cond:
                process.in_flight -= 1
                self._cond.notify_all()

    def _acquire(self) -> ProviderProcess:
        with self._cond:
            while True:
                if self._closed:
                    raise ProviderError("start", "", "the deployment is shutting down")
                if self._start_error is not None:
                    raise self._start_error
                for dead in [p for p in self._processes if p.process.poll() is not None and not p.in_flight]:
                    self._processes.remove(dead)  # a server that died is replaced by a new one
                    dead.close()
                free = [p for p in self._processes if p.in_flight < p.operations and p.alive]
                if free:
                    process = min(free, key=lambda p: p.in_flight)
                    process.in_flight += 1
                    return process
                if len(self._processes) + self._starting < self.max_processes:
                    self._starting += 1
                    break
                self._cond.wait()
        self._start_reserved()
        return self._acquire()

    def close(self) -> None:
        """End every process, and wait for those still starting (each ends as its start completes):
        a cancel right after the prewarm must not leave a provider server running on its own."""
        with self._cond:
            self._closed = True
            processes, self._processes = self._processes, []
            self._cond.notify_all()
        for process in processes:
            process.close()
        with self._cond:
            self._cond.wait_for(lambda: self._starting == 0)

    # operations ------------------------------------------------------------------------------
    @contextmanager
    def _stub(self) -> Iterator[provider_pb2_grpc.ResourceProviderStub]:
        with self._lease() as process:
            yield process.stub
