"""InferenceService resource: lifecycle, start/stop, scaling, replaces, import, faults, retries and
reconciliation against a live localcloud."""

from __future__ import annotations

from typing import Any

import pytest

from aicompute.provider.errors import ApiError, WaitFailed, WaitTimeout
from aicompute.resources.modelarts.inference_service import InferenceServiceProvider
from aicompute.resources.modelarts.model import ModelProvider
from tests.support.api import signed_json
from tests.support.localcloud import Credentials, LocalCloudProcess
from tests.support.providers import checked, configured, last_seq, mutating_calls

FLAVOR = "modelarts.vm.cpu.2u"


@pytest.fixture
def provider(localcloud: LocalCloudProcess, project: Credentials) -> InferenceServiceProvider:
    return configured(InferenceServiceProvider, localcloud, project)


@pytest.fixture
def models(localcloud: LocalCloudProcess, project: Credentials) -> list[str]:
    """Two published models of one name (versions 1.0.0 and 1.0.1)."""
    model_provider = configured(ModelProvider, localcloud, project)
    return [
        model_provider.create(
            checked(
                model_provider,
                {
                    "model_name": "detector",
                    "model_version": version,
                    "model_type": "PyTorch",
                    "source_location": "https://models.obs.example.com/detector",
                },
            )
        ).id
        for version in ("1.0.0", "1.0.1")
    ]


def service(models: list[str], **changes: Any) -> dict[str, Any]:
    props: dict[str, Any] = {
        "service_name": "svc-vision",
        "infer_type": "real-time",
        "description": "first",
        "config": [
            {"model_id": models[0], "specification": FLAVOR, "instance_count": 1, "weight": 100, "envs": {"MODE": "a"}}
        ],
    }
    return {**props, **changes}


def list_services(localcloud: LocalCloudProcess, project: Credentials) -> list[dict[str, Any]]:
    return list(signed_json(localcloud, project, "GET", "v1/services")["services"])


def calls(localcloud: LocalCloudProcess, since: int) -> list[tuple[str, str]]:
    prefix = "/v1/"
    return [
        (r["method"], r["path"].split("/services", 1)[-1])
        for r in mutating_calls(localcloud, since)
        if r["path"].startswith(prefix) and "/services" in r["path"]
    ]


def test_lifecycle(
    provider: InferenceServiceProvider, models: list[str], localcloud: LocalCloudProcess, project: Credentials
) -> None:
    inputs = checked(provider, service(models))
    created = provider.create(inputs)
    outs = created.outs
    assert outs["service_id"] == created.id
    assert outs["status"] == "running"
    assert created.id in outs["access_address"]
    assert outs["config_status"][0]["model_name"] == "detector"
    assert outs["config_status"][0]["model_version"] == "1.0.0"

    read = provider.read(created.id, outs)
    assert read.id == created.id
    assert provider.diff(created.id, read.outs, inputs).changes is False

    # Scale and describe: an in-place update through PUT /services/{id}.
    bigger = checked(
        provider,
        service(
            models,
            description="second",
            config=[{**service(models)["config"][0], "instance_count": 2}],
        ),
    )
    diff = provider.diff(created.id, read.outs, bigger)
    assert diff.changes is True and diff.replaces == []
    since = last_seq(localcloud)
    outs = provider.update(created.id, read.outs, bigger).outs
    assert outs["description"] == "second"
    assert outs["config"][0]["instance_count"] == 2
    assert outs["status"] == "running"
    assert calls(localcloud, since) == [("PUT", f"/{created.id}")]
    assert provider.diff(created.id, outs, bigger).changes is False

    # Only an instance count: the scaling call, PUT /property.
    scaled = checked(provider, {**bigger, "config": [{**bigger["config"][0], "instance_count": 3}]})
    since = last_seq(localcloud)
    outs = provider.update(created.id, outs, scaled).outs
    assert outs["config"][0]["instance_count"] == 3
    assert calls(localcloud, since) == [("PUT", f"/{created.id}/property")]
    assert provider.diff(created.id, outs, scaled).changes is False

    # Stop through the status input, then start again: in place, each one PUT {status}.
    stopped = checked(provider, {**scaled, "status": "stopped"})
    diff = provider.diff(created.id, outs, stopped)
    assert diff.changes is True and diff.replaces == []
    since = last_seq(localcloud)
    outs = provider.update(created.id, outs, stopped).outs
    assert outs["status"] == "stopped"
    assert calls(localcloud, since) == [("PUT", f"/{created.id}")]
    assert provider.diff(created.id, provider.read(created.id, outs).outs, stopped).changes is False

    outs = provider.update(created.id, outs, scaled).outs
    assert outs["status"] == "running"
    assert provider.diff(created.id, outs, scaled).changes is False

    # Create-only fields replace; keeping the unique name means deleting first.
    renamed = provider.diff(created.id, outs, checked(provider, {**scaled, "service_name": "svc-vision-2"}))
    assert renamed.replaces == ["service_name"] and renamed.delete_before_replace is False
    edge = checked(provider, {**scaled, "infer_type": "edge"})
    retyped = provider.diff(created.id, outs, edge)
    assert retyped.replaces == ["infer_type"] and retyped.delete_before_replace is True

    provider.delete(created.id, outs)
    assert provider.read(created.id, outs).id == ""
    assert list_services(localcloud, project) == []


