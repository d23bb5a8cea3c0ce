"""Resource pools: create, list, merge-patch and delete (seed §10.13–10.17, digest §4.2, §9.2).

A pool is named ``<display name>-<project id>`` (digest §2.3), needs an ``Active`` network and a
usable workspace, and starts ``Creating`` with one node pool ``<flavor>-Default`` per entry of
``spec.resources``; after a while its nodes are ``Available``, its job types ``Enabled`` and its
phase ``Running`` (or ``Error`` with ``status.message`` when a failure is armed; failed pools are
listed with ``status=failed`` and purged after 3 days). A merge patch changes the description,
job types, drivers and node counts; counts move through ``status.resources.creating``/``deleting``
while the phase stays ``Running``. Deleting goes ``Deleting`` → 404, taking nodes, node pools and
events with it. The request models are in ``pool_models``, the routes in ``pool_routes``.
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

from aicompute.localcloud.directives import arm_creation_failure
from aicompute.localcloud.lifecycle import Lifecycle, step
from aicompute.localcloud.modelarts import fleet
from aicompute.localcloud.modelarts.catalog import (
    POOL_QUOTA,
    Flavor,
    check_azs,
    check_driver_version,
    usable_flavor,
)
from aicompute.localcloud.modelarts.common import Transaction, modelarts_error, rfc3339_now
from aicompute.localcloud.modelarts.events import drop_events
from aicompute.localcloud.modelarts.kube import (
    DESCRIPTION_ANNOTATION,
    JSON,
    NAME_LABEL,
    NETWORK_KIND,
    NODE_KIND,
    NODE_PREFIX_LABEL,
    NODEPOOL_KIND,
    POOL_KIND,
    WORKSPACE_LABEL,
    apply_patch,
    bad_request,
    check_new_object,
    conflict,
    consume_failure,
    dump,
    label_filter,
    parse,
    public,
    reject_unpatchable,
)
from aicompute.localcloud.modelarts.pool_models import (
    ORDER_ID_ANNOTATION,
    AzCount,
    PoolAnnotationsPatch,
    PoolCreate,
    PoolDriverIn,
    PoolResourceIn,
    PoolResourcePatch,
    PoolSpecPatch,
    Scope,
)
from aicompute.localcloud.modelarts.workspaces import require_usable_workspace
from aicompute.localcloud.store import Project

CREATED_STEP = "modelarts.pool.created"
DELETED_STEP = "modelarts.pool.deleted"
PURGED_STEP = "modelarts.pool.purged"
SCOPES_STEP = "modelarts.pool.scopes_settled"
DRIVERS_STEP = "modelarts.pool.drivers_settled"
CREATE_DELAY_SECONDS = 30.0
DELETE_DELAY_SECONDS = 15.0
SCOPE_DELAY_SECONDS = 5.0
DRIVER_DELAY_SECONDS = 10.0
FAILED_POOL_RETENTION_SECONDS = 3 * 24 * 3600.0  # "创建失败的资源池记录保留3天" (table 10-153)

RESOURCE_ID_LABEL = "os.modelarts/resource.id"
TENANT_DOMAIN_LABEL = "os.modelarts/tenant.domain.id"
PATCHABLE = (
    ("metadata", "annotations", DESCRIPTION_ANNOTATION),
    ("metadata", "annotations", ORDER_ID_ANNOTATION),
    ("spec", "scope"),
    ("spec", "resources"),
    ("spec", "jobFlavors"),
    ("spec", "driver"),
)
# The pool list's ``status`` filter (table 10-153); without it, the "valid" pools: creating and
# created. Pools being deleted are hidden from the list but readable until gone (digest §5.14).
LISTED_PHASES: dict[str, frozenset[str]] = {
    "": frozenset({"Creating", "Running", "Abnormal"}),
    "created": frozenset({"Running", "Abnormal"}),
    "creating": frozenset({"Creating"}),
    "failed": frozenset({"Error"}),
}
DRIVER_TEMPLATES = (("gpu", "gpuVersion", "gpu-driver"), ("npu", "npuVersion", "npu-driver"))


# validation against the world ------------------------------------------------------------------
def _require_active_network(tx: Transaction, project_id: str, network_name: str) -> None:
    network = tx.get(NETWORK_KIND, project_id, network_name)
    if network is None:
        raise bad_request(f"spec.network.name: network {network_name} does not exist")
    phase = network["status"]["phase"]
    if phase != "Active" or "deletionTimestamp" in network["metadata"]:
        raise bad_request(f"spec.network.name: network {network_name} is not Active (phase {phase!r})")


def _check_resource(region: str, flavor_name: str, azs: list[AzCount] | None, where: str) -> Flavor:
    flavor = usable_flavor(flavor_name, f"{where}.flavor")
    check_azs(flavor, region, [item.az for item in azs or [] if item.count], f"{where}.azs")
    return flavor


def _check_drivers(driver: PoolDriverIn | None, flavors: list[Flavor]) -> None:
    """A GPU (NPU) driver version is only for pools with GPU (NPU) flavors (table 10-140)."""
    if driver is None:
        return
    for accelerator, field, template in DRIVER_TEMPLATES:
        version = getattr(driver, f"{accelerator}_version")
        if version is None:
            continue
        if not any(getattr(flavor, accelerator) is not None for flavor in flavors):
            raise bad_request(f"spec.driver.{field}: the pool has no {accelerator.upper()} flavor")
        check_driver_version(template, version, f"spec.driver.{field}")


def _tenant_domain_id(project: Project) -> str:
    return hashlib.sha256(project.domain_name.encode()).hexdigest()[:32]


# create ----------------------------------------------------------------------------------------
def _new_pool(project: Project, name: str, body: PoolCreate) -> JSON:
    labels = body.metadata.labels
    meta_labels = {NAME_LABEL: labels.name, WORKSPACE_LABEL: labels.workspace_id}
    if labels.node_prefix:
        meta_labels[NODE_PREFIX_LABEL] = labels.node_prefix
    meta_labels[RESOURCE_ID_LABEL] = f"maos-{labels.name}-{uuid.uuid4().hex[:5]}"
    meta_labels[TENANT_DOMAIN_LABEL] = _tenant_domain_id(project)
    spec: JSON = {
        "type": body.spec.type,
        "scope": list(body.spec.scope),
        "resources": [dump(resource) for resource in body.spec.resources],
        "network": {"name": body.spec.network.name},
    }
    if body.spec.job_flavors is not None:
        spec["jobFlavors"] = list(body.spec.job_flavors)
    status: JSON = {
        "phase": "Creating",
        "root": name,
        "scope": [{"scopeType": scope, "state": "Enabling"} for scope in body.spec.scope],
        "resources": {},
    }
    if body.spec.driver is not None:
        spec["driver"] = dump(body.spec.driver)
        status["driver"] = _driver_status(body.spec.driver, "Creating")
    return {
        "kind": "Pool",
        "apiVersion": "v2",
        "metadata": {
            "name": name,
            "creationTimestamp": rfc3339_now(),
            "labels": meta_labels,
            "annotations": dump(body.metadata.annotations),
        },
        "spec": spec,
        "status": status,
        "_region": project.region,
        "_groups": [],
        "_counts": [0, 0, 0, 0],
        "_op": 1,
        "_cluster_id": str(uuid.uuid4()),
    }


def _driver_status(driver: PoolDriverIn, state: str) -> JSON:
    versions = {"gpu": driver.gpu_version, "npu": driver.npu_version}
    return {kind: {"version": version, "state": state} for kind, version in versions.items() if version}


def _nodepool_object(pool_name: str, nodepool_name: str, resources: JSON, annotations: JSON) -> JSON:
    return {
        "kind": "NodePool",
        "apiVersion": "v2",
        "metadata": {"name": nodepool_name},
        "spec": {"resources": {"nodePool": nodepool_name, **resources}},
        "status": {"resources": {}},
        "_pool": pool_name,
        "_annotations": annotations,
    }


def add_nodepool(
    tx: Transaction,
    project_id: str,
    pool: JSON,
    name: str,
    resources: JSON,
    annotations: JSON,
    entry: JSON | None = None,
) -> JSON:
    """A new node pool of the pool, listed last in the pool's ``spec.resources`` (no nodes yet).

    ``entry`` is the pool's view of it; by default the node pool's own flavor, counts, AZs and
    extend parameters.
    """
    nodepool = _nodepool_object(pool["metadata"]["name"], name, resources, annotations)
    if entry is None:
        entry = {
            key: resources[key] for key in ("flavor", "count", "maxCount", "azs", "extendParams") if key in resources
        }
    pool["_groups"].append(name)
    pool["spec"]["resources"].append(entry)
    tx.put(NODEPOOL_KIND, project_id, fleet.nodepool_key(pool["metadata"]["name"], name), nodepool)
    return nodepool


def _free_default_nodepool_name(tx: Transaction, project_id: str, pool_name: str, flavor: str) -> str:
    """``<flavor>-Default`` as in the seed's example (§16.1), numbered if a node pool already has it."""
    name, number = f"{flavor}-Default", 1
    while tx.get(NODEPOOL_KIND, project_id, fleet.nodepool_key(pool_name, name)) is not None:
        number += 1
        name = f"{flavor}-Default-{number}"
    return name


