"""NodePool resource: lifecycle next to its ResourcePool, import, failures, deadlines, retries, reconciliation."""

from __future__ import annotations

from typing import Any

import pytest

from aicompute.provider.errors import WaitFailed, WaitTimeout
from aicompute.resources.modelarts.node_pool import NodePoolProvider
from aicompute.resources.modelarts.resource_pool import ResourcePoolProvider
from tests.support.api import eventually, signed_json, signed_request
from tests.support.localcloud import Credentials, LocalCloudProcess
from tests.support.pools import CPU, CPU8, create_network
from tests.support.providers import checked, configured, last_seq, mutating_calls


@pytest.fixture
def provider(localcloud: LocalCloudProcess, project: Credentials) -> NodePoolProvider:
    return configured(NodePoolProvider, localcloud, project)


@pytest.fixture
def pools(localcloud: LocalCloudProcess, project: Credentials) -> ResourcePoolProvider:
    return configured(ResourcePoolProvider, localcloud, project)


@pytest.fixture
def pool_inputs(localcloud: LocalCloudProcess, project: Credentials, pools: ResourcePoolProvider) -> dict[str, Any]:
    network_id = create_network(localcloud, project)
    return checked(
        pools,
        {"name": "pool-np", "network_id": network_id, "scope": ["Train"], "resources": [{"flavor": CPU, "count": 1}]},
    )


@pytest.fixture
def pool(pools: ResourcePoolProvider, pool_inputs: dict[str, Any]) -> dict[str, Any]:
    """A running pool with one default node pool: its outputs, with ``id``."""
    created = pools.create(pool_inputs)
    return {**created.outs, "id": created.id}


def node_pool_props(pool: dict[str, Any], name: str = "np-one", **extra: Any) -> dict[str, Any]:
    return {"pool_name": pool["id"], "name": name, "flavor": CPU8, "count": 1, **extra}


def node_pool_names(localcloud: LocalCloudProcess, project: Credentials, pool_id: str) -> list[str]:
    listed = signed_json(localcloud, project, "GET", f"v2/pools/{pool_id}/nodepools")
    return [item["metadata"]["name"] for item in listed["items"]]


def test_lifecycle_next_to_the_pool(
    provider: NodePoolProvider,
    pools: ResourcePoolProvider,
    pool_inputs: dict[str, Any],
    pool: dict[str, Any],
    localcloud: LocalCloudProcess,
    project: Credentials,
) -> None:
    inputs = checked(
        provider,
        node_pool_props(
            pool,
            labels={"team": "vision", "tier": "batch"},
            taints=[{"key": "dedicated", "value": "vision", "effect": "NoSchedule"}],
            extend_params={"dockerBaseSize": "100"},
        ),
    )
    created = provider.create(inputs)
    assert created.id == f"{pool['id']}/np-one"
    assert created.outs["status"] == "Available"
    assert created.outs["resource_status"]["available"]["count"] == 1
    assert created.outs["resource_status"]["creating"] is None
    assert len(created.outs["nodes"]) == 1

    read = provider.read(created.id, created.outs)
    assert provider.diff(created.id, read.outs, inputs).changes is False
    # The pool does not claim the new node pool: no diff on the pool either.
    pool_read = pools.read(pool["id"], pool)
    assert "np-one" in pool_read.outs["node_pools"]
    assert pools.diff(pool["id"], pool_read.outs, pool_inputs).changes is False

    # Scale up and relabel: an update of this node pool only, one PATCH.
    scaled = checked(provider, {**inputs, "count": 3, "labels": {"team": "vision-2"}})
    diff = provider.diff(created.id, read.outs, scaled)
    assert diff.changes is True and diff.replaces == []
    since = last_seq(localcloud)
    updated = provider.update(created.id, read.outs, scaled)
    patches = mutating_calls(localcloud, since)
    assert [(c["method"], c["path"].rsplit("/", 2)[-2:]) for c in patches] == [("PATCH", ["nodepools", "np-one"])]
    assert updated.outs["resource_status"]["available"]["count"] == 3
    assert updated.outs["labels"] == {"team": "vision-2"}  # the dropped label went with a null
    assert len(updated.outs["nodes"]) == 3
    assert provider.diff(created.id, updated.outs, scaled).changes is False
    pool_after = pools.read(pool["id"], pool_read.outs)
    assert [entry["count"] for entry in pool_after.outs["resources"]] == [1]  # the default node pool is untouched

    # Scaling the pool keeps the node pool as it is.
    bigger_pool = checked(pools, {**pool_inputs, "resources": [{"flavor": CPU, "count": 2}]})
    pools.update(pool["id"], pool_after.outs, bigger_pool)
    assert provider.read(created.id, updated.outs).outs["count"] == 3
    assert sorted(node_pool_names(localcloud, project, pool["id"])) == [f"{CPU}-Default", "np-one"]

    # Scale down.
    shrunk = checked(provider, {**scaled, "count": 1})
    shrunk_outs = provider.update(created.id, updated.outs, shrunk).outs
    assert shrunk_outs["resource_status"]["available"]["count"] == 1
    assert shrunk_outs["resource_status"]["deleting"] is None

    # Create-only changes are replaces.
    flavor = provider.diff(created.id, shrunk_outs, {**shrunk, "flavor": CPU})
    assert flavor.replaces == ["flavor"] and flavor.delete_before_replace is True
    renamed = provider.diff(created.id, shrunk_outs, {**shrunk, "name": "np-two"})
    assert renamed.replaces == ["name"] and renamed.delete_before_replace is False
    network = {**shrunk, "network": {"vpc": "vpc-1", "subnet": "subnet-1"}}
    assert provider.diff(created.id, shrunk_outs, network).replaces == ["network"]

    provider.delete(created.id, shrunk_outs)
    assert provider.read(created.id, shrunk_outs).id == ""
    assert node_pool_names(localcloud, project, pool["id"]) == [f"{CPU}-Default"]


