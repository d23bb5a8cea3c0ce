"""ModelArts network (``/v1/{project_id}/networks``, seed §10.7–10.11).

The id is the server-generated ``metadata.name``. Name, CIDR and workspace are create-only; the
description and the peer connections are changed with a merge-patch (lists are replaced whole).
Create waits for phase ``Active`` (``Abnormal`` fails); connections wait until every peer is
``Active``; delete waits until a GET answers 404 ``ModelArts.50025001``.
"""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Iterator, Sequence
from functools import partial
from typing import Annotated, Any

import pulumi
from pydantic import BaseModel, ConfigDict, Field, field_validator

from aicompute.provider.api_path import body_of, get, live_values, put
from aicompute.provider.generic import Fields
from aicompute.provider.modelarts import ModelArtsClient
from aicompute.provider.paging import continue_pages
from aicompute.provider.schema import ApiPath, CreateOnly, SetLike, Updatable
from aicompute.provider.timeouts import TimeoutsInput
from aicompute.provider.update_calls import Update, makes
from aicompute.provider.waiters import Waiter, wait_for, wait_until_gone
from aicompute.resources.base import DynamicResource, output_names
from aicompute.resources.inputs import PeerConnectionDict, TimeoutsDict
from aicompute.resources.modelarts._base import ModelArtsProvider
from aicompute.resources.modelarts._rules import DisplayName

NAME_LABEL = "os.modelarts/name"
WORKSPACE_LABEL = "os.modelarts/workspace.id"
DESCRIPTION_ANNOTATION = "os.modelarts/description"
LIST_LIMIT = 500  # the seed gives no maximum; 500 is the largest any ModelArts list documents
# Seed table 10-35: "172.16.0.0/12~24" and "192.168.0.0/16~24".
ALLOWED_CIDRS = (ipaddress.ip_network("172.16.0.0/12"), ipaddress.ip_network("192.168.0.0/16"))


class PeerConnection(BaseModel):
    model_config = ConfigDict(extra="forbid")

    vpc_id: str = Field(min_length=1, description="Peer VPC id (peerVpcId).")
    subnet_id: str = Field(min_length=1, description="Peer subnet id (peerSubnetId).")
    default_gateway: bool | None = Field(default=None, description="Route through this peer by default.")


UPDATE = "PATCH /v1/{project_id}/networks/{id} (merge patch)"
PEERS = "spec.connection.peerConnectionList"


class NetworkArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[DisplayName, ApiPath('metadata.labels["os.modelarts/name"]'), CreateOnly()] = Field(
        description="4-32 characters [a-z0-9-], starting with a letter and ending with a letter or digit."
    )
    cidr: Annotated[str, ApiPath("spec.cidr"), CreateOnly()] = Field(
        description="Within 172.16.0.0/12 or 192.168.0.0/16, prefix length up to /24."
    )
    workspace_id: Annotated[str, ApiPath('metadata.labels["os.modelarts/workspace.id"]'), CreateOnly()] = Field(
        default="0", min_length=1, description="Workspace id; '0' is the default."
    )
    description: Annotated[str, ApiPath('metadata.annotations["os.modelarts/description"]'), Updatable(via=UPDATE)] = (
        Field(default="", max_length=512, pattern=r"^[^!<>=&\"']*$")
    )
    peer_connections: Annotated[list[PeerConnection], Updatable(via=UPDATE), SetLike()] = Field(default_factory=list)
    timeouts: TimeoutsInput = None

    @field_validator("cidr")
    @classmethod
    def _allowed_range(cls, value: str) -> str:
        try:
            network = ipaddress.ip_network(value, strict=True)
        except ValueError as error:
            raise ValueError(f"{value!r} is not a CIDR block ({error})") from None
        inside = any(
            network.version == base.version and network.subnet_of(base)  # type: ignore[arg-type]
            for base in ALLOWED_CIDRS
        )
        if not inside or network.prefixlen > 24:
            raise ValueError(
                f"{value!r} must lie within 172.16.0.0/12 or 192.168.0.0/16 with a prefix of /24 or shorter"
            )
        return value


class NetworkOutputs(BaseModel):
    """What a ModelArts network reports besides its inputs."""

    status: str
    created_at: str
    connection_status: dict[str, Any]


def _peer_list(peers: list[PeerConnection]) -> list[dict[str, Any]]:
    """The API's spelling: the seed's examples use ``defaultGateWay``."""
    result = []
    for peer in peers:
        item: dict[str, Any] = {"peerVpcId": peer.vpc_id, "peerSubnetId": peer.subnet_id}
        if peer.default_gateway is not None:
            item["defaultGateWay"] = peer.default_gateway
        result.append(item)
    return result


def _peers_from_live(live: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "vpc_id": peer.get("peerVpcId"),
            "subnet_id": peer.get("peerSubnetId"),
            "default_gateway": peer.get("defaultGateWay", peer.get("defaultGateway")),
        }
        for peer in live
    ]


def _phase(network: dict[str, Any]) -> str:
    return str(network.get("status", {}).get("phase", ""))


def _live(network: dict[str, Any]) -> dict[str, Any]:
    """A Network (a GET answer or a list item) as this resource's outputs."""
    return {
        **live_values(NetworkArgs, network),
        "peer_connections": _peers_from_live(get(network, PEERS, [])),
        "status": _phase(network),
        "created_at": get(network, "metadata.creationTimestamp"),
        "connection_status": network.get("status", {}).get("connectionStatus") or {},
    }


