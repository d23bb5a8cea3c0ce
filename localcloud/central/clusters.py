"""Clusters of the computing platform (seed appendix A.2-A.6; digest §5, §6.8.4, §14.1).

A cluster is a Kubernetes cluster: ``spec.version`` one of the 1.18/1.20/1.22/1.24 lines, node
groups ``spec.nodes`` and an optional node network ``hostNetwork``. Its status (A.16) goes
``creating`` → ``running`` (``create_failed`` with an armed ``central.cluster`` failure), and on
delete ``deleting`` → ``deleted`` (``delete_failed``); a deleted cluster is dropped from the list at
once and from detail a while later (then code 404). Its nodes join when it is running.

Shapes, as the tables give them: the create answer's ``data`` is one Cluster {clusterCode, name,
status} (A.15/A.16; the example prints a one-element array); list items are {metadata, spec}
(A.21) and detail adds ``phase`` (A.25) in A.16's lower-case values. A failed cluster's detail also
carries ``message`` with the reason (a localcloud extra). Names are unique among a tenant's
clusters that are not deleted (code 409): the standard does not say, and a client that lost a
create answer can then find its cluster by name. ``regionId`` is optional everywhere; a request
naming a region finds a cluster created in that region, and a cluster created without one (which is
in the project's region) whatever region it names; a cluster created in another region it does not.

The certificate interface (A.6) returns a kubeconfig's material: ``caCertData``,
``clientCertData`` and ``clientKeyData`` base64-encoded PEM, as kubeconfig's ``*-data`` fields
hold them, made for the cluster on first request — or, when localcloud was started with a backing
cluster (``--kubernetes-cluster FILE``), that real API server's address and material, for every
cluster.
"""

from __future__ import annotations

import base64
import ipaddress
import re
import time
from typing import Any

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, field_validator

from aicompute.localcloud.central.common import (
    BAD_REQUEST,
    CCP,
    CLUSTER_KIND,
    CONFLICT,
    JSON,
    CentralProject,
    CloudDep,
    Params,
    central_router,
    next_number,
    parse,
)
from aicompute.localcloud.central.kube import (
    add_nodes,
    forget_cluster,
    get_cluster,
    in_region,
    inner_address,
    node_capacity,
)
from aicompute.localcloud.certificates import cluster_credentials
from aicompute.localcloud.directives import arm_creation_failure, pop_failure
from aicompute.localcloud.lifecycle import Lifecycle, running, step
from aicompute.localcloud.settings import BackingCluster
from aicompute.localcloud.store import Project, Transaction

CREATED_STEP = "central.cluster.created"
DELETED_STEP = "central.cluster.deleted"
PURGED_STEP = "central.cluster.purged"
CREATE_DELAY_SECONDS = 20.0
DELETE_DELAY_SECONDS = 10.0
PURGE_DELAY_SECONDS = 60.0
MAX_NODES = 100
API_SERVER_PORT = 6443
# External addresses of the clusters' API servers (A.28 externalAddress).
API_NETWORK = ipaddress.ip_network("100.127.0.0/16")
_VERSION = re.compile(r"^1\.(18|20|22|24)\.(x|0|[1-9][0-9]*)$")


# request models ----------------------------------------------------------------------------------
class XpuResource(BaseModel):
    """A.14; the A.9 example names the type ``aiCardType``, which is read too."""

    model_config = ConfigDict(extra="ignore")

    xpuType: str = Field(min_length=1, validation_alias=AliasChoices("xpuType", "aiCardType"))
    num: int = Field(ge=1)


