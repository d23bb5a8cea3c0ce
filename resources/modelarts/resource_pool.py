"""ModelArts resource pool (``/v2/{project_id}/pools``, seed §10.13–10.17).

* The id is the server-generated ``metadata.name`` (display name plus a suffix); the display name
  (label ``os.modelarts/name``) is unique in the project (409 ``ModelArts.50015000``).
* Create-only (a change replaces): the display name, workspace, node-name prefix, ``type``
  (``Dedicate`` only), network and the billing annotations other than ``order.id`` (§10.17 lists
  only the description and ``order.id`` annotations as patchable).
* Updated in place with one JSON merge patch (§10.17, ``application/merge-patch+json``): the
  description, ``order_id``, ``scope``, ``resources``, ``job_flavors`` and ``driver``. Arrays are
  replaced whole, so the full desired ``resources`` list is always sent, in the pool's own order,
  including the entries of node pools that ``NodePool`` resources manage.
* ``resources`` holds one entry per flavor: the flavor's default node pool (``<flavor>-Default``,
  seed §16.1). Other node pools of the pool belong to ``NodePool`` resources and are left out of
  this resource's view; ``spec.resources`` names no node pool (table 10-139), so its entries are
  paired with the node-pool list (§16.1) flavor by flavor, in order. The list is compared as a set
  (the server may reorder it; terraform-provider-huaweicloud re-sorts it with
  ``resources_order_origin`` for the same reason, peers §1.2), and the AZs, ``maxCount`` and
  node-pool names the server fills in are ignored unless the program sets them. ``maxCount`` must
  equal ``count`` in a physical pool (§12 item 26) and is not patchable; ``extendParams`` can only
  be given at creation, so changing it replaces.
* Create waits for phase ``Running`` (``Error`` and ``Abnormal`` fail with ``status.message``; the
  failed pool is then deleted so its name is free again) and, unless ``wait_for_scopes`` is false,
  until every ``status.scope[].state`` is ``Enabled``/``Disabled``. A scale keeps the phase
  ``Running`` (§12 item 25): it is done when ``status.resources.creating``/``deleting`` are empty
  and the available nodes per flavor match the spec. Delete waits for 404 ``ModelArts.50015001``.
* Default deadlines are 90 minutes each, as in terraform-provider-huaweicloud (peers §1.2).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Annotated, Any, Literal

import pulumi
from pydantic import BaseModel, ConfigDict, Field, field_validator

from aicompute.provider.api_path import body_of, live_values, mapped_inputs, put
from aicompute.provider.generic import Fields, contains_unknown
from aicompute.provider.modelarts import ModelArtsClient
from aicompute.provider.schema import ApiPath, CreateOnly, ReplaceWhen, SetLike, Updatable, WriteOnly
from aicompute.provider.timeouts import TimeoutsInput
from aicompute.provider.update_calls import Update, makes
from aicompute.provider.waiters import Waiter, wait_for, wait_until_gone
from aicompute.resources.base import DynamicResource, output_names
from aicompute.resources.inputs import DriverDict, PoolResourceDict, TimeoutsDict
from aicompute.resources.modelarts._base import ModelArtsProvider
from aicompute.resources.modelarts._pools import (
    FLAVOR_RULE,
    NODE_LIST_LIMIT,
    ORDER_ID,
    AzCount,
    BillingModeInput,
    PeriodNumInput,
    ServiceConsoleUrlInput,
    azs_add_up,
    billing_annotations,
    billing_from_annotations,
    bucket_total,
    counts_by_flavor,
    flavor_format,
    list_pools,
    max_equals_count,
    names_of,
    node_items,
    node_names,
    prepaid_only,
    status_buckets,
)
from aicompute.resources.modelarts._rules import DisplayName
from aicompute.resources.modelarts.network import NAME_LABEL
from aicompute.resources.modelarts.workspace import WORKSPACE_LIST_LIMIT

NODE_PREFIX_LABEL = "os.modelarts/node.prefix"
RESOURCE_ID_LABEL = "os.modelarts/resource.id"
TENANT_LABEL = "os.modelarts/tenant.domain.id"
DOCKER_BASE_SIZE = "dockerBaseSize"
# Table 10-213 (seed L26112): "不能包含特殊字符!<>=&\"".
FORBIDDEN_IN_DESCRIPTION = '!<>=&"'

Scope = Literal["Train", "Infer", "Notebook"]
SETTLED_SCOPE_STATES = frozenset({"Enabled", "Disabled"})
BUSY_DRIVER_STATES = frozenset({"Creating", "Upgrading"})


def default_node_pool(flavor: str) -> str:
    """The name ModelArts gives a flavor's default node pool (seed §16.1: ``<flavor>-Default``)."""
    return f"{flavor}-Default"


