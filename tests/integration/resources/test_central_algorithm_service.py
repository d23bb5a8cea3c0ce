"""Central platform AlgorithmService: lifecycle, failures, import, against a live localcloud."""

from __future__ import annotations

from typing import Any

import pytest

from aicompute.provider.errors import WaitFailed
from aicompute.resources.central.algorithm_package import AlgorithmPackageProvider
from aicompute.resources.central.algorithm_service import AlgorithmServiceProvider, format_envs, parse_envs
from tests.support.central import DESCRIPTOR, artefact, central_api, platform_calls
from tests.support.localcloud import Credentials, LocalCloudProcess
from tests.support.providers import checked, configured, last_seq


@pytest.fixture
def provider(localcloud: LocalCloudProcess, project: Credentials) -> AlgorithmServiceProvider:
    return configured(AlgorithmServiceProvider, localcloud, project)


def service(**overrides: Any) -> dict[str, Any]:
    return {
        "algo_id": "MEGCITY:3843938347",
        "gpu_type": "NVidia A2",
        "replicas": 2,
        "envs": {"threadCount": "8", "timeOut": "2000"},
        **overrides,
    }


def service_ids(localcloud: LocalCloudProcess, project: Credentials) -> list[str]:
    with central_api(localcloud, project) as api:
        return [record["id"] for record in api.search("/CAP/AlgoServices:search")]


def test_envs_round_trip() -> None:
    assert format_envs({"timeOut": "2000", "threadCount": "8"}) == "threadCount=8, timeOut=2000"
    assert parse_envs("threadCount=8,  timeOut=2000 , k1=v1") == {"threadCount": "8", "timeOut": "2000", "k1": "v1"}
    assert parse_envs("") == {}


def test_lifecycle(provider: AlgorithmServiceProvider, localcloud: LocalCloudProcess, project: Credentials) -> None:
    inputs = checked(provider, service())
    created = provider.create(inputs)
    assert created.outs["status"] == "running"  # the platform's "runing"
    assert created.outs["service_id"] == created.id
    assert created.outs["gpu_quota"] == 1.0
    assert len(created.outs["replicas_detail"]) == 2
    assert all(r["node_host"] and r["node_ipv4"] for r in created.outs["replicas_detail"])

    read = provider.read(created.id, created.outs)
    assert provider.diff(created.id, read.outs, inputs).changes is False
    reordered = {**inputs, "envs": {"timeOut": "2000", "threadCount": "8"}}
    assert provider.diff(created.id, read.outs, reordered).changes is False
    # No update exists: even replicas replace, and a new service can run beside the old one.
    more = provider.diff(created.id, read.outs, {**inputs, "replicas": 3})
    assert more.replaces == ["replicas"] and not more.delete_before_replace
    assert provider.diff(created.id, read.outs, {**inputs, "envs": {"threadCount": "4"}}).replaces == ["envs"]

    imported = provider.read(created.id, {})
    assert provider.diff(created.id, imported.outs, inputs).changes is False

    provider.delete(created.id, read.outs)
    assert provider.read(created.id, read.outs).id == ""
    assert service_ids(localcloud, project) == []


def test_gpu_quota_comes_from_the_algorithm_package(
    provider: AlgorithmServiceProvider, localcloud: LocalCloudProcess, project: Credentials
) -> None:
    packages = configured(AlgorithmPackageProvider, localcloud, project)
    file_url, file_md5 = artefact(DESCRIPTOR)
    algo_url, algo_md5 = artefact({"relatedAlgoFilePackageId": "quota-file"})
    package = packages.create(
        checked(
            packages,
            {"url": algo_url, "md5": algo_md5, "file_package": {"id": "quota-file", "url": file_url, "md5": file_md5}},
        )
    )
    created = provider.create(checked(provider, service(algo_id=package.outs["package_id"], replicas=1)))
    assert created.outs["gpu_quota"] == 0.5


def test_a_service_in_error_fails_with_the_platform_message(
    provider: AlgorithmServiceProvider, localcloud: LocalCloudProcess, project: Credentials
) -> None:
    with pytest.raises(WaitFailed) as raised:
        provider.create(checked(provider, service(gpu_type="Ascend 910")))
    assert "'error'" in str(raised.value) and "no room" in str(raised.value)
    localcloud.fail_next(project.project_id, "central.service", message="licence server unreachable")
    with pytest.raises(WaitFailed, match="licence server unreachable"):
        provider.create(checked(provider, service()))
    assert service_ids(localcloud, project) == []


def test_dropped_create_answer_is_adopted_not_duplicated(
    provider: AlgorithmServiceProvider, localcloud: LocalCloudProcess, project: Credentials
) -> None:
    provider.create(checked(provider, service(replicas=1)))  # an identical service already there
    localcloud.add_fault(method="POST", path="^/CAP/AlgoServices$", drop_response=True, count=1)
    try:
        created = provider.create(checked(provider, service(replicas=1)))
    finally:
        localcloud.clear_faults()
    assert len(service_ids(localcloud, project)) == 2 and created.id in service_ids(localcloud, project)


def test_invalid_inputs_make_no_api_call(provider: AlgorithmServiceProvider, localcloud: LocalCloudProcess) -> None:
    since = last_seq(localcloud)
    cases: list[tuple[dict[str, Any], str]] = [
        (service(envs={"a": "1,2"}), "envs"),
        (service(envs={"a=b": "1"}), "envs"),
        (service(envs={" a": "1"}), "envs"),
        (service(replicas=0), "replicas"),
        (service(algo_id=""), "algo_id"),
        (service(gpu_type=""), "gpu_type"),
    ]
    for props, field in cases:
        failures = provider.check({}, {**props, "__provider": "x"}).failures
        assert failures and field in failures[0].reason, (props, [f.reason for f in failures])
    assert platform_calls(localcloud, since) == []
