"""The nodes and node pools of resource pools, and the pool status derived from them.

A pool's ``spec.resources`` entries and its node pools are two views of the same node groups
(digest §6): entry *i* of ``spec.resources`` is the node pool named in the pool's private
``_groups[i]``. Nodes are the source of truth for the status: each node's phase puts it in one of
the buckets ``creating``/``available``/``abnormal``/``deleting``, which the pool reports as arrays
and each node pool as single objects (digest §12.4). Every change of a pool's nodes ends in
``refresh_pool``, which recomputes both views, records the seed's events and settles the phase.

Scaling is asynchronous: new nodes are ``Creating`` until a provisioning step makes them
``Available`` (or ``Abnormal`` when a failure is armed), surplus nodes are ``Deleting`` until a
removal step drops them; the pool's phase stays ``Running`` meanwhile (digest §12.25).
"""

from __future__ import annotations

import ipaddress
from collections import Counter
from typing import Any

from aicompute.localcloud.lifecycle import Lifecycle, step
from aicompute.localcloud.modelarts.catalog import Flavor, find_flavor
from aicompute.localcloud.modelarts.common import Transaction, rfc3339_now
from aicompute.localcloud.modelarts.events import record_counts_change, record_phase_change
from aicompute.localcloud.modelarts.kube import (
    JSON,
    NETWORK_KIND,
    NODE_KIND,
    NODE_PREFIX_LABEL,
    NODEPOOL_KIND,
    POOL_KIND,
    bad_request,
    consume_failure,
    pool_not_found,
    random_suffix,
)

DEFAULT_NODE_PREFIX = "os-node-created"
CLUSTER_LABEL = "os.modelarts.node/cluster"
NODEPOOL_LABEL = "os.modelarts.node/nodepool"

BUCKET_OF_PHASE = {
    "Creating": "creating",
    "Available": "available",
    "Checking": "available",  # rebooting: still allocated to the pool, self-checking
    "Abnormal": "abnormal",
    "Deleting": "deleting",
}
BUCKETS = ("creating", "available", "abnormal", "deleting")
EVENT_COUNT_ORDER = ("available", "abnormal", "creating", "deleting")  # the events' wording
# When scaling in, the nodes to give up first: broken ones, unfinished ones, then the newest.
REMOVAL_RANK = {"Abnormal": 0, "Creating": 1, "Checking": 2, "Available": 3}

PROVISIONED_STEP = "modelarts.pool.nodes_provisioned"
REMOVED_STEP = "modelarts.pool.nodes_removed"
REBOOTED_STEP = "modelarts.pool.nodes_rebooted"
PROVISION_DELAY_SECONDS = 20.0
REMOVE_DELAY_SECONDS = 10.0
REBOOT_DELAY_SECONDS = 5.0


# lookups ---------------------------------------------------------------------------------------
def nodepool_key(pool_name: str, nodepool_name: str) -> str:
    """The stored id of a node pool, and the id a fail-next directive for it names."""
    return f"{pool_name}/{nodepool_name}"


def get_pool(tx: Transaction, project_id: str, pool_name: str) -> JSON:
    pool = tx.get(POOL_KIND, project_id, pool_name)
    if pool is None:
        raise pool_not_found()
    return pool


def get_nodepool(tx: Transaction, project_id: str, pool_name: str, nodepool_name: str) -> JSON:
    """The node pool; an unknown one is a 400 "invalid nodepool name" (seed §16.3, digest §12.6)."""
    nodepool = tx.get(NODEPOOL_KIND, project_id, nodepool_key(pool_name, nodepool_name))
    if nodepool is None:
        raise bad_request("invalid nodepool name")
    return nodepool


def nodepools_of(tx: Transaction, project_id: str, pool_name: str) -> list[JSON]:
    return [nodepool for nodepool in tx.objects(NODEPOOL_KIND, project_id) if nodepool["_pool"] == pool_name]


def nodes_of(tx: Transaction, project_id: str, pool_name: str, nodepool_name: str | None = None) -> list[JSON]:
    return [
        node
        for node in tx.objects(NODE_KIND, project_id)
        if node["_pool"] == pool_name and nodepool_name in (None, node["_nodepool"])
    ]


def phase_of(node: JSON) -> str:
    return str(node.get("status", {}).get("phase", "Creating"))


def flavor_of(name: str) -> Flavor:
    flavor = find_flavor(name)
    if flavor is None:  # flavors are validated before anything is stored
        raise bad_request(f"unknown flavor {name!r}")
    return flavor


