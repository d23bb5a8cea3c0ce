"""Node pools of a resource pool (seed chapter 16, digest §4.3, §6, §9.4).

A node pool has no phase: its state is its ``status.resources`` buckets, single objects here
where the pool has arrays (digest §12.4), and its ``spec.resources`` is one object (§12.5). An
unknown node pool is a 400 "Bad request. invalid nodepool name", not a 404 (§12.6). Creating one
adds an entry to the pool's ``spec.resources``; a merge patch rescales it (its flavor cannot
change); deleting it (refused for yearly/monthly pools and for the pool's last node pool) drains
its nodes first. The create answer has no ``status`` and the PATCH answer only the ``spec``.
Its nodes are listed by the ``nodes`` module.
"""

from __future__ import annotations

import copy
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from aicompute.localcloud.directives import arm_creation_failure
from aicompute.localcloud.inline import InlineRouter
from aicompute.localcloud.lifecycle import Lifecycle
from aicompute.localcloud.modelarts import fleet
from aicompute.localcloud.modelarts.catalog import check_azs, usable_flavor
from aicompute.localcloud.modelarts.common import CloudDep, ModelArtsProject, Transaction, modelarts_error
from aicompute.localcloud.modelarts.kube import (
    JSON,
    NODEPOOL_KIND,
    POOL_KIND,
    ContinueQuery,
    JsonBody,
    LimitQuery,
    MergePatch,
    apply_patch,
    bad_request,
    conflict,
    dump,
    parse,
    public,
    reject_unpatchable,
)
from aicompute.localcloud.modelarts.pool_models import BILLING_MODE_ANNOTATION, AzCount, check_counts
from aicompute.localcloud.modelarts.pools import add_nodepool, require_changeable
from aicompute.localcloud.store import Project

PATCHABLE = (("metadata", "annotations"), ("spec", "resources"))
RESERVED_TAG_PREFIXES = ("CCE-", "__type_baremetal")


# request models --------------------------------------------------------------------------------
class Taint(BaseModel):
    key: str = Field(min_length=1)
    value: str | None = None
    effect: Literal["NoSchedule", "PreferNoSchedule", "NoExecute"]


class NodeTag(BaseModel):
    key: str = Field(min_length=1)
    value: str

    @field_validator("key")
    @classmethod
    def _not_reserved(cls, key: str) -> str:
        if key.startswith(RESERVED_TAG_PREFIXES):
            raise ValueError("a tag key must not start with 'CCE-' or '__type_baremetal'")
        return key


class NodeNetwork(BaseModel):
    model_config = ConfigDict(extra="ignore")

    vpc: str | None = None
    subnet: str | None = None
    security_groups: list[str] | None = Field(default=None, alias="securityGroups")


class CreatingStep(BaseModel):
    step: int = Field(ge=1)
    type: Literal["rack"]


class NodePoolResources(BaseModel):
    model_config = ConfigDict(extra="ignore")

    flavor: str = Field(min_length=1)
    count: int = Field(ge=1)
    max_count: int = Field(alias="maxCount", ge=1)
    azs: list[AzCount] | None = None
    node_pool: str | None = Field(default=None, alias="nodePool")
    taints: list[Taint] | None = None
    labels: dict[str, str] | None = None
    tags: list[NodeTag] | None = None
    network: NodeNetwork | None = None
    extend_params: dict[str, Any] | None = Field(default=None, alias="extendParams")
    creating_step: CreatingStep | None = Field(default=None, alias="creatingStep")

    @model_validator(mode="after")
    def _consistent(self) -> NodePoolResources:
        check_counts(self.count, self.max_count, self.azs)
        return self


class NodePoolSpec(BaseModel):
    resources: NodePoolResources


class NodePoolAnnotations(BaseModel):
    model_config = ConfigDict(extra="ignore")

    billing_mode: Literal["0", "1"] | None = Field(default=None, alias=BILLING_MODE_ANNOTATION)
    period_num: str | None = Field(default=None, alias="os.modelarts/period.num", pattern=r"^[1-9][0-9]*$")
    period_type: Literal["2", "3", "4"] | None = Field(default=None, alias="os.modelarts/period.type")
    auto_renew: Literal["0", "1"] | None = Field(default=None, alias="os.modelarts/auto.renew")
    promotion_info: str | None = Field(default=None, alias="os.modelarts/promotion.info")
    service_console_url: str | None = Field(default=None, alias="os.modelarts/service.console.url")
    order_id: str | None = Field(default=None, alias="os.modelarts/order.id")