def test_import_by_pool_and_name(provider: NodePoolProvider, pool: dict[str, Any]) -> None:
    inputs = checked(
        provider,
        node_pool_props(
            pool,
            name="np-import",
            count=2,
            azs=[{"az": "cn-north-4a", "count": 2}],
            tags=[{"key": "owner", "value": "vision"}],
        ),
    )
    created = provider.create(inputs)
    imported = provider.read(f"{pool['id']}/np-import", {})
    assert imported.id == created.id and imported.inputs is not None
    assert imported.inputs["pool_name"] == pool["id"]
    assert imported.inputs["name"] == "np-import"
    assert imported.inputs["flavor"] == CPU8 and imported.inputs["count"] == 2
    assert imported.inputs["tags"] == [{"key": "owner", "value": "vision"}]
    checked(provider, imported.inputs)
    assert provider.diff(created.id, imported.outs, inputs).changes is False
    provider.delete(created.id, imported.outs)


def test_failed_creation_surfaces_the_platform_message(
    provider: NodePoolProvider, localcloud: LocalCloudProcess, project: Credentials, pool: dict[str, Any]
) -> None:
    localcloud.fail_next(project.project_id, "modelarts.nodepool", message="the flavor ran out in cn-north-4a")
    with pytest.raises(WaitFailed) as raised:
        provider.create(checked(provider, node_pool_props(pool, name="np-fails")))
    assert "the flavor ran out in cn-north-4a" in str(raised.value)
    # The failed node pool is deleted, so the name can be used again.
    assert eventually(lambda: "np-fails" not in node_pool_names(localcloud, project, pool["id"]))
    again = provider.create(checked(provider, node_pool_props(pool, name="np-fails")))
    assert again.outs["status"] == "Available"
    provider.delete(again.id, again.outs)


def test_deadline_reports_the_last_state(provider: NodePoolProvider, pool: dict[str, Any]) -> None:
    with pytest.raises(WaitTimeout) as raised:
        provider.create(checked(provider, node_pool_props(pool, name="np-slow", timeouts={"create": "0.05s"})))
    assert "last state seen: 'Scaling (creating 1, available 0/1)'" in str(raised.value)
    assert "was deleted" in str(raised.value)
    assert provider.read(f"{pool['id']}/np-slow", {}).id == ""  # the unfinished node pool is not orphaned


def test_unknown_node_pool_or_pool_reads_as_gone(
    provider: NodePoolProvider, localcloud: LocalCloudProcess, project: Credentials, pool: dict[str, Any]
) -> None:
    # 400 "Bad request. invalid nodepool name" for an unknown node pool, 404 for an unknown pool.
    assert signed_request(localcloud, project, "GET", f"v2/pools/{pool['id']}/nodepools/nope").status_code == 400
    assert provider.read(f"{pool['id']}/nope", {"name": "nope"}).id == ""
    assert provider.read(f"pool-none-{project.project_id}/nope", {}).id == ""
    provider.delete(f"{pool['id']}/nope", {})  # deleting what is gone succeeds


