"""A group of nodes of one shape in a central platform cluster (``/CCP/cluster/nodes``, seed 004 A.7–A.9).

API facts (digest ``tbax-central-compute.md`` §5.6–5.8 and §14.2):

* ``POST /CCP/cluster/nodes`` with ``{regionId, clusterCode, count, spec{nodeResource}}`` adds
  ``count`` machines and answers their ids in a top-level ``nodeId`` list (table A.30).
  ``DELETE /CCP/cluster/nodes`` with ``{clusterCode, nodeId[]}`` removes the named machines;
  ``GET /CCP/cluster/nodes`` lists the cluster's nodes (``data``: a list, or one object as in the
  example). Nodes carry no group label and no state: a node exists once it is listed.
* So a node group is provider logic: its node ids are state (the ``node_ids`` output, in creation
  order). A larger ``count`` adds the difference with one POST; a smaller one deletes the newest
  nodes. Every other input is create-only.
* The id is ``<clusterCode>/<nodeId>,<nodeId>…`` of the nodes first created; the same form imports
  existing nodes as a group. The group's members after scaling are the ``node_ids`` output.
* Node details are read with the standard's spellings and their corrections (``interallp`` /
  ``internalIp``, ``externallp`` / ``externalIp``, ``memoy`` / ``memory``, ``xpuType`` / ``aiCardType``).
  The shape (``node_resource``) is kept from the program: a node reports ``disk`` as one number, so
  the root/data split cannot be read back, and its drift is not detected (an import takes the
  first node's cpu, memory, cards and disk, as the root disk).
* Nodes carry nothing to find them by, so an add whose answer is lost (a dropped response, a 5xx
  after the commit) is reconciled by what the cluster holds: the nodes listed before the POST are
  compared with those listed after, and exactly ``count`` new nodes of the group's shape are the
  group's (none: the POST is sent again; another number: an error that names the cluster and the
  nodes to check). A POST that never left (a refused connection, a 503 from the token endpoint) is
  simply sent again. A create repeated after an interrupted deployment (``AICOMPUTE_RECONCILE_CREATES``)
  has no "before": it adopts the cluster's nodes of the group's shape when there are exactly ``count``
  of them and the cluster was created with none of that shape, and otherwise stops with an error that
  names the cluster and those nodes (adding more could only duplicate them).
* Default timeouts: 20 minutes, as terraform-provider-huaweicloud's ``huaweicloud_cce_node_pool``
  (peers.md §1.5).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Annotated, Any

import pulumi
from pulumi.dynamic import UpdateResult
from pydantic import BaseModel, ConfigDict, Field

from aicompute.provider.central import CentralClient, as_list, segment
from aicompute.provider.errors import ApiError, NotFound
from aicompute.provider.generic import Fields
from aicompute.provider.http import reconcile_creates_requested
from aicompute.provider.schema import CreateOnly, Updatable, WriteOnly
from aicompute.provider.timeouts import TimeoutsInput
from aicompute.provider.update_calls import Update, makes
from aicompute.provider.waiters import Waiter, wait_for
from aicompute.resources.base import DynamicResource, output_names
from aicompute.resources.central._base import (
    CentralProvider,
    NodeResource,
    first,
    node_resource_body,
    xpus_from_live,
)
from aicompute.resources.inputs import NodeResourceDict, TimeoutsDict

log = logging.getLogger("aicompute.provider")

# The node ids of the group being worked on, from the state (set per provider call).
_members: ContextVar[list[str] | None] = ContextVar("cluster_node_members", default=None)


UPDATE = "POST /CCP/cluster/nodes (scale out) or DELETE /CCP/cluster/nodes (scale in)"


class ClusterNodesArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    cluster_code: Annotated[str, CreateOnly()] = Field(
        min_length=1, description="The cluster's clusterCode (Cluster.id)."
    )
    node_resource: Annotated[NodeResource, CreateOnly()] = Field(
        description="The machine shape of every node of the group."
    )
    count: Annotated[int, Updatable(via=UPDATE)] = Field(
        ge=1, description="Number of nodes; changing it adds or removes nodes in place."
    )
    region_id: Annotated[str | None, CreateOnly(), WriteOnly()] = Field(
        default=None, min_length=1, description="Region id, e.g. cn-bj-d."
    )
    timeouts: TimeoutsInput = None


class ClusterNodesOutputs(BaseModel):
    """What a central platform node group reports besides its inputs."""

    node_ids: list[str] = Field(description="The group's node ids, oldest first (a scale-down removes from the end).")
    nodes: list[dict[str, Any]] = Field(
        description="Per node: node_id, internal_ip, external_ip, machine_type, cpu, memory, disk, xpu_resources."
    )


def split_id(resource_id: str) -> tuple[str, list[str]]:
    cluster_code, _, nodes = resource_id.partition("/")
    return cluster_code, [node for node in nodes.split(",") if node]


def _same_shape(body: Any, wanted: Mapping[str, Any]) -> bool:
    """Whether a node group's ``nodeResource`` body is ``wanted`` (cards in any order)."""
    if not isinstance(body, dict):
        return False

    def key(shape: Mapping[str, Any]) -> tuple[Any, ...]:
        cards = sorted((c.get("xpuType"), c.get("num")) for c in as_list(shape.get("xpuResources")))
        disks = (shape.get("rootDiskSize"), shape.get("localDiskSize") or 0)
        return (shape.get("cpu"), shape.get("mem"), disks, cards)

    return key(body) == key(wanted)


