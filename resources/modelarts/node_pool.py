"""ModelArts node pool (``/v2/{project_id}/pools/{pool_name}/nodepools``, seed §16.1–16.6).

* The id is ``<pool_name>/<name>`` (digest §10.3): the node-pool name is chosen by the user and is
  unique within its pool; import takes the same id.
* ``spec.resources`` is a single object here (digest §12 item 5), and so is each status bucket
  (``status.resources.{creating,available,abnormal,deleting}``, §12 item 4). There is no phase.
* Create-only: the pool, the name, the flavor (required in every PATCH, but digest §6.4 recommends
  treating it as immutable), the node network (digest §10.3) and the billing annotations (the PATCH
  schema has no metadata at all).
* Updated in place with a JSON merge patch of ``spec.resources`` (§16.4, which requires flavor,
  count and maxCount in every patch): count/maxCount (scaling), azs, taints, tags (arrays: replaced
  whole), labels and extendParams (maps: merged key by key, so a removed key is sent as null) and
  creatingStep. Scaling changes this node pool only; the pool's other node pools are untouched.
* A create or scale is done when the node pool's ``creating`` and ``deleting`` buckets are gone and
  ``available.count`` equals the desired count (digest §9.4); abnormal nodes with nothing left
  creating fail the wait. A node pool whose creation fails is deleted again, so its name is free.
* Not found is 400 ``ModelArts.50004000`` "Bad request. invalid nodepool name" (§12 item 6) or 404
  ``ModelArts.50015001`` when the whole pool is gone; both read as gone.
* Default deadlines are 90 minutes: nodes come from the same order-and-provision path as a pool
  scale-out, which terraform-provider-huaweicloud gives 90 minutes (peers §1.2); shorter node-pool
  deadlines are a known pain (peers §2.1, opentelekomcloud#940).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Annotated, Any, Literal

import pulumi
from pydantic import BaseModel, ConfigDict, Field, field_validator

from aicompute.provider.generic import Fields
from aicompute.provider.modelarts import ModelArtsClient
from aicompute.provider.schema import CreateOnly, ServerDefault, SetLike, Updatable
from aicompute.provider.timeouts import TimeoutsInput
from aicompute.provider.update_calls import Update, makes
from aicompute.provider.waiters import Waiter, wait_for, wait_until_gone
from aicompute.resources.base import DynamicResource, output_names
from aicompute.resources.inputs import AzCountDict, CreatingStepDict, NodeNetworkDict, TagDict, TaintDict, TimeoutsDict
from aicompute.resources.modelarts._base import ModelArtsProvider
from aicompute.resources.modelarts._pools import (
    BUCKETS,
    FLAVOR_RULE,
    NODE_LIST_LIMIT,
    NODEPOOL_LABEL,
    AzCount,
    BillingModeInput,
    PeriodNumInput,
    PeriodType,
    ServiceConsoleUrlInput,
    as_entries,
    azs_add_up,
    billing_annotations,
    billing_from_annotations,
    bucket_entry,
    bucket_total,
    flavor_format,
    list_pools,
    max_equals_count,
    names_of,
    node_items,
    node_names,
    prepaid_only,
)
from aicompute.resources.modelarts.resource_pool import ResourcePool, is_default_node_pool
from aicompute.resources.modelarts.workspace import WORKSPACE_LIST_LIMIT

# Kubernetes label syntax: an optional DNS-subdomain prefix and a name of up to 63 characters.
_LABEL_NAME = r"[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?"
LABEL_KEY = re.compile(rf"^([a-z0-9]([-a-z0-9.]{{0,251}}[a-z0-9])?/)?{_LABEL_NAME}$")
LABEL_VALUE = re.compile(rf"^({_LABEL_NAME})?$")
RESERVED_TAG_PREFIXES = ("CCE-", "__type_baremetal")
ID_SEPARATOR = "/"


class Taint(BaseModel):
    """A Kubernetes taint put on the node pool's nodes (not allowed in non-privileged pools)."""

    model_config = ConfigDict(extra="forbid")

    key: str = Field(min_length=1)
    value: str | None = None
    effect: Literal["NoSchedule", "PreferNoSchedule", "NoExecute"]