def _initial_azs(flavor: Flavor, region: str, resource: PoolResourceIn) -> list[str]:
    if resource.azs:
        return [item.az for item in resource.azs for _ in range(item.count)]
    return [fleet.default_az(flavor, region)] * resource.count


def create_pool(tx: Transaction, lifecycle: Lifecycle, project: Project, body: PoolCreate) -> JSON:
    project_id = project.project_id
    labels = body.metadata.labels
    name = f"{labels.name}-{project_id}"
    require_usable_workspace(tx, project, labels.workspace_id, "createPool")
    check_new_object(tx, project_id, POOL_KIND, name, "pool", "ModelArts.50015000", POOL_QUOTA)
    _require_active_network(tx, project_id, body.spec.network.name)
    flavors = [
        _check_resource(project.region, resource.flavor, resource.azs, f"spec.resources[{index}]")
        for index, resource in enumerate(body.spec.resources)
    ]
    if len({flavor.name for flavor in flavors}) != len(flavors):
        raise bad_request("spec.resources: each flavor may appear once (one default node pool per flavor)")
    _check_drivers(body.spec.driver, flavors)

    pool = _new_pool(project, name, body)
    pool["spec"]["resources"] = []
    arm_creation_failure(tx, project_id, POOL_KIND, pool)
    for flavor, resource in zip(flavors, body.spec.resources, strict=True):
        nodepool_name = f"{flavor.name}-Default"
        resources = {**dump(resource), "maxCount": resource.count}
        # The pool echoes the entry as asked, without a maxCount it was not given (§10.15 example).
        add_nodepool(tx, project_id, pool, nodepool_name, resources, {}, entry=dump(resource))
        fleet.add_nodes(
            tx, project_id, pool, nodepool_name, flavor.name, _initial_azs(flavor, project.region, resource)
        )
    fleet.sync_status(tx, project_id, pool)
    tx.put(POOL_KIND, project_id, name, pool)
    args = {"pool": name, "op": pool["_op"]}
    lifecycle.schedule(tx, project_id, CREATE_DELAY_SECONDS, CREATED_STEP, args)
    # At time scale 0 every delay is zero: the purge would follow a failure at once and nobody
    # would ever see the Error phase, so failed pools are then kept until deleted.
    if lifecycle.time_scale > 0:
        lifecycle.schedule(tx, project_id, CREATE_DELAY_SECONDS + FAILED_POOL_RETENTION_SECONDS, PURGED_STEP, args)
    return pool


