"""Model resource: lifecycle, replaces, import, faults, retries and reconciliation against a live localcloud."""

from __future__ import annotations

import json
from typing import Any

import pytest

from aicompute.provider.errors import WaitFailed, WaitTimeout
from aicompute.resources.modelarts.model import ModelProvider
from tests.support.api import signed_json
from tests.support.localcloud import Credentials, LocalCloudProcess
from tests.support.providers import checked, configured, last_seq, mutating_calls

# The create example of seed 001 (7.3), numbers as JSON strings, and the metrics of seed 002's example.
INITIAL_CONFIG = json.dumps(
    {
        "protocol": "http",
        "port": "8080",
        "health": {
            "check_method": "HTTP",
            "protocol": "http",
            "url": "/health",
            "period_seconds": "5",
            "failure_threshold": "10",
            "initial_delay_seconds": "12",
        },
    }
)
MODEL = {
    "model_name": "mnist",
    "model_version": "1.0.0",
    "model_type": "TensorFlow",
    "source_location": "https://models.obs.example.com/mnist",
    "runtime": "tf1.13-python3.6-cpu",
    "description": "mnist model",
    "execution_code": "https://testmodel.obs.example.com/customize_service.py",
    "model_algorithm": "object_detection",
    "model_metrics": '{"f1":0.52381,"recall":0.666667,"precision":0.466667,"accuracy":0.625}',
    "initial_config": INITIAL_CONFIG,
    "install_type": ["real-time", "batch"],
    "dependencies": [
        {
            "installer": "pip",
            "packages": [{"package_name": "numpy", "package_version": "1.5.0", "restraint": "ATLEAST"}],
        }
    ],
    "apis": [
        {
            "url": "/v1/infer",
            "protocol": "http",
            "method": "post",
            "input_params": {"type": "object", "properties": {"image_url": {"type": "string"}}},
        }
    ],
}


@pytest.fixture
def provider(localcloud: LocalCloudProcess, project: Credentials) -> ModelProvider:
    return configured(ModelProvider, localcloud, project)


def list_models(localcloud: LocalCloudProcess, project: Credentials) -> list[dict[str, Any]]:
    return list(signed_json(localcloud, project, "GET", "v1/models")["models"])


def test_lifecycle(provider: ModelProvider, localcloud: LocalCloudProcess, project: Credentials) -> None:
    inputs = checked(provider, MODEL)
    created = provider.create(inputs)
    assert created.outs["model_id"] == created.id
    assert created.outs["model_status"] == "published"
    assert created.outs["model_size"] > 0
    assert created.outs["create_at"] > 0

    read = provider.read(created.id, created.outs)
    assert read.id == created.id
    assert read.outs["initial_config"]["port"] in ("8080", 8080)
    assert provider.diff(created.id, read.outs, inputs).changes is False
    # An equivalent program that spells the numbers as numbers and the type in lower case: still no diff.
    respelled = checked(
        provider,
        {**MODEL, "model_type": "tensorflow", "initial_config": {**json.loads(INITIAL_CONFIG), "port": 8080}},
    )
    assert provider.diff(created.id, read.outs, respelled).changes is False

    # Only the deadline changes: an update that makes no API call.
    since = last_seq(localcloud)
    patient = checked(provider, {**MODEL, "timeouts": {"create": "30m"}})
    diff = provider.diff(created.id, read.outs, patient)
    assert diff.changes is True and diff.replaces == []
    updated = provider.update(created.id, read.outs, patient)
    assert updated.outs["model_status"] == "published"
    assert mutating_calls(localcloud, since) == []

    # Any platform input replaces; keeping name and version would collide, so that replace deletes first.
    same_key = provider.diff(created.id, read.outs, checked(provider, {**MODEL, "description": "retrained"}))
    assert same_key.replaces == ["description"] and same_key.delete_before_replace is True
    new_version = provider.diff(
        created.id, read.outs, checked(provider, {**MODEL, "model_version": "1.0.1", "description": "retrained"})
    )
    assert new_version.replaces == ["description", "model_version"]
    assert new_version.delete_before_replace is False

    provider.delete(created.id, read.outs)
    assert provider.read(created.id, read.outs).id == ""
    assert list_models(localcloud, project) == []


def test_import_by_id_yields_valid_inputs(provider: ModelProvider) -> None:
    created = provider.create(checked(provider, MODEL))
    imported = provider.read(created.id, {})
    assert imported.id == created.id
    assert imported.inputs is not None
    assert imported.inputs["model_name"] == "mnist" and imported.inputs["model_version"] == "1.0.0"
    again = checked(provider, imported.inputs)
    assert provider.diff(created.id, imported.outs, again).changes is False
    assert provider.diff(created.id, imported.outs, checked(provider, MODEL)).changes is False
    provider.delete(created.id, imported.outs)