class Tag(BaseModel):
    """A resource tag of the nodes (not allowed in non-privileged pools)."""

    model_config = ConfigDict(extra="forbid")

    key: str = Field(min_length=1)
    value: str

    @field_validator("key")
    @classmethod
    def _not_reserved(cls, value: str) -> str:
        if value.startswith(RESERVED_TAG_PREFIXES):
            raise ValueError(f"{value!r}: a tag key must not start with 'CCE-' or '__type_baremetal'")
        return value


class NodeNetwork(BaseModel):
    """The nodes' VPC, subnet and security groups (not allowed in non-privileged pools)."""

    model_config = ConfigDict(extra="forbid")

    vpc: str | None = Field(default=None, min_length=1, description="VPC id.")
    subnet: str | None = Field(default=None, min_length=1, description="Subnet id.")
    security_groups: list[str] | None = Field(default=None, description="Security group ids.")


class CreatingStep(BaseModel):
    """Batch creation: how many nodes at a time, or whole racks."""

    model_config = ConfigDict(extra="forbid")

    step: int | None = Field(default=None, ge=1)
    type: Literal["rack"] | None = None


UPDATE = "PATCH /v2/{project_id}/pools/{pool}/nodepools/{name} (merge patch)"


class NodePoolArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    pool_name: Annotated[str, CreateOnly()] = Field(
        min_length=1, pattern=r"^[^/]+$", description="The ResourcePool's id (its generated metadata.name)."
    )
    name: Annotated[str, CreateOnly()] = Field(
        min_length=1,
        max_length=64,
        pattern=r"^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$",
        description="Node-pool name, unique in the pool: letters, digits, '.' and '-', starting and ending with a "
        "letter or digit (undocumented rule, as localcloud applies it).",
    )
    flavor: Annotated[str, CreateOnly()] = Field(description=FLAVOR_RULE)
    count: Annotated[int, Updatable(via=UPDATE)] = Field(ge=1, description="Guaranteed node count (at least 1).")
    max_count: Annotated[int | None, ServerDefault("count"), Updatable(via=UPDATE)] = Field(
        default=None, description="Elastic count; equals count in a physical pool."
    )
    azs: Annotated[list[AzCount] | None, Updatable(via=UPDATE), SetLike()] = Field(
        default=None, description="Per-AZ node counts adding up to count."
    )
    taints: Annotated[list[Taint] | None, ServerDefault("the platform's"), Updatable(via=UPDATE), SetLike()] = None
    labels: Annotated[dict[str, str] | None, ServerDefault("the platform's"), Updatable(via=UPDATE)] = Field(
        default=None, description="Kubernetes labels of the nodes."
    )
    tags: Annotated[list[Tag] | None, ServerDefault("the platform's"), Updatable(via=UPDATE), SetLike()] = None
    network: Annotated[NodeNetwork | None, CreateOnly()] = Field(
        default=None, description="Node network; a change replaces."
    )
    extend_params: Annotated[dict[str, str] | None, ServerDefault("the platform's"), Updatable(via=UPDATE)] = Field(
        default=None, description="e.g. {'dockerBaseSize': '100'}."
    )
    creating_step: Annotated[CreatingStep | None, Updatable(via=UPDATE)] = None
    billing_mode: Annotated[BillingModeInput, CreateOnly()] = None
    period_type: Annotated[PeriodType | None, CreateOnly()] = Field(
        default=None, validate_default=True, description="Prepaid period unit: month, year or hour."
    )
    period_num: Annotated[PeriodNumInput, CreateOnly()] = None
    auto_renew: Annotated[bool | None, CreateOnly()] = Field(
        default=None, description="Renew prepaid nodes automatically."
    )
    promotion_info: Annotated[str | None, CreateOnly()] = Field(
        default=None, description="Discount chosen on the operations platform."
    )
    service_console_url: Annotated[ServiceConsoleUrlInput, CreateOnly()] = None
    order_id: Annotated[str | None, CreateOnly()] = Field(default=None, min_length=1, description="Order id (prepaid).")
    timeouts: TimeoutsInput = None

    _flavor_format = field_validator("flavor")(flavor_format)
    _max_equals_count = field_validator("max_count")(max_equals_count("a physical pool"))
    _azs_add_up = field_validator("azs")(azs_add_up)

    @field_validator("labels")
    @classmethod
    def _kubernetes_labels(cls, value: dict[str, str] | None) -> dict[str, str] | None:
        for key, label in (value or {}).items():
            if not LABEL_KEY.match(key):
                raise ValueError(f"{key!r} is not a Kubernetes label key ([prefix/]name, name up to 63 characters)")
            if not LABEL_VALUE.match(label):
                raise ValueError(f"{label!r} (label {key}) is not a Kubernetes label value (up to 63 characters)")
        return value

    @field_validator("taints")
    @classmethod
    def _distinct_taints(cls, value: list[Taint] | None) -> list[Taint] | None:
        keys = [(taint.key, taint.effect) for taint in value or []]
        if len(set(keys)) != len(keys):
            raise ValueError("each taint key and effect may appear only once")
        return value

    @field_validator("tags")
    @classmethod
    def _distinct_tags(cls, value: list[Tag] | None) -> list[Tag] | None:
        keys = [tag.key for tag in value or []]
        if len(set(keys)) != len(keys):
            raise ValueError("each tag key may appear only once")
        return value

    _prepaid_only = field_validator("period_type", "period_num")(prepaid_only)