def _current(tx: Transaction, project_id: str, args: dict[str, Any], phase: str) -> JSON | None:
    """The step's pool if it is still in ``phase`` under the same operation (else the step is stale)."""
    pool = tx.get(POOL_KIND, project_id, args["pool"])
    if pool is None or fleet.pool_phase(pool) != phase or pool["_op"] != args["op"]:
        return None
    return pool


@step(CREATED_STEP)
def _pool_created(tx: Transaction, project_id: str, args: dict[str, Any]) -> None:
    if _current(tx, project_id, args, "Creating") is None:
        return
    failure = consume_failure(tx, project_id, POOL_KIND, args["pool"])
    pool = fleet.get_pool(tx, project_id, args["pool"])
    nodes = [node["metadata"]["name"] for node in fleet.nodes_of(tx, project_id, args["pool"])]
    if failure is None:
        fleet.make_available(tx, project_id, pool, nodes)
    else:
        for node in nodes:
            tx.delete(NODE_KIND, project_id, node)
    fleet.sync_status(tx, project_id, pool)
    state = (
        {"scope": "Enabled", "driver": "Running"} if failure is None else {"scope": "Disabled", "driver": "Abnormal"}
    )
    for scope in pool["status"]["scope"]:
        scope["state"] = state["scope"]
    for driver in pool["status"].get("driver", {}).values():
        driver["state"] = state["driver"]
    fleet.set_phase(tx, project_id, pool, "Running" if failure is None else "Error", failure or "")
    tx.put(POOL_KIND, project_id, args["pool"], pool)


