"""HiLens ConfigMap resource against a live localcloud: lifecycle, full-replacement PUT, import."""

from __future__ import annotations

from typing import Any

import pytest

from aicompute.resources.hilens.config_map import ConfigMapProvider
from tests.support.api import signed_json
from tests.support.localcloud import Credentials, LocalCloudProcess
from tests.support.providers import checked, configured, last_seq, mutating_calls


@pytest.fixture
def provider(localcloud: LocalCloudProcess, project: Credentials) -> ConfigMapProvider:
    return configured(ConfigMapProvider, localcloud, project)


def stored(localcloud: LocalCloudProcess, project: Credentials, configmap_id: str) -> dict[str, Any]:
    return dict(signed_json(localcloud, project, "GET", f"v3/ai-mgr/configmaps/{configmap_id}")["configmap"])


def test_lifecycle(provider: ConfigMapProvider, localcloud: LocalCloudProcess, project: Credentials) -> None:
    inputs = checked(
        provider, {"name": "app-config", "data": {"mode": "fast", "level": "3"}, "tags": {"team": "vision"}}
    )
    created = provider.create(inputs)
    assert created.id.startswith("hilens-")
    assert created.outs["data"] == {"mode": "fast", "level": "3"} and created.outs["tags"] == {"team": "vision"}
    assert created.outs["workspace_id"] == "0"

    read = provider.read(created.id, created.outs)
    assert provider.diff(created.id, read.outs, inputs).changes is False

    # Removing a key and a tag and adding another: one full-replacement PUT.
    changed = checked(provider, {**inputs, "data": {"mode": "slow"}, "tags": {"owner": "ops"}, "description": "d"})
    assert provider.diff(created.id, read.outs, changed).replaces == []
    since = last_seq(localcloud)
    updated = provider.update(created.id, read.outs, changed)
    assert [(c["method"], c["path"]) for c in mutating_calls(localcloud, since)] == [
        ("PUT", f"/v3/{project.project_id}/ai-mgr/configmaps/{created.id}")
    ]
    live = stored(localcloud, project, created.id)
    assert live["configs"] == [{"key": "mode", "value": "slow"}]
    assert live["tags"] == [{"key": "owner", "value": "ops"}] and live["description"] == "d"
    assert provider.diff(created.id, updated.outs, changed).changes is False

    # An entry added outside the program is drift; so is a changed value.
    configs = [*live["configs"], {"key": "x", "value": "y"}]
    body = {"configmap": {"name": "app-config", "configs": configs, "tags": []}}
    signed_json(localcloud, project, "PUT", f"v3/ai-mgr/configmaps/{created.id}", json=body)
    drifted = provider.read(created.id, updated.outs)
    assert drifted.outs["data"] == {"mode": "slow", "x": "y"} and drifted.outs["tags"] == {}
    assert provider.diff(created.id, drifted.outs, changed).changes is True

    renamed = provider.diff(created.id, drifted.outs, {**changed, "name": "app-config-2"})
    assert renamed.replaces == ["name"] and not renamed.delete_before_replace
    moved = provider.diff(created.id, drifted.outs, {**changed, "provider": "ief"})
    assert moved.replaces == ["provider"] and moved.delete_before_replace

    provider.delete(created.id, drifted.outs)
    assert provider.read(created.id, drifted.outs).id == ""
    provider.delete(created.id, drifted.outs)


def test_import_by_id_reads_the_inputs(provider: ConfigMapProvider) -> None:
    program = checked(provider, {"name": "imported-cfg", "data": {"k": "v"}, "type": "plain"})
    created = provider.create(program)
    imported = provider.read(created.id, {})
    assert imported.inputs is not None
    assert imported.inputs["data"] == {"k": "v"} and imported.inputs["type"] == "plain"
    assert imported.inputs["provider"] == "hilens"
    assert provider.diff(created.id, imported.outs, program).changes is False
    provider.delete(created.id, imported.outs)


def test_a_lost_create_response_is_adopted(
    provider: ConfigMapProvider, localcloud: LocalCloudProcess, project: Credentials
) -> None:
    localcloud.add_fault(
        method="POST", path=f"/v3/{project.project_id}/ai-mgr/configmaps$", drop_response=True, count=1
    )
    try:
        created = provider.create(checked(provider, {"name": "dropped-cfg", "data": {"k": "v"}}))
    finally:
        localcloud.clear_faults()
    listing = signed_json(localcloud, project, "GET", "v3/ai-mgr/configmaps")["configmaps"]
    assert [c["id"] for c in listing] == [created.id]
    provider.delete(created.id, created.outs)


@pytest.mark.parametrize(
    ("props", "field"),
    [
        ({"name": "Cfg1", "data": {"k": "v"}}, "name"),
        ({"name": "cfg", "data": {"k": "v"}}, "name"),
        ({"name": "cfg-one", "data": {}}, "data"),
        ({"name": "cfg-one", "data": {"k": ""}}, "data"),
        ({"name": "cfg-one", "data": {"a.b": "v"}}, "data"),
        ({"name": "cfg-one", "data": {"k": "v"}, "tags": {"t": "a/b"}}, "tags"),
        ({"name": "cfg-one", "data": {"k": "v"}, "workspace_id": ""}, "workspace_id"),
    ],
)
def test_invalid_inputs_fail_in_check_without_api_calls(
    provider: ConfigMapProvider, localcloud: LocalCloudProcess, props: dict[str, Any], field: str
) -> None:
    since = last_seq(localcloud)
    failures = provider.check({}, {**props, "__provider": "x"}).failures
    assert [f.property for f in failures] == [field]
    assert mutating_calls(localcloud, since) == []