def test_retries_on_503_and_429(
    provider: NodePoolProvider, localcloud: LocalCloudProcess, project: Credentials, pool: dict[str, Any]
) -> None:
    nodepools = f"/v2/{project.project_id}/pools/{pool['id']}/nodepools/"
    localcloud.add_fault(platform="modelarts", method="GET", path=nodepools, status=503, count=2)
    localcloud.add_fault(platform="modelarts", method="PATCH", path=nodepools, status=429, count=1, retry_after=0)
    try:
        inputs = checked(provider, node_pool_props(pool, name="np-retry"))
        created = provider.create(inputs)
        updated = provider.update(created.id, created.outs, checked(provider, {**inputs, "count": 2}))
        assert updated.outs["resource_status"]["available"]["count"] == 2
        faults = [r for r in localcloud.requests() if r["fault"] == "status" and r["path"].startswith(nodepools)]
        assert sorted(r["status"] for r in faults) == [429, 503, 503]
    finally:
        localcloud.clear_faults()
    assert node_pool_names(localcloud, project, pool["id"]).count("np-retry") == 1
    provider.delete(created.id, updated.outs)


def test_dropped_create_response_is_adopted_not_duplicated(
    provider: NodePoolProvider, localcloud: LocalCloudProcess, project: Credentials, pool: dict[str, Any]
) -> None:
    localcloud.add_fault(
        platform="modelarts",
        method="POST",
        path=f"/v2/{project.project_id}/pools/{pool['id']}/nodepools$",
        drop_response=True,
        count=1,
    )
    try:
        created = provider.create(checked(provider, node_pool_props(pool, name="np-dropped")))
    finally:
        localcloud.clear_faults()
    assert sorted(node_pool_names(localcloud, project, pool["id"])) == [f"{CPU}-Default", "np-dropped"]
    assert created.outs["status"] == "Available"
    provider.delete(created.id, created.outs)


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"name": "np/one"}, "name", "pattern"),
        ({"pool_name": ""}, "pool_name", "at least 1"),
        ({"flavor": "cpu-large"}, "flavor", "modelarts.vm.cpu.4ud"),
        ({"count": 0}, "count", "greater than or equal to 1"),
        ({"count": 2, "max_count": 3}, "max_count", "must equal count"),
        ({"azs": [{"az": "cn-north-4a", "count": 2}]}, "azs", "add up to 2, not to count (1)"),
        ({"taints": [{"key": "k", "effect": "Never"}]}, "taints[0].effect", "NoSchedule"),
        ({"tags": [{"key": "CCE-owner", "value": "x"}]}, "tags[0].key", "must not start with 'CCE-'"),
        ({"labels": {"bad key": "x"}}, "labels", "not a kubernetes label key"),
        ({"period_num": 2}, "period_num", "only applies with billing_mode 'prepaid'"),
    ],
)
def test_invalid_inputs_fail_in_check_without_api_calls(
    provider: NodePoolProvider, localcloud: LocalCloudProcess, change: dict[str, Any], field: str, words: str
) -> None:
    since = last_seq(localcloud)
    props = {"pool_name": "pool-x", "name": "np-one", "flavor": CPU8, "count": 1, **change}
    failures = provider.check({}, {**props, "__provider": "x"}).failures
    assert failures, "expected a check failure"
    assert failures[0].property == field
    assert words.lower() in failures[0].reason.lower()
    assert mutating_calls(localcloud, since) == []


def test_pool_changes_keep_a_node_pool_of_the_same_flavor(
    provider: NodePoolProvider,
    pools: ResourcePoolProvider,
    pool_inputs: dict[str, Any],
    pool: dict[str, Any],
    localcloud: LocalCloudProcess,
    project: Credentials,
) -> None:
    # The pool's spec.resources names no node pool: the server pairs entries with node pools by
    # flavor, in order, so the pool must keep the other node pool's entry in its place.
    created = provider.create(checked(provider, node_pool_props(pool, name="np-same", flavor=CPU, count=2)))
    outs = pools.read(pool["id"], pool).outs
    assert pools.diff(pool["id"], outs, pool_inputs).changes is False

    scaled = checked(pools, {**pool_inputs, "resources": [{"flavor": CPU, "count": 3}]})
    outs = pools.update(pool["id"], outs, scaled).outs
    assert [entry["count"] for entry in outs["resources"]] == [3]
    assert provider.read(created.id, created.outs).outs["count"] == 2

    # Dropping the default node pool of that flavor (for another flavor) must not take the other one.
    swapped = checked(pools, {**pool_inputs, "resources": [{"flavor": CPU8, "count": 1}]})
    outs = pools.update(pool["id"], outs, swapped).outs
    assert eventually(
        lambda: sorted(node_pool_names(localcloud, project, pool["id"])) == [f"{CPU8}-Default", "np-same"]
    )
    assert provider.read(created.id, created.outs).outs["count"] == 2
    assert pools.diff(pool["id"], pools.read(pool["id"], outs).outs, swapped).changes is False
    provider.delete(created.id, created.outs)
