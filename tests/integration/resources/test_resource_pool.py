"""ResourcePool resource: lifecycle, import, failures, deadlines, retries and reconciliation on localcloud."""

from __future__ import annotations

from typing import Any

import pytest

from aicompute.provider.errors import WaitFailed, WaitTimeout
from aicompute.resources.modelarts.resource_pool import ResourcePoolProvider
from tests.support.api import eventually, signed_request
from tests.support.localcloud import Credentials, LocalCloudProcess
from tests.support.pools import CPU, CPU8, create_network, list_pools
from tests.support.providers import checked, configured, last_seq, mutating_calls


@pytest.fixture
def provider(localcloud: LocalCloudProcess, project: Credentials) -> ResourcePoolProvider:
    return configured(ResourcePoolProvider, localcloud, project)


@pytest.fixture
def network_id(localcloud: LocalCloudProcess, project: Credentials) -> str:
    return create_network(localcloud, project)


def pool_props(network_id: str, name: str = "pool-life", **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "network_id": network_id,
        "scope": ["Train"],
        "resources": [{"flavor": CPU, "count": 1}],
        **extra,
    }


def available(outs: dict[str, Any]) -> dict[str, int]:
    return {entry["flavor"]: entry["count"] for entry in outs["resource_status"]["available"]}


def test_lifecycle(
    provider: ResourcePoolProvider, localcloud: LocalCloudProcess, project: Credentials, network_id: str
) -> None:
    inputs = checked(
        provider,
        pool_props(
            network_id,
            description="first",
            resources=[{"flavor": CPU, "count": 1}, {"flavor": CPU8, "count": 1, "max_count": 1}],
        ),
    )
    created = provider.create(inputs)
    assert created.id.startswith("pool-life-")
    outs = created.outs
    assert outs["status"] == "Running"
    assert outs["resource_id"]
    assert outs["created_at"]
    assert outs["root"] == created.id
    assert available(outs) == {CPU: 1, CPU8: 1}
    assert len(outs["nodes"]) == 2
    assert outs["scope_status"] == {"Train": "Enabled"}

    # The server fills in AZs and maxCount: no diff, whatever the order of the list.
    read = provider.read(created.id, created.outs)
    assert read.id == created.id
    assert provider.diff(created.id, read.outs, inputs).changes is False
    reordered = checked(provider, {**inputs, "resources": list(reversed(inputs["resources"]))})
    assert provider.diff(created.id, read.outs, reordered).changes is False

    # Scale up, add a job type and change the description: one in-place update.
    scaled = checked(
        provider,
        {
            **inputs,
            "description": "second",
            "scope": ["Infer", "Train"],
            "resources": [{"flavor": CPU8, "count": 1}, {"flavor": CPU, "count": 3}],
        },
    )
    diff = provider.diff(created.id, read.outs, scaled)
    assert diff.changes is True and diff.replaces == []
    since = last_seq(localcloud)
    updated = provider.update(created.id, read.outs, scaled)
    assert [c["method"] for c in mutating_calls(localcloud, since)] == ["PATCH"]
    assert updated.outs["description"] == "second"
    assert available(updated.outs) == {CPU: 3, CPU8: 1}
    assert updated.outs["resource_status"]["creating"] == []
    assert updated.outs["scope_status"] == {"Train": "Enabled", "Infer": "Enabled"}
    assert len(updated.outs["nodes"]) == 4
    assert provider.diff(created.id, updated.outs, scaled).changes is False

    # Scale down and drop a flavor.
    shrunk = checked(provider, {**scaled, "resources": [{"flavor": CPU, "count": 1}]})
    shrunk_outs = provider.update(created.id, updated.outs, shrunk).outs
    assert available(shrunk_outs) == {CPU: 1}
    assert shrunk_outs["resource_status"]["deleting"] == []
    reread = provider.read(created.id, shrunk_outs)
    assert provider.diff(created.id, reread.outs, shrunk).changes is False

    # Create-only changes are replaces; a new name can be created before the old pool goes.
    renamed = provider.diff(created.id, reread.outs, {**shrunk, "name": "pool-renamed"})
    assert renamed.replaces == ["name"] and renamed.delete_before_replace is False
    moved = provider.diff(created.id, reread.outs, {**shrunk, "network_id": "other-network"})
    assert moved.replaces == ["network_id"] and moved.delete_before_replace is True
    docker = [{"flavor": CPU, "count": 1, "extend_params": {"dockerBaseSize": "120"}}]
    assert provider.diff(created.id, reread.outs, {**shrunk, "resources": docker}).replaces == ["resources"]

    provider.delete(created.id, reread.outs)
    assert provider.read(created.id, reread.outs).id == ""
    assert list_pools(localcloud, project) == []