class NodePoolOutputs(BaseModel):
    """What a ModelArts node pool reports besides its inputs."""

    status: str
    resource_status: dict[str, dict[str, Any] | None]
    nodes: list[str]


def split_id(resource_id: str) -> tuple[str, str]:
    """``<pool_name>/<name>`` into its parts."""
    pool_name, separator, name = resource_id.partition(ID_SEPARATOR)
    if not separator or not pool_name or not name:
        raise ValueError(f"a node pool id is '<pool_name>/<name>', not {resource_id!r}")
    return pool_name, name


# API <-> inputs --------------------------------------------------------------------------------
def _taint_body(taint: Taint) -> dict[str, Any]:
    return {k: v for k, v in taint.model_dump().items() if v is not None}


def _network_body(network: NodeNetwork) -> dict[str, Any]:
    body: dict[str, Any] = {}
    if network.vpc is not None:
        body["vpc"] = network.vpc
    if network.subnet is not None:
        body["subnet"] = network.subnet
    if network.security_groups is not None:
        body["securityGroups"] = list(network.security_groups)
    return body


def _map_patch(old: dict[str, str] | None, new: dict[str, str]) -> dict[str, str | None]:
    """A merge patch of a string map: the new values, and null for every key that went away."""
    return {**{key: None for key in old or {} if key not in new}, **new}


def _resources_body(args: NodePoolArgs, old: NodePoolArgs | None, changed: frozenset[str] | None) -> dict[str, Any]:
    """``spec.resources``: everything at create; for a PATCH the required trio plus what changed."""

    def wanted(field: str) -> bool:
        return getattr(args, field) is not None and (changed is None or field in changed)

    body: dict[str, Any] = {"flavor": args.flavor, "count": args.count, "maxCount": args.count}
    if changed is None:
        body["nodePool"] = args.name
    if wanted("azs") and args.azs is not None:
        body["azs"] = [{"az": az.az, "count": az.count} for az in args.azs]
    if wanted("taints") and args.taints is not None:
        body["taints"] = [_taint_body(taint) for taint in args.taints]
    if wanted("tags") and args.tags is not None:
        body["tags"] = [tag.model_dump() for tag in args.tags]
    if wanted("labels") and args.labels is not None:
        body["labels"] = _map_patch(old.labels if old else None, args.labels) if changed else dict(args.labels)
    if wanted("extend_params") and args.extend_params is not None:
        body["extendParams"] = (
            _map_patch(old.extend_params if old else None, args.extend_params) if changed else dict(args.extend_params)
        )
    if wanted("network") and args.network is not None:
        body["network"] = _network_body(args.network)
    if wanted("creating_step") and args.creating_step is not None:
        body["creatingStep"] = {k: v for k, v in args.creating_step.model_dump().items() if v is not None}
    return body


