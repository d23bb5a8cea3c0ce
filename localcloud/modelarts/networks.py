"""ModelArts networks (seed §10.7–10.11, digest §4.1, §9.1).

A network is named ``<display name>-<project id>`` (digest §2.3). The create answer has phase
``""``; the network then goes ``Creating`` → ``Active`` (``Abnormal`` when a failure is armed).
Peer connections are ``Connecting`` until they are ``Active`` (or ``Abnormal``). A merge patch may
change only the description and the peer connection list. Deleting keeps the object, with a
``deletionTimestamp``, until it is gone (404 ``ModelArts.50025001``); a network still used by a
pool cannot be deleted.
"""

from __future__ import annotations

import ipaddress
from typing import Any, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, field_validator

from aicompute.localcloud.directives import arm_creation_failure
from aicompute.localcloud.inline import InlineRouter
from aicompute.localcloud.lifecycle import Lifecycle, step
from aicompute.localcloud.modelarts.catalog import NETWORK_CIDRS, NETWORK_QUOTA
from aicompute.localcloud.modelarts.common import (
    CloudDep,
    ModelArtsProject,
    PlatformError,
    Transaction,
    modelarts_error,
    rfc3339_now,
)
from aicompute.localcloud.modelarts.kube import (
    DESCRIPTION_ANNOTATION,
    JSON,
    NAME_LABEL,
    NETWORK_KIND,
    POOL_KIND,
    WORKSPACE_LABEL,
    ContinueQuery,
    Description,
    DisplayName,
    JsonBody,
    LabelSelectorQuery,
    LimitQuery,
    MergePatch,
    apply_patch,
    bad_request,
    check_new_object,
    conflict,
    consume_failure,
    label_filter,
    paginate,
    parse,
    parse_limit,
    public,
    reject_unpatchable,
)
from aicompute.localcloud.modelarts.workspaces import require_usable_workspace
from aicompute.localcloud.store import Project

CREATING_STEP = "modelarts.network.creating"
ACTIVATED_STEP = "modelarts.network.activated"
PEERS_STEP = "modelarts.network.peers_connected"
DELETED_STEP = "modelarts.network.deleted"
CREATING_DELAY_SECONDS = 2.0
ACTIVE_DELAY_SECONDS = 10.0
PEER_DELAY_SECONDS = 5.0
DELETE_DELAY_SECONDS = 5.0
PATCHABLE = (
    ("metadata", "annotations", DESCRIPTION_ANNOTATION),
    ("spec", "connection", "peerConnectionList"),
)
_ALLOWED_RANGES = [ipaddress.ip_network(cidr) for cidr in NETWORK_CIDRS]


def network_not_found() -> PlatformError:
    return modelarts_error(404, "ModelArts.50025001", "Network not exist.")


# request models --------------------------------------------------------------------------------
class PeerConnection(BaseModel):
    model_config = ConfigDict(extra="ignore")

    peer_vpc_id: str = Field(alias="peerVpcId", min_length=1)
    peer_subnet_id: str = Field(alias="peerSubnetId", min_length=1)
    # Request tables spell it defaultGateway, responses, examples and the SDK defaultGateWay
    # (digest §12.3): both are read, defaultGateWay is written.
    default_gateway: bool = Field(default=False, validation_alias=AliasChoices("defaultGateWay", "defaultGateway"))

    def to_api(self) -> JSON:
        return {
            "peerVpcId": self.peer_vpc_id,
            "peerSubnetId": self.peer_subnet_id,
            "defaultGateWay": self.default_gateway,
        }


class Connection(BaseModel):
    model_config = ConfigDict(extra="ignore")

    peer_connection_list: list[PeerConnection] = Field(default_factory=list, alias="peerConnectionList")

    @field_validator("peer_connection_list")
    @classmethod
    def _distinct(cls, peers: list[PeerConnection]) -> list[PeerConnection]:
        keys = [(peer.peer_vpc_id, peer.peer_subnet_id) for peer in peers]
        if len(set(keys)) != len(keys):
            raise ValueError("a peer VPC subnet may be listed once")
        return peers