def pool_phase(pool: JSON) -> str:
    return str(pool["status"]["phase"])


# the pool's groups (spec.resources ↔ node pools) -----------------------------------------------
def group_entry(pool: JSON, nodepool_name: str) -> JSON | None:
    groups: list[str] = pool["_groups"]
    return pool["spec"]["resources"][groups.index(nodepool_name)] if nodepool_name in groups else None


def set_group_count(pool: JSON, nodepool_name: str, count: int) -> None:
    entry = group_entry(pool, nodepool_name)
    if entry is not None:
        entry["count"] = count
        if "maxCount" in entry:  # a physical pool's maxCount equals its count (§10.13)
            entry["maxCount"] = count


def remove_group(pool: JSON, nodepool_name: str) -> None:
    groups: list[str] = pool["_groups"]
    if nodepool_name in groups:
        index = groups.index(nodepool_name)
        del groups[index]
        del pool["spec"]["resources"][index]


def set_nodepool_count(tx: Transaction, project_id: str, nodepool: JSON, count: int) -> None:
    resources = nodepool["spec"]["resources"]
    resources["count"] = count
    resources["maxCount"] = count
    tx.put(NODEPOOL_KIND, project_id, nodepool_key(nodepool["_pool"], nodepool["metadata"]["name"]), nodepool)


# nodes -----------------------------------------------------------------------------------------
def default_az(flavor: Flavor, region: str) -> str:
    return flavor.available_azs(region)[0]


def _free_node_name(tx: Transaction, project_id: str, prefix: str) -> str:
    while True:
        name = f"{prefix}-{random_suffix()}"
        if tx.get(NODE_KIND, project_id, name) is None:
            return name


def add_nodes(
    tx: Transaction, project_id: str, pool: JSON, nodepool_name: str, flavor: str, azs: list[str]
) -> list[str]:
    """New ``Creating`` nodes, one per entry of ``azs``; named ``<prefix>-xxxxx`` (§2.3)."""
    pool_name = pool["metadata"]["name"]
    prefix = pool["metadata"]["labels"].get(NODE_PREFIX_LABEL, DEFAULT_NODE_PREFIX)
    names = []
    for az in azs:
        name = _free_node_name(tx, project_id, prefix)
        node = {
            "kind": "Node",
            "apiVersion": "v2",
            "metadata": {
                "name": name,
                "creationTimestamp": rfc3339_now(),
                "labels": {CLUSTER_LABEL: pool_name, NODEPOOL_LABEL: nodepool_name},
            },
            "spec": {"flavor": flavor},
            "status": {"phase": "Creating", "az": az},
            "_pool": pool_name,
            "_nodepool": nodepool_name,
        }
        tx.put(NODE_KIND, project_id, name, node)
        names.append(name)
    return names


def _used_ips(tx: Transaction, project_id: str, network_name: str) -> set[str]:
    pools_on_network = {
        pool["metadata"]["name"]
        for pool in tx.objects(POOL_KIND, project_id)
        if pool["spec"]["network"]["name"] == network_name
    }
    return {
        str(node["status"]["privateIp"])
        for node in tx.objects(NODE_KIND, project_id)
        if node["_pool"] in pools_on_network and "privateIp" in node.get("status", {})
    }


def _allocate_ip(network: ipaddress.IPv4Network | ipaddress.IPv6Network, used: set[str]) -> str:
    for host in network.hosts():
        if str(host) not in used:
            used.add(str(host))
            return str(host)
    raise bad_request(f"the network {network} has no free address left")


def make_available(tx: Transaction, project_id: str, pool: JSON, names: list[str]) -> None:
    """Nodes come up: an address from the pool's network, and the flavor's allocatable resources."""
    network_name = pool["spec"]["network"]["name"]
    # A network cannot be deleted while a pool uses it, so the pool's network is always there.
    network = ipaddress.ip_network((tx.get(NETWORK_KIND, project_id, network_name) or {})["spec"]["cidr"])
    used = _used_ips(tx, project_id, network_name)
    for name in names:
        node = tx.get(NODE_KIND, project_id, name)
        if node is None:
            continue
        flavor = flavor_of(node["spec"]["flavor"])
        status = node["status"]
        node["status"] = {
            "phase": "Available",
            "az": status["az"],
            "privateIp": status.get("privateIp") or _allocate_ip(network, used),
            "resources": flavor.node_resources(),
            "availableResources": flavor.node_available_resources(),
        }
        tx.put(NODE_KIND, project_id, name, node)


