"""``aicompute preview|up|refresh|destroy`` end to end on the test-only ``filestate`` project."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from aicompute.engine.resource.schema import validate_deployment
from tests.support.engine_cli import FileState


@pytest.fixture
def fs(tmp_path: Path) -> FileState:
    project = FileState(tmp_path)
    project.init()
    return project


def test_lifecycle_create_same_update_replace_delete_destroy(tmp_path: Path) -> None:
    fs = FileState(tmp_path)
    fs.init(via_cli=True)
    fs.spec(
        {"name": "a", "value": "one"},
        {"name": "b", "from": "a"},
        {"name": "c", "value": "hunter2", "secret": True},
        outputs={"greeting": "hi"},
        password="s3cret-output",
    )
    preview = fs.run("preview")
    assert "+  pulumi-python:dynamic/test:Thing a create" in preview.stdout
    assert "+ 4 to create" in preview.stdout
    assert fs.calls() == []

    up = fs.run("up", "--yes", "--skip-preview")
    assert "+  pulumi-python:dynamic/test:Thing b created" in up.stdout and "+ 4 created" in up.stdout
    assert [c[:2] for c in fs.calls()].index(("create", "a")) < [c[:2] for c in fs.calls()].index(("create", "b"))
    assert fs.files() == {"a", "b", "c"}
    state = fs.state()
    validate_deployment({"version": 3, "deployment": state["checkpoint"]["latest"]}, strict=True)
    assert "hunter2" not in fs.state_text() and "s3cret-output" not in fs.state_text()
    assert "hunter2" not in up.stdout + up.stderr and "s3cret-output" not in up.stdout + up.stderr

    same = fs.run("preview", "--expect-no-changes")
    assert "4 unchanged" in same.stdout

    # a: update in place; c: a create-only field changes (replace, create before delete); b: removed.
    fs.spec(
        {"name": "a", "value": "two"},
        {"name": "c2", "resource": "c", "value": "hunter2", "secret": True},
        outputs={"greeting": "hi"},
    )
    changes = fs.run("preview", "--diff", "--expect-no-changes", expect=7)
    assert "~  pulumi-python:dynamic/test:Thing a update" in changes.stdout
    assert '~ value: "one" => "two"' in changes.stdout
    assert "+- pulumi-python:dynamic/test:Thing c replace" in changes.stdout
    assert "(forces replacement)" in changes.stdout
    assert "-  pulumi-python:dynamic/test:Thing b delete" in changes.stdout
    assert "hunter2" not in changes.stdout

    before = len(fs.calls())
    fs.run("up", "--yes")
    ops = [c[:2] for c in fs.calls()[before:]]
    assert sorted(ops) == [("create", "c2"), ("delete", "b"), ("delete", "c"), ("update", "a")]
    assert ops.index(("create", "c2")) < ops.index(("delete", "c"))  # create before delete
    assert fs.files() == {"a", "c2"}
    assert set(fs.resources()) == {"filestate-dev", "default", "a", "c"}
    fs.run("preview", "--expect-no-changes")

    destroyed = fs.run("destroy", "--yes")
    assert "- 3 deleted" in destroyed.stdout
    assert fs.files() == set()
    assert fs.resources() == {}


def test_preview_json_digest_shows_unknowns_and_masks_secrets_unless_show_secrets(fs: FileState) -> None:
    fs.spec(
        {"name": "a", "value": "one"},
        {"name": "b", "from": "a"},
        {"name": "c", "value": "pw-hunter2", "secret": True},
        password="s3cret-output",
    )
    masked = fs.run("preview", "--json")
    digest = json.loads(masked.stdout)
    assert digest["changeSummary"] == {"create": 4}
    steps = {s["urn"].rsplit("::", 1)[1]: s for s in digest["steps"]}
    assert {s["op"] for s in steps.values()} == {"create"}
    assert steps["b"]["newState"]["inputs"]["value"] == "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
    assert steps["c"]["newState"]["inputs"]["value"] == "[secret]"
    assert digest["outputs"]["password"] == "[secret]"
    assert steps["a"]["provider"].startswith("urn:pulumi:dev::filestate::pulumi:providers:pulumi-python::default::")
    assert digest["config"]["filestate:dir"] == str(fs.objects)

    shown = json.loads(fs.run("preview", "--json", "--show-secrets").stdout)
    shown_steps = {s["urn"].rsplit("::", 1)[1]: s for s in shown["steps"]}
    assert shown_steps["c"]["newState"]["inputs"]["value"] == "pw-hunter2"
    assert shown["outputs"]["password"] == "s3cret-output"

    diff = fs.run("preview", "--diff")
    assert "+ value: [secret]" in diff.stdout and "password: [secret]" in diff.stdout
    shown_diff = fs.run("preview", "--diff", "--show-secrets")
    assert '+ value: "pw-hunter2"' in shown_diff.stdout and 'password: "s3cret-output"' in shown_diff.stdout

    up = fs.run("up", "--yes", "--diff")
    assert "+ value: [secret]" in up.stdout and "password: [secret]" in up.stdout
    for run in (masked, diff, up):
        assert "pw-hunter2" not in run.stdout + run.stderr and "s3cret-output" not in run.stdout + run.stderr

    fs.spec(
        {"name": "a", "value": "one"},
        {"name": "b", "from": "a"},
        {"name": "c", "value": "pw-hunter3", "secret": True},
        password="s3cret-output",
    )
    shown_up = fs.run("up", "--yes", "--diff", "--show-secrets")
    assert '~ value: "pw-hunter2" => "pw-hunter3"' in shown_up.stdout
    assert 'password: "s3cret-output"' in shown_up.stdout
    state = fs.state_text()
    assert "pw-hunter2" not in state and "pw-hunter3" not in state and "s3cret-output" not in state


def _most_in_flight(calls: list[tuple[str, str, float, float]], op: str) -> int:
    """The largest number of ``op`` calls that were running at the same moment."""
    events = sorted(
        [(start, 1) for kind, _, start, _ in calls if kind == op]
        + [(end, -1) for kind, _, _, end in calls if kind == op]
    )
    running = most = 0
    for _, change in events:  # at equal times an end (-1) sorts first: touching intervals do not overlap
        running += change
        most = max(most, running)
    return most


def test_independent_steps_run_in_parallel_beyond_one_provider_process(fs: FileState) -> None:
    # The SDK's provider server runs 4 operations at a time: 6 creates in flight at once at
    # --parallel 6 prove a second provider process; at --parallel 3 never more than 3 deletes run.
    # Concurrency is read from the calls' own start/end times, not from wall-clock thresholds.
    fs.spec(*({"name": f"t{i}", "value": i, "sleep": 1.5} for i in range(6)))
    fs.run("up", "--yes", "--skip-preview", "--parallel", "6")
    assert _most_in_flight(fs.calls(), "create") > 4
    fs.run("destroy", "--yes", "--skip-preview", "--parallel", "3")
    assert 2 <= _most_in_flight(fs.calls(), "delete") <= 3


def test_protect_refuses_deletion_and_retain_on_delete_skips_the_delete_call(fs: FileState) -> None:
    fs.spec({"name": "kept", "value": 1, "protect": True}, {"name": "left", "value": 2, "retain": True})
    fs.run("up", "--yes", "--skip-preview")
    assert fs.resources()["kept"]["protect"] is True

    fs.spec()
    refused = fs.run("up", "--yes", "--skip-preview", expect=1)
    assert "kept: unable to delete" in refused.stdout and "protected" in refused.stdout
    assert "kept" in fs.resources()

    fs.spec({"name": "kept", "value": 1})  # unprotect first, as Pulumi asks
    fs.run("up", "--yes", "--skip-preview")
    assert "protect" not in fs.resources()["kept"] and "left" not in fs.resources()
    assert fs.files() == {"kept", "left"}  # retained: dropped from the state, not deleted
    assert ("delete", "left") not in [c[:2] for c in fs.calls()]
    fs.spec()
    fs.run("up", "--yes", "--skip-preview")
    assert fs.files() == {"left"}


def test_target_limits_the_run(fs: FileState) -> None:
    fs.spec({"name": "a", "value": 1}, {"name": "b", "value": 2})
    urn_a = "urn:pulumi:dev::filestate::pulumi-python:dynamic/test:Thing::a"
    fs.run("up", "--yes", "--skip-preview", "--target", urn_a)
    assert fs.files() == {"a"} and "b" not in fs.resources()
    fs.run("up", "--yes", "--skip-preview")
    fs.spec({"name": "a", "value": 10}, {"name": "b", "value": 20})
    fs.run("up", "--yes", "--skip-preview", "--target", urn_a)
    resources = fs.resources()
    assert resources["a"]["outputs"]["value"] == 10 and resources["b"]["outputs"]["value"] == 2
    fs.run("destroy", "--yes", "--skip-preview", "--target", urn_a)
    assert fs.files() == {"b"}


def test_a_resource_of_another_provider_plugin_fails_the_preview_naming_it(fs: FileState) -> None:
    fs.spec({"name": "a", "value": 1}, aws=True)
    result = fs.run("preview", expect=1)
    assert "aws:s3/bucket:Bucket" in result.stdout and "Pulumi CLI" in result.stdout


def test_refresh_records_out_of_band_changes_and_deletions(fs: FileState) -> None:
    fs.spec({"name": "a", "value": "one"}, {"name": "b", "value": "two"})
    fs.run("up", "--yes", "--skip-preview")
    (fs.objects / "b.json").unlink()
    (fs.objects / "a.json").write_text(json.dumps({"name": "a", "value": "edited"}))

    refreshed_plan = fs.run("preview", "--refresh", "--diff")
    assert '~ value: "edited" => "one"' in refreshed_plan.stdout
    assert "+  pulumi-python:dynamic/test:Thing b create" in refreshed_plan.stdout

    drift = fs.run("refresh", "--preview-only", "--expect-no-changes", expect=7)
    assert " ~  pulumi-python:dynamic/test:Thing a updated" in drift.stdout
    assert " -  pulumi-python:dynamic/test:Thing b deleted" in drift.stdout
    assert "b" in fs.resources()  # a preview records nothing

    fs.run("refresh", "--yes")
    resources = fs.resources()
    assert "b" not in resources and resources["a"]["outputs"]["value"] == "edited"
    plan = fs.run("preview", "--diff")
    assert '~ value: "edited" => "one"' in plan.stdout
    assert "+  pulumi-python:dynamic/test:Thing b create" in plan.stdout


def test_stack_reference_and_resource_get_read_without_counting_as_changes(fs: FileState) -> None:
    fs.spec({"name": "a", "value": "from other"}, outputs={"greeting": "hello"}, password="pw-from-other")
    fs.init("other")
    fs.run("up", "--yes", "--skip-preview", "--stack", "other")
    fs.spec(stackref="organization/filestate/other", gets={"a-copy": "a"})
    up = fs.run("up", "--yes", "--skip-preview", "--stack", "dev")
    assert ">  pulumi-python:dynamic/test:Thing a-copy read" in up.stdout
    outputs = json.loads(fs.run("stack", "output", "--json", "--stack", "dev").stdout)
    assert outputs["ref_greeting"] == "hello" and outputs["ref_password"] == "[secret]"
    assert outputs["a-copy_value"] == "from other"
    assert fs.resources("dev")["a-copy"]["external"] is True
    fs.run("preview", "--expect-no-changes", "--stack", "dev")
    ref = fs.resources("dev")["organization/filestate/other"]
    assert ref["external"] is True and ref["type"] == "pulumi:pulumi:StackReference"
    assert "pw-from-other" not in fs.state_text("dev")


def _processes_in(directory: Path) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if Path(os.readlink(entry / "cwd")) == directory:
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc to find the engine's children")
def test_a_killed_engine_leaves_a_pending_create_that_the_next_up_resolves(fs: FileState) -> None:
    fs.spec({"name": "a", "value": 1})
    fs.run("up", "--yes", "--skip-preview")
    fs.spec({"name": "a", "value": 1}, {"name": "slow", "value": 2, "sleep": 60})
    engine = fs.popen("up", "--yes", "--skip-preview")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        latest = fs.state()["checkpoint"].get("latest") or {}
        if latest.get("pending_operations") and (fs.objects / "slow.json").exists():
            break
        time.sleep(0.1)
    engine.kill()
    engine.communicate()
    pending = fs.state()["checkpoint"]["latest"]["pending_operations"]
    assert [(op["type"], op["resource"]["urn"].rsplit("::", 1)[1]) for op in pending] == [("creating", "slow")]
    # The program and provider processes go with the engine.
    deadline = time.monotonic() + 5
    while _processes_in(fs.project_dir) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _processes_in(fs.project_dir) == []

    # The repeated create adopts the object (an ordinary create of an existing one fails).
    fs.spec({"name": "a", "value": 1}, {"name": "slow", "value": 2})
    result = fs.run("up", "--yes", "--skip-preview")
    slow_urn = "urn:pulumi:dev::filestate::pulumi-python:dynamic/test:Thing::slow"
    assert f"interrupted while creating {slow_urn}" in result.stdout
    latest = fs.state()["checkpoint"]["latest"]
    assert "pending_operations" not in latest
    assert {"a", "slow"} <= set(fs.resources()) and fs.files() == {"a", "slow"}
    fs.run("preview", "--expect-no-changes")


def test_the_projects_virtualenv_runs_the_program_and_the_providers(fs: FileState) -> None:
    venv = fs.project_dir / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    # The new environment sees this one's packages (pulumi, aicompute), as if installed there.
    [site_packages] = (venv / "lib").glob("python3*/site-packages")
    here = next(p for p in sys.path if p.endswith("site-packages") and Path(p, "pulumi").is_dir())
    (site_packages / "engine-test.pth").write_text(f"import site; site.addsitedir({here!r})\n")
    project_file = fs.project_dir / "Pulumi.yaml"
    runtime = "runtime:\n  name: python\n  options:\n    virtualenv: venv"
    project_file.write_text(project_file.read_text().replace("runtime: python", runtime))
    fs.spec({"name": "a", "value": 1}, interpreter=True)
    fs.run("up", "--yes", "--skip-preview")
    outputs = json.loads(fs.run("stack", "output", "--json").stdout)
    assert outputs["interpreter"] == str(venv / "bin" / "python") and fs.files() == {"a"}


def test_ctrl_c_finishes_the_steps_in_flight_and_records_them(fs: FileState) -> None:
    fs.spec({"name": "a", "value": 1, "sleep": 2}, {"name": "b", "from": "a"}, {"name": "c", "value": 1, "sleep": 2})
    engine = fs.popen("up", "--yes", "--skip-preview")
    deadline = time.monotonic() + 30
    while not {"a", "c"} <= fs.files() and time.monotonic() < deadline:
        time.sleep(0.05)
    engine.send_signal(signal.SIGINT)
    out, _ = engine.communicate(timeout=60)
    assert engine.returncode == 1
    assert "^C received; cancelling" in out and "update canceled" in out
    assert {"a", "c"} <= set(fs.resources()) and "b" not in fs.resources() and fs.files() == {"a", "c"}
    assert "pending_operations" not in fs.state()["checkpoint"]["latest"]