def _cidr(value: str) -> str:
    try:
        network = ipaddress.ip_network(value, strict=True)
    except ValueError as error:
        raise ValueError(f"{value!r} is not a network CIDR ({error})") from None
    inside = any(
        network.version == base.version and network.subnet_of(base)  # type: ignore[arg-type]
        for base in _ALLOWED_RANGES
    )
    if not inside or network.prefixlen > 24:
        raise ValueError(f"{value!r} must lie within 172.16.0.0/12~24 or 192.168.0.0/16~24")
    return value


class NetworkLabels(BaseModel):
    model_config = ConfigDict(extra="ignore")

    name: DisplayName = Field(alias=NAME_LABEL)
    workspace_id: str = Field(default="0", alias=WORKSPACE_LABEL, min_length=1)


class NetworkAnnotations(BaseModel):
    model_config = ConfigDict(extra="ignore")

    description: Description | None = Field(default=None, alias=DESCRIPTION_ANNOTATION)


class NetworkMetadataIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    labels: NetworkLabels
    # Not in the create schema (only PATCH sets it, digest §12.23), accepted anyway.
    annotations: NetworkAnnotations | None = None


class NetworkSpecIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    cidr: str
    connection: Connection | None = None

    _valid_cidr = field_validator("cidr")(_cidr)


class NetworkCreate(BaseModel):
    model_config = ConfigDict(extra="ignore")

    api_version: Literal["v1"] = Field(alias="apiVersion")
    kind: Literal["Network"]
    metadata: NetworkMetadataIn
    spec: NetworkSpecIn


# backend ---------------------------------------------------------------------------------------
def get_network(tx: Transaction, project_id: str, name: str) -> JSON:
    network = tx.get(NETWORK_KIND, project_id, name)
    if network is None:
        raise network_not_found()
    return network


def _check_no_overlap(tx: Transaction, project_id: str, cidr: str) -> None:
    wanted = ipaddress.ip_network(cidr)
    for other in tx.objects(NETWORK_KIND, project_id):
        if wanted.overlaps(ipaddress.ip_network(other["spec"]["cidr"])):
            raise bad_request(
                f"spec.cidr: {cidr} overlaps network {other['metadata']['name']} ({other['spec']['cidr']})"
            )


def _peer_statuses(peers: list[JSON], phase: str) -> list[JSON]:
    return [{**peer, "phase": phase} for peer in peers]


def create_network(tx: Transaction, lifecycle: Lifecycle, project: Project, body: NetworkCreate) -> JSON:
    project_id = project.project_id
    labels = body.metadata.labels
    name = f"{labels.name}-{project_id}"
    require_usable_workspace(tx, project, labels.workspace_id, "createNetwork")
    # The 409 code is inferred from the pool's ModelArts.50015000 (digest §11.1); undocumented for networks.
    check_new_object(tx, project_id, NETWORK_KIND, name, "network", "ModelArts.50025000", NETWORK_QUOTA)
    _check_no_overlap(tx, project_id, body.spec.cidr)
    annotations = body.metadata.annotations
    description = annotations.description if annotations else None
    peers = [peer.to_api() for peer in body.spec.connection.peer_connection_list] if body.spec.connection else []
    network: JSON = {
        "kind": "Network",
        "apiVersion": "v1",
        "metadata": {
            "name": name,
            "creationTimestamp": rfc3339_now(),
            "labels": {NAME_LABEL: labels.name, WORKSPACE_LABEL: labels.workspace_id},
            "annotations": {} if description is None else {DESCRIPTION_ANNOTATION: description},
        },
        "spec": {"cidr": body.spec.cidr, "connection": {"peerConnectionList": peers} if peers else {}},
        "status": {"phase": ""},  # the create answer's phase (seed §10.7 example)
        "_op": 1,
    }
    arm_creation_failure(tx, project_id, NETWORK_KIND, network)
    tx.put(NETWORK_KIND, project_id, name, network)
    args = {"network": name, "op": 1}
    lifecycle.schedule(tx, project_id, CREATING_DELAY_SECONDS, CREATING_STEP, args)
    lifecycle.schedule(tx, project_id, ACTIVE_DELAY_SECONDS, ACTIVATED_STEP, args)
    return network