def test_failed_publishing_surfaces_the_platform_message(
    provider: ModelProvider, localcloud: LocalCloudProcess, project: Credentials
) -> None:
    localcloud.fail_next(project.project_id, "modelarts.model", message="model file is not a SavedModel")
    with pytest.raises(WaitFailed) as raised:
        provider.create(checked(provider, {**MODEL, "model_name": "broken"}))
    assert raised.value.state == "failed"
    assert "model file is not a SavedModel" in str(raised.value)


def test_deadline_reports_last_state(
    provider: ModelProvider, localcloud: LocalCloudProcess, project: Credentials
) -> None:
    with pytest.raises(WaitTimeout) as raised:
        provider.create(checked(provider, {**MODEL, "model_name": "slow", "timeouts": {"create": 0.001}}))
    assert raised.value.last_state == "publishing"
    assert "last state seen: 'publishing'" in str(raised.value)
    assert "was deleted" in str(raised.value)
    assert list_models(localcloud, project) == []  # the unfinished model is not orphaned


def test_read_404_means_gone(provider: ModelProvider) -> None:
    assert provider.read("6f1c6a55-5a8e-4c2b-9d2e-000000000000", {"model_name": "ghost"}).id == ""
    provider.delete("6f1c6a55-5a8e-4c2b-9d2e-000000000000", {})  # already gone: no error


def test_retries_on_503_and_429(provider: ModelProvider, localcloud: LocalCloudProcess, project: Credentials) -> None:
    since = last_seq(localcloud)
    localcloud.add_fault(method="GET", path=f"/v1/{project.project_id}/models/", status=503, count=2)
    localcloud.add_fault(method="DELETE", path=f"/v1/{project.project_id}/models/", status=429, count=1, retry_after=0)
    try:
        created = provider.create(checked(provider, MODEL))
        assert created.outs["model_status"] == "published"
        assert len(list_models(localcloud, project)) == 1
        provider.delete(created.id, created.outs)
    finally:
        localcloud.clear_faults()
    assert sorted(r["status"] for r in localcloud.requests(since) if r["fault"] == "status") == [429, 503, 503]
    assert list_models(localcloud, project) == []


def test_dropped_create_response_is_adopted_not_duplicated(
    provider: ModelProvider, localcloud: LocalCloudProcess, project: Credentials
) -> None:
    since = last_seq(localcloud)
    localcloud.add_fault(method="POST", path=f"/v1/{project.project_id}/models$", drop_response=True, count=1)
    try:
        created = provider.create(checked(provider, MODEL))
    finally:
        localcloud.clear_faults()
    assert [m["model_id"] for m in list_models(localcloud, project)] == [created.id]
    assert [r["method"] for r in mutating_calls(localcloud, since)] == ["POST"]  # looked up, never re-sent
    provider.delete(created.id, {})


@pytest.mark.parametrize(
    ("props", "field", "words"),
    [
        ({**MODEL, "model_name": "bad name!"}, "model_name", "letters, chinese, digits"),
        ({**MODEL, "model_name": "m" * 65}, "model_name", "1-64"),
        ({**MODEL, "model_version": "01.01.01"}, "model_version", "leading zero"),
        ({**MODEL, "model_version": "1.0"}, "model_version", "n.n.n"),
        ({**MODEL, "model_type": "Caffe"}, "model_type", "tensorflow"),
        ({k: v for k, v in MODEL.items() if k != "source_location"}, "source_location", "unless model_type"),
        ({**MODEL, "model_type": "Template"}, "template", "required when model_type is template"),
        ({**MODEL, "description": "a<b"}, "description", "none of"),
        ({**MODEL, "install_type": ["online"]}, "install_type[0]", "real-time"),
        (
            {**MODEL, "dependencies": [{"packages": [{"package_name": "numpy", "package_version": "1.0"}]}]},
            "dependencies[0].packages[0].restraint",
            "required when package_version",
        ),
        ({**MODEL, "initial_config": "[1, 2]"}, "initial_config", "json object"),
        ({**MODEL, "weight": 3}, "weight", "not an input"),
    ],
)
def test_invalid_inputs_fail_in_check_without_api_calls(
    provider: ModelProvider, localcloud: LocalCloudProcess, props: dict[str, Any], field: str, words: str
) -> None:
    since = last_seq(localcloud)
    failures = provider.check({}, {**props, "__provider": "x"}).failures
    assert failures, "expected a failure"
    assert failures[0].property == field
    assert words in failures[0].reason.lower()
    assert mutating_calls(localcloud, since) == []
