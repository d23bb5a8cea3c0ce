"""Real-time, batch and edge inference services (seed chapter 9): the backend, on a Transaction.

A service record is the 9.6 GET shape; its ``config`` entries hold the request fields (as 9.4
takes them, ``nodes`` expanded into node objects) plus the server's ``model_name``,
``model_version``, ``status``, ``scaling`` and ``support_debug``. ``request_entries`` turns them
back into request fields for PATCH and PUT /property, which both edit the config the GET shows.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from pydantic import BaseModel

from aicompute.localcloud.cloud import Cloud
from aicompute.localcloud.directives import take_failure
from aicompute.localcloud.modelarts.bodies import SERVICE_ERRORS, parse_body
from aicompute.localcloud.modelarts.common import (
    PlatformError,
    Transaction,
    epoch_ms,
    modelarts_error,
    rfc3339_now,
)
from aicompute.localcloud.modelarts.paging import paginate, sort_items
from aicompute.localcloud.modelarts.records import JSON, SERVICE_KIND, public
from aicompute.localcloud.modelarts.service_catalogue import find_specification
from aicompute.localcloud.modelarts.service_checks import (
    Placement,
    check_configs,
    check_network,
    check_placement,
    check_schedule,
    check_service_options,
)
from aicompute.localcloud.modelarts.service_lifecycle import begin_deploy
from aicompute.localcloud.modelarts.service_schemas import (
    CreateServiceRequest,
    ServiceAdditionalProperties,
    ServiceConfig,
    UpdateServiceRequest,
)
from aicompute.localcloud.modelarts.tenancy import ownership, require_workspace
from aicompute.localcloud.store import Project

# Config-entry fields only the server sets (table 9-51); PATCH and PUT /property cannot touch them.
OUTPUT_ONLY = frozenset(
    {"model_name", "model_version", "status", "scaling", "support_debug", "source_type", "start_time", "finished_time"}
)
PRIVATE_TIMEOUT = "_deploy_timeout_in_seconds"
# Updates are refused while these last (ModelArts.3519; digest §2.2 resolves its contradictory text).
BUSY = frozenset({"deploying", "stopping", "deleting"})
START_REFUSED = BUSY | {"running", "waiting", "concerning"}
STOP_REFUSED = frozenset({"stopped", "stopping", "deleting"})
ROLLING = frozenset({"running", "concerning", "failed"})
SERVICE_FIELDS = ("cluster_id", "pool_name", "vpc_id", "subnet_network_id", "security_group_id")
OPTIONAL_FIELDS = ("load_balancer_policy", "priority")
LIST_KEYS = (
    "failed_times", "owner", "due_time", "finished_time", "infer_type", "service_name", "description", "project",
    "invocation_times", "publish_at", "workspace_id", "schedule", "start_time", "is_shared", "service_id",
    "shared_count", "tenant", "status", "transition_at", "is_free",
)  # fmt: skip


# errors and lookups ----------------------------------------------------------------------------
def service_not_found(service_id: str) -> PlatformError:
    return modelarts_error(404, "ModelArts.3502", f"Service {service_id} does not exist.")


def not_updatable(service: JSON, action: str) -> PlatformError:
    """``ModelArts.3519``: the service's current state does not allow the change (digest §2.2)."""
    return modelarts_error(
        400, "ModelArts.3519", f"Service {service['service_name']} cannot {action} while it is {service['status']}."
    )


def require_service(tx: Transaction, project_id: str, service_id: str) -> JSON:
    service = tx.get(SERVICE_KIND, project_id, service_id)
    if service is None:
        raise service_not_found(service_id)
    return service


def save(tx: Transaction, project_id: str, service: JSON) -> None:
    tx.put(SERVICE_KIND, project_id, service["service_id"], service)


def placement_of(service: JSON) -> Placement:
    return Placement(service["infer_type"], service.get("pool_name"), service.get("cluster_id"))


# config entries --------------------------------------------------------------------------------
def _edge_node(node_id: str) -> JSON:
    """Nodes (table 9-53) as far as localcloud knows an IEF node: its id and this instance."""
    now = rfc3339_now()
    return {
        "id": node_id,
        "name": f"edge-node-{node_id[:8]}",
        "host_name": f"edge-node-{node_id[:8]}",
        "instance_status": "notReady",
        "state": "RUNNING",
        "deployment_num": 1,
        "created_at": now,
        "updated_at": now,
    }


def config_entry(spec: ServiceConfig, model: JSON, infer_type: str) -> JSON:
    """A QueryServiceConfig (table 9-51) for one requested entry and its model."""
    entry = spec.model_dump(exclude_none=True)
    timeout = entry.pop("deploy_timeout_in_seconds", None)
    if timeout is not None:
        entry[PRIVATE_TIMEOUT] = timeout
    if spec.specification != "custom":
        entry.pop("custom_spec", None)  # "仅当specification配置为custom时返回"
    entry.setdefault("envs", {})
    entry.setdefault("additional_properties", {})
    entry.update(
        model_name=model["model_name"],
        model_version=model["model_version"],
        status="deploying",
        scaling=False,
        support_debug=False,
    )
    if model.get("source_type") == "auto":
        entry["source_type"] = "auto"
    if infer_type == "edge":
        entry["nodes"] = [_edge_node(node_id) for node_id in spec.nodes or []]
    return entry