def _current(tx: Transaction, project_id: str, args: dict[str, Any], phases: tuple[str, ...]) -> JSON | None:
    network = tx.get(NETWORK_KIND, project_id, args["network"])
    if network is None or network["_op"] != args["op"] or network["status"]["phase"] not in phases:
        return None
    return network


@step(CREATING_STEP)
def _network_creating(tx: Transaction, project_id: str, args: dict[str, Any]) -> None:
    network = _current(tx, project_id, args, ("",))
    if network is not None:
        network["status"]["phase"] = "Creating"
        tx.put(NETWORK_KIND, project_id, args["network"], network)


@step(ACTIVATED_STEP)
def _network_activated(tx: Transaction, project_id: str, args: dict[str, Any]) -> None:
    if _current(tx, project_id, args, ("", "Creating")) is None:
        return
    failure = consume_failure(tx, project_id, NETWORK_KIND, args["network"])
    network = get_network(tx, project_id, args["network"])
    peers = network["spec"]["connection"].get("peerConnectionList", [])
    connection_status = {"peerConnectionStatus": _peer_statuses(peers, "Active")} if peers else {}
    network["status"] = {"phase": "Active", "connectionStatus": connection_status}
    if failure is not None:
        # NetworkStatus has no message field; the reason is added for diagnosis (a localcloud extra).
        network["status"] = {"phase": "Abnormal", "connectionStatus": {}, "message": failure}
    tx.put(NETWORK_KIND, project_id, args["network"], network)


def patch_network(tx: Transaction, lifecycle: Lifecycle, project_id: str, name: str, patch: JSON) -> JSON:
    network = get_network(tx, project_id, name)
    if "deletionTimestamp" in network["metadata"]:
        raise conflict(f"network {name} is being deleted")
    before, merged = apply_patch(public(network), patch)
    reject_unpatchable(before, merged, PATCHABLE)
    parse(NetworkAnnotations, merged["metadata"].get("annotations") or {}, where=("metadata", "annotations"))
    connection = parse(Connection, (merged.get("spec") or {}).get("connection") or {}, where=("spec", "connection"))
    network["metadata"]["annotations"] = merged["metadata"].get("annotations") or {}
    peers = [peer.to_api() for peer in connection.peer_connection_list]
    if peers != network["spec"]["connection"].get("peerConnectionList", []):
        _change_peers(tx, lifecycle, project_id, network, peers)
    tx.put(NETWORK_KIND, project_id, name, network)
    return network


def _change_peers(tx: Transaction, lifecycle: Lifecycle, project_id: str, network: JSON, peers: list[JSON]) -> None:
    """New or changed peers are ``Connecting`` until a step settles them; removed ones disappear."""
    network["spec"]["connection"] = {"peerConnectionList": peers} if peers else {}
    if network["status"]["phase"] != "Active":
        return  # the activation step connects every listed peer
    known = {
        (item["peerVpcId"], item["peerSubnetId"], item["defaultGateWay"]): item["phase"]
        for item in network["status"].get("connectionStatus", {}).get("peerConnectionStatus", [])
    }
    statuses = [
        {**peer, "phase": known.get((peer["peerVpcId"], peer["peerSubnetId"], peer["defaultGateWay"]), "Connecting")}
        for peer in peers
    ]
    network["status"]["connectionStatus"] = {"peerConnectionStatus": statuses} if statuses else {}
    if any(item["phase"] == "Connecting" for item in statuses):
        args = {"network": network["metadata"]["name"], "op": network["_op"]}
        lifecycle.schedule(tx, project_id, PEER_DELAY_SECONDS, PEERS_STEP, args)


@step(PEERS_STEP)
def _peers_connected(tx: Transaction, project_id: str, args: dict[str, Any]) -> None:
    network = _current(tx, project_id, args, ("Active",))
    statuses = network["status"]["connectionStatus"].get("peerConnectionStatus", []) if network else []
    if not any(item["phase"] == "Connecting" for item in statuses):
        return
    failure = consume_failure(tx, project_id, NETWORK_KIND, args["network"])
    network = get_network(tx, project_id, args["network"])
    for item in network["status"]["connectionStatus"]["peerConnectionStatus"]:
        if item["phase"] == "Connecting":
            item["phase"] = "Abnormal" if failure else "Active"
    tx.put(NETWORK_KIND, project_id, args["network"], network)