class NodePoolMetadata(BaseModel):
    model_config = ConfigDict(extra="ignore")

    # Required by table 16-17, though the seed also says a default name is used without one (§12.13).
    name: str | None = Field(default=None, pattern=r"^[A-Za-z0-9]([A-Za-z0-9.-]{0,62}[A-Za-z0-9])?$")
    annotations: NodePoolAnnotations | None = None


class NodePoolCreate(BaseModel):
    model_config = ConfigDict(extra="ignore")

    api_version: Literal["v2"] = Field(alias="apiVersion")
    kind: Literal["NodePool"]
    metadata: NodePoolMetadata = Field(default_factory=NodePoolMetadata)
    spec: NodePoolSpec


class NodePoolPatched(BaseModel):
    model_config = ConfigDict(extra="ignore")

    metadata: NodePoolMetadata = Field(default_factory=NodePoolMetadata)
    spec: NodePoolSpec


class RequiredResources(BaseModel):
    flavor: str
    count: int
    max_count: int = Field(alias="maxCount")


class RequiredSpec(BaseModel):
    resources: RequiredResources


class PatchRequired(BaseModel):
    """Table 16-60: spec.resources with flavor, count and maxCount must be in every PATCH body."""

    spec: RequiredSpec


# backend ---------------------------------------------------------------------------------------
def _check_name_field(resources: NodePoolResources, name: str) -> None:
    if resources.node_pool not in (None, name):
        raise bad_request(f"spec.resources.nodePool: {resources.node_pool!r} is not the node pool's name {name!r}")


def _spec_resources(resources: NodePoolResources, name: str) -> JSON:
    return {"nodePool": name, **{k: v for k, v in dump(resources).items() if k != "nodePool"}}


def _sync_entry(pool: JSON, name: str, resources: JSON) -> None:
    """Keep the pool's view of the node pool (its ``spec.resources`` entry) in step."""
    entry = fleet.group_entry(pool, name)
    if entry is None:
        return
    fleet.set_group_count(pool, name, int(resources["count"]))
    if "azs" in resources:
        entry["azs"] = resources["azs"]
    else:
        entry.pop("azs", None)


def create_nodepool(
    tx: Transaction, lifecycle: Lifecycle, project: Project, pool_name: str, body: NodePoolCreate
) -> JSON:
    project_id = project.project_id
    pool = fleet.get_pool(tx, project_id, pool_name)
    require_changeable(pool)
    resources = body.spec.resources
    name = body.metadata.name or resources.node_pool or f"{resources.flavor}-Default"
    if tx.get(NODEPOOL_KIND, project_id, fleet.nodepool_key(pool_name, name)) is not None:
        # Undocumented; mirrors the pool's 409 (digest §6.2).
        raise modelarts_error(409, "ModelArts.50015000", "NodePool already exists.")
    _check_name_field(resources, name)
    flavor = usable_flavor(resources.flavor, "spec.resources.flavor")
    check_azs(flavor, project.region, [item.az for item in resources.azs or [] if item.count], "spec.resources.azs")
    annotations = dump(body.metadata.annotations) if body.metadata.annotations else {}
    nodepool = add_nodepool(tx, project_id, pool, name, _spec_resources(resources, name), annotations)
    arm_creation_failure(tx, project_id, NODEPOOL_KIND, nodepool)
    key = fleet.nodepool_key(pool_name, name)
    tx.put(NODEPOOL_KIND, project_id, key, nodepool)
    fleet.converge_nodes(tx, lifecycle, project_id, pool, nodepool, (NODEPOOL_KIND, key))
    fleet.sync_status(tx, project_id, pool)
    tx.put(POOL_KIND, project_id, pool_name, pool)
    # The create answer echoes metadata (with annotations) and spec, and has no status (§16.2).
    return {
        "kind": "NodePool",
        "apiVersion": "v2",
        "metadata": {"name": name, "annotations": annotations},
        "spec": nodepool["spec"],
    }