def node_from_live(node: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "node_id": str(node.get("nodeId")),
        "internal_ip": first(node, "internalIp", "interalIp", "interallp", "internallp"),
        "external_ip": first(node, "externalIp", "externallp"),
        "machine_type": node.get("machineType"),
        "cpu": node.get("cpu"),
        "memory": first(node, "memory", "memoy", "mem"),
        "disk": node.get("disk"),
        "xpu_resources": xpus_from_live(node.get("xpuResources")),
    }


class ClusterNodesProvider(CentralProvider[ClusterNodesArgs]):
    kind = "central platform node group"
    args_model = ClusterNodesArgs
    outputs_model = ClusterNodesOutputs
    summary = "Nodes of one shape in a cluster, scaled by ``count``; the id is ``<clusterCode>/<first node ids>``."
    fields = Fields.of(ClusterNodesArgs)
    default_timeouts = {"create": 1200, "update": 1200, "delete": 1200}

    # The group's members come from the state; the resource id names only the first nodes.
    @contextmanager
    def _group(self, resource_id: str, props: Mapping[str, Any]) -> Iterator[None]:
        known = props.get("node_ids")
        members = [str(n) for n in known] if isinstance(known, list) else split_id(resource_id)[1]
        token = _members.set(members)
        try:
            yield
        finally:
            _members.reset(token)

    def _node_ids(self, resource_id: str) -> list[str]:
        members = _members.get()
        return members if members is not None else split_id(resource_id)[1]

    # No list: a group exists only in its state (the platform lists nodes, not groups), so the
    # listing could not name it; every group is read one by one, with its members from the state.
    def read_live(self, api: CentralClient, resource_id: str, props: Mapping[str, Any]) -> dict[str, Any] | None:
        with self._group(resource_id, props):
            return self.read_resource(api, resource_id)

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        with self._group(id_, olds):
            return super().update(id_, olds, news)

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        with self._group(id_, props):
            super().delete(id_, props)

    # hooks ------------------------------------------------------------------------------------
    def create_resource(self, api: CentralClient, args: ClusterNodesArgs, timeout: float) -> str:
        adopted = self._left_by_an_interrupted_create(api, args) if reconcile_creates_requested() else None
        added = adopted if adopted is not None else self._add_reconciled(api, args, args.count)
        resource_id = f"{args.cluster_code}/{','.join(added)}"
        token = _members.set(list(added))
        try:
            self.wait_created(api, resource_id, self._listed(api, args.cluster_code, added), timeout)
        finally:
            _members.reset(token)
        return resource_id

    def read_resource(self, api: CentralClient, resource_id: str) -> dict[str, Any] | None:
        cluster_code, _ = split_id(resource_id)
        wanted = self._node_ids(resource_id)
        listed = self._list(api, cluster_code)
        if listed is None:
            return None
        present = [listed[node] for node in wanted if node in listed]
        if not present:
            return None
        nodes = [node_from_live(node) for node in present]
        live: dict[str, Any] = {
            "cluster_code": cluster_code,
            "count": len(present),
            "node_ids": [node["node_id"] for node in nodes],
            "nodes": nodes,
        }
        return live

    def reconcile_live(self, live: dict[str, Any], inputs: Mapping[str, Any]) -> dict[str, Any]:
        """The program's shape; an import, which has none yet, reads it from the first node's report
        (its one ``disk`` figure as the root disk)."""
        if inputs.get("node_resource") is not None:
            return {**live, "node_resource": inputs["node_resource"]}
        node = live["nodes"][0]
        shape = {
            "cpu": node["cpu"],
            "mem": node["memory"],
            "root_disk_size": node["disk"],
            "local_disk_size": 0,
            "xpu_resources": node["xpu_resources"],
        }
        return {**live, "node_resource": shape}

    @makes(UPDATE)  # the count's direction picks the call: add nodes (reconciled) or remove the last ones
    def _scale(self, api: CentralClient, update: Update[ClusterNodesArgs]) -> None:
        new, members = update.new, self._node_ids(update.resource_id)
        if new.count > len(members):
            added = self._add_reconciled(api, new, new.count - len(members))
            members.extend(added)
            wait_for(self._listed(api, new.cluster_code, added), api.settings, update.timeout)
        elif new.count < len(members):
            removed = members[new.count :]
            self._remove(api, new.cluster_code, removed, new.region_id, update.timeout)
            del members[new.count :]

    def delete_resource(
        self, api: CentralClient, resource_id: str, args: ClusterNodesArgs | None, timeout: float
    ) -> None:
        cluster_code, _ = split_id(resource_id)
        members = self._node_ids(resource_id)
        listed = self._list(api, cluster_code)
        if listed is None:
            raise NotFound(404, "CCP.nodes", f"cluster {cluster_code} is gone")
        present = [node for node in members if node in listed]
        if not present:
            raise NotFound(404, "CCP.nodes", f"no node of group {resource_id} is left")
        self._remove(api, cluster_code, present, args.region_id if args else None, timeout)

    # calls ------------------------------------------------------------------------------------
    def _add_reconciled(self, api: CentralClient, args: ClusterNodesArgs, count: int) -> list[str]:
        """``_add``, retried when its outcome is unknown: the nodes the cluster gained meanwhile
        are the ones added (see the module's docstring)."""
        before = set(self._list_existing(api, args.cluster_code))
        for attempt in api.retrying():
            with attempt:
                if attempt.retry_state.attempt_number > 1:
                    found = self._new_nodes(api, args, before, count)
                    if found:
                        log.info("adopting nodes %s added by an earlier attempt", ", ".join(found))
                        return found
                return self._add(api, args, count)
        raise AssertionError("unreachable: tenacity reraises")

    def _new_nodes(self, api: CentralClient, args: ClusterNodesArgs, before: set[str], count: int) -> list[str]:
        """The nodes of the group's shape the cluster gained since ``before``: ``count`` of them, or none."""
        listed = self._list_existing(api, args.cluster_code)
        gained = [node for node, live in listed.items() if node not in before and self._shaped(live, args)]
        if gained and len(gained) != count:
            raise ApiError(
                409,
                "CCP.nodes",
                f"cluster {args.cluster_code} gained nodes {', '.join(gained)} of this shape while {count} were being "
                "added and the answer was lost: check the cluster's nodes, then import the group's "
                f"(`{args.cluster_code}/<node ids>`) or delete the extra ones",
            )
        return gained

    def _left_by_an_interrupted_create(self, api: CentralClient, args: ClusterNodesArgs) -> list[str] | None:
        """The nodes an interrupted create of this group added: the cluster's nodes of its shape when
        the cluster was created with none of that shape and there are ``count`` of them; None if
        there are none."""
        listed = self._list_existing(api, args.cluster_code)
        candidates = [node for node, live in listed.items() if self._shaped(live, args)]
        if not candidates:
            return None
        if len(candidates) == args.count and not self._own_of_shape(api, args):
            log.info("adopting nodes %s an interrupted deployment added", ", ".join(candidates))
            return candidates
        raise ApiError(
            409,
            "CCP.nodes",
            f"an interrupted deployment was adding {args.count} nodes to cluster {args.cluster_code}, which has "
            f"nodes {', '.join(candidates)} of this shape: which of them it added cannot be told, so no node is "
            f"added; import the group's nodes (`{args.cluster_code}/<node ids>`) or delete the extra ones",
        )

    def _own_of_shape(self, api: CentralClient, args: ClusterNodesArgs) -> int:
        """How many nodes of the group's shape the cluster was created with (its spec's node groups)."""
        path = f"/CCP/clusters/{segment(args.cluster_code)}"
        detail = api.data_or_none(path, {"clusterCode": args.cluster_code})
        spec = detail.get("spec") if isinstance(detail, dict) else None
        groups = spec.get("nodes") if isinstance(spec, dict) else None
        wanted = node_resource_body(args.node_resource)
        return sum(
            int(group.get("count") or 0)
            for group in as_list(groups)
            if isinstance(group, dict) and _same_shape(group.get("nodeResource"), wanted)
        )

    def _list_existing(self, api: CentralClient, cluster_code: str) -> dict[str, dict[str, Any]]:
        listed = self._list(api, cluster_code)
        if listed is None:
            raise NotFound(404, "CCP.nodes", f"cluster {cluster_code} does not exist")
        return listed

    @staticmethod
    def _shaped(live: Mapping[str, Any], args: ClusterNodesArgs) -> bool:
        """Whether a listed node has the group's shape (cpu, memory, disk, cards)."""
        node, shape = node_from_live(live), args.node_resource
        cards = sorted((x.xpu_type, x.num) for x in shape.xpu_resources or [])
        return (
            node["cpu"] == shape.cpu
            and node["memory"] == shape.mem
            and node["disk"] == shape.root_disk_size + shape.local_disk_size
            and sorted((x["xpu_type"], x["num"]) for x in node["xpu_resources"]) == cards
        )

    def _add(self, api: CentralClient, args: ClusterNodesArgs, count: int) -> list[str]:
        body: dict[str, Any] = {
            "clusterCode": args.cluster_code,
            "count": count,
            "spec": {"nodeResource": node_resource_body(args.node_resource), "count": count},
        }
        if args.region_id:
            body["regionId"] = args.region_id
        answer = api.call("POST", "/CCP/cluster/nodes", body)
        ids = answer.get("nodeId") if isinstance(answer, dict) else None
        if ids is None and isinstance(answer, dict) and isinstance(answer.get("data"), dict):
            ids = answer["data"].get("nodeId")  # tolerate the id list under data
        added = [str(node) for node in as_list(ids)]
        if len(added) != count:
            raise ApiError(
                200, "CCP.nodes", f"asked cluster {args.cluster_code} for {count} nodes, got ids {added or 'none'}"
            )
        return added

    def _remove(
        self, api: CentralClient, cluster_code: str, nodes: list[str], region_id: str | None, timeout: float
    ) -> None:
        body: dict[str, Any] = {"clusterCode": cluster_code, "nodeId": nodes}
        if region_id:
            body["regionId"] = region_id
        api.call("DELETE", "/CCP/cluster/nodes", body)
        waiter = Waiter(
            what=f"removal of nodes {', '.join(nodes)} from cluster {cluster_code}",
            fetch=lambda: self._list(api, cluster_code) or {},
            state=lambda listed: "removed" if not set(nodes) & set(listed) else "removing",
            target={"removed"},
        )
        wait_for(waiter, api.settings, timeout)

    def _list(self, api: CentralClient, cluster_code: str) -> dict[str, dict[str, Any]] | None:
        """The cluster's nodes by id, or None when the cluster is gone."""
        data = api.data_or_none("/CCP/cluster/nodes", {"clusterCode": cluster_code})
        if data is None:
            return None
        return {str(n["nodeId"]): n for n in as_list(data) if isinstance(n, dict) and n.get("nodeId") is not None}

    def _listed(self, api: CentralClient, cluster_code: str, nodes: list[str]) -> Waiter[dict[str, dict[str, Any]]]:
        def fetch() -> dict[str, dict[str, Any]] | None:
            return self._list(api, cluster_code)

        return Waiter(
            what=f"nodes {', '.join(nodes)} of cluster {cluster_code}",
            fetch=fetch,
            state=lambda listed: "listed" if set(nodes) <= set(listed) else "adding",
            target={"listed"},
        )