def delete_network(tx: Transaction, lifecycle: Lifecycle, project_id: str, name: str) -> JSON:
    """Refused while a pool uses the network: the digest's recommendation (§5.10), a 400
    ``ModelArts.50004000`` naming the pool, since the seed documents no answer for it."""
    network = get_network(tx, project_id, name)
    if "deletionTimestamp" in network["metadata"]:
        return network
    users = [
        pool["metadata"]["name"]
        for pool in tx.objects(POOL_KIND, project_id)
        if pool["spec"]["network"]["name"] == name
    ]
    if users:
        raise bad_request(f"network {name} is still used by pool {', '.join(users)}")
    network["metadata"]["deletionTimestamp"] = rfc3339_now()
    network["_op"] += 1
    tx.put(NETWORK_KIND, project_id, name, network)
    lifecycle.schedule(tx, project_id, DELETE_DELAY_SECONDS, DELETED_STEP, {"network": name, "op": network["_op"]})
    return network


@step(DELETED_STEP)
def _network_deleted(tx: Transaction, project_id: str, args: dict[str, Any]) -> None:
    network = tx.get(NETWORK_KIND, project_id, args["network"])
    if network is None or network["_op"] != args["op"]:
        return
    failure = consume_failure(tx, project_id, NETWORK_KIND, args["network"])
    if failure is None:
        tx.delete(NETWORK_KIND, project_id, args["network"])
        return
    network = get_network(tx, project_id, args["network"])
    del network["metadata"]["deletionTimestamp"]
    network["status"].update(phase="Abnormal", message=failure)
    tx.put(NETWORK_KIND, project_id, args["network"], network)


def list_networks(tx: Transaction, project_id: str, selector: str | None, limit: int | None, token: str | None) -> JSON:
    matches = label_filter(selector)
    items = [public(n) for n in tx.objects(NETWORK_KIND, project_id) if matches(n["metadata"]["labels"])]
    page, metadata = paginate(items, lambda item: str(item["metadata"]["name"]), limit, token)
    return {"kind": "NetworkList", "apiVersion": "v1", "metadata": metadata, "items": page}


# routes ----------------------------------------------------------------------------------------
router = InlineRouter()


@router.post("/v1/{project_id}/networks")
def create(project: ModelArtsProject, cloud: CloudDep, body: JsonBody) -> dict[str, Any]:
    request = parse(NetworkCreate, body)
    with cloud.store.transaction() as tx:
        return public(create_network(tx, cloud.lifecycle, project, request))


@router.get("/v1/{project_id}/networks")
def list_all(
    project: ModelArtsProject,
    cloud: CloudDep,
    label_selector: LabelSelectorQuery = None,
    limit: LimitQuery = None,
    continue_token: ContinueQuery = None,
) -> dict[str, Any]:
    with cloud.store.transaction() as tx:
        return list_networks(tx, project.project_id, label_selector, parse_limit(limit), continue_token)


@router.get("/v1/{project_id}/networks/{network_name}")
def show(network_name: str, project: ModelArtsProject, cloud: CloudDep) -> dict[str, Any]:
    with cloud.store.transaction() as tx:
        return public(get_network(tx, project.project_id, network_name))


@router.patch("/v1/{project_id}/networks/{network_name}")
def update(network_name: str, project: ModelArtsProject, cloud: CloudDep, patch: MergePatch) -> dict[str, Any]:
    with cloud.store.transaction() as tx:
        return public(patch_network(tx, cloud.lifecycle, project.project_id, network_name, patch))


@router.delete("/v1/{project_id}/networks/{network_name}")
def delete(network_name: str, project: ModelArtsProject, cloud: CloudDep) -> dict[str, Any]:
    with cloud.store.transaction() as tx:
        return public(delete_network(tx, cloud.lifecycle, project.project_id, network_name))
