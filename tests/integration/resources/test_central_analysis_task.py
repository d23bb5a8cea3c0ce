"""Central platform AnalysisTask: lifecycle, pause and resume, upsert, failures, import."""

from __future__ import annotations

from typing import Any

import pytest

from aicompute.provider.errors import ApiError, WaitFailed
from aicompute.resources.central.algorithm_service import AlgorithmServiceProvider
from aicompute.resources.central.analysis_task import AnalysisTaskProvider
from tests.support.central import central_api, platform_calls
from tests.support.localcloud import Credentials, LocalCloudProcess
from tests.support.providers import checked, configured, last_seq

STREAM = {"url": "iot://10.172.198.207/?deviceid=101234200200000046&mode=video", "resolution": "PIXELS_200W"}
SQUARE = [{"x": 0.0, "y": 1.0}, {"x": 1.0, "y": 1.0}, {"x": 1.0, "y": 0.0}, {"x": 0.0, "y": 0.0}]
RULE: dict[str, Any] = {
    "areas": [{"area_id": 0, "area_type": "POLYGON", "points": SQUARE}],
    "destinations": {"HTTPDest": {"url": "https://events.local/report"}},
    "event_type": "ILLEGAL_ADV",
    "extend_params": {"sensitivity": "低", "durationThreshold": 1},
}


@pytest.fixture
def provider(localcloud: LocalCloudProcess, project: Credentials) -> AnalysisTaskProvider:
    return configured(AnalysisTaskProvider, localcloud, project)


@pytest.fixture
def service_id(localcloud: LocalCloudProcess, project: Credentials) -> str:
    services = configured(AlgorithmServiceProvider, localcloud, project)
    return services.create(checked(services, {"algo_id": "MEGCITY:1", "gpu_type": "NVidia A2", "replicas": 1})).id


def task(service_id: str, **overrides: Any) -> dict[str, Any]:
    return {
        "algo_service_id": service_id,
        "restart_policy": "NEVER",
        "labels": {"algoCabinName": "megcity-a2", "version": "2.0.1"},
        "rules": [RULE],
        "stream": STREAM,
        **overrides,
    }


def task_ids(localcloud: LocalCloudProcess, project: Credentials) -> list[str]:
    with central_api(localcloud, project) as api:
        return [record["taskInfo"]["id"] for record in api.search("/CAP/AlgoTasks:search")]


def test_lifecycle_paused_and_resumed(
    provider: AnalysisTaskProvider, service_id: str, localcloud: LocalCloudProcess, project: Credentials
) -> None:
    inputs = checked(provider, task(service_id))
    created = provider.create(inputs)
    assert created.outs["status"] == "RUNNING" and created.outs["paused"] is False
    assert created.outs["task_id"] == created.id
    assert created.outs["rules"][0]["event_type"] == "ILLEGAL_ADV"  # kept from the program: never returned

    read = provider.read(created.id, created.outs)
    assert provider.diff(created.id, read.outs, inputs).changes is False

    pause = {**inputs, "paused": True}
    assert provider.diff(created.id, read.outs, pause).replaces == []
    paused = provider.update(created.id, read.outs, checked(provider, pause))
    assert paused.outs["status"] == "PAUSED" and paused.outs["paused"] is True
    assert provider.diff(created.id, provider.read(created.id, paused.outs).outs, pause).changes is False

    resumed = provider.update(created.id, paused.outs, inputs)
    assert resumed.outs["status"] == "RUNNING" and resumed.outs["paused"] is False

    # Rules and stream only change by replacing; the same stream on the same service deletes first.
    new_rules = provider.diff(created.id, resumed.outs, {**inputs, "rules": [{**RULE, "event_type": "CROWD"}]})
    assert new_rules.replaces == ["rules"] and new_rules.delete_before_replace
    new_stream = provider.diff(created.id, resumed.outs, {**inputs, "stream": {**STREAM, "url": "iot://x/?d=2"}})
    assert new_stream.replaces == ["stream"] and not new_stream.delete_before_replace

    provider.delete(created.id, resumed.outs)
    assert provider.read(created.id, resumed.outs).id == ""
    assert task_ids(localcloud, project) == []