def set_node_phase(tx: Transaction, project_id: str, names: list[str], phase: str) -> None:
    for name in names:
        node = tx.get(NODE_KIND, project_id, name)
        if node is not None:
            node["status"]["phase"] = phase
            tx.put(NODE_KIND, project_id, name, node)


def names_in_phase(tx: Transaction, project_id: str, names: list[str], phase: str) -> list[str]:
    nodes = (tx.get(NODE_KIND, project_id, name) for name in names)
    return [node["metadata"]["name"] for node in nodes if node is not None and phase_of(node) == phase]


def _removal_order(nodes: list[JSON]) -> list[JSON]:
    return sorted(reversed(nodes), key=lambda node: REMOVAL_RANK.get(phase_of(node), len(REMOVAL_RANK)))


def plan_scaling(
    live: list[JSON], count: int, azs: list[JSON] | None, fallback_az: str
) -> tuple[list[str], list[JSON]]:
    """The AZs of the nodes to add and the nodes to remove so that ``live`` matches the target."""
    if not azs:
        missing = count - len(live)
        return [fallback_az] * max(missing, 0), _removal_order(live)[: max(-missing, 0)]
    wanted = {str(item["az"]): int(item["count"]) for item in azs}
    by_az: dict[str, list[JSON]] = {}
    for node in live:
        by_az.setdefault(node["status"]["az"], []).append(node)
    adds: list[str] = []
    removes: list[JSON] = []
    for az in [*wanted, *(az for az in by_az if az not in wanted)]:
        have, want = by_az.get(az, []), wanted.get(az, 0)
        adds += [az] * max(want - len(have), 0)
        removes += _removal_order(have)[: max(len(have) - want, 0)]
    return adds, removes


def converge_nodes(
    tx: Transaction, lifecycle: Lifecycle, project_id: str, pool: JSON, nodepool: JSON, trigger: tuple[str, str]
) -> None:
    """Start the node changes that bring a node pool to its ``spec.resources`` count (and AZs).

    ``trigger`` is the (kind, id) whose armed failure decides how the change ends.
    """
    resources = nodepool["spec"]["resources"]
    name = nodepool["metadata"]["name"]
    flavor = flavor_of(resources["flavor"])
    live = [node for node in nodes_of(tx, project_id, pool["metadata"]["name"], name) if phase_of(node) != "Deleting"]
    adds, removes = plan_scaling(
        live, int(resources["count"]), resources.get("azs"), default_az(flavor, pool["_region"])
    )
    kind, obj_id = trigger
    args: dict[str, Any] = {"pool": pool["metadata"]["name"], "kind": kind, "id": obj_id}
    if adds:
        created = add_nodes(tx, project_id, pool, name, flavor.name, adds)
        lifecycle.schedule(tx, project_id, PROVISION_DELAY_SECONDS, PROVISIONED_STEP, {**args, "nodes": created})
    if removes:
        doomed = [node["metadata"]["name"] for node in removes]
        set_node_phase(tx, project_id, doomed, "Deleting")
        lifecycle.schedule(tx, project_id, REMOVE_DELAY_SECONDS, REMOVED_STEP, {**args, "nodes": doomed})


def start_removal(
    tx: Transaction,
    lifecycle: Lifecycle,
    project_id: str,
    pool_name: str,
    names: list[str],
    trigger: tuple[str, str],
    *,
    drop_nodepool: str | None = None,
    shrink: bool = False,
) -> None:
    """Nodes go ``Deleting``; a step drops them (and the node pool, or lowers counts when ``shrink``)."""
    set_node_phase(tx, project_id, names, "Deleting")
    kind, obj_id = trigger
    args = {"pool": pool_name, "kind": kind, "id": obj_id, "nodes": names, "drop": drop_nodepool, "shrink": shrink}
    lifecycle.schedule(tx, project_id, REMOVE_DELAY_SECONDS, REMOVED_STEP, args)


