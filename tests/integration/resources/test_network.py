"""Network resource: lifecycle, faults, retries and reconciliation against a live localcloud."""

from __future__ import annotations

import pytest

from aicompute.provider.errors import WaitFailed, WaitTimeout
from aicompute.resources.modelarts.network import NetworkProvider
from tests.support.api import signed_json
from tests.support.localcloud import Credentials, LocalCloudProcess
from tests.support.providers import checked, configured, last_seq, mutating_calls


@pytest.fixture
def provider(localcloud: LocalCloudProcess, project: Credentials) -> NetworkProvider:
    return configured(NetworkProvider, localcloud, project)


def list_networks(localcloud: LocalCloudProcess, project: Credentials) -> list[dict[str, object]]:
    return list(signed_json(localcloud, project, "GET", "v1/networks")["items"])


def test_lifecycle(provider: NetworkProvider, localcloud: LocalCloudProcess, project: Credentials) -> None:
    inputs = checked(provider, {"name": "net-life", "cidr": "192.168.0.0/16", "description": "first"})
    created = provider.create(inputs)
    assert created.id.startswith("net-life-")
    assert created.outs["status"] == "Active"
    assert created.outs["description"] == "first"

    read = provider.read(created.id, created.outs)
    assert provider.diff(created.id, read.outs, inputs).changes is False

    peers = {**inputs, "peer_connections": [{"vpc_id": "vpc-1", "subnet_id": "sub-1"}]}
    assert provider.diff(created.id, read.outs, peers).replaces == []
    updated = provider.update(created.id, read.outs, checked(provider, peers))
    assert updated.outs["peer_connections"][0]["vpc_id"] == "vpc-1"
    assert provider.diff(created.id, updated.outs, checked(provider, peers)).changes is False

    replace = provider.diff(created.id, updated.outs, {**peers, "cidr": "172.16.0.0/16"})
    assert replace.replaces == ["cidr"] and replace.delete_before_replace

    provider.delete(created.id, updated.outs)
    assert provider.read(created.id, updated.outs).id == ""
    assert list_networks(localcloud, project) == []


def test_failed_creation_surfaces_the_platform_message(
    provider: NetworkProvider, localcloud: LocalCloudProcess, project: Credentials
) -> None:
    localcloud.fail_next(project.project_id, "modelarts.network", message="subnet exhausted in az1")
    with pytest.raises(WaitFailed) as raised:
        provider.create(checked(provider, {"name": "net-fails", "cidr": "192.168.0.0/16"}))
    assert "Abnormal" in str(raised.value)
    assert "subnet exhausted in az1" in str(raised.value)
    assert list_networks(localcloud, project) == []


def test_deadline_reports_last_state(
    provider: NetworkProvider, localcloud: LocalCloudProcess, project: Credentials
) -> None:
    with pytest.raises(WaitTimeout) as raised:
        provider.create(
            checked(provider, {"name": "net-slow", "cidr": "192.168.0.0/16", "timeouts": {"create": 0.001}})
        )
    assert "last state seen" in str(raised.value)
    assert "was deleted" in str(raised.value)
    assert list_networks(localcloud, project) == []  # the unfinished network is not orphaned


def test_retries_on_503_and_429_without_duplicates(
    provider: NetworkProvider, localcloud: LocalCloudProcess, project: Credentials
) -> None:
    localcloud.add_fault(method="GET", path=f"/v1/{project.project_id}/networks/", status=503, count=2)
    localcloud.add_fault(method="PATCH", path=f"/v1/{project.project_id}/networks/", status=429, count=1, retry_after=0)
    try:
        created = provider.create(
            checked(provider, {"name": "net-retry", "cidr": "192.168.0.0/16", "description": "d"})
        )
        assert created.outs["description"] == "d"
    finally:
        localcloud.clear_faults()
    assert len(list_networks(localcloud, project)) == 1
    provider.delete(created.id, {})


def test_dropped_create_response_is_adopted_not_duplicated(
    provider: NetworkProvider, localcloud: LocalCloudProcess, project: Credentials
) -> None:
    localcloud.add_fault(method="POST", path=f"/v1/{project.project_id}/networks$", drop_response=True, count=1)
    try:
        created = provider.create(checked(provider, {"name": "net-dropped", "cidr": "192.168.0.0/16"}))
    finally:
        localcloud.clear_faults()
    networks = list_networks(localcloud, project)
    assert [n["metadata"]["name"] for n in networks] == [created.id]  # type: ignore[index]
    provider.delete(created.id, {})


def test_invalid_inputs_make_no_api_call(provider: NetworkProvider, localcloud: LocalCloudProcess) -> None:
    since = last_seq(localcloud)
    for props in (
        {"name": "net-one", "cidr": "8.8.8.0/24"},
        {"name": "n", "cidr": "192.168.0.0/16"},
        {"name": "net-one", "cidr": "192.168.0.0/16", "description": "a<b"},
    ):
        assert provider.check({}, {**props, "__provider": "x"}).failures
    assert mutating_calls(localcloud, since) == []
