"""The engine's core without the CLI: a real program in a child process, the monitor, the provider pool."""

from __future__ import annotations

import json
from pathlib import Path

from aicompute.engine.deploy.deployment import DeploymentRun
from aicompute.engine.deploy.events import EventStream, StepEvent
from aicompute.engine.deploy.monitor import MonitorServer
from aicompute.engine.deploy.program import ProgramSpec, start_program
from aicompute.engine.deploy.providers.plugin import ProviderHost, ProviderPool
from aicompute.engine.deploy.run_context import RunOptions
from aicompute.engine.resource.checkpoint_values import UNKNOWN, is_secret
from aicompute.engine.resource.state import Deployment

PROJECT = Path(__file__).parent / "projects" / "filestate"


def run_program(tmp_path: Path, spec: dict[str, object], dry_run: bool) -> tuple[DeploymentRun, list[StepEvent], int]:
    (tmp_path / "objects").mkdir(exist_ok=True)
    (tmp_path / "spec.json").write_text(json.dumps(spec))
    config = {"filestate:spec": str(tmp_path / "spec.json"), "filestate:dir": str(tmp_path / "objects")}
    steps: list[StepEvent] = []
    events = EventStream(lambda e: steps.append(e) if isinstance(e, StepEvent) and e.done else None)
    program = ProgramSpec(project="filestate", stack="dev", root_directory=PROJECT, config=config, dry_run=dry_run)
    pool = ProviderPool(ProviderHost(program.toolchain.interpreter(), program.working_directory), config, parallel=4)
    run = DeploymentRun("filestate", "dev", Deployment(), pool, events, RunOptions(dry_run=dry_run, parallel=4))
    try:
        with MonitorServer(run, events, 4) as server:
            code = start_program(program, server.address, server.address, lambda _s, _l: None).wait(60)
        run.finish(code == 0)
    finally:
        pool.close()
    return run, steps, code


SPEC = {
    "things": [{"name": "a", "value": "one"}, {"name": "b", "from": "a"}, {"name": "c", "value": "s", "secret": True}],
    "password": "hunter2",
}


def test_preview_lists_creates_with_unknowns_and_calls_no_provider_mutation(tmp_path: Path) -> None:
    run, steps, code = run_program(tmp_path, SPEC, dry_run=True)
    assert code == 0
    assert run.change_summary() == {"create": 4}
    by_name = {s.urn.rsplit("::", 1)[1]: s for s in steps}
    assert by_name["b"].new_props is not None and by_name["b"].new_props["value"] == UNKNOWN
    assert by_name["c"].new_props is not None and by_name["c"].new_props["value"] == "[secret]"
    assert not (tmp_path / "objects" / "calls.log").exists()


def test_up_creates_in_dependency_order_and_keeps_secrets_wrapped(tmp_path: Path) -> None:
    run, _, code = run_program(tmp_path, SPEC, dry_run=False)
    assert code == 0
    calls = [line.split()[:2] for line in (tmp_path / "objects" / "calls.log").read_text().splitlines()]
    assert sorted(calls) == [["create", "a"], ["create", "b"], ["create", "c"]]
    assert calls.index(["create", "a"]) < calls.index(["create", "b"])
    snapshot = run.snapshot()
    b = next(r for r in snapshot.resources if r.urn.endswith("::b"))
    assert b.inputs["value"] == f"after {tmp_path / 'objects' / 'a.json'}"
    c = next(r for r in snapshot.resources if r.urn.endswith("::c"))
    assert is_secret(c.inputs["value"]) and is_secret(c.outputs["value"])
    assert b.provider.startswith("urn:pulumi:dev::filestate::pulumi:providers:pulumi-python::default::")
    assert is_secret(snapshot.stack_outputs()["password"])