def _resources_from_live(resources: Mapping[str, Any]) -> dict[str, Any]:
    count = int(resources.get("count") or 0)
    network = resources.get("network")
    found: dict[str, Any] = {
        "flavor": resources.get("flavor"),
        "count": count,
        "max_count": int(resources.get("maxCount") or count),
        "azs": [{"az": az.get("az"), "count": az.get("count")} for az in resources["azs"]]
        if resources.get("azs") is not None
        else None,
        "taints": [
            {"key": t.get("key"), "value": t.get("value"), "effect": t.get("effect")}
            for t in resources.get("taints") or []
        ],
        "labels": dict(resources.get("labels") or {}),
        "tags": [{"key": t.get("key"), "value": t.get("value")} for t in resources.get("tags") or []],
        "network": {
            "vpc": network.get("vpc"),
            "subnet": network.get("subnet"),
            "security_groups": network.get("securityGroups"),
        }
        if isinstance(network, dict)
        else None,
        "extend_params": dict(resources.get("extendParams") or {}),
    }
    step = resources.get("creatingStep")
    if isinstance(step, dict):
        found["creating_step"] = {"step": step.get("step"), "type": step.get("type")}
    return found


def _buckets(status: Mapping[str, Any]) -> dict[str, dict[str, Any] | None]:
    """Each ``status.resources`` bucket as one entry (None when the server omits it)."""
    resources = status.get("resources") or {}
    found: dict[str, dict[str, Any] | None] = {}
    for bucket in BUCKETS:
        entries = as_entries(resources.get(bucket))
        found[bucket] = bucket_entry(entries[0]) if entries else None
    return found


def _progress(node_pool: Mapping[str, Any], count: int) -> str:
    """``Available`` once the node pool holds ``count`` available nodes and nothing is under way."""
    status = node_pool.get("status") or {}
    creating, deleting = bucket_total(status, "creating"), bucket_total(status, "deleting")
    available, abnormal = bucket_total(status, "available"), bucket_total(status, "abnormal")
    if not creating and not deleting and available == count and not abnormal:
        return "Available"
    if abnormal and not creating:
        return "Abnormal"
    parts = [f"{name} {n}" for name, n in (("creating", creating), ("deleting", deleting), ("abnormal", abnormal)) if n]
    return f"Scaling ({', '.join([*parts, f'available {available}/{count}'])})"


def _live(pool_name: str, name: str, node_pool: Mapping[str, Any], nodes: list[str]) -> dict[str, Any]:
    """A NodePool (a GET answer or a list item) and its node names as this resource's outputs."""
    metadata, status = node_pool.get("metadata") or {}, node_pool.get("status") or {}
    resources = (node_pool.get("spec") or {}).get("resources") or {}
    count = int(resources.get("count") or 0)
    return {
        "pool_name": pool_name,
        "name": metadata.get("name", name),
        **_resources_from_live(resources),
        # GET returns no annotations (they are echoed on create only): keep the program's values.
        **billing_from_annotations(metadata.get("annotations") or {}),
        "status": _progress(node_pool, count),
        "resource_status": _buckets(status),
        "nodes": nodes,
    }


def _by_node_pool(nodes: list[dict[str, Any]]) -> dict[str, list[str]]:
    """Node names grouped by the node pool their label names, in list order."""
    members: dict[str, list[str]] = {}
    for node in nodes:
        labels = (node.get("metadata") or {}).get("labels") or {}
        members.setdefault(str(labels.get(NODEPOOL_LABEL)), []).extend(names_of([node]))
    return members


