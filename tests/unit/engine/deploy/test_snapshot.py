"""DeploymentRun.persist is a group commit: concurrent steps share writes, none returns before its change is written."""

from __future__ import annotations

import threading
import time

from aicompute.engine.deploy.deployment import DeploymentRun
from aicompute.engine.deploy.events import EventStream
from aicompute.engine.deploy.registrations import Registration
from aicompute.engine.deploy.run_context import RunOptions
from aicompute.engine.resource.state import Deployment


def test_concurrent_steps_share_writes_and_each_returns_after_a_write_that_includes_it() -> None:
    written: list[set[str]] = []
    write_lock = threading.Lock()

    def slow_persist(deployment: Deployment) -> None:
        time.sleep(0.05)  # a write of a large state
        with write_lock:
            written.append({r.urn for r in deployment.resources})

    run = DeploymentRun("p", "dev", Deployment(), None, EventStream(), RunOptions(dry_run=False), slow_persist)
    root = run.register_resource(Registration("pulumi:pulumi:Stack", "p-dev", custom=False)).urn
    missing: list[str] = []

    def step(index: int) -> None:
        urn = run.register_resource(Registration("test:index:Group", f"g{index}", custom=False, parent=root)).urn
        with write_lock:
            if urn not in written[-1]:
                missing.append(urn)

    threads = [threading.Thread(target=step, args=(i,)) for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert missing == []
    assert len(written[-1]) == 21
    assert len(written) < 1 + 20  # fewer writes than steps: waiting steps were written together


def test_sequential_steps_are_each_written() -> None:
    written: list[int] = []
    run = DeploymentRun(
        "p",
        "dev",
        Deployment(),
        None,
        EventStream(),
        RunOptions(dry_run=False),
        lambda d: written.append(len(d.resources)),
    )
    root = run.register_resource(Registration("pulumi:pulumi:Stack", "p-dev", custom=False)).urn
    run.register_resource(Registration("test:index:Group", "a", custom=False, parent=root))
    run.register_resource(Registration("test:index:Group", "b", custom=False, parent=root))
    assert written == [1, 2, 3]