def remove_nodepool(
    tx: Transaction, lifecycle: Lifecycle, project_id: str, pool_name: str, nodepool_name: str, trigger: tuple[str, str]
) -> None:
    """The node pool is marked ``_deleting`` and its nodes go ``Deleting``; a step drops them and it."""
    nodepool = get_nodepool(tx, project_id, pool_name, nodepool_name)
    names = [
        node["metadata"]["name"]
        for node in nodes_of(tx, project_id, pool_name, nodepool_name)
        if phase_of(node) != "Deleting"
    ]
    nodepool["_deleting"] = True
    tx.put(NODEPOOL_KIND, project_id, nodepool_key(pool_name, nodepool_name), nodepool)
    start_removal(tx, lifecycle, project_id, pool_name, names, trigger, drop_nodepool=nodepool_name)


# status ----------------------------------------------------------------------------------------
def _bucket_entry(nodepool: JSON, nodes: list[JSON], with_max: bool) -> JSON:
    resources = nodepool["spec"]["resources"]
    per_az = Counter(str(node.get("status", {}).get("az", "")) for node in nodes)
    entry: JSON = {"flavor": resources["flavor"], "count": len(nodes)}
    if with_max:
        entry["maxCount"] = resources.get("maxCount", resources["count"])
    entry["azs"] = [{"az": az, "count": count} for az, count in per_az.items()]
    entry["nodePool"] = nodepool["metadata"]["name"]
    return entry


def _buckets(nodes: list[JSON]) -> dict[str, list[JSON]]:
    grouped: dict[str, list[JSON]] = {bucket: [] for bucket in BUCKETS}
    for node in nodes:
        grouped[BUCKET_OF_PHASE.get(phase_of(node), "abnormal")].append(node)
    return grouped


def sync_status(tx: Transaction, project_id: str, pool: JSON) -> None:
    """Recompute the pool's and its node pools' ``status.resources``; empty buckets are omitted."""
    pool_name = pool["metadata"]["name"]
    pool_buckets: dict[str, list[JSON]] = {bucket: [] for bucket in BUCKETS}
    totals: Counter[str] = Counter()
    for nodepool in nodepools_of(tx, project_id, pool_name):
        grouped = _buckets(nodes_of(tx, project_id, pool_name, nodepool["metadata"]["name"]))
        nodepool["status"] = {
            "resources": {b: _bucket_entry(nodepool, nodes, with_max=True) for b, nodes in grouped.items() if nodes}
        }
        tx.put(NODEPOOL_KIND, project_id, nodepool_key(pool_name, nodepool["metadata"]["name"]), nodepool)
        for bucket, nodes in grouped.items():
            if nodes:
                pool_buckets[bucket].append(_bucket_entry(nodepool, nodes, with_max=False))
                totals[bucket] += len(nodes)
    pool["status"]["resources"] = {bucket: entries for bucket, entries in pool_buckets.items() if entries}
    old = tuple(pool.get("_counts", (0, 0, 0, 0)))
    new = tuple(totals[bucket] for bucket in EVENT_COUNT_ORDER)
    if old != new:
        record_counts_change(
            tx, project_id, pool_name, (old[0], old[1], old[2], old[3]), (new[0], new[1], new[2], new[3])
        )
        pool["_counts"] = list(new)


def set_phase(tx: Transaction, project_id: str, pool: JSON, phase: str, message: str = "") -> None:
    old = pool_phase(pool)
    if old != phase:
        record_phase_change(tx, project_id, pool["metadata"]["name"], old, phase, message)
    pool["status"]["phase"] = phase
    if message:
        pool["status"]["message"] = message
    else:
        pool["status"].pop("message", None)


def refresh_pool(tx: Transaction, project_id: str, pool_name: str, failure: str | None = None) -> None:
    """After a node change: recompute status; a failure makes a live pool ``Abnormal`` with the reason,
    a success makes it ``Running`` again unless nodes are still abnormal."""
    pool = tx.get(POOL_KIND, project_id, pool_name)
    if pool is None:
        return
    sync_status(tx, project_id, pool)
    if pool_phase(pool) in ("Running", "Abnormal"):
        if failure is not None:
            set_phase(tx, project_id, pool, "Abnormal", failure)
        elif pool_phase(pool) == "Abnormal" and "abnormal" not in pool["status"]["resources"]:
            set_phase(tx, project_id, pool, "Running")
    tx.put(POOL_KIND, project_id, pool_name, pool)


# steps -----------------------------------------------------------------------------------------
def _settling(tx: Transaction, project_id: str, args: dict[str, Any], phase: str) -> list[str]:
    """The step's nodes still in ``phase``, or none when the pool is gone or being deleted."""
    pool = tx.get(POOL_KIND, project_id, args["pool"])
    if pool is None or pool_phase(pool) == "Deleting":
        return []
    return names_in_phase(tx, project_id, list(args["nodes"]), phase)