def test_import_reads_the_inputs_back(provider: ResourcePoolProvider, network_id: str) -> None:
    inputs = checked(
        provider,
        pool_props(
            network_id,
            name="pool-import",
            scope=["Train", "Notebook"],
            description="imported",
            node_prefix="imp",
            job_flavors=["modelarts.vm.cpu.4ud"],
            resources=[{"flavor": CPU, "count": 2, "azs": [{"az": "cn-north-4a", "count": 2}]}],
        ),
    )
    created = provider.create(inputs)
    imported = provider.read(created.id, {})
    assert imported.id == created.id and imported.inputs is not None
    assert imported.inputs["name"] == "pool-import"
    assert imported.inputs["network_id"] == network_id
    assert sorted(imported.inputs["scope"]) == ["Notebook", "Train"]
    assert imported.inputs["description"] == "imported"
    assert imported.inputs["node_prefix"] == "imp"
    assert imported.inputs["resources"][0]["flavor"] == CPU and imported.inputs["resources"][0]["count"] == 2
    assert all(name.startswith("imp-") for name in imported.outs["nodes"])
    # The imported inputs pass check and the program's inputs show no change against them.
    checked(provider, imported.inputs)
    assert provider.diff(created.id, imported.outs, inputs).changes is False
    provider.delete(created.id, imported.outs)


def test_failed_creation_surfaces_the_platform_message(
    provider: ResourcePoolProvider, localcloud: LocalCloudProcess, project: Credentials, network_id: str
) -> None:
    localcloud.fail_next(project.project_id, "modelarts.pool", message="no capacity left for modelarts.vm.cpu.4ud")
    with pytest.raises(WaitFailed) as raised:
        provider.create(checked(provider, pool_props(network_id, name="pool-fails")))
    assert "no capacity left for modelarts.vm.cpu.4ud" in str(raised.value)
    assert "Error" in str(raised.value)
    # The failed pool is deleted, so the name can be used again.
    assert eventually(lambda: not list_pools(localcloud, project, "failed") and not list_pools(localcloud, project))
    again = provider.create(checked(provider, pool_props(network_id, name="pool-fails")))
    assert again.outs["status"] == "Running"
    provider.delete(again.id, again.outs)


def test_deadline_reports_the_last_state(
    provider: ResourcePoolProvider, localcloud: LocalCloudProcess, project: Credentials, network_id: str
) -> None:
    with pytest.raises(WaitTimeout) as raised:
        provider.create(checked(provider, pool_props(network_id, name="pool-slow", timeouts={"create": "0.05s"})))
    assert "last state seen: 'Creating'" in str(raised.value)
    assert "was deleted" in str(raised.value)
    assert list_pools(localcloud, project) == []  # the unfinished pool is not orphaned


def test_scale_deadline_reports_what_is_under_way(provider: ResourcePoolProvider, network_id: str) -> None:
    inputs = checked(provider, pool_props(network_id, name="pool-scale"))
    created = provider.create(inputs)
    bigger = checked(provider, {**inputs, "resources": [{"flavor": CPU, "count": 2}], "timeouts": {"update": 0.05}})
    with pytest.raises(WaitTimeout) as raised:
        provider.update(created.id, created.outs, bigger)
    # The phase stays Running during a scale: the message says what is still creating.
    assert "Running (creating 1" in str(raised.value)
    provider.delete(created.id, created.outs)


def test_gone_pool_reads_as_gone(
    provider: ResourcePoolProvider, localcloud: LocalCloudProcess, project: Credentials, network_id: str
) -> None:
    assert provider.read(f"pool-none-{project.project_id}", {"name": "pool-none"}).id == ""
    provider.delete(f"pool-none-{project.project_id}", {})  # deleting what is gone succeeds
    created = provider.create(checked(provider, pool_props(network_id, name="pool-gone")))
    signed_request(localcloud, project, "DELETE", f"v2/pools/{created.id}").raise_for_status()
    assert eventually(lambda: signed_request(localcloud, project, "GET", f"v2/pools/{created.id}").status_code == 404)
    assert provider.read(created.id, created.outs).id == ""