def request_entries(service: JSON) -> list[JSON]:
    """The config as a deploy request would spell it (nodes as ids, no server fields)."""
    entries = []
    for entry in service["config"]:
        item = {key: value for key, value in entry.items() if key not in OUTPUT_ONLY and not key.startswith("_")}
        if "nodes" in item:
            item["nodes"] = [node["id"] for node in item["nodes"]]
        if PRIVATE_TIMEOUT in entry:
            item["deploy_timeout_in_seconds"] = entry[PRIVATE_TIMEOUT]
        entries.append(item)
    return entries


class ConfigList(BaseModel):
    """Wraps edited entries so that errors name ``config[i].field``."""

    config: list[ServiceConfig]


def parse_entries(entries: list[JSON]) -> list[ServiceConfig]:
    return parse_body(ConfigList, {"config": entries}, SERVICE_ERRORS).config


def resource_ids(service_id: str, configs: list[ServiceConfig], separator: str, at: int) -> list[str]:
    """``INF-<service 8 hex><model 8 hex>@<ms>`` (9.4 example; 9.1's example uses ``-``)."""
    return [f"INF-{service_id.replace('-', '')[:8]}{c.model_id.replace('-', '')[:8]}{separator}{at}" for c in configs]


# create ----------------------------------------------------------------------------------------
def _require_unique_name(tx: Transaction, project_id: str, request: CreateServiceRequest) -> None:
    for service in tx.objects(SERVICE_KIND, project_id):
        if service["service_name"] == request.service_name and service["workspace_id"] == request.workspace_id:
            raise modelarts_error(409, "ModelArts.3503", f"Service {request.service_name} already exists.")


def _new_record(project: Project, request: CreateServiceRequest, models: list[JSON], now: int) -> JSON:
    service_id = str(uuid.uuid4())
    record: JSON = {
        "service_id": service_id,
        "service_name": request.service_name,
        "description": request.description or "",
        **ownership(project),
        "publish_at": now,
        "infer_type": request.infer_type,
        "workspace_id": request.workspace_id,
        **{field: getattr(request, field) for field in SERVICE_FIELDS if getattr(request, field)},
        "status": "deploying",
        "progress": 0,
        "config": [config_entry(c, m, request.infer_type) for c, m in zip(request.config, models, strict=True)],
        "invocation_times": 0,
        "failed_times": 0,
        "is_shared": False,
        "shared_count": 0,
        "update_time": now,
        "transition_at": now,
        "is_free": False,
        "additional_properties": _properties(request.additional_properties),
        "_op": 0,
        "_resource_ids": resource_ids(service_id, request.config, "@", now),
    }
    if request.infer_type == "real-time":
        apig = uuid.uuid5(uuid.NAMESPACE_URL, f"apig/{project.project_id}").hex
        record["access_address"] = f"https://{apig}.apig.{project.region}.localcloud/v1/infers/{service_id}"
    apply_options(record, request)
    return record


def _properties(properties: ServiceAdditionalProperties | None) -> JSON:
    return {} if properties is None else properties.model_dump(exclude_none=True)


def apply_options(record: JSON, request: CreateServiceRequest | UpdateServiceRequest) -> None:
    """schedule, load_balancer_policy, priority and the write-only service_secrets."""
    if request.schedule is not None:
        # A new schedule counts from the next start; the current run's auto-stop is called off.
        record.pop("schedule", None)
        record.pop("due_time", None)
        record.pop("_due_time", None)
        if request.schedule:
            record["schedule"] = [item.model_dump() for item in request.schedule]
    for field in OPTIONAL_FIELDS:
        if getattr(request, field) is not None:
            record[field] = getattr(request, field)
    if request.service_secrets is not None:
        record["_service_secrets"] = [secret.model_dump() for secret in request.service_secrets]


def create_service(cloud: Cloud, tx: Transaction, project: Project, request: CreateServiceRequest) -> JSON:
    project_id = project.project_id
    require_workspace(tx, project_id, request.workspace_id, "create service")
    _require_unique_name(tx, project_id, request)
    placement = Placement(request.infer_type, request.pool_name, request.cluster_id)
    models = check_configs(tx, project, placement, request.config)
    check_network(request)
    check_placement(tx, project, placement)
    check_schedule(request.infer_type, request.schedule)
    check_service_options(request.infer_type, request.load_balancer_policy, request.priority)
    record = _new_record(project, request, models, epoch_ms())
    # A directive armed with id "*" fails the next service created, at its first transition.
    failure = take_failure(tx, project_id, SERVICE_KIND, "*")
    if failure is not None:
        record["_pending_failure"] = failure
    begin_deploy(cloud.lifecycle, tx, project_id, record, upgrade=None)
    save(tx, project_id, record)
    return {"service_id": record["service_id"], "resource_ids": record["_resource_ids"]}


