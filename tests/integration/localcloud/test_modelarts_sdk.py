"""The official Huawei SDK (huaweicloudsdkmodelarts v1) against localcloud, unchanged.

It signs with its own SDK-HMAC-SHA256 signer, sends its own bodies (``defaultGateWay``, PATCH as
``application/json``) and parses the answers into its models: workspaces, networks, pools and node
pools are created, read, updated, listed and deleted through it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkcore.http.http_config import HttpConfig
from huaweicloudsdkmodelarts.v1 import (
    CreateNetworkRequest,
    CreateNodePoolRequest,
    CreateNodePoolRequestBody,
    CreatePoolRequest,
    CreatePoolRequestBody,
    CreateWorkspaceReq,
    CreateWorkspaceRequest,
    DeleteNetworkRequest,
    DeleteNodePoolRequest,
    DeletePoolRequest,
    DeleteWorkspaceRequest,
    ListNetworksRequest,
    ListNodePoolNodesRequest,
    ListNodePoolsRequest,
    ListPoolNodesRequest,
    ListPoolsRequest,
    ListResourceFlavorsRequest,
    ListWorkspaceRequest,
    ModelArtsClient,
    NetworkConnection,
    NetworkCreationRequest,
    NetworkMetadataAnnotations,
    NetworkMetadataCreation,
    NetworkMetadataLabels,
    NetworkMetadataUpdate,
    NetworkSpec,
    NetworkSpecUpdate,
    NetworkUpdateRequest,
    NodePoolSpec,
    PatchNetworkRequest,
    PatchNodePoolRequest,
    PatchNodePoolRequestBody,
    PatchPoolRequest,
    PeerConnectionItem,
    PoolAnnotationsCreation,
    PoolLabelsCreation,
    PoolMetadataCreation,
    PoolMetadataUpdate,
    PoolMetadataUpdateAnnotations,
    PoolResource,
    PoolResourceFlavor,
    PoolSpecCreation,
    PoolSpecCreationNetwork,
    PoolSpecUpdate,
    PoolSpecUpdateResources,
    PoolUpdateRequest,
    ShowNetworkRequest,
    ShowNodePoolRequest,
    ShowOsConfigRequest,
    ShowPoolRequest,
    ShowWorkspaceRequest,
    UpdateWorkspaceReq,
    UpdateWorkspaceRequest,
)
from huaweicloudsdkmodelarts.v1.model.create_node_pool_meta_vo import CreateNodePoolMetaVO

from tests.support.api import eventually
from tests.support.localcloud import Credentials, LocalCloudProcess
from tests.support.pools import CPU, CPU8


@pytest.fixture
def sdk(localcloud: LocalCloudProcess, project: Credentials) -> Iterator[Any]:
    config = HttpConfig.get_default_config()
    config.ignore_ssl_verification = True
    client = (
        ModelArtsClient.new_builder()
        .with_http_config(config)
        .with_credentials(BasicCredentials(project.access_key, project.secret_key, project.project_id))
        .with_endpoints([localcloud.url])
        .build()
    )
    yield client


def gone(call: Callable[[], object], status: int = 404) -> bool:
    try:
        call()
    except ClientRequestException as error:
        return bool(error.status_code == status)
    return False


def test_sdk_workspace_crud(sdk: Any) -> None:
    body = CreateWorkspaceReq(name="sdk-workspace", description="via the SDK", auth_type="PRIVATE")
    created = sdk.create_workspace(CreateWorkspaceRequest(body=body))
    assert (created.status, created.auth_type, len(created.id)) == ("NORMAL", "PRIVATE", 32)

    shown = sdk.show_workspace(ShowWorkspaceRequest(workspace_id=created.id))
    assert (shown.name, shown.description, shown.owner) == ("sdk-workspace", "via the SDK", created.owner)

    update = UpdateWorkspaceReq(description="changed", auth_type="PUBLIC")
    updated = sdk.update_workspace(UpdateWorkspaceRequest(workspace_id=created.id, body=update))
    assert updated.workspace_id == created.id
    assert sdk.show_workspace(ShowWorkspaceRequest(workspace_id=created.id)).description == "changed"

    listed = sdk.list_workspace(ListWorkspaceRequest(limit=10, offset=0, sort_by="name", order="asc"))
    assert [w.id for w in listed.workspaces] == ["0", created.id] and listed.total_count == 2
    # The SDK's offset is the start page (table 13-24): page 1 of size 1 is the second workspace.
    second = sdk.list_workspace(ListWorkspaceRequest(limit=1, offset=1, sort_by="name", order="asc"))
    assert [w.id for w in second.workspaces] == [created.id] and (second.count, second.total_count) == (1, 2)

    assert sdk.delete_workspace(DeleteWorkspaceRequest(workspace_id=created.id)).workspace_id == created.id
    eventually(lambda: gone(lambda: sdk.show_workspace(ShowWorkspaceRequest(workspace_id=created.id)), 400), bool)
    with pytest.raises(ClientRequestException) as error:
        sdk.show_workspace(ShowWorkspaceRequest(workspace_id=created.id))
    assert error.value.error_code == "ModelArts.7005"


def create_network(sdk: Any, name: str, cidr: str) -> str:
    body = NetworkCreationRequest(
        api_version="v1",
        kind="Network",
        metadata=NetworkMetadataCreation(
            labels=NetworkMetadataLabels(os_modelarts_name=name, os_modelarts_workspace_id="0")
        ),
        spec=NetworkSpec(cidr=cidr),
    )
    created = sdk.create_network(CreateNetworkRequest(body=body))
    assert created.status.phase == ""
    network = str(created.metadata.name)
    eventually(
        lambda: sdk.show_network(ShowNetworkRequest(network_name=network)).status.phase, lambda phase: phase == "Active"
    )
    return network


def test_sdk_network_crud(sdk: Any, project: Credentials) -> None:
    network = create_network(sdk, "sdk-net", "192.168.0.0/16")
    assert network == f"sdk-net-{project.project_id}"

    peer = PeerConnectionItem(peer_vpc_id="vpc-1", peer_subnet_id="subnet-1", default_gate_way=True)
    update = NetworkUpdateRequest(
        metadata=NetworkMetadataUpdate(annotations=NetworkMetadataAnnotations(os_modelarts_description="sdk")),
        spec=NetworkSpecUpdate(connection=NetworkConnection(peer_connection_list=[peer])),
    )
    patched = sdk.patch_network(PatchNetworkRequest(network_name=network, body=update))
    assert patched.metadata.annotations.os_modelarts_description == "sdk"
    assert patched.spec.connection.peer_connection_list[0].default_gate_way is True
    connected = eventually(
        lambda: sdk.show_network(ShowNetworkRequest(network_name=network)),
        lambda n: n.status.connection_status.peer_connection_status[0].phase == "Active",
    )
    assert connected.spec.cidr == "192.168.0.0/16"

    listed = sdk.list_networks(ListNetworksRequest(limit=10))
    assert [n.metadata.name for n in listed.items] == [network]

    deleted = sdk.delete_network(DeleteNetworkRequest(network_name=network))
    assert deleted.metadata.name == network
    eventually(lambda: gone(lambda: sdk.show_network(ShowNetworkRequest(network_name=network))), bool)
    with pytest.raises(ClientRequestException) as error:
        sdk.show_network(ShowNetworkRequest(network_name=network))
    assert (error.value.status_code, error.value.error_code) == (404, "ModelArts.50025001")


def pool_phase(sdk: Any, pool: str) -> str:
    return str(sdk.show_pool(ShowPoolRequest(pool_name=pool)).status.phase)


def test_sdk_pool_and_node_pool_crud(sdk: Any) -> None:
    network = create_network(sdk, "sdk-pool-net", "172.16.0.0/16")
    body = CreatePoolRequestBody(
        api_version="v2",
        kind="Pool",
        metadata=PoolMetadataCreation(
            labels=PoolLabelsCreation(os_modelarts_name="sdk-pool", os_modelarts_workspace_id="0"),
            annotations=PoolAnnotationsCreation(
                os_modelarts_description="made by the SDK", os_modelarts_billing_mode="0"
            ),
        ),
        spec=PoolSpecCreation(
            type="Dedicate",
            scope=["Train", "Infer"],
            resources=[PoolResourceFlavor(flavor=CPU, count=1, max_count=1)],
            network=PoolSpecCreationNetwork(name=network),
        ),
    )
    created = sdk.create_pool(CreatePoolRequest(body=body))
    pool = str(created.metadata.name)
    assert created.status.phase == "Creating"
    eventually(lambda: pool_phase(sdk, pool), lambda phase: phase == "Running")
    shown = sdk.show_pool(ShowPoolRequest(pool_name=pool))
    assert (shown.spec.resources[0].flavor, shown.spec.resources[0].count) == (CPU, 1)
    assert [s.state for s in shown.status.scope] == ["Enabled", "Enabled"]
    assert [p.metadata.name for p in sdk.list_pools(ListPoolsRequest(workspace_id="0")).items] == [pool]
    assert len(sdk.list_pool_nodes(ListPoolNodesRequest(pool_name=pool)).items) == 1

    update = PoolUpdateRequest(
        metadata=PoolMetadataUpdate(annotations=PoolMetadataUpdateAnnotations(os_modelarts_description="scaled")),
        spec=PoolSpecUpdate(resources=[PoolSpecUpdateResources(flavor=CPU, count=2)]),
    )
    patched = sdk.patch_pool(PatchPoolRequest(pool_name=pool, body=update))
    assert patched.spec.resources[0].count == 2 and patched.status.phase == "Running"
    eventually(lambda: len(sdk.list_pool_nodes(ListPoolNodesRequest(pool_name=pool)).items), lambda n: n == 2)

    nodepool_body = CreateNodePoolRequestBody(
        api_version="v2",
        kind="NodePool",
        metadata=CreateNodePoolMetaVO(name="sdk-nodepool"),
        spec=NodePoolSpec(resources=PoolResource(flavor=CPU8, count=1, max_count=1, labels={"team": "sdk"})),
    )
    created_nodepool = sdk.create_node_pool(CreateNodePoolRequest(pool_name=pool, body=nodepool_body))
    assert created_nodepool.metadata.name == "sdk-nodepool"

    def available(name: str) -> int:
        nodepool = sdk.show_node_pool(ShowNodePoolRequest(pool_name=pool, nodepool_name=name))
        bucket = nodepool.status.resources.available
        return int(bucket.count) if bucket is not None and bucket.count is not None else 0

    eventually(lambda: available("sdk-nodepool"), lambda count: count == 1)
    names = [np.metadata.name for np in sdk.list_node_pools(ListNodePoolsRequest(pool_name=pool)).items]
    assert names == [f"{CPU}-Default", "sdk-nodepool"]

    scale = PatchNodePoolRequestBody(spec=NodePoolSpec(resources=PoolResource(flavor=CPU8, count=2, max_count=2)))
    patched_nodepool = sdk.patch_node_pool(
        PatchNodePoolRequest(pool_name=pool, nodepool_name="sdk-nodepool", body=scale)
    )
    assert patched_nodepool.spec.resources.count == 2
    eventually(lambda: available("sdk-nodepool"), lambda count: count == 2)
    nodes = sdk.list_node_pool_nodes(ListNodePoolNodesRequest(pool_name=pool, nodepool_name="sdk-nodepool"))
    assert [n.spec.flavor for n in nodes.items] == [CPU8, CPU8]

    sdk.delete_node_pool(DeleteNodePoolRequest(pool_name=pool, nodepool_name="sdk-nodepool"))
    eventually(
        lambda: gone(
            lambda: sdk.show_node_pool(ShowNodePoolRequest(pool_name=pool, nodepool_name="sdk-nodepool")), 400
        ),
        bool,
    )

    deleted = sdk.delete_pool(DeletePoolRequest(pool_name=pool))
    assert deleted.status.phase == "Deleting" and deleted.metadata.deletion_timestamp
    eventually(lambda: gone(lambda: sdk.show_pool(ShowPoolRequest(pool_name=pool))), bool)
    sdk.delete_network(DeleteNetworkRequest(network_name=network))
    eventually(lambda: gone(lambda: sdk.show_network(ShowNetworkRequest(network_name=network))), bool)


def test_sdk_reads_the_catalogue(sdk: Any) -> None:
    flavors = sdk.list_resource_flavors(ListResourceFlavorsRequest(limit=3))
    assert len(flavors.items) == 3 and flavors.metadata.remaining_item_count > 0
    page_two = sdk.list_resource_flavors(ListResourceFlavorsRequest(limit=3, _continue=flavors.metadata._continue))
    assert {f.metadata.name for f in page_two.items}.isdisjoint({f.metadata.name for f in flavors.items})
    config = sdk.show_os_config(ShowOsConfigRequest())
    assert (config.network_quota, config.pool_quota, config.pool_high_available) == (15, 15, True)