class NetworkProvider(ModelArtsProvider[NetworkArgs]):
    kind = "ModelArts network"
    args_model = NetworkArgs
    outputs_model = NetworkOutputs
    summary = "A ModelArts network; its id is the generated ``metadata.name``."
    fields = Fields.of(
        NetworkArgs, unique_key=frozenset({"name"})
    )  # a second live network with the same display name is a 409
    default_timeouts = {"create": 1200, "update": 1200, "delete": 1200}

    def create_resource(self, api: ModelArtsClient, args: NetworkArgs, timeout: float) -> str:
        body = {"apiVersion": "v1", "kind": "Network", **body_of(args, self.fields.create_only)}

        def post() -> str:
            created = api.send_once("POST", api.path("v1", "networks"), json=body)
            return str(created["metadata"]["name"])

        network_id = api.create_reconciled(post, lambda: self._find_by_name(api, args.name))
        self.wait_created(api, network_id, self._waiter(api, network_id), timeout)
        if args.description or args.peer_connections:
            self.make_calls(api, network_id, args, args, self.fields.inputs_via(UPDATE), time.monotonic() + timeout)
        return network_id

    def read_resource(self, api: ModelArtsClient, resource_id: str) -> dict[str, Any] | None:
        live = api.get_or_none("v1", f"networks/{resource_id}")
        return None if live is None else _live(live)

    def list_live(self, api: ModelArtsClient) -> Iterator[tuple[str, dict[str, Any]]]:
        """``NetworkList`` items are whole Networks (seed §10.8), paged by ``limit``/``continue``."""
        fetch = partial(api.get, "v1", "networks")
        for network in continue_pages(fetch, self.page_size(LIST_LIMIT)):
            yield str(network["metadata"]["name"]), _live(network)

    def delete_resource(self, api: ModelArtsClient, resource_id: str, args: NetworkArgs | None, timeout: float) -> None:
        api.request("DELETE", api.path("v1", f"networks/{resource_id}"))
        wait_until_gone(
            f"network {resource_id}",
            lambda: api.get_or_none("v1", f"networks/{resource_id}"),
            _phase,
            api.settings,
            timeout,
        )

    @makes(UPDATE)  # the peer list is spelt differently in the API, and its change is waited for
    def _patch(self, api: ModelArtsClient, update: Update[NetworkArgs]) -> None:
        patch, peers = update.body, update.new.peer_connections
        if "peer_connections" in update.changed:
            put(patch, PEERS, _peer_list(peers))
        api.merge_patch("v1", f"networks/{update.resource_id}", patch)
        if "peer_connections" in update.changed:
            wanted = {(p.vpc_id, p.subnet_id) for p in peers}
            waiter = self._waiter(api, update.resource_id)
            waiter.done = lambda network: _peers_active(network, wanted)
            wait_for(waiter, api.settings, update.timeout)

    def _find_by_name(self, api: ModelArtsClient, name: str) -> str | None:
        listing = api.get("v1", "networks", params={"labelSelector": f"{NAME_LABEL}={name}"})
        for network in listing.get("items", []):
            if network.get("metadata", {}).get("labels", {}).get(NAME_LABEL) == name:
                return str(network["metadata"]["name"])
        return None

    def _waiter(self, api: ModelArtsClient, network_id: str) -> Waiter[dict[str, Any]]:
        return Waiter(
            what=f"network {network_id}",
            fetch=lambda: api.get_or_none("v1", f"networks/{network_id}"),
            state=_phase,
            target={"Active"},
            pending={"", "Creating"},
            failure={"Abnormal"},
            reason=lambda n: str(n.get("status", {}).get("message", "the network is Abnormal")),
        )


def _peers_active(network: dict[str, Any], wanted: set[tuple[str, str]]) -> bool:
    statuses = (network.get("status", {}).get("connectionStatus") or {}).get("peerConnectionStatus") or []
    active = {(s.get("peerVpcId"), s.get("peerSubnetId")) for s in statuses if s.get("phase") == "Active"}
    listed = {(s.get("peerVpcId"), s.get("peerSubnetId")) for s in statuses}
    return wanted <= active and listed <= wanted


# --- generated by `make generate` from NetworkProvider: do not edit below this line ---
class Network(DynamicResource, module="modelarts", name="Network"):
    """A ModelArts network; its id is the generated ``metadata.name``."""

    _provider_class = NetworkProvider
    _outputs, _secret_outputs = output_names(NetworkProvider)

    name: pulumi.Output[str]
    cidr: pulumi.Output[str]
    workspace_id: pulumi.Output[str]
    description: pulumi.Output[str]
    peer_connections: pulumi.Output[list[dict[str, Any]]]
    timeouts: pulumi.Output[dict[str, Any] | None]
    status: pulumi.Output[str]
    created_at: pulumi.Output[str]
    connection_status: pulumi.Output[dict[str, Any]]

    def __init__(
        self,
        resource_name: str,
        *,
        name: pulumi.Input[str],
        cidr: pulumi.Input[str],
        workspace_id: pulumi.Input[str] | None = None,
        description: pulumi.Input[str] | None = None,
        peer_connections: pulumi.Input[Sequence[pulumi.Input[PeerConnectionDict]]] | None = None,
        timeouts: pulumi.Input[TimeoutsDict] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props: dict[str, Any] = {
            "name": name,
            "cidr": cidr,
            "workspace_id": workspace_id,
            "description": description,
            "peer_connections": peer_connections,
            "timeouts": timeouts,
        }
        super().__init__(resource_name, props, opts)


# --- end of generated code ---