def test_created_paused_and_paused_behind_the_programs_back(
    provider: AnalysisTaskProvider, service_id: str, localcloud: LocalCloudProcess, project: Credentials
) -> None:
    created = provider.create(checked(provider, task(service_id, paused=True)))
    assert created.outs["status"] == "PAUSED"

    running = checked(provider, task(service_id, stream={**STREAM, "url": "iot://10.0.0.9/?d=9"}))
    other = provider.create(running)
    with central_api(localcloud, project) as api:
        api.call("POST", f"/CAP/AlgoTasks/{other.id}:pause", {})
    drifted = provider.read(other.id, other.outs)
    assert drifted.inputs is not None and drifted.inputs["paused"] is True
    assert provider.diff(other.id, drifted.outs, running).replaces == []
    repaired = provider.update(other.id, drifted.outs, running)
    assert repaired.outs["status"] == "RUNNING"


def test_a_stream_that_already_has_a_task_is_refused_with_its_id(
    provider: AnalysisTaskProvider, service_id: str, localcloud: LocalCloudProcess, project: Credentials
) -> None:
    first = provider.create(checked(provider, task(service_id)))
    with pytest.raises(ApiError) as raised:
        provider.create(checked(provider, task(service_id, restart_policy="ALWAYS")))
    assert f"import task {first.id}" in str(raised.value)
    assert task_ids(localcloud, project) == [first.id]


def test_dropped_create_answer_is_adopted_by_resending(
    provider: AnalysisTaskProvider, service_id: str, localcloud: LocalCloudProcess, project: Credentials
) -> None:
    localcloud.add_fault(method="POST", path="^/CAP/AlgoTasks$", drop_response=True, count=1)
    try:
        created = provider.create(checked(provider, task(service_id)))
    finally:
        localcloud.clear_faults()
    assert task_ids(localcloud, project) == [created.id]
    assert created.outs["status"] == "RUNNING"


def test_a_failing_task_surfaces_the_platform_message(
    provider: AnalysisTaskProvider, service_id: str, localcloud: LocalCloudProcess, project: Credentials
) -> None:
    localcloud.fail_next(project.project_id, "central.task", message="stream iot://10.172.198.207 unreachable")
    with pytest.raises(WaitFailed) as raised:
        provider.create(checked(provider, task(service_id)))
    assert "ERROR" in str(raised.value) and "unreachable" in str(raised.value)
    assert task_ids(localcloud, project) == []


def test_import_knows_everything_but_rules_and_stream(provider: AnalysisTaskProvider, service_id: str) -> None:
    inputs = checked(provider, task(service_id))
    created = provider.create(inputs)
    imported = provider.read(created.id, {})
    assert imported.inputs is not None
    assert imported.inputs["labels"] == inputs["labels"] and imported.inputs["restart_policy"] == "NEVER"
    # Never returned: an import needs ignore_changes=["rules", "stream"] once.
    assert provider.diff(created.id, imported.outs, inputs).replaces == ["rules", "stream"]


def test_invalid_inputs_make_no_api_call(provider: AnalysisTaskProvider, localcloud: LocalCloudProcess) -> None:
    since = last_seq(localcloud)
    line = {"area_id": 1, "area_type": "SINGLE_LINE", "points": SQUARE[:3]}
    cases: list[tuple[dict[str, Any], str]] = [
        (task("s", restart_policy="SOMETIMES"), "restart_policy"),
        (task("s", labels={"algoCabinName": "megcity-a2"}), "labels"),
        (task("s", rules=[]), "rules"),
        (task("s", rules=[{**RULE, "areas": [{**RULE["areas"][0], "points": SQUARE[:2]}]}]), "rules[0].areas[0]"),
        (task("s", rules=[{**RULE, "areas": [line]}]), "rules[0].areas[0]"),
        (task("s", rules=[{**RULE, "areas": [{**line, "area_type": "CIRCLE"}]}]), "area_type"),
        (task("s", rules=[{**RULE, "destinations": {}}]), "destinations"),
        (task("s", rules=[{**RULE, "destinations": {"HTTPDest": {}}}]), "destinations"),
        (task("s", stream={"url": STREAM["url"]}), "stream.resolution"),
        (task("s", paused="maybe"), "paused"),
    ]
    for props, field in cases:
        failures = provider.check({}, {**props, "__provider": "x"}).failures
        assert failures and field in failures[0].reason, (props, [f.reason for f in failures])
    assert platform_calls(localcloud, since) == []
