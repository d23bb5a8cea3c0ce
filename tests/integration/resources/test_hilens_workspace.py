"""HiLens Workspace resource against a live localcloud: lifecycle, import, reconciliation, errors."""

from __future__ import annotations

from typing import Any

import pytest

from aicompute.provider.errors import ApiError
from aicompute.resources.hilens.secret import SecretProvider
from aicompute.resources.hilens.workspace import WorkspaceProvider
from tests.support.api import signed_json
from tests.support.localcloud import Credentials, LocalCloudProcess
from tests.support.providers import checked, configured, last_seq, mutating_calls


@pytest.fixture
def provider(localcloud: LocalCloudProcess, project: Credentials) -> WorkspaceProvider:
    return configured(WorkspaceProvider, localcloud, project)


def names(localcloud: LocalCloudProcess, project: Credentials) -> list[str]:
    listing = signed_json(localcloud, project, "GET", "v3/ai-mgr/workspaces")
    return sorted(ws["name"] for ws in listing["workspaces"])


def test_lifecycle(provider: WorkspaceProvider, localcloud: LocalCloudProcess, project: Credentials) -> None:
    inputs = checked(provider, {"name": "edge-ws", "description": "first"})
    created = provider.create(inputs)
    assert len(created.id) == 32
    assert created.outs["workspace_id"] == created.id
    assert created.outs["description"] == "first"
    assert created.outs["enterprise_project_id"] == "0"

    read = provider.read(created.id, created.outs)
    assert read.id == created.id
    assert provider.diff(created.id, read.outs, inputs).changes is False

    changed = checked(provider, {"name": "edge-ws", "description": "second"})
    assert provider.diff(created.id, read.outs, changed).replaces == []
    since = last_seq(localcloud)
    updated = provider.update(created.id, read.outs, changed)
    assert updated.outs["description"] == "second"
    assert [(c["method"], c["path"]) for c in mutating_calls(localcloud, since)] == [
        ("PUT", f"/v3/{project.project_id}/ai-mgr/workspaces/{created.id}")
    ]
    assert provider.diff(created.id, updated.outs, changed).changes is False

    renamed = provider.diff(created.id, updated.outs, {**changed, "name": "edge-ws-2"})
    assert renamed.replaces == ["name"] and not renamed.delete_before_replace  # a new name creates first
    moved = provider.diff(created.id, updated.outs, {**changed, "enterprise_project_id": "e1"})
    assert moved.replaces == ["enterprise_project_id"] and moved.delete_before_replace  # same name: delete first

    provider.delete(created.id, updated.outs)
    assert provider.read(created.id, updated.outs).id == ""
    assert names(localcloud, project) == ["default"]
    provider.delete(created.id, updated.outs)  # already gone: still a success


def test_import_by_id_reads_the_inputs(provider: WorkspaceProvider) -> None:
    program = checked(provider, {"name": "imported-ws", "description": "d"})
    created = provider.create(program)
    imported = provider.read(created.id, {})
    assert imported.inputs is not None
    assert imported.inputs["name"] == "imported-ws" and imported.inputs["description"] == "d"
    assert provider.diff(created.id, imported.outs, program).changes is False
    provider.delete(created.id, imported.outs)


def test_a_lost_create_response_is_adopted(
    provider: WorkspaceProvider, localcloud: LocalCloudProcess, project: Credentials
) -> None:
    path = f"/v3/{project.project_id}/ai-mgr/workspaces$"
    localcloud.add_fault(method="POST", path=path, drop_response=True, count=1)
    try:
        created = provider.create(checked(provider, {"name": "dropped-ws"}))
    finally:
        localcloud.clear_faults()
    assert names(localcloud, project) == ["default", "dropped-ws"]
    provider.delete(created.id, created.outs)


def test_a_workspace_holding_resources_is_not_deleted(localcloud: LocalCloudProcess, project: Credentials) -> None:
    workspaces = configured(WorkspaceProvider, localcloud, project)
    secrets = configured(SecretProvider, localcloud, project)
    workspace = workspaces.create(checked(workspaces, {"name": "busy-ws"}))
    secret = secrets.create(checked(secrets, {"name": "held", "data": {"k": "v"}, "workspace_id": workspace.id}))
    with pytest.raises(ApiError) as refused:
        workspaces.delete(workspace.id, workspace.outs)
    assert refused.value.status == 409 and "still holds" in str(refused.value)
    secrets.delete(secret.id, secret.outs)
    workspaces.delete(workspace.id, workspace.outs)


@pytest.mark.parametrize(
    ("props", "field"),
    [
        ({"name": "default"}, "name"),
        ({"name": "has space"}, "name"),
        ({"name": "x" * 65}, "name"),
        ({"name": "ok", "description": "d" * 256}, "description"),
        ({"name": "ok", "timeouts": {"create": "soon"}}, "timeouts.create"),
    ],
)
def test_invalid_inputs_fail_in_check_without_api_calls(
    provider: WorkspaceProvider, localcloud: LocalCloudProcess, props: dict[str, Any], field: str
) -> None:
    since = last_seq(localcloud)
    failures = provider.check({}, {**props, "__provider": "x"}).failures
    assert [f.property for f in failures] == [field]
    assert mutating_calls(localcloud, since) == []
