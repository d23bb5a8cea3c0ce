"""``aicompute preview|up|refresh|destroy`` end to end on the test-only ``filestate`` project."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aicompute.engine.schema import validate_deployment
from tests.support.engine_cli import FileState


@pytest.fixture
def fs(tmp_path: Path) -> FileState:
    project = FileState(tmp_path)
    project.init()
    return project


def test_lifecycle_create_same_update_replace_delete_destroy(fs: FileState) -> None:
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


def test_preview_json_digest_shows_unknowns_and_masks_secrets(fs: FileState) -> None:
    fs.spec({"name": "a", "value": "one"}, {"name": "b", "from": "a"}, {"name": "c", "value": "pw", "secret": True})
    digest = json.loads(fs.run("preview", "--json").stdout)
    assert digest["changeSummary"] == {"create": 4}
    steps = {s["urn"].rsplit("::", 1)[1]: s for s in digest["steps"]}
    assert {s["op"] for s in steps.values()} == {"create"}
    assert steps["b"]["newState"]["inputs"]["value"] == "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
    assert steps["c"]["newState"]["inputs"]["value"] == "[secret]"
    assert steps["a"]["provider"].startswith("urn:pulumi:dev::filestate::pulumi:providers:pulumi-python::default::")
    assert digest["config"]["filestate:dir"] == str(fs.objects)
