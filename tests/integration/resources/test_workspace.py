"""Workspace resource: full lifecycle through its provider against a live localcloud."""

from __future__ import annotations

import pytest

from aicompute.provider.errors import ApiError
from aicompute.resources.modelarts.workspace import WorkspaceProvider
from tests.support.api import signed_request
from tests.support.localcloud import Credentials, LocalCloudProcess
from tests.support.providers import checked, configured, last_seq, mutating_calls


@pytest.fixture
def provider(localcloud: LocalCloudProcess, project: Credentials) -> WorkspaceProvider:
    return configured(WorkspaceProvider, localcloud, project)


def test_lifecycle(provider: WorkspaceProvider) -> None:
    inputs = checked(
        provider,
        {
            "name": "team-vision",
            "description": "first",
            "auth_type": "internal",
            "grants": [{"user_name": "alice"}],
        },
    )
    created = provider.create(inputs)
    assert len(created.id) == 32
    assert created.outs["status"] == "NORMAL"
    assert created.outs["auth_type"] == "INTERNAL"

    read = provider.read(created.id, created.outs)
    assert read.id == created.id
    assert provider.diff(created.id, read.outs, inputs).changes is False

    new_inputs = checked(provider, {**inputs, "description": "second", "name": "team-vision-2"})
    diff = provider.diff(created.id, read.outs, new_inputs)
    assert diff.changes is True and diff.replaces == []
    updated = provider.update(created.id, read.outs, new_inputs)
    assert updated.outs["description"] == "second"
    assert updated.outs["name"] == "team-vision-2"

    replace = provider.diff(created.id, updated.outs, {**new_inputs, "enterprise_project_id": "eps-1"})
    assert replace.replaces == ["enterprise_project_id"]

    provider.delete(created.id, updated.outs)
    assert provider.read(created.id, updated.outs).id == ""
    provider.delete(created.id, updated.outs)  # deleting what is gone succeeds


def test_import_by_id_returns_inputs(provider: WorkspaceProvider) -> None:
    created = provider.create(checked(provider, {"name": "imported-ws", "description": "d"}))
    imported = provider.read(created.id, {})
    assert imported.inputs is not None
    assert imported.inputs["name"] == "imported-ws"
    assert imported.inputs["description"] == "d"
    assert provider.diff(created.id, imported.outs, checked(provider, imported.inputs)).changes is False
    provider.delete(created.id, {})


def test_refresh_sees_an_out_of_band_change(
    provider: WorkspaceProvider, localcloud: LocalCloudProcess, project: Credentials
) -> None:
    inputs = checked(provider, {"name": "drifting-ws", "description": "as declared"})
    created = provider.create(inputs)
    signed_request(
        localcloud, project, "PUT", f"v1/workspaces/{created.id}", json={"description": "changed by hand"}
    ).raise_for_status()
    refreshed = provider.read(created.id, created.outs)
    assert refreshed.inputs is not None and refreshed.inputs["description"] == "changed by hand"
    assert provider.diff(created.id, refreshed.outs, inputs).changes is True
    provider.delete(created.id, {})


@pytest.mark.parametrize(
    ("props", "field"),
    [
        ({"name": "abc"}, "name"),
        ({"name": "default"}, "name"),
        ({"name": "bad name!"}, "name"),
        ({"name": "good-name", "auth_type": "SECRET"}, "auth_type"),
        ({"name": "good-name", "grants": [{}]}, "grants[0]"),
        ({"name": "good-name", "description": "x" * 257}, "description"),
        ({"name": "good-name", "timeouts": {"create": "soon"}}, "timeouts.create"),
    ],
)
def test_invalid_input_fails_in_check_with_no_api_call(
    provider: WorkspaceProvider, localcloud: LocalCloudProcess, props: dict[str, object], field: str
) -> None:
    since = last_seq(localcloud)
    failures = provider.check({}, {**props, "__provider": "x"}).failures
    assert [f.property for f in failures] == [field]
    assert mutating_calls(localcloud, since) == []


def test_platform_errors_surface_code_and_message(provider: WorkspaceProvider) -> None:
    with pytest.raises(ApiError) as raised:
        provider.update("0", {"name": "default"}, checked(provider, {"name": "not-default"}))
    assert "ModelArts.3566" in str(raised.value)