class PoolResource(BaseModel):
    """One flavor of the pool and how many nodes of it (``spec.resources[]``)."""

    model_config = ConfigDict(extra="forbid")

    flavor: str = Field(description=FLAVOR_RULE)
    count: int = Field(ge=1, description="Guaranteed node count (at least 1).")
    max_count: int | None = Field(default=None, description="Elastic count; must equal count in a Dedicate pool.")
    azs: list[AzCount] | None = Field(
        default=None, description="Per-AZ node counts adding up to count; the platform spreads the nodes if unset."
    )
    extend_params: dict[str, str] | None = Field(
        default=None,
        description="{'dockerBaseSize': '<GiB>'}: container-engine disk size. Creation only: a change replaces.",
    )

    _flavor_format = field_validator("flavor")(flavor_format)
    _max_equals_count = field_validator("max_count")(max_equals_count("a Dedicate (physical) pool"))
    _azs_add_up = field_validator("azs")(azs_add_up)

    @field_validator("extend_params")
    @classmethod
    def _known_params(cls, value: dict[str, str] | None) -> dict[str, str] | None:
        if value is None:
            return value
        unknown = sorted(set(value) - {DOCKER_BASE_SIZE})
        if unknown:
            raise ValueError(f"unknown key(s) {', '.join(unknown)}: a pool entry takes only {DOCKER_BASE_SIZE}")
        size = value.get(DOCKER_BASE_SIZE)
        if size is not None and (not size.isdigit() or int(size) < 1):
            raise ValueError(f"{DOCKER_BASE_SIZE} must be a whole number of GiB such as '100', not {size!r}")
        return value


class Driver(BaseModel):
    """Accelerator drivers of the pool's nodes (``spec.driver``)."""

    model_config = ConfigDict(extra="forbid")

    gpu_version: str | None = Field(default=None, min_length=1, description="e.g. '440.33'; GPU flavors only.")
    npu_version: str | None = Field(default=None, min_length=1, description="e.g. 'C78'; Ascend flavors only.")
    update_strategy: Literal["force", "idle"] | None = Field(
        default=None, description="force: upgrade now (may disturb jobs); idle: when a node runs no job."
    )


def _extend_params_changed(olds: Any, news: Any) -> bool:
    """Whether an entry's extendParams differ: they cannot be patched (§10.17), so this replaces."""
    if not isinstance(olds, list) or not isinstance(news, list) or contains_unknown(news):
        return False
    old_params = {e.get("flavor"): e.get("extend_params") or {} for e in olds if isinstance(e, dict)}
    for entry in news:
        if not isinstance(entry, dict) or entry.get("extend_params") is None:
            continue
        if old_params.get(entry.get("flavor"), {}) != (entry.get("extend_params") or {}):
            return True
    return False


UPDATE = "PATCH /v2/{project_id}/pools/{id} (merge patch)"


class ResourcePoolArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[DisplayName, ApiPath('metadata.labels["os.modelarts/name"]'), CreateOnly()] = Field(
        description="Display name: 4-32 characters [a-z0-9-], starting with a letter, ending with a letter or digit."
    )
    network_id: Annotated[str, ApiPath("spec.network.name"), CreateOnly()] = Field(
        min_length=1, description="The Network's id (its metadata.name)."
    )
    scope: Annotated[list[Scope], ApiPath("spec.scope"), Updatable(via=UPDATE), SetLike()] = Field(
        min_length=1, description="Job types: Train, Infer, Notebook (at least one)."
    )
    resources: Annotated[
        list[PoolResource],
        Updatable(via=UPDATE),
        SetLike(),
        ReplaceWhen(_extend_params_changed, "an entry's extend_params changes: they cannot be patched (§10.17)"),
    ] = Field(min_length=1, description="Flavors and node counts.")
    workspace_id: Annotated[str, ApiPath('metadata.labels["os.modelarts/workspace.id"]'), CreateOnly()] = Field(
        default="0", min_length=1, description="Workspace id; '0' is the default workspace."
    )
    type: Annotated[Literal["Dedicate"], ApiPath("spec.type"), CreateOnly()] = Field(
        default="Dedicate", description="Dedicate (physical pool), the only type."
    )
    node_prefix: Annotated[str | None, CreateOnly()] = Field(
        default=None,
        pattern=r"^[a-z]([a-z0-9-]{0,18}[a-z0-9])?$",
        description="Custom node-name prefix (undocumented rule, as localcloud applies it): 1-20 characters "
        "[a-z0-9-], starting with a letter, ending with a letter or digit.",
    )
    description: Annotated[str, ApiPath('metadata.annotations["os.modelarts/description"]'), Updatable(via=UPDATE)] = (
        Field(default="", description='Free text without !<>=&".')
    )
    job_flavors: Annotated[list[str], ApiPath("spec.jobFlavors"), Updatable(via=UPDATE), SetLike()] = Field(
        default_factory=list, description="Job flavor names the pool supports."
    )
    driver: Annotated[Driver | None, Updatable(via=UPDATE)] = None
    billing_mode: Annotated[BillingModeInput, CreateOnly()] = None
    period_type: Annotated[Literal["month", "year"] | None, CreateOnly()] = Field(
        default=None, validate_default=True, description="Prepaid period unit."
    )
    period_num: Annotated[PeriodNumInput, CreateOnly()] = None
    auto_renew: Annotated[bool | None, CreateOnly()] = Field(
        default=None, description="Renew a prepaid pool automatically."
    )
    auto_pay: Annotated[bool | None, CreateOnly()] = Field(
        default=None, description="Pay a prepaid order automatically."
    )
    promotion_info: Annotated[str | None, CreateOnly()] = Field(default=None, description="Discount chosen in CBC.")
    service_console_url: Annotated[ServiceConsoleUrlInput, CreateOnly()] = None
    order_id: Annotated[str | None, Updatable(via=UPDATE)] = Field(
        default=None, min_length=1, description="Order id (prepaid create or change)."
    )
    wait_for_scopes: Annotated[bool | None, Updatable(via=""), WriteOnly()] = Field(
        default=None,
        description="Also wait until every job type is Enabled/Disabled after create and scope changes (unset: true).",
    )
    timeouts: TimeoutsInput = None

    @field_validator("scope")
    @classmethod
    def _distinct_scopes(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("each job type may appear only once")
        return value

    @field_validator("resources")
    @classmethod
    def _one_entry_per_flavor(cls, value: list[PoolResource]) -> list[PoolResource]:
        flavors = [entry.flavor for entry in value]
        duplicates = sorted({flavor for flavor in flavors if flavors.count(flavor) > 1})
        if duplicates:
            raise ValueError(
                f"flavor {', '.join(duplicates)} appears more than once: one entry per flavor (its default "
                "node pool); further node pools of a flavor are NodePool resources"
            )
        return value

    @field_validator("job_flavors")
    @classmethod
    def _distinct_job_flavors(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value) or any(not flavor for flavor in value):
            raise ValueError("job flavors must be distinct, non-empty names")
        return value

    _prepaid_only = field_validator("period_type", "period_num", "auto_pay")(prepaid_only)

    @field_validator("description")
    @classmethod
    def _no_special_characters(cls, value: str) -> str:
        found = sorted(set(value) & set(FORBIDDEN_IN_DESCRIPTION))
        if found:
            raise ValueError(f"must not contain {' '.join(found)} (any of {FORBIDDEN_IN_DESCRIPTION})")
        return value


class ResourcePoolOutputs(BaseModel):
    """What a ModelArts resource pool reports besides its inputs."""

    status: str
    message: str
    resource_id: str | None
    tenant_domain_id: str | None
    created_at: str
    root: str | None
    control_mode: int | None
    resource_status: dict[str, list[dict[str, Any]]]
    scope_status: dict[str, str]
    driver_status: dict[str, dict[str, Any]]
    node_pools: list[str]
    nodes: list[str]


# API <-> inputs --------------------------------------------------------------------------------
def _entry_body(entry: PoolResource, *, creating: bool) -> dict[str, Any]:
    """One ``spec.resources[]`` item: create takes maxCount/extendParams, PATCH takes azs (§10.13, §10.17)."""
    body: dict[str, Any] = {"flavor": entry.flavor, "count": entry.count}
    if creating:
        body["maxCount"] = entry.count
        if entry.extend_params:
            body["extendParams"] = dict(entry.extend_params)
    if entry.azs is not None:
        body["azs"] = [{"az": az.az, "count": az.count} for az in entry.azs]
    return body


def _driver_body(driver: Driver) -> dict[str, Any]:
    names = {"gpu_version": "gpuVersion", "npu_version": "npuVersion", "update_strategy": "updateStrategy"}
    return {names[k]: v for k, v in driver.model_dump().items() if v is not None}


def _entry_from_live(entry: Mapping[str, Any]) -> dict[str, Any]:
    azs = entry.get("azs")
    count = int(entry.get("count") or 0)
    return {
        "flavor": entry.get("flavor"),
        "count": count,
        # A physical pool's maxCount always equals count; the server may omit it (digest §10.2).
        "max_count": int(entry.get("maxCount") or count),
        "azs": None if azs is None else [{"az": az.get("az"), "count": az.get("count")} for az in azs],
        "extend_params": entry.get("extendParams"),
    }


def is_default_node_pool(name: str | None, flavor: str) -> bool:
    """``<flavor>-Default`` (numbered ``-Default-2`` … when re-created while the old one goes)."""
    return name is None or re.fullmatch(rf"{re.escape(default_node_pool(flavor))}(-\d+)?", name) is not None


def _named_entries(
    pool: Mapping[str, Any], node_pools: list[dict[str, Any]]
) -> list[tuple[dict[str, Any], str | None]]:
    """``spec.resources`` in order, each with the name of its node pool.

    An entry's own ``nodePool`` wins; otherwise the entries of a flavor are paired, in order, with
    the node pools of that flavor as the node-pool list gives them (oldest first). None when the
    list has no node pool left for the entry.
    """
    queues: dict[str, list[str]] = {}
    for node_pool in node_pools:
        resources = (node_pool.get("spec") or {}).get("resources") or {}
        queues.setdefault(str(resources.get("flavor")), []).append(str((node_pool.get("metadata") or {}).get("name")))
    named: list[tuple[dict[str, Any], str | None]] = []
    for entry in (pool.get("spec") or {}).get("resources") or []:
        queue = queues.get(str(entry.get("flavor")), [])
        name = entry.get("nodePool") or (queue[0] if queue else None)
        if name in queue:
            queue.remove(name)
        named.append((entry, None if name is None else str(name)))
    return named


def _sort_azs(entries: Any) -> Any:
    """Normaliser: the AZs of each entry in name order (the server may list them in any order)."""
    if not isinstance(entries, list):
        return entries
    result = []
    for entry in entries:
        if isinstance(entry, dict) and isinstance(entry.get("azs"), list):
            entry = {**entry, "azs": sorted(entry["azs"], key=lambda az: str(az.get("az")))}
        result.append(entry)
    return result


def _phase(pool: Mapping[str, Any]) -> str:
    return str((pool.get("status") or {}).get("phase") or "")


def _message(pool: Mapping[str, Any]) -> str:
    status = pool.get("status") or {}
    return str(status.get("message") or f"the pool is {status.get('phase') or 'in an unknown state'}")


def _progress(
    pool: Mapping[str, Any], expected: dict[str, int] | None, scopes: frozenset[str] | None, drivers: bool
) -> str:
    """``Running`` once settled, else the phase and what is still under way (for deadline messages)."""
    phase = _phase(pool)
    if phase != "Running":
        return phase or "<no phase>"
    status = pool.get("status") or {}
    pending = [f"{bucket} {n}" for bucket in ("creating", "deleting") if (n := bucket_total(status, bucket))]
    if expected is not None:
        available = counts_by_flavor(status_buckets(status)["available"])
        for flavor in sorted(set(expected) | set(available)):
            have, want = available.get(flavor, 0), expected.get(flavor, 0)
            if have != want:
                pending.append(f"{flavor} available {have}/{want}")
    if scopes is not None and status.get("scope"):
        states = {str(s.get("scopeType")): str(s.get("state")) for s in status["scope"]}
        pending += [f"{kind} {state}" for kind, state in sorted(states.items()) if state not in SETTLED_SCOPE_STATES]
        pending += [f"{kind} not enabled" for kind in sorted(scopes) if states.get(kind, "Enabled") == "Disabled"]
    if drivers:
        for kind, driver in sorted((status.get("driver") or {}).items()):
            if isinstance(driver, dict) and driver.get("state") in BUSY_DRIVER_STATES:
                pending.append(f"{kind} driver {driver['state']}")
    return "Running" if not pending else f"Running ({', '.join(pending)})"


def _live(pool: Mapping[str, Any], node_pools: list[dict[str, Any]], nodes: list[str]) -> dict[str, Any]:
    """A Pool (a GET answer or a list item), with its node-pool list and node names, as outputs."""
    metadata, spec, status = pool.get("metadata") or {}, pool.get("spec") or {}, pool.get("status") or {}
    labels, annotations = metadata.get("labels") or {}, metadata.get("annotations") or {}
    driver = spec.get("driver") or {}
    named = _named_entries(pool, node_pools)
    outputs: dict[str, Any] = {
        **live_values(ResourcePoolArgs, pool),
        # This resource's view: the default node pools; the others belong to NodePool resources.
        "resources": [_entry_from_live(e) for e, name in named if is_default_node_pool(name, str(e.get("flavor")))],
        "driver": {
            "gpu_version": driver.get("gpuVersion"),
            "npu_version": driver.get("npuVersion"),
            "update_strategy": driver.get("updateStrategy"),
        }
        if driver
        else None,
        **billing_from_annotations(annotations),
        "status": _phase(pool),
        "message": str(status.get("message") or ""),
        "resource_id": labels.get(RESOURCE_ID_LABEL),
        "tenant_domain_id": labels.get(TENANT_LABEL),
        "created_at": metadata.get("creationTimestamp"),
        "root": status.get("root"),
        "control_mode": spec.get("controlMode"),
        "resource_status": status_buckets(status),
        "scope_status": {str(s.get("scopeType")): s.get("state") for s in status.get("scope") or []},
        "driver_status": {
            kind: {"version": d.get("version"), "state": d.get("state")}
            for kind, d in (status.get("driver") or {}).items()
            if isinstance(d, dict)
        },
        "node_pools": [name for _, name in named if name is not None],
        "nodes": nodes,
    }
    # The response's label table has no node.prefix: keep the program's value when it is not echoed.
    if NODE_PREFIX_LABEL in labels:
        outputs["node_prefix"] = labels[NODE_PREFIX_LABEL]
    return outputs


class ResourcePoolProvider(ModelArtsProvider[ResourcePoolArgs]):
    kind = "ModelArts resource pool"
    args_model = ResourcePoolArgs
    outputs_model = ResourcePoolOutputs
    summary = "A ModelArts dedicated resource pool; its id is the generated ``metadata.name``."
    fields = Fields.of(
        ResourcePoolArgs, normalisers={"resources": _sort_azs}, unique_key=frozenset({"name"})
    )  # the display name is unique in the project
    # terraform-provider-huaweicloud: 90 minutes for create, update and delete (peers §1.2).
    default_timeouts = {"create": 5400, "update": 5400, "delete": 5400}

    # hooks -------------------------------------------------------------------------------------
    def create_resource(self, api: ModelArtsClient, args: ResourcePoolArgs, timeout: float) -> str:
        sent = mapped_inputs(ResourcePoolArgs) - (set() if args.job_flavors else {"job_flavors"})
        body = {"apiVersion": "v2", "kind": "Pool", **body_of(args, sent)}
        if args.node_prefix is not None:
            put(body, f'metadata.labels["{NODE_PREFIX_LABEL}"]', args.node_prefix)
        put(body, "spec.resources", [_entry_body(entry, creating=True) for entry in args.resources])
        if args.driver is not None and _driver_body(args.driver):
            put(body, "spec.driver", _driver_body(args.driver))
        for annotation, value in billing_annotations(args).items():
            put(body, f'metadata.annotations["{annotation}"]', value)

        def post() -> str:
            created = api.send_once("POST", api.path("v2", "pools"), json=body)
            return str(created["metadata"]["name"])

        pool_id = api.create_reconciled(post, lambda: self._find_by_name(api, args.name, args.workspace_id))
        scopes = frozenset(args.scope) if args.wait_for_scopes is not False else None
        self.wait_created(api, pool_id, self._waiter(api, pool_id, None, scopes, drivers=False), timeout)
        return pool_id

    def read_resource(self, api: ModelArtsClient, resource_id: str) -> dict[str, Any] | None:
        live = api.get_or_none("v2", f"pools/{resource_id}")
        if live is None:
            return None
        return _live(live, self._node_pools(api, resource_id), node_names(api, f"pools/{resource_id}/nodes"))

    def list_live(self, api: ModelArtsClient) -> Iterator[tuple[str, dict[str, Any]]]:
        """``PoolList`` items are whole Pools (§10.14); each pool's node pools and nodes are listed
        as its single read lists them: two calls per pool, plus node pages."""
        for pool in list_pools(api, self.page_size(WORKSPACE_LIST_LIMIT)):
            pool_id = str(pool["metadata"]["name"])
            listing = api.get_or_none("v2", f"pools/{pool_id}/nodepools")
            nodes = node_items(api, f"pools/{pool_id}/nodes", self.page_size(NODE_LIST_LIMIT))
            if listing is not None and nodes is not None:  # else deleted while being listed
                yield pool_id, _live(pool, list(listing.get("items") or []), names_of(nodes))

    def reconcile_live(self, live: dict[str, Any], inputs: Mapping[str, Any]) -> dict[str, Any]:
        """The program's extendParams where the server does not echo them (table 10-139 has none)."""
        entries, wanted = live.get("resources"), inputs.get("resources")
        if not isinstance(entries, list) or not isinstance(wanted, list):
            return live
        params = {e.get("flavor"): e.get("extend_params") for e in wanted if isinstance(e, dict)}
        return {
            **live,
            "resources": [
                {**e, "extend_params": params[e.get("flavor")]}
                if e.get("extend_params") is None and params.get(e.get("flavor")) is not None
                else e
                for e in entries
            ],
        }

    # The pool's entries are merged with its live node pools, the driver and the order id are spelt
    # differently in the API, and what changed decides what the patch waits for.
    @makes(UPDATE)
    def _patch(self, api: ModelArtsClient, update: Update[ResourcePoolArgs]) -> None:
        new, changed, patch = update.new, update.changed, update.body
        if "order_id" in changed and new.order_id is not None:
            put(patch, f'metadata.annotations["{ORDER_ID}"]', new.order_id)
        if "driver" in changed and new.driver is not None and _driver_body(new.driver):
            put(patch, "spec.driver", _driver_body(new.driver))
        expected: dict[str, int] | None = None
        if "resources" in changed:
            entries = self._desired_entries(api, update.resource_id, new)
            put(patch, "spec.resources", entries)
            expected = counts_by_flavor(entries)
        if not patch:
            return
        api.merge_patch("v2", f"pools/{update.resource_id}", patch)
        scopes = frozenset(new.scope) if "scope" in changed and new.wait_for_scopes is not False else None
        drivers = "driver" in patch.get("spec", {})
        if expected is not None or scopes is not None or drivers:
            wait_for(self._waiter(api, update.resource_id, expected, scopes, drivers), api.settings, update.timeout)

    def delete_resource(
        self, api: ModelArtsClient, resource_id: str, args: ResourcePoolArgs | None, timeout: float
    ) -> None:
        api.request("DELETE", api.path("v2", f"pools/{resource_id}"))
        wait_until_gone(
            f"resource pool {resource_id}",
            lambda: api.get_or_none("v2", f"pools/{resource_id}"),
            _phase,
            api.settings,
            timeout,
        )

    # helpers -----------------------------------------------------------------------------------
    def _desired_entries(self, api: ModelArtsClient, pool_id: str, new: ResourcePoolArgs) -> list[dict[str, Any]]:
        """The whole ``spec.resources`` to send, in the pool's current order.

        The server pairs the list with its node pools flavor by flavor, in order (§10.17 names no
        node pool), so the order is kept: our entries take their desired counts, the other node
        pools' entries stay as they are, new flavors go last. A dropped default node pool of a
        flavor that another node pool shares is sent with count 0, so that the pairing stays right.
        """
        live = api.get("v2", f"pools/{pool_id}")
        named = _named_entries(live, self._node_pools(api, pool_id))
        desired = {entry.flavor: entry for entry in new.resources}
        body: list[dict[str, Any]] = []
        for index, (entry, name) in enumerate(named):
            flavor = str(entry.get("flavor"))
            if not is_default_node_pool(name, flavor):
                kept = {"flavor": flavor, "count": entry.get("count")}
                if entry.get("azs") is not None:
                    kept["azs"] = entry["azs"]
                body.append(kept)
            elif flavor in desired:
                body.append(_entry_body(desired.pop(flavor), creating=False))
            elif any(later.get("flavor") == flavor for later, _ in named[index + 1 :]):
                body.append({"flavor": flavor, "count": 0})
        return body + [_entry_body(entry, creating=False) for entry in desired.values()]

    def _node_pools(self, api: ModelArtsClient, pool_id: str) -> list[dict[str, Any]]:
        listing = api.get_or_none("v2", f"pools/{pool_id}/nodepools")
        return list((listing or {}).get("items") or [])

    def _find_by_name(self, api: ModelArtsClient, name: str, workspace_id: str) -> str | None:
        listing = api.get("v2", "pools", params={"labelSelector": f"{NAME_LABEL}={name}", "workspaceId": workspace_id})
        for pool in listing.get("items") or []:
            if (pool.get("metadata") or {}).get("labels", {}).get(NAME_LABEL) == name:
                return str(pool["metadata"]["name"])
        return None

    def _waiter(
        self,
        api: ModelArtsClient,
        pool_id: str,
        expected: dict[str, int] | None,
        scopes: frozenset[str] | None,
        drivers: bool,
    ) -> Waiter[dict[str, Any]]:
        return Waiter(
            what=f"resource pool {pool_id}",
            fetch=lambda: api.get_or_none("v2", f"pools/{pool_id}"),
            state=lambda pool: _progress(pool, expected, scopes, drivers),
            target={"Running"},
            failure={"Error", "Abnormal"},
            reason=_message,
        )


# --- generated by `make generate` from ResourcePoolProvider: do not edit below this line ---
class ResourcePool(DynamicResource, module="modelarts", name="ResourcePool"):
    """A ModelArts dedicated resource pool; its id is the generated ``metadata.name``."""

    _provider_class = ResourcePoolProvider
    _outputs, _secret_outputs = output_names(ResourcePoolProvider)

    name: pulumi.Output[str]
    network_id: pulumi.Output[str]
    scope: pulumi.Output[list[Literal["Train", "Infer", "Notebook"]]]
    resources: pulumi.Output[list[dict[str, Any]]]
    workspace_id: pulumi.Output[str]
    type: pulumi.Output[Literal["Dedicate"]]
    node_prefix: pulumi.Output[str | None]
    description: pulumi.Output[str]
    job_flavors: pulumi.Output[list[str]]
    driver: pulumi.Output[dict[str, Any] | None]
    billing_mode: pulumi.Output[Literal["on_demand", "prepaid"] | None]
    period_type: pulumi.Output[Literal["month", "year"] | None]
    period_num: pulumi.Output[int | None]
    auto_renew: pulumi.Output[bool | None]
    auto_pay: pulumi.Output[bool | None]
    promotion_info: pulumi.Output[str | None]
    service_console_url: pulumi.Output[str | None]
    order_id: pulumi.Output[str | None]
    wait_for_scopes: pulumi.Output[bool | None]
    timeouts: pulumi.Output[dict[str, Any] | None]
    status: pulumi.Output[str]
    message: pulumi.Output[str]
    resource_id: pulumi.Output[str | None]
    tenant_domain_id: pulumi.Output[str | None]
    created_at: pulumi.Output[str]
    root: pulumi.Output[str | None]
    control_mode: pulumi.Output[int | None]
    resource_status: pulumi.Output[dict[str, list[dict[str, Any]]]]
    scope_status: pulumi.Output[dict[str, str]]
    driver_status: pulumi.Output[dict[str, dict[str, Any]]]
    node_pools: pulumi.Output[list[str]]
    nodes: pulumi.Output[list[str]]

    def __init__(
        self,
        resource_name: str,
        *,
        name: pulumi.Input[str],
        network_id: pulumi.Input[str],
        scope: pulumi.Input[Sequence[pulumi.Input[Literal["Train", "Infer", "Notebook"]]]],
        resources: pulumi.Input[Sequence[pulumi.Input[PoolResourceDict]]],
        workspace_id: pulumi.Input[str] | None = None,
        type: pulumi.Input[Literal["Dedicate"]] | None = None,
        node_prefix: pulumi.Input[str] | None = None,
        description: pulumi.Input[str] | None = None,
        job_flavors: pulumi.Input[Sequence[pulumi.Input[str]]] | None = None,
        driver: pulumi.Input[DriverDict] | None = None,
        billing_mode: pulumi.Input[Literal["on_demand", "prepaid"]] | None = None,
        period_type: pulumi.Input[Literal["month", "year"]] | None = None,
        period_num: pulumi.Input[int] | None = None,
        auto_renew: pulumi.Input[bool] | None = None,
        auto_pay: pulumi.Input[bool] | None = None,
        promotion_info: pulumi.Input[str] | None = None,
        service_console_url: pulumi.Input[str] | None = None,
        order_id: pulumi.Input[str] | None = None,
        wait_for_scopes: pulumi.Input[bool] | None = None,
        timeouts: pulumi.Input[TimeoutsDict] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props: dict[str, Any] = {
            "name": name,
            "network_id": network_id,
            "scope": scope,
            "resources": resources,
            "workspace_id": workspace_id,
            "type": type,
            "node_prefix": node_prefix,
            "description": description,
            "job_flavors": job_flavors,
            "driver": driver,
            "billing_mode": billing_mode,
            "period_type": period_type,
            "period_num": period_num,
            "auto_renew": auto_renew,
            "auto_pay": auto_pay,
            "promotion_info": promotion_info,
            "service_console_url": service_console_url,
            "order_id": order_id,
            "wait_for_scopes": wait_for_scopes,
            "timeouts": timeouts,
        }
        super().__init__(resource_name, props, opts)


# --- end of generated code ---


__all__ = ["Driver", "PoolResource", "ResourcePool", "ResourcePoolArgs", "ResourcePoolProvider"]