class NodePoolProvider(ModelArtsProvider[NodePoolArgs]):
    kind = "ModelArts node pool"
    args_model = NodePoolArgs
    outputs_model = NodePoolOutputs
    summary = "A node pool of a ModelArts resource pool; its id is ``<pool_name>/<name>``."
    fields = Fields.of(
        NodePoolArgs, unique_key=frozenset({"pool_name", "name"})
    )  # a node-pool name is unique in its pool
    # 90 minutes: the pool's figure for the same node provisioning (peers §1.2, §2.1).
    default_timeouts = {"create": 5400, "update": 5400, "delete": 5400}

    # hooks -------------------------------------------------------------------------------------
    def create_resource(self, api: ModelArtsClient, args: NodePoolArgs, timeout: float) -> str:
        body = {
            "apiVersion": "v2",
            "kind": "NodePool",
            "metadata": {"name": args.name, "annotations": billing_annotations(args)},
            "spec": {"resources": _resources_body(args, None, None)},
        }
        collection = api.path("v2", f"pools/{args.pool_name}/nodepools")
        resource_id = f"{args.pool_name}{ID_SEPARATOR}{args.name}"

        def post() -> str:
            api.send_once("POST", collection, json=body)
            return resource_id

        def find() -> str | None:
            return resource_id if self._get(api, resource_id) is not None else None

        api.create_reconciled(post, find)
        self.wait_created(api, resource_id, self._waiter(api, resource_id, args.count), timeout)
        return resource_id

    def read_resource(self, api: ModelArtsClient, resource_id: str) -> dict[str, Any] | None:
        pool_name, name = split_id(resource_id)
        live = self._get(api, resource_id)
        if live is None:
            return None
        return _live(pool_name, name, live, node_names(api, f"pools/{pool_name}/nodepools/{name}/nodes"))

    def list_live(self, api: ModelArtsClient) -> Iterator[tuple[str, dict[str, Any]]]:
        """Per pool, its ``NodePoolList`` (whole NodePools, §16.1) and its node list, whose nodes
        name their node pool in a label: two calls per pool plus node pages, whatever the node pools."""
        for pool in list_pools(api, self.page_size(WORKSPACE_LIST_LIMIT)):
            pool_name = str(pool["metadata"]["name"])
            listing = api.get_or_none("v2", f"pools/{pool_name}/nodepools")
            nodes = node_items(api, f"pools/{pool_name}/nodes", self.page_size(NODE_LIST_LIMIT))
            if listing is None or nodes is None:
                continue  # deleted while being listed
            members = _by_node_pool(nodes)
            for node_pool in listing.get("items") or []:
                name = str((node_pool.get("metadata") or {}).get("name"))
                live = _live(pool_name, name, node_pool, members.get(name, []))
                yield f"{pool_name}{ID_SEPARATOR}{name}", live

    def owner(self, resource_id: str, live: Mapping[str, Any]) -> tuple[str, str] | None:
        """A flavor's default node pool belongs to its resource pool (made and deleted with it)."""
        pool_name, name = split_id(resource_id)
        flavor = live.get("flavor")
        if flavor and is_default_node_pool(name, str(flavor)):
            return ResourcePool.type_token(), pool_name
        return None

    # The patch always carries the required trio (flavor, count, maxCount) and merges the label
    # and parameter maps key by key; a change of the counts is waited for.
    @makes(UPDATE)
    def _patch(self, api: ModelArtsClient, update: Update[NodePoolArgs]) -> None:
        pool_name, name = split_id(update.resource_id)
        patch = {"spec": {"resources": _resources_body(update.new, update.old, update.changed)}}
        api.merge_patch("v2", f"pools/{pool_name}/nodepools/{name}", patch)
        if update.changed & {"count", "max_count", "azs"}:
            wait_for(self._waiter(api, update.resource_id, update.new.count), api.settings, update.timeout)

    def delete_resource(
        self, api: ModelArtsClient, resource_id: str, args: NodePoolArgs | None, timeout: float
    ) -> None:
        pool_name, name = split_id(resource_id)
        api.request("DELETE", api.path("v2", f"pools/{pool_name}/nodepools/{name}"))
        wait_until_gone(
            f"node pool {resource_id}",
            lambda: self._get(api, resource_id),
            lambda node_pool: _progress(node_pool, 0),
            api.settings,
            timeout,
        )

    # helpers -----------------------------------------------------------------------------------
    def _get(self, api: ModelArtsClient, resource_id: str) -> dict[str, Any] | None:
        pool_name, name = split_id(resource_id)
        live: dict[str, Any] | None = api.get_or_none("v2", f"pools/{pool_name}/nodepools/{name}")
        return live

    def _waiter(self, api: ModelArtsClient, resource_id: str, count: int) -> Waiter[dict[str, Any]]:
        return Waiter(
            what=f"node pool {resource_id}",
            fetch=lambda: self._get(api, resource_id),
            state=lambda node_pool: _progress(node_pool, count),
            target={"Available"},
            failure={"Abnormal"},
            reason=lambda node_pool: self._abnormal_reason(api, resource_id, node_pool),
        )

    def _abnormal_reason(self, api: ModelArtsClient, resource_id: str, node_pool: Mapping[str, Any]) -> str:
        """A node pool has no message of its own: the pool's ``status.message`` tells why."""
        abnormal = bucket_total(node_pool.get("status") or {}, "abnormal")
        pool = api.get_or_none("v2", f"pools/{split_id(resource_id)[0]}") or {}
        message = (pool.get("status") or {}).get("message")
        return f"{abnormal} node(s) abnormal" + (f"; the pool says: {message}" if message else "")