def test_retries_on_503_and_429(
    provider: ResourcePoolProvider, localcloud: LocalCloudProcess, project: Credentials, network_id: str
) -> None:
    pools = f"/v2/{project.project_id}/pools"
    localcloud.add_fault(platform="modelarts", method="GET", path=f"{pools}/", status=503, count=2)
    localcloud.add_fault(platform="modelarts", method="PATCH", path=f"{pools}/", status=429, count=1, retry_after=0)
    try:
        inputs = checked(provider, pool_props(network_id, name="pool-retry"))
        created = provider.create(inputs)
        described = checked(provider, {**inputs, "description": "after a 429"})
        updated = provider.update(created.id, created.outs, described)
        assert updated.outs["description"] == "after a 429"
        faults = [r for r in localcloud.requests() if r["fault"] == "status" and r["path"].startswith(pools)]
        assert sorted(r["status"] for r in faults) == [429, 503, 503]
    finally:
        localcloud.clear_faults()
    assert len(list_pools(localcloud, project)) == 1
    provider.delete(created.id, updated.outs)


def test_dropped_create_response_is_adopted_not_duplicated(
    provider: ResourcePoolProvider, localcloud: LocalCloudProcess, project: Credentials, network_id: str
) -> None:
    localcloud.add_fault(
        platform="modelarts", method="POST", path=f"/v2/{project.project_id}/pools$", drop_response=True, count=1
    )
    try:
        created = provider.create(checked(provider, pool_props(network_id, name="pool-dropped")))
    finally:
        localcloud.clear_faults()
    assert [pool["metadata"]["name"] for pool in list_pools(localcloud, project)] == [created.id]
    assert created.outs["status"] == "Running"
    provider.delete(created.id, created.outs)


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"name": "P1"}, "name", "at least 4"),
        ({"scope": ["Training"]}, "scope[0]", "'Train', 'Infer' or 'Notebook'"),
        ({"scope": []}, "scope", "at least 1"),
        ({"scope": ["Train", "Train"]}, "scope", "only once"),
        ({"resources": [{"flavor": CPU, "count": 0}]}, "resources[0].count", "greater than or equal to 1"),
        ({"resources": [{"flavor": CPU, "count": 2, "max_count": 3}]}, "resources[0].max_count", "must equal count"),
        ({"resources": [{"flavor": "gpu-large", "count": 1}]}, "resources[0].flavor", "modelarts.vm.cpu.4ud"),
        ({"resources": [{"flavor": CPU, "count": 1}] * 2}, "resources", "one entry per flavor"),
        ({"description": "a<b"}, "description", "must not contain <"),
        ({"type": "Logical"}, "type", "'Dedicate'"),
        ({"billing_mode": "prepaid"}, "period_type", "required when billing_mode is 'prepaid'"),
        ({"timeouts": {"create": "soon"}}, "timeouts.create", "not a duration"),
        ({"colour": "blue"}, "colour", "not an input"),
    ],
)
def test_invalid_inputs_fail_in_check_without_api_calls(
    provider: ResourcePoolProvider, localcloud: LocalCloudProcess, change: dict[str, Any], field: str, words: str
) -> None:
    since = last_seq(localcloud)
    failures = provider.check({}, {**pool_props("net-x"), **change, "__provider": "x"}).failures
    assert failures, "expected a check failure"
    assert failures[0].property == field
    assert words.lower() in failures[0].reason.lower()
    assert mutating_calls(localcloud, since) == []


def test_driver_upgrade_waits_for_the_drivers(provider: ResourcePoolProvider, network_id: str) -> None:
    gpu = "modelarts.vm.gpu.tnt004"
    inputs = checked(
        provider,
        pool_props(
            network_id,
            name="pool-gpu",
            scope=["Infer"],
            resources=[{"flavor": gpu, "count": 1}],
            driver={"gpu_version": "440.31"},
        ),
    )
    created = provider.create(inputs)
    assert created.outs["driver"]["gpu_version"] == "440.31"
    upgraded = checked(provider, {**inputs, "driver": {"gpu_version": "440.33", "update_strategy": "idle"}})
    assert provider.diff(created.id, created.outs, upgraded).replaces == []
    outs = provider.update(created.id, created.outs, upgraded).outs
    assert outs["driver_status"]["gpu"] == {"version": "440.33", "state": "Running"}
    assert provider.diff(created.id, outs, upgraded).changes is False
    provider.delete(created.id, outs)