@step(PROVISIONED_STEP)
def _nodes_provisioned(tx: Transaction, project_id: str, args: dict[str, Any]) -> None:
    pending = _settling(tx, project_id, args, "Creating")
    if not pending:
        return
    failure = consume_failure(tx, project_id, args["kind"], args["id"])
    if failure is None:
        make_available(tx, project_id, get_pool(tx, project_id, args["pool"]), pending)
    else:
        set_node_phase(tx, project_id, pending, "Abnormal")
    refresh_pool(tx, project_id, args["pool"], failure)


@step(REMOVED_STEP)
def _nodes_removed(tx: Transaction, project_id: str, args: dict[str, Any]) -> None:
    pool = tx.get(POOL_KIND, project_id, args["pool"])
    if pool is None or pool_phase(pool) == "Deleting":
        return
    pending = names_in_phase(tx, project_id, list(args["nodes"]), "Deleting")
    if not pending and not args.get("drop"):
        return
    failure = consume_failure(tx, project_id, args["kind"], args["id"])
    if failure is not None:
        make_available(tx, project_id, get_pool(tx, project_id, args["pool"]), pending)
        _undo_nodepool_deletion(tx, project_id, args["pool"], args.get("drop"))
    else:
        _drop_nodes(tx, project_id, args["pool"], pending, shrink=bool(args.get("shrink")))
        if args.get("drop"):
            _drop_nodepool(tx, project_id, args["pool"], str(args["drop"]))
    refresh_pool(tx, project_id, args["pool"], failure)


@step(REBOOTED_STEP)
def _nodes_rebooted(tx: Transaction, project_id: str, args: dict[str, Any]) -> None:
    set_node_phase(tx, project_id, _settling(tx, project_id, args, "Checking"), "Available")
    refresh_pool(tx, project_id, args["pool"])


def _drop_nodes(tx: Transaction, project_id: str, pool_name: str, names: list[str], *, shrink: bool) -> None:
    """Remove nodes; with ``shrink`` (batch delete, §10.4) also lower their node pools' counts."""
    removed_per_nodepool: Counter[str] = Counter()
    for name in names:
        node = tx.get(NODE_KIND, project_id, name)
        if node is not None:
            removed_per_nodepool[node["_nodepool"]] += 1
            tx.delete(NODE_KIND, project_id, name)
    if not shrink:
        return
    pool = get_pool(tx, project_id, pool_name)
    for nodepool_name, removed in removed_per_nodepool.items():
        nodepool = tx.get(NODEPOOL_KIND, project_id, nodepool_key(pool_name, nodepool_name))
        if nodepool is None:
            continue
        count = max(int(nodepool["spec"]["resources"]["count"]) - removed, 0)
        set_nodepool_count(tx, project_id, nodepool, count)
        set_group_count(pool, nodepool_name, count)
        if count == 0:
            tx.delete(NODEPOOL_KIND, project_id, nodepool_key(pool_name, nodepool_name))
            remove_group(pool, nodepool_name)
    tx.put(POOL_KIND, project_id, pool_name, pool)


def _drop_nodepool(tx: Transaction, project_id: str, pool_name: str, nodepool_name: str) -> None:
    tx.delete(NODEPOOL_KIND, project_id, nodepool_key(pool_name, nodepool_name))
    pool = get_pool(tx, project_id, pool_name)
    remove_group(pool, nodepool_name)
    tx.put(POOL_KIND, project_id, pool_name, pool)


def _undo_nodepool_deletion(tx: Transaction, project_id: str, pool_name: str, nodepool_name: str | None) -> None:
    """A failed removal keeps the node pool, listed again in the pool's ``spec.resources``."""
    if nodepool_name is None:
        return
    nodepool = tx.get(NODEPOOL_KIND, project_id, nodepool_key(pool_name, nodepool_name))
    if nodepool is None:
        return
    nodepool.pop("_deleting", None)
    tx.put(NODEPOOL_KIND, project_id, nodepool_key(pool_name, nodepool_name), nodepool)
    pool = get_pool(tx, project_id, pool_name)
    if group_entry(pool, nodepool_name) is None:
        resources = nodepool["spec"]["resources"]
        pool["_groups"].append(nodepool_name)
        pool["spec"]["resources"].append({"flavor": resources["flavor"], "count": resources["count"]})
        tx.put(POOL_KIND, project_id, pool_name, pool)