# read ------------------------------------------------------------------------------------------
def service_view(service: JSON) -> JSON:
    """GET (table 9-50): ``error_msg`` only when failed, ``operation_time`` is now."""
    view = public(service)
    if view["status"] != "failed":
        view.pop("error_msg", None)
    view["operation_time"] = epoch_ms()
    return view


def list_item(service: JSON) -> JSON:
    """ListServices (table 9-18): no config; progress only while deploying."""
    item = {key: service[key] for key in LIST_KEYS if key in service}
    if service["status"] == "deploying":
        item["progress"] = service["progress"]
    if service.get("additional_properties"):
        item["additional_properties"] = service["additional_properties"]
    item["is_opened_sample_collection"] = "false"
    item["operation_time"] = epoch_ms()
    return item


def _parse_tags(text: str) -> list[tuple[str, str | None]]:
    """9.3 leaves the ``tags`` format open: ``key`` or ``key=value`` items, comma-separated."""
    pairs: list[tuple[str, str | None]] = []
    for item in filter(None, (part.strip() for part in text.split(","))):
        key, _, value = item.partition("=")
        pairs.append((key, value if "=" in item else None))
    return pairs


@dataclass(frozen=True)
class ServiceFilters:
    """The 9.3 query (table 9-15)."""

    service_id: str | None = None
    service_name: str | None = None
    model_id: str | None = None
    workspace_id: str | None = None
    infer_type: str | None = None
    status: str | None = None
    tags: str | None = None

    def matches(self, service: JSON) -> bool:
        return all(
            (
                self.service_id is None or service["service_id"] == self.service_id,
                self.service_name is None or self.service_name in service["service_name"],
                self.model_id is None or any(e["model_id"] == self.model_id for e in service["config"]),
                self.workspace_id is None or service["workspace_id"] == self.workspace_id,
                self.infer_type is None or service["infer_type"] == self.infer_type,
                self.status is None or service["status"] == self.status,
                self.tags is None or self._tagged(service),
            )
        )

    def _tagged(self, service: JSON) -> bool:
        tags = {tag["key"]: tag["value"] for tag in service.get("_tags", [])}
        return all(key in tags and value in (None, tags[key]) for key, value in _parse_tags(self.tags or ""))


def list_services(
    tx: Transaction, project_id: str, filters: ServiceFilters, sort_by: str, order: str, offset: int, limit: int
) -> JSON:
    matching = [service for service in tx.objects(SERVICE_KIND, project_id) if filters.matches(service)]
    ordered = sort_items(matching, lambda service: service[sort_by], order)
    page = paginate(ordered, offset, limit, offset_is_page=True)
    return {"total_count": len(matching), "count": len(page), "services": [list_item(s) for s in page]}


def _capacity(entry: JSON) -> tuple[float, int, float, float]:
    """CPU cores, memory MB, GPUs and NPUs of one instance of a config entry."""
    if entry["specification"] == "custom":
        spec = entry.get("custom_spec", {})
        return spec.get("cpu", 0.0), spec.get("memory", 0), spec.get("gpu_p4", 0.0), spec.get("ascend_a310", 0)
    flavor = find_specification(entry["specification"]) or {}
    memory_gb = flavor.get("memory_info", {}).get("memory", 0)
    cpu = flavor.get("cpu_info", {}).get("cpu", 0.0)
    return cpu, memory_gb * 1024, flavor.get("gpu_info", {}).get("gpu", 0.0), flavor.get("npu_info", {}).get("npu", 0)


def _monitor(entry: JSON, running: bool, instances: int, node: JSON | None = None) -> JSON:
    cpu, memory, gpu, npu = _capacity(entry)
    monitor: JSON = {
        "model_id": entry["model_id"],
        "model_name": entry["model_name"],
        "model_version": entry["model_version"],
        "model_instance_count": instances,
        "model_running_instance_count": instances if running else 0,
        "invocation_times": 0,
        "failed_times": 0,
        "cpu_core_total": cpu * instances,
        "cpu_core_usage": 0.0,
        "cpu_memory_total": memory * instances,
        "cpu_memory_usage": 0,
        "gpu_total": gpu * instances,
        "gpu_usage": 0.0,
        "npu_total": float(npu * instances),
        "npu_usage": 0.0,
    }
    if node is not None:
        monitor.update(node_id=node["id"], node_name=node["name"])
    return monitor


def monitor_view(service: JSON, node_id: str | None) -> JSON:
    """9.2: one Monitor per config entry (per node for edge services); nothing is ever invoked."""
    monitors: list[JSON] = []
    for entry in service["config"]:
        if service["infer_type"] != "edge":
            running = service["status"] in ("running", "concerning")
            monitors.append(_monitor(entry, running, entry["instance_count"]))
            continue
        for node in entry.get("nodes", []):
            if node_id is None or node["id"] == node_id:
                monitors.append(_monitor(entry, node["instance_status"] == "running", 1, node))
    return {
        "service_name": service["service_name"],
        "service_id": service["service_id"],
        "monitors": monitors,
        "service_running_instance_count": sum(m["model_running_instance_count"] for m in monitors),
        "service_instance_count": sum(m["model_instance_count"] for m in monitors),
        "req_count_per_min": 0,
    }