@step(PURGED_STEP)
def _failed_pool_purged(tx: Transaction, project_id: str, args: dict[str, Any]) -> None:
    if _current(tx, project_id, args, "Error") is not None:
        _forget_pool(tx, project_id, args["pool"])


def _forget_pool(tx: Transaction, project_id: str, pool_name: str) -> None:
    for node in fleet.nodes_of(tx, project_id, pool_name):
        tx.delete(NODE_KIND, project_id, node["metadata"]["name"])
    for nodepool in fleet.nodepools_of(tx, project_id, pool_name):
        tx.delete(NODEPOOL_KIND, project_id, fleet.nodepool_key(pool_name, nodepool["metadata"]["name"]))
    drop_events(tx, project_id, pool_name)
    tx.delete(POOL_KIND, project_id, pool_name)


# list ------------------------------------------------------------------------------------------
def list_pools(
    tx: Transaction, project_id: str, workspace_id: str | None, selector: str | None, status: str | None
) -> JSON:
    if (status or "") not in LISTED_PHASES:
        raise bad_request(f"status: {status!r} is not one of created, creating, failed")
    phases = LISTED_PHASES[status or ""]
    matches = label_filter(selector)
    items = [
        public(pool)
        for pool in tx.objects(POOL_KIND, project_id)
        if fleet.pool_phase(pool) in phases
        and workspace_id in (None, "", pool["metadata"]["labels"][WORKSPACE_LABEL])
        and matches(pool["metadata"]["labels"])
    ]
    # PoolList has neither metadata nor pagination (table 10-154).
    return {"kind": "PoolList", "apiVersion": "v2", "items": items}


# delete ----------------------------------------------------------------------------------------
def delete_pool(tx: Transaction, lifecycle: Lifecycle, project_id: str, pool_name: str) -> JSON:
    """``Deleting`` with a ``deletionTimestamp``; a second DELETE answers the same (digest §5.16)."""
    pool = fleet.get_pool(tx, project_id, pool_name)
    if fleet.pool_phase(pool) == "Deleting":
        return pool
    pool["_before_deleting"] = fleet.pool_phase(pool)
    pool["_op"] += 1
    pool["metadata"]["deletionTimestamp"] = rfc3339_now()
    names = [node["metadata"]["name"] for node in fleet.nodes_of(tx, project_id, pool_name)]
    fleet.set_node_phase(tx, project_id, names, "Deleting")
    fleet.sync_status(tx, project_id, pool)
    fleet.set_phase(tx, project_id, pool, "Deleting")
    tx.put(POOL_KIND, project_id, pool_name, pool)
    lifecycle.schedule(tx, project_id, DELETE_DELAY_SECONDS, DELETED_STEP, {"pool": pool_name, "op": pool["_op"]})
    return pool


@step(DELETED_STEP)
def _pool_deleted(tx: Transaction, project_id: str, args: dict[str, Any]) -> None:
    if _current(tx, project_id, args, "Deleting") is None:
        return
    failure = consume_failure(tx, project_id, POOL_KIND, args["pool"])
    if failure is None:
        _forget_pool(tx, project_id, args["pool"])
        return
    pool = fleet.get_pool(tx, project_id, args["pool"])
    del pool["metadata"]["deletionTimestamp"]
    names = [node["metadata"]["name"] for node in fleet.nodes_of(tx, project_id, args["pool"])]
    fleet.make_available(tx, project_id, pool, names)
    fleet.sync_status(tx, project_id, pool)
    # A failed pool stays failed; any other pool is left Abnormal with the reason.
    restored = "Error" if pool.pop("_before_deleting", "") == "Error" else "Abnormal"
    fleet.set_phase(tx, project_id, pool, restored, failure)
    tx.put(POOL_KIND, project_id, args["pool"], pool)