def test_traffic_split_with_string_weights_has_no_diff(provider: InferenceServiceProvider, models: list[str]) -> None:
    props = service(
        models,
        config=[
            {"model_id": models[0], "specification": FLAVOR, "instance_count": 1.0, "weight": "70"},
            {"model_id": models[1], "specification": FLAVOR, "instance_count": 1, "weight": 30.0},
        ],
    )
    inputs = checked(provider, props)
    created = provider.create(inputs)
    assert [entry["weight"] for entry in created.outs["config"]] == [70, 30]
    read = provider.read(created.id, created.outs)
    assert provider.diff(created.id, read.outs, inputs).changes is False
    # As the engine would send them after a round trip through protobuf: floats everywhere.
    floats = {**props, "config": [{**e, "weight": float(e["weight"]), "instance_count": 1.0} for e in props["config"]]}
    assert provider.diff(created.id, read.outs, floats).changes is False
    provider.delete(created.id, read.outs)


def test_create_stopped_and_deploy_timeout_kept(provider: InferenceServiceProvider, models: list[str]) -> None:
    config = [{**service(models)["config"][0], "deploy_timeout_in_seconds": 600}]
    inputs = checked(provider, service(models, status="stopped", config=config))
    created = provider.create(inputs)
    assert created.outs["status"] == "stopped"
    assert created.outs["config"][0]["deploy_timeout_in_seconds"] == 600
    read = provider.read(created.id, created.outs)
    assert provider.diff(created.id, read.outs, inputs).changes is False
    longer = checked(provider, {**inputs, "config": [{**config[0], "deploy_timeout_in_seconds": 900}]})
    assert provider.diff(created.id, read.outs, longer).replaces == []
    assert provider.diff(created.id, read.outs, longer).changes is True
    provider.delete(created.id, read.outs)


def test_update_waits_for_a_deploying_service(
    provider: InferenceServiceProvider, models: list[str], localcloud: LocalCloudProcess, project: Credentials
) -> None:
    body = {**service(models), "workspace_id": "0"}
    service_id = signed_json(localcloud, project, "POST", "v1/services", json=body)["service_id"]
    assert signed_json(localcloud, project, "GET", f"v1/services/{service_id}")["status"] == "deploying"
    olds = provider.read(service_id, {}).outs
    since = last_seq(localcloud)
    described = checked(provider, service(models, description="while deploying"))
    outs = provider.update(service_id, olds, described).outs  # waits, instead of a 3519 refusal
    assert outs["description"] == "while deploying"
    assert outs["status"] == "running"
    assert [r for r in localcloud.requests(since) if r["status"] >= 400] == []
    provider.delete(service_id, outs)


def test_failed_rollout_surfaces_the_platform_message(
    provider: InferenceServiceProvider, models: list[str], localcloud: LocalCloudProcess, project: Credentials
) -> None:
    inputs = checked(provider, service(models))
    created = provider.create(inputs)
    localcloud.fail_next(project.project_id, "modelarts.service", created.id, message="image pull back-off")
    scaled = checked(provider, {**inputs, "config": [{**inputs["config"][0], "instance_count": 2}]})
    with pytest.raises(WaitFailed) as raised:
        provider.update(created.id, created.outs, scaled)
    assert raised.value.state == "failed"
    assert "image pull back-off" in str(raised.value)
    read = provider.read(created.id, created.outs)
    assert read.outs["status"] == "failed" and read.outs["error_msg"] == "image pull back-off"
    # Desired running, live failed: a difference that the next update repairs by redeploying.
    assert provider.diff(created.id, read.outs, scaled).changes is True
    outs = provider.update(created.id, read.outs, scaled).outs
    assert outs["status"] == "running" and outs["config"][0]["instance_count"] == 2
    provider.delete(created.id, outs)


