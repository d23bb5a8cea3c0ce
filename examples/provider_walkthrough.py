"""`make demo`: start localcloud and walk one ModelArts resource of each kind through its lifecycle.

Each resource goes create → read → update → delete through its provider, exactly the calls the
Pulumi engine makes, against a localcloud server on a free loopback port with fast lifecycles.
(The embedded engine will replace this walkthrough with `aicompute up` on an example project.)
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from rich.console import Console

from aicompute.localcloud.settings import DEFAULT_ACCESS_KEY, DEFAULT_PROJECT_ID, DEFAULT_SECRET_KEY
from aicompute.provider.generic import GenericProvider
from aicompute.resources import modelarts

console = Console(highlight=False)


@contextmanager
def localcloud(time_scale: float) -> Iterator[str]:
    cmd = [sys.executable, "-m", "aicompute.engine", "localcloud", "serve", "--port", "0"]
    cmd += ["--time-scale", str(time_scale)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().strip()
        if not line.startswith("listening on "):
            raise SystemExit(f"localcloud did not start: {line!r}")
        yield line.removeprefix("listening on ")
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@dataclass
class Walk:
    """One resource's tour: what to create, and what to change in place."""

    title: str
    provider: GenericProvider[Any, Any]
    inputs: Callable[[dict[str, str]], dict[str, Any]]
    update: dict[str, Any]
    shows: tuple[str, ...]


def walks() -> list[Walk]:
    return [
        Walk(
            "Workspace",
            modelarts.WorkspaceProvider(),
            lambda ids: {"name": "demo-vision", "description": "video analytics team"},
            {"description": "renamed by the demo", "auth_type": "PRIVATE"},
            ("status", "auth_type", "description"),
        ),
        Walk(
            "Network",
            modelarts.NetworkProvider(),
            lambda ids: {"name": "demo-net", "cidr": "192.168.0.0/16", "workspace_id": ids["Workspace"]},
            {"peer_connections": [{"vpc_id": "vpc-demo", "subnet_id": "subnet-demo"}]},
            ("status", "cidr", "peer_connections"),
        ),
        Walk(
            "ResourcePool",
            modelarts.ResourcePoolProvider(),
            lambda ids: {
                "name": "demo-pool",
                "workspace_id": ids["Workspace"],
                "network_id": ids["Network"],
                "scope": ["Train", "Infer"],
                "resources": [{"flavor": "modelarts.vm.cpu.8u", "count": 1}],
            },
            {"resources": [{"flavor": "modelarts.vm.cpu.8u", "count": 2}], "description": "scaled to 2 nodes"},
            ("status", "resources", "description"),
        ),
        Walk(
            "NodePool",
            modelarts.NodePoolProvider(),
            lambda ids: {
                "pool_name": ids["ResourcePool"],
                "name": "demo-extra",
                "flavor": "modelarts.vm.cpu.4ud",
                "count": 1,
            },
            {"count": 2},
            ("status", "count"),
        ),
        Walk(
            "Model",
            modelarts.ModelProvider(),
            lambda ids: {
                "model_name": "demo-detector",
                "model_version": "1.0.0",
                "model_type": "TensorFlow",
                "source_location": "https://models.obs.example.com/detector",
                "runtime": "tf1.13-python3.6-cpu",
                "workspace_id": ids["Workspace"],
            },
            {"model_version": "1.1.0"},
            ("model_status", "model_version"),
        ),
        Walk(
            "InferenceService",
            modelarts.InferenceServiceProvider(),
            lambda ids: {
                "service_name": "demo-detect",
                "infer_type": "real-time",
                "workspace_id": ids["Workspace"],
                "pool_name": ids["ResourcePool"],
                "config": [
                    {
                        "model_id": ids["Model"],
                        "specification": "modelarts.vm.cpu.2u",
                        "instance_count": 1,
                        "weight": 100,
                    }
                ],
            },
            {"status": "stopped"},
            ("status", "access_address"),
        ),
    ]


def show(outputs: dict[str, Any], keys: tuple[str, ...]) -> str:
    return ", ".join(f"{key}={outputs.get(key)!r}" for key in keys)


def walk(step: Walk, ids: dict[str, str]) -> None:
    provider = step.provider
    console.rule(f"[bold]{step.title}")
    checked = provider.check({}, {**step.inputs(ids), "__provider": "demo"})
    if checked.failures:
        raise SystemExit(f"check failed: {[f.reason for f in checked.failures]}")
    inputs = {k: v for k, v in checked.inputs.items() if k != "__provider"}
    started = time.monotonic()
    created = provider.create(inputs)
    ids[step.title] = created.id
    console.print(f"created  {created.id} in {time.monotonic() - started:.2f}s: {show(created.outs, step.shows)}")
    read = provider.read(created.id, created.outs)
    no_change = provider.diff(created.id, read.outs, inputs)
    console.print(f"read     back; a diff against the same inputs finds changes={no_change.changes}")
    new_inputs = {**inputs, **step.update}
    diff = provider.diff(created.id, read.outs, new_inputs)
    if diff.replaces:
        console.print(f"diff     {sorted(step.update)} → replace (create-only: {diff.replaces})")
        replacement = provider.create(new_inputs)
        provider.delete(created.id, read.outs)
        ids[step.title] = replacement.id
        console.print(f"replaced {created.id} by {replacement.id}: {show(replacement.outs, step.shows)}")
        return
    console.print(f"diff     {sorted(step.update)} → in-place update")
    updated = provider.update(created.id, read.outs, new_inputs)
    console.print(f"updated  {show(updated.outs, step.shows)}")


def teardown(steps: list[Walk], ids: dict[str, str]) -> None:
    for step in reversed(steps):
        resource_id = ids.get(step.title)
        if resource_id:
            step.provider.delete(resource_id, {})
            gone = step.provider.read(resource_id, {})
            console.print(f"deleted  {step.title} {resource_id}; a read now finds id={gone.id!r} (gone)")


def main() -> None:
    console.print("[bold]aicompute demo[/]: ModelArts resources against localcloud, through their providers")
    with localcloud(time_scale=0.02) as url:
        console.print(f"localcloud listening on {url} (lifecycles at 2% of real time)")
        os.environ.update(
            {
                "AICOMPUTE_ENDPOINT": url,
                "HW_PROJECT_ID": DEFAULT_PROJECT_ID,
                "HW_ACCESS_KEY": DEFAULT_ACCESS_KEY,
                "HW_SECRET_KEY": DEFAULT_SECRET_KEY,
                "AICOMPUTE_POLL_INTERVAL": "0.05",
            }
        )
        steps, ids = walks(), {}
        try:
            for step in steps:
                walk(step, ids)
        finally:
            console.rule("[bold]teardown")
            teardown(steps, ids)
    console.print("[bold green]done[/]: every resource was created, read, updated and deleted; localcloud stopped")


if __name__ == "__main__":
    main()