# --- generated by `make generate` from NodePoolProvider: do not edit below this line ---
class NodePool(DynamicResource, module="modelarts", name="NodePool"):
    """A node pool of a ModelArts resource pool; its id is ``<pool_name>/<name>``."""

    _provider_class = NodePoolProvider
    _outputs, _secret_outputs = output_names(NodePoolProvider)

    pool_name: pulumi.Output[str]
    name: pulumi.Output[str]
    flavor: pulumi.Output[str]
    count: pulumi.Output[int]
    max_count: pulumi.Output[int]
    azs: pulumi.Output[list[dict[str, Any]] | None]
    taints: pulumi.Output[list[dict[str, Any]]]
    labels: pulumi.Output[dict[str, str]]
    tags: pulumi.Output[list[dict[str, Any]]]
    network: pulumi.Output[dict[str, Any] | None]
    extend_params: pulumi.Output[dict[str, str]]
    creating_step: pulumi.Output[dict[str, Any] | None]
    billing_mode: pulumi.Output[Literal["on_demand", "prepaid"] | None]
    period_type: pulumi.Output[Literal["month", "year", "hour"] | None]
    period_num: pulumi.Output[int | None]
    auto_renew: pulumi.Output[bool | None]
    promotion_info: pulumi.Output[str | None]
    service_console_url: pulumi.Output[str | None]
    order_id: pulumi.Output[str | None]
    timeouts: pulumi.Output[dict[str, Any] | None]
    status: pulumi.Output[str]
    resource_status: pulumi.Output[dict[str, dict[str, Any] | None]]
    nodes: pulumi.Output[list[str]]

    def __init__(
        self,
        resource_name: str,
        *,
        pool_name: pulumi.Input[str],
        name: pulumi.Input[str],
        flavor: pulumi.Input[str],
        count: pulumi.Input[int],
        max_count: pulumi.Input[int] | None = None,
        azs: pulumi.Input[Sequence[pulumi.Input[AzCountDict]]] | None = None,
        taints: pulumi.Input[Sequence[pulumi.Input[TaintDict]]] | None = None,
        labels: pulumi.Input[Mapping[str, pulumi.Input[str]]] | None = None,
        tags: pulumi.Input[Sequence[pulumi.Input[TagDict]]] | None = None,
        network: pulumi.Input[NodeNetworkDict] | None = None,
        extend_params: pulumi.Input[Mapping[str, pulumi.Input[str]]] | None = None,
        creating_step: pulumi.Input[CreatingStepDict] | None = None,
        billing_mode: pulumi.Input[Literal["on_demand", "prepaid"]] | None = None,
        period_type: pulumi.Input[Literal["month", "year", "hour"]] | None = None,
        period_num: pulumi.Input[int] | None = None,
        auto_renew: pulumi.Input[bool] | None = None,
        promotion_info: pulumi.Input[str] | None = None,
        service_console_url: pulumi.Input[str] | None = None,
        order_id: pulumi.Input[str] | None = None,
        timeouts: pulumi.Input[TimeoutsDict] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props: dict[str, Any] = {
            "pool_name": pool_name,
            "name": name,
            "flavor": flavor,
            "count": count,
            "max_count": max_count,
            "azs": azs,
            "taints": taints,
            "labels": labels,
            "tags": tags,
            "network": network,
            "extend_params": extend_params,
            "creating_step": creating_step,
            "billing_mode": billing_mode,
            "period_type": period_type,
            "period_num": period_num,
            "auto_renew": auto_renew,
            "promotion_info": promotion_info,
            "service_console_url": service_console_url,
            "order_id": order_id,
            "timeouts": timeouts,
        }
        super().__init__(resource_name, props, opts)


# --- end of generated code ---


__all__ = ["CreatingStep", "NodeNetwork", "NodePool", "NodePoolArgs", "NodePoolProvider", "Tag", "Taint"]