def test_batch_and_edge_services(provider: InferenceServiceProvider, models: list[str]) -> None:
    batch = checked(
        provider,
        {
            "service_name": "svc-batch",
            "infer_type": "batch",
            "config": [
                {
                    "model_id": models[0],
                    "specification": FLAVOR,
                    "instance_count": 1,
                    "src_path": "https://bucket.obs.example.com/in/",
                    "dest_path": "https://bucket.obs.example.com/out/",
                    "req_uri": "/",
                    "mapping_type": "file",
                }
            ],
        },
    )
    created = provider.create(batch)
    assert created.outs["status"] in ("running", "finished")
    assert provider.diff(created.id, provider.read(created.id, created.outs).outs, batch).changes is False
    provider.delete(created.id, created.outs)

    edge = checked(
        provider,
        {
            "service_name": "svc-edge",
            "infer_type": "edge",
            "config": [
                {"model_id": models[1], "specification": FLAVOR, "instance_count": 1, "nodes": ["node-b", "node-a"]}
            ],
        },
    )
    created = provider.create(edge)
    assert created.outs["config"][0]["nodes"] == ["node-a", "node-b"]
    assert {node["id"] for node in created.outs["config_status"][0]["nodes"]} == {"node-a", "node-b"}
    assert provider.diff(created.id, provider.read(created.id, created.outs).outs, edge).changes is False
    provider.delete(created.id, created.outs)


def test_one_way_additional_properties_replace(provider: InferenceServiceProvider, models: list[str]) -> None:
    smn = {"topic_urn": "urn:smn:region:project:topic", "events": [1, 3]}
    lts = {"type": "LTS", "configuration": {"log_group_id": "g" * 64, "log_stream_id": "s" * 64}}
    on = checked(provider, service(models, additional_properties={"smn_notification": smn, "websocket_upgrade": True}))
    off = checked(provider, {**on, "additional_properties": {"smn_notification": smn, "websocket_upgrade": False}})
    assert provider.diff("id", on, off).replaces == ["additional_properties"]
    events = checked(provider, {**on, "additional_properties": {"smn_notification": {**smn, "events": [1]}}})
    assert provider.diff("id", on, events).replaces == []
    logged = checked(provider, {**on, "additional_properties": {"smn_notification": smn, "log_report_channels": [lts]}})
    other = {**lts, "configuration": {"log_group_id": "h" * 64, "log_stream_id": "s" * 64}}
    moved = checked(
        provider, {**on, "additional_properties": {"smn_notification": smn, "log_report_channels": [other]}}
    )
    assert provider.diff("id", logged, moved).replaces == ["additional_properties"]
    assert provider.diff("id", on, logged).replaces == []  # enabling LTS is an update


def test_import_by_id_yields_valid_inputs(provider: InferenceServiceProvider, models: list[str]) -> None:
    inputs = checked(provider, service(models))
    created = provider.create(inputs)
    imported = provider.read(created.id, {})
    assert imported.id == created.id
    assert imported.inputs is not None
    assert imported.inputs["service_name"] == "svc-vision"
    assert imported.inputs["status"] == "running"
    again = checked(provider, imported.inputs)
    assert provider.diff(created.id, imported.outs, again).changes is False
    assert provider.diff(created.id, imported.outs, inputs).changes is False
    provider.delete(created.id, imported.outs)


def test_a_model_in_use_cannot_be_deleted(
    provider: InferenceServiceProvider, models: list[str], localcloud: LocalCloudProcess, project: Credentials
) -> None:
    created = provider.create(checked(provider, service(models)))
    model_provider = configured(ModelProvider, localcloud, project)
    with pytest.raises(ApiError) as raised:
        model_provider.delete(models[0], {})
    assert raised.value.code == "ModelArts.3009"
    provider.delete(created.id, created.outs)
    model_provider.delete(models[0], {})


def test_failed_creation_surfaces_the_platform_message(
    provider: InferenceServiceProvider, models: list[str], localcloud: LocalCloudProcess, project: Credentials
) -> None:
    localcloud.fail_next(project.project_id, "modelarts.service", message="insufficient quota for flavor")
    with pytest.raises(WaitFailed) as raised:
        provider.create(checked(provider, service(models, service_name="svc-fails")))
    assert raised.value.state == "failed"
    assert "insufficient quota for flavor" in str(raised.value)