class ResourceSpec(BaseModel):
    """A.13 (cpu in cores, the rest in GB)."""

    model_config = ConfigDict(extra="ignore")

    cpu: int = Field(ge=1)
    mem: int = Field(ge=1)
    rootDiskSize: int = Field(ge=1)
    localDiskSize: int = Field(ge=0)
    xpuResources: list[XpuResource] | None = None

    @field_validator("xpuResources", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        # Typed XpuResource[], given as one object in every example (digest §16 item 10).
        return [value] if isinstance(value, dict) else value


class NodeSpec(BaseModel):
    model_config = ConfigDict(extra="ignore")

    nodeResource: ResourceSpec
    count: int = Field(ge=1, le=MAX_NODES)


class ClusterSpec(BaseModel):
    model_config = ConfigDict(extra="ignore")

    version: str
    hostNetwork: str | None = None
    nodes: list[NodeSpec]

    @field_validator("version")
    @classmethod
    def _kubernetes_version(cls, value: str) -> str:
        if not _VERSION.match(value):
            raise ValueError(f"{value!r} is not one of 1.18.x, 1.20.x, 1.22.x, 1.24.x")
        return value

    @field_validator("hostNetwork")
    @classmethod
    def _cidr(cls, value: str | None) -> str | None:
        if value is None:
            return value
        try:
            network = ipaddress.IPv4Network(value, strict=True)
        except ValueError as error:
            raise ValueError(f"{value!r} is not an IPv4 network CIDR ({error})") from None
        if network.prefixlen > 28:
            raise ValueError(f"{value!r} is smaller than a /28")
        return value


class ClusterCreate(BaseModel):
    model_config = ConfigDict(extra="ignore")

    regionId: str | None = None
    name: str = Field(min_length=1, max_length=128)
    spec: ClusterSpec


class ClusterRef(BaseModel):
    model_config = ConfigDict(extra="ignore")

    clusterCode: str = Field(min_length=1)
    regionId: str | None = None


class ClusterQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")

    regionId: str | None = None


# backend -----------------------------------------------------------------------------------------
def _view(cluster: JSON) -> JSON:
    return {"metadata": {"clusterCode": cluster["clusterCode"], "name": cluster["name"]}, "spec": cluster["spec"]}


def _detail(cluster: JSON) -> JSON:
    detail = {**_view(cluster), "phase": cluster["phase"]}
    if cluster["phase"] in ("create_failed", "delete_failed"):
        detail["message"] = cluster.get("_message", "")
    return detail


def create_cluster(tx: Transaction, lifecycle: Lifecycle, project: Project, body: ClusterCreate) -> JSON:
    project_id = project.project_id
    taken = any(c["name"] == body.name and c["phase"] != "deleted" for c in tx.objects(CLUSTER_KIND, project_id))
    if taken:
        raise CCP.error(CONFLICT, f"a cluster named {body.name} already exists")
    spec = body.spec.model_dump(exclude_none=True)
    wanted = sum(group.count for group in body.spec.nodes)
    room = node_capacity(spec)
    if wanted > MAX_NODES or wanted > room:
        raise CCP.error(BAD_REQUEST, f"spec.nodes: {wanted} nodes exceed the limit of {min(MAX_NODES, room)}")
    number = next_number(tx, project_id, "cluster")
    cluster: JSON = {
        "clusterCode": f"cluster-{number}",
        "name": body.name,
        "regionId": body.regionId or project.region,
        "_regionGiven": bool(body.regionId),
        "spec": spec,
        "phase": "creating",
        "_number": number,
        "_created": time.time(),
        "_op": 1,
    }
    arm_creation_failure(tx, project_id, CLUSTER_KIND, cluster)
    tx.put(CLUSTER_KIND, project_id, cluster["clusterCode"], cluster)
    lifecycle.schedule(tx, project_id, CREATE_DELAY_SECONDS, CREATED_STEP, {"cluster": cluster["clusterCode"], "op": 1})
    return cluster


def _current(tx: Transaction, project_id: str, args: dict[str, Any], phase: str) -> JSON | None:
    cluster = tx.get(CLUSTER_KIND, project_id, args["cluster"])
    if cluster is None or cluster["_op"] != args["op"] or cluster["phase"] != phase:
        return None
    return cluster


@step(CREATED_STEP)
def _cluster_created(tx: Transaction, project_id: str, args: dict[str, Any]) -> None:
    cluster = _current(tx, project_id, args, "creating")
    if cluster is None:
        return
    failure = pop_failure(tx, project_id, CLUSTER_KIND, cluster, cluster["clusterCode"])
    if failure is not None:
        cluster.update(phase="create_failed", _message=failure)
        tx.put(CLUSTER_KIND, project_id, cluster["clusterCode"], cluster)
        return
    cluster["phase"] = "running"
    tx.put(CLUSTER_KIND, project_id, cluster["clusterCode"], cluster)
    for group in cluster["spec"]["nodes"]:
        add_nodes(tx, running(), project_id, cluster, group["count"], group["nodeResource"])


def delete_cluster(tx: Transaction, lifecycle: Lifecycle, project_id: str, ref: ClusterRef) -> None:
    cluster = get_cluster(tx, project_id, ref.clusterCode, ref.regionId)
    if cluster["phase"] in ("deleting", "deleted"):
        return
    cluster["phase"] = "deleting"
    cluster["_op"] += 1
    tx.put(CLUSTER_KIND, project_id, cluster["clusterCode"], cluster)
    args = {"cluster": cluster["clusterCode"], "op": cluster["_op"]}
    lifecycle.schedule(tx, project_id, DELETE_DELAY_SECONDS, DELETED_STEP, args)


@step(DELETED_STEP)
def _cluster_deleted(tx: Transaction, project_id: str, args: dict[str, Any]) -> None:
    cluster = _current(tx, project_id, args, "deleting")
    if cluster is None:
        return
    failure = pop_failure(tx, project_id, CLUSTER_KIND, cluster, cluster["clusterCode"])
    if failure is not None:
        cluster.update(phase="delete_failed", _message=failure)
    else:
        forget_cluster(tx, project_id, cluster["clusterCode"])
        cluster["phase"] = "deleted"
        running().schedule(tx, project_id, PURGE_DELAY_SECONDS, PURGED_STEP, args)
    tx.put(CLUSTER_KIND, project_id, cluster["clusterCode"], cluster)


@step(PURGED_STEP)
def _cluster_purged(tx: Transaction, project_id: str, args: dict[str, Any]) -> None:
    if _current(tx, project_id, args, "deleted") is not None:
        tx.delete(CLUSTER_KIND, project_id, args["cluster"])


def certificate_data(tx: Transaction, project_id: str, ref: ClusterRef, backing: BackingCluster | None = None) -> JSON:
    """CertData (A.28), the credentials made on first request and kept with the cluster (or the
    backing cluster's)."""
    cluster = get_cluster(tx, project_id, ref.clusterCode, ref.regionId)
    if cluster["phase"] != "running":
        raise CCP.error(CONFLICT, f"cluster {cluster['clusterCode']} is {cluster['phase']}: it has no API server")
    if backing is not None:
        material = backing.model_dump(exclude={"server"})
        return {"externalAddress": backing.server, **material, "innerAddress": backing.server}
    if "_credentials" not in cluster:
        made = cluster_credentials(cluster["clusterCode"])
        cluster["_credentials"] = {
            "caCertData": base64.b64encode(made.ca_certificate).decode(),
            "clientCertData": base64.b64encode(made.client_certificate).decode(),
            "clientKeyData": base64.b64encode(made.client_key).decode(),
        }
        tx.put(CLUSTER_KIND, project_id, cluster["clusterCode"], cluster)
    external = API_NETWORK.network_address + cluster["_number"]
    return {
        "externalAddress": f"https://{external}:{API_SERVER_PORT}",
        **cluster["_credentials"],
        "innerAddress": f"https://{inner_address(cluster)}:{API_SERVER_PORT}",
    }


# routes ------------------------------------------------------------------------------------------
router = central_router()


@router.post("/CCP/clusters")
def create(project: CentralProject, cloud: CloudDep, params: Params) -> JSON:
    body = parse(ClusterCreate, params, CCP)
    with cloud.store.transaction() as tx:
        cluster = create_cluster(tx, cloud.lifecycle, project, body)
    return CCP.ok({"clusterCode": cluster["clusterCode"], "name": cluster["name"], "status": cluster["phase"]})


@router.get("/CCP/clusters")
def list_all(project: CentralProject, cloud: CloudDep, params: Params) -> JSON:
    query = parse(ClusterQuery, params, CCP)
    with cloud.store.transaction() as tx:
        clusters = tx.objects(CLUSTER_KIND, project.project_id)
    return CCP.ok(
        [_view(cluster) for cluster in clusters if cluster["phase"] != "deleted" and in_region(cluster, query.regionId)]
    )


@router.get("/CCP/clusters/{clusterCode}")
def show(project: CentralProject, cloud: CloudDep, params: Params) -> JSON:
    ref = parse(ClusterRef, params, CCP)
    with cloud.store.transaction() as tx:
        return CCP.ok(_detail(get_cluster(tx, project.project_id, ref.clusterCode, ref.regionId)))


@router.delete("/CCP/clusters/{clusterCode}")
def delete(project: CentralProject, cloud: CloudDep, params: Params) -> JSON:
    ref = parse(ClusterRef, params, CCP)
    with cloud.store.transaction() as tx:
        delete_cluster(tx, cloud.lifecycle, project.project_id, ref)
    return CCP.ok()


@router.get("/CCP/clusters/{clusterCode}/license")
def license_(project: CentralProject, cloud: CloudDep, params: Params) -> JSON:
    ref = parse(ClusterRef, params, CCP)
    with cloud.store.transaction() as tx:
        return CCP.ok(certificate_data(tx, project.project_id, ref, cloud.settings.kubernetes_cluster))