# --- generated by `make generate` from ClusterNodesProvider: do not edit below this line ---
class ClusterNodes(DynamicResource, module="central", name="ClusterNodes"):
    """Nodes of one shape in a cluster, scaled by ``count``; the id is ``<clusterCode>/<first node ids>``."""

    _provider_class = ClusterNodesProvider
    _outputs, _secret_outputs = output_names(ClusterNodesProvider)

    cluster_code: pulumi.Output[str]
    node_resource: pulumi.Output[dict[str, Any]]
    count: pulumi.Output[int]
    region_id: pulumi.Output[str | None]
    timeouts: pulumi.Output[dict[str, Any] | None]
    node_ids: pulumi.Output[list[str]]
    nodes: pulumi.Output[list[dict[str, Any]]]

    def __init__(
        self,
        resource_name: str,
        *,
        cluster_code: pulumi.Input[str],
        node_resource: pulumi.Input[NodeResourceDict],
        count: pulumi.Input[int],
        region_id: pulumi.Input[str] | None = None,
        timeouts: pulumi.Input[TimeoutsDict] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props: dict[str, Any] = {
            "cluster_code": cluster_code,
            "node_resource": node_resource,
            "count": count,
            "region_id": region_id,
            "timeouts": timeouts,
        }
        super().__init__(resource_name, props, opts)


# --- end of generated code ---