# merge patch -----------------------------------------------------------------------------------
def require_changeable(pool: JSON) -> None:
    """Changes need a created pool: ``Creating`` is ``ModelArts.6355``, ``Deleting``/``Error`` a 409."""
    phase = fleet.pool_phase(pool)
    if phase == "Creating":
        raise modelarts_error(
            400, "ModelArts.6355", "The resource is initializing. Please wait one minute and try again."
        )
    if phase not in ("Running", "Abnormal"):
        raise conflict(f"pool {pool['metadata']['name']} is {phase}")


def patch_pool(tx: Transaction, lifecycle: Lifecycle, project: Project, pool_name: str, patch: JSON) -> JSON:
    project_id = project.project_id
    pool = fleet.get_pool(tx, project_id, pool_name)
    require_changeable(pool)
    before, merged = apply_patch(public(pool), patch)
    reject_unpatchable(before, merged, PATCHABLE)
    parse(PoolAnnotationsPatch, merged.get("metadata", {}).get("annotations") or {}, where=("metadata", "annotations"))
    spec = parse(PoolSpecPatch, merged.get("spec"), where=("spec",))
    pool["metadata"]["annotations"] = merged["metadata"].get("annotations", {})
    if spec.job_flavors is None:
        pool["spec"].pop("jobFlavors", None)
    else:
        pool["spec"]["jobFlavors"] = list(spec.job_flavors)
    if "resources" in patch.get("spec", {}):
        _reconcile_resources(tx, lifecycle, project, pool, spec.resources)
    flavors = [fleet.flavor_of(entry["flavor"]) for entry in pool["spec"]["resources"]]
    if merged["spec"].get("driver") != before["spec"].get("driver"):
        _check_drivers(spec.driver, flavors)
        _change_drivers(tx, lifecycle, project_id, pool, spec.driver)
    if merged["spec"]["scope"] != before["spec"]["scope"]:
        _change_scopes(tx, lifecycle, project_id, pool, spec.scope)
    fleet.sync_status(tx, project_id, pool)
    tx.put(POOL_KIND, project_id, pool_name, pool)
    return pool


def _change_scopes(tx: Transaction, lifecycle: Lifecycle, project_id: str, pool: JSON, scopes: list[Scope]) -> None:
    """New job types go ``Enabling`` → ``Enabled``; dropped ones ``Disabling`` → gone (digest §5.17)."""
    states = {item["scopeType"]: item["state"] for item in pool["status"]["scope"]}
    kept = [{"scopeType": s, "state": "Enabled" if states.get(s) == "Enabled" else "Enabling"} for s in scopes]
    dropped = [{"scopeType": s, "state": "Disabling"} for s in states if s not in scopes]
    pool["spec"]["scope"] = list(scopes)
    pool["status"]["scope"] = kept + dropped
    lifecycle.schedule(tx, project_id, SCOPE_DELAY_SECONDS, SCOPES_STEP, {"pool": pool["metadata"]["name"]})


@step(SCOPES_STEP)
def _scopes_settled(tx: Transaction, project_id: str, args: dict[str, Any]) -> None:
    pool = tx.get(POOL_KIND, project_id, args["pool"])
    if pool is None:
        return
    pool["status"]["scope"] = [
        {"scopeType": item["scopeType"], "state": "Enabled"}
        for item in pool["status"]["scope"]
        if item["state"] != "Disabling"
    ]
    tx.put(POOL_KIND, project_id, args["pool"], pool)


def _change_drivers(
    tx: Transaction, lifecycle: Lifecycle, project_id: str, pool: JSON, driver: PoolDriverIn | None
) -> None:
    """A changed driver version is ``Upgrading`` for a while, then ``Running``."""
    old = pool["status"].get("driver", {})
    if driver is None:
        pool["spec"].pop("driver", None)
        pool["status"].pop("driver", None)
        return
    pool["spec"]["driver"] = dump(driver)
    status = _driver_status(driver, "Running")
    for kind, item in status.items():
        if old.get(kind, {}).get("version") != item["version"]:
            item["state"] = "Upgrading"
    pool["status"]["driver"] = status
    lifecycle.schedule(tx, project_id, DRIVER_DELAY_SECONDS, DRIVERS_STEP, {"pool": pool["metadata"]["name"]})


