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
    kind = "replace" if diff.replaces else "in-place update"
    console.print(f"diff     {sorted(step.update)} → {kind}")
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