def patch_nodepool(
    tx: Transaction, lifecycle: Lifecycle, project_id: str, pool_name: str, name: str, patch: JSON
) -> JSON:
    pool = fleet.get_pool(tx, project_id, pool_name)
    nodepool = fleet.get_nodepool(tx, project_id, pool_name, name)
    require_changeable(pool)
    if nodepool.get("_deleting"):
        raise conflict(f"node pool {name} is being deleted")
    parse(PatchRequired, patch)
    view = public(nodepool)
    view["metadata"] = {**view["metadata"], "annotations": nodepool["_annotations"]}
    before, merged = apply_patch(view, patch)
    reject_unpatchable(before, merged, PATCHABLE)
    patched = parse(NodePoolPatched, merged)
    resources = patched.spec.resources
    if resources.flavor != nodepool["spec"]["resources"]["flavor"]:
        raise bad_request("spec.resources.flavor cannot be changed; create another node pool")
    _check_name_field(resources, name)
    flavor = usable_flavor(resources.flavor, "spec.resources.flavor")
    check_azs(flavor, str(pool["_region"]), [i.az for i in resources.azs or [] if i.count], "spec.resources.azs")
    nodepool["spec"]["resources"] = _spec_resources(resources, name)
    nodepool["_annotations"] = merged.get("metadata", {}).get("annotations") or {}
    key = fleet.nodepool_key(pool_name, name)
    tx.put(NODEPOOL_KIND, project_id, key, nodepool)
    _sync_entry(pool, name, nodepool["spec"]["resources"])
    fleet.converge_nodes(tx, lifecycle, project_id, pool, nodepool, (NODEPOOL_KIND, key))
    fleet.sync_status(tx, project_id, pool)
    tx.put(POOL_KIND, project_id, pool_name, pool)
    return {"spec": nodepool["spec"]}  # the PATCH answer holds only the spec (§16.4)


def delete_nodepool(tx: Transaction, lifecycle: Lifecycle, project_id: str, pool_name: str, name: str) -> JSON:
    pool = fleet.get_pool(tx, project_id, pool_name)
    nodepool = fleet.get_nodepool(tx, project_id, pool_name, name)
    if nodepool.get("_deleting"):
        return nodepool
    if pool["metadata"]["annotations"].get(BILLING_MODE_ANNOTATION) == "1":
        raise bad_request("node pools of a yearly/monthly pool cannot be deleted")  # "包周期资源池不支持" (§16.5)
    require_changeable(pool)
    live = [np["metadata"]["name"] for np in fleet.nodepools_of(tx, project_id, pool_name) if not np.get("_deleting")]
    if live == [name]:
        raise bad_request(f"node pool {name} is the last one of pool {pool_name}; at least one node must remain")
    answer = copy.deepcopy(nodepool)  # the answer shows the node pool as it was (§16.5 example)
    trigger = (NODEPOOL_KIND, fleet.nodepool_key(pool_name, name))
    fleet.remove_nodepool(tx, lifecycle, project_id, pool_name, name, trigger)
    fleet.sync_status(tx, project_id, pool)
    tx.put(POOL_KIND, project_id, pool_name, pool)
    return answer


# routes ----------------------------------------------------------------------------------------
router = InlineRouter()


@router.get("/v2/{project_id}/pools/{pool_name}/nodepools")
def list_all(pool_name: str, project: ModelArtsProject, cloud: CloudDep) -> dict[str, Any]:
    with cloud.store.transaction() as tx:
        fleet.get_pool(tx, project.project_id, pool_name)
        items = [public(nodepool) for nodepool in fleet.nodepools_of(tx, project.project_id, pool_name)]
    return {"kind": "NodePoolList", "apiVersion": "v2", "items": items}


@router.post("/v2/{project_id}/pools/{pool_name}/nodepools")
def create(pool_name: str, project: ModelArtsProject, cloud: CloudDep, body: JsonBody) -> dict[str, Any]:
    request = parse(NodePoolCreate, body)
    with cloud.store.transaction() as tx:
        return create_nodepool(tx, cloud.lifecycle, project, pool_name, request)


@router.get("/v2/{project_id}/pools/{pool_name}/nodepools/{nodepool_name}")
def show(
    pool_name: str,
    nodepool_name: str,
    project: ModelArtsProject,
    cloud: CloudDep,
    limit: LimitQuery = None,
    continue_token: ContinueQuery = None,
) -> dict[str, Any]:
    # continue/limit are listed for this single-object GET (table 16-40) and have nothing to page.
    with cloud.store.transaction() as tx:
        fleet.get_pool(tx, project.project_id, pool_name)
        return public(fleet.get_nodepool(tx, project.project_id, pool_name, nodepool_name))


@router.patch("/v2/{project_id}/pools/{pool_name}/nodepools/{nodepool_name}")
def update(
    pool_name: str, nodepool_name: str, project: ModelArtsProject, cloud: CloudDep, patch: MergePatch
) -> dict[str, Any]:
    with cloud.store.transaction() as tx:
        return patch_nodepool(tx, cloud.lifecycle, project.project_id, pool_name, nodepool_name, patch)


@router.delete("/v2/{project_id}/pools/{pool_name}/nodepools/{nodepool_name}")
def delete(pool_name: str, nodepool_name: str, project: ModelArtsProject, cloud: CloudDep) -> dict[str, Any]:
    with cloud.store.transaction() as tx:
        return public(delete_nodepool(tx, cloud.lifecycle, project.project_id, pool_name, nodepool_name))