@step(DRIVERS_STEP)
def _drivers_settled(tx: Transaction, project_id: str, args: dict[str, Any]) -> None:
    pool = tx.get(POOL_KIND, project_id, args["pool"])
    if pool is None:
        return
    for item in pool["status"].get("driver", {}).values():
        if item["state"] == "Upgrading":
            item["state"] = "Running"
    tx.put(POOL_KIND, project_id, args["pool"], pool)


def _reconcile_resources(
    tx: Transaction, lifecycle: Lifecycle, project: Project, pool: JSON, wanted: list[PoolResourcePatch]
) -> None:
    """Match the desired list to the node pools (same flavor, in order); scale, add and drop them.

    The list is replaced whole (merge patch, digest §2.5); a count of 0 drops an entry. Node pools
    already being deleted through the node-pool API keep their entry until they are gone.
    """
    project_id, pool_name = project.project_id, pool["metadata"]["name"]
    groups = list(zip(pool["_groups"], pool["spec"]["resources"], strict=True))
    dying_names = {name for name, _ in groups if _nodepool(tx, project_id, pool_name, name).get("_deleting")}
    dying = [group for group in groups if group[0] in dying_names]
    free = [group for group in groups if group[0] not in dying_names]
    if sum(item.count for item in wanted) < 1:
        raise bad_request("spec.resources: at least one node must remain in the pool")
    kept: list[tuple[str, JSON]] = []
    zeroed: list[tuple[str, JSON]] = []
    for index, item in enumerate(wanted):
        _check_resource(project.region, item.flavor, item.azs, f"spec.resources[{index}]")
        match = next((pair for pair in free if pair[1]["flavor"] == item.flavor), None)
        if match is not None:
            free.remove(match)
        if item.count > 0:
            kept.append(_resize_group(tx, project_id, pool, match, item))
        elif match is not None:
            zeroed.append(match)
    pool["_groups"] = [name for name, _ in kept + dying]
    pool["spec"]["resources"] = [entry for _, entry in kept + dying]
    trigger = (POOL_KIND, pool_name)
    for name, _ in kept:
        fleet.converge_nodes(tx, lifecycle, project_id, pool, _nodepool(tx, project_id, pool_name, name), trigger)
    for name, _ in free + zeroed:  # entries the list no longer names, or scaled to 0
        fleet.remove_nodepool(tx, lifecycle, project_id, pool_name, name, trigger)


def _nodepool(tx: Transaction, project_id: str, pool_name: str, name: str) -> JSON:
    return fleet.get_nodepool(tx, project_id, pool_name, name)


def _resize_group(
    tx: Transaction, project_id: str, pool: JSON, match: tuple[str, JSON] | None, item: PoolResourcePatch
) -> tuple[str, JSON]:
    """The node pool for one desired entry (an existing one resized, or a new ``<flavor>-Default``)."""
    pool_name = pool["metadata"]["name"]
    azs = [az.model_dump() for az in item.azs] if item.azs else None
    if match is None:
        name = _free_default_nodepool_name(tx, project_id, pool_name, item.flavor)
        resources: JSON = {"flavor": item.flavor, "count": item.count, "maxCount": item.count}
        if azs:
            resources["azs"] = azs
        nodepool = _nodepool_object(pool_name, name, resources, {})
        tx.put(NODEPOOL_KIND, project_id, fleet.nodepool_key(pool_name, name), nodepool)
        entry = {key: value for key, value in resources.items() if key != "maxCount"}
        return name, entry
    name, old_entry = match
    nodepool = _nodepool(tx, project_id, pool_name, name)
    node_resources = nodepool["spec"]["resources"]
    node_resources.update(count=item.count, maxCount=item.count)
    entry = {key: old_entry[key] for key in ("maxCount", "extendParams") if key in old_entry}
    entry.update(flavor=item.flavor, count=item.count)
    if "maxCount" in entry:
        entry["maxCount"] = item.count
    if azs:
        entry["azs"] = node_resources["azs"] = azs
    else:
        node_resources.pop("azs", None)
    tx.put(NODEPOOL_KIND, project_id, fleet.nodepool_key(pool_name, name), nodepool)
    return name, entry