def test_deadline_reports_last_state(
    provider: InferenceServiceProvider, models: list[str], localcloud: LocalCloudProcess, project: Credentials
) -> None:
    with pytest.raises(WaitTimeout) as raised:
        provider.create(checked(provider, service(models, service_name="svc-slow", timeouts={"create": 0.001})))
    assert raised.value.last_state == "deploying"
    assert "last state seen: 'deploying'" in str(raised.value)
    assert "was deleted" in str(raised.value)
    assert list_services(localcloud, project) == []  # the unfinished service is not orphaned


def test_read_404_means_gone(provider: InferenceServiceProvider) -> None:
    missing = "195c1f2d-136d-40af-a0f3-db5717d2634a"
    assert provider.read(missing, {"service_name": "ghost"}).id == ""
    provider.delete(missing, {})  # already gone: no error


def test_retries_on_503_and_429(
    provider: InferenceServiceProvider, models: list[str], localcloud: LocalCloudProcess, project: Credentials
) -> None:
    since = last_seq(localcloud)
    localcloud.add_fault(method="GET", path=f"/v1/{project.project_id}/services/", status=503, count=2)
    localcloud.add_fault(method="PUT", path=f"/v1/{project.project_id}/services/", status=429, count=1, retry_after=0)
    try:
        inputs = checked(provider, service(models))
        created = provider.create(inputs)
        described = checked(provider, {**inputs, "description": "after a 429"})
        outs = provider.update(created.id, created.outs, described).outs
        assert outs["description"] == "after a 429"
    finally:
        localcloud.clear_faults()
    assert sorted(r["status"] for r in localcloud.requests(since) if r["fault"] == "status") == [429, 503, 503]
    assert len(list_services(localcloud, project)) == 1
    provider.delete(created.id, outs)


def test_dropped_create_response_is_adopted_not_duplicated(
    provider: InferenceServiceProvider, models: list[str], localcloud: LocalCloudProcess, project: Credentials
) -> None:
    since = last_seq(localcloud)
    localcloud.add_fault(method="POST", path="/v1/.*/services$", drop_response=True, count=1)
    try:
        created = provider.create(checked(provider, service(models)))
    finally:
        localcloud.clear_faults()
    assert [s["service_id"] for s in list_services(localcloud, project)] == [created.id]
    assert calls(localcloud, since) == [("POST", "")]  # looked up by name, never re-sent
    provider.delete(created.id, created.outs)


def entry(**changes: Any) -> dict[str, Any]:
    return {"model_id": "m-1", "specification": FLAVOR, "instance_count": 1, "weight": 100, **changes}


@pytest.mark.parametrize(
    ("props", "field", "words"),
    [
        (
            {"config": [entry(weight=60), entry(model_id="m-2", weight=30)]},
            "config",
            "weights must sum to 100 (they sum to 90)",
        ),
        ({"config": [entry(instance_count=0)]}, "config[0].instance_count", "greater than or equal to 1"),
        ({"config": [entry(instance_count=129)]}, "config[0].instance_count", "less than or equal to 128"),
        ({"config": [entry(weight=None)]}, "config", "weight is required"),
        ({"config": [entry(), entry()]}, "config", "once"),
        ({"service_name": "svc vision!"}, "service_name", "letters, chinese, digits"),
        ({"service_name": "s" * 65}, "service_name", "1-64"),
        ({"infer_type": "stream"}, "infer_type", "real-time"),
        ({"description": "a&b"}, "description", "none of"),
        ({"vpc_id": "vpc-1"}, "subnet_network_id", "required when vpc_id"),
        ({"status": "paused"}, "status", "running"),
        ({"priority": 4}, "priority", "less than or equal to 3"),
        ({"config": [entry(specification="custom")]}, "config[0].custom_spec", "required when specification"),
        ({"infer_type": "batch", "config": [entry(), entry(model_id="m-2")]}, "config", "exactly one model"),
        ({"infer_type": "batch", "config": [entry()]}, "config", "src_path is required"),
        ({"schedule": [{"time_unit": "WEEKS", "duration": 1}]}, "schedule[0].time_unit", "days"),
        ({"timeouts": {"create": "soon"}}, "timeouts.create", "duration"),
    ],
)
def test_invalid_inputs_fail_in_check_without_api_calls(
    provider: InferenceServiceProvider,
    localcloud: LocalCloudProcess,
    props: dict[str, Any],
    field: str,
    words: str,
) -> None:
    since = last_seq(localcloud)
    base = {"service_name": "svc-vision", "infer_type": "real-time", "config": [entry()]}
    failures = provider.check({}, {**base, **props, "__provider": "x"}).failures
    assert failures, "expected a failure"
    assert failures[0].property == field
    assert words in failures[0].reason.lower()
    assert mutating_calls(localcloud, since) == []
