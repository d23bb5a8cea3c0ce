"""Changing a service: PUT (9.7), PATCH (9.1), PUT /property (9.9), start/stop, delete (9.8) and
edge node instances (9.12).

A config change on a running (or failed) service rolls out through ``deploying`` again and is
recorded in the update log, ``RUNNING`` until it ends ``SUCCESS`` or ``FAIL``; on a stopped service
it is simply stored (``SUCCESS`` at once). The seed leaves the status during a rollout open
(digest §2.2); showing ``deploying`` lets pollers wait for the change to land.
"""

from __future__ import annotations

import copy
from typing import Any

from aicompute.localcloud.cloud import Cloud
from aicompute.localcloud.modelarts.bodies import SERVICE_ERRORS, parse_body
from aicompute.localcloud.modelarts.common import PlatformError, Transaction, epoch_ms, modelarts_error, rfc3339_now
from aicompute.localcloud.modelarts.records import JSON
from aicompute.localcloud.modelarts.service_checks import check_configs, check_schedule, check_service_options, invalid
from aicompute.localcloud.modelarts.service_history import close_update_log, open_update_log, record_event
from aicompute.localcloud.modelarts.service_lifecycle import begin_delete, begin_deploy, begin_stop
from aicompute.localcloud.modelarts.service_schemas import (
    PatchOperation,
    ServiceAdditionalProperties,
    ServiceConfig,
    UpdatePropertyRequest,
)
from aicompute.localcloud.modelarts.service_schemas import UpdateServiceRequest as UpdateRequest
from aicompute.localcloud.modelarts.services import (
    BUSY,
    ROLLING,
    START_REFUSED,
    STOP_REFUSED,
    apply_options,
    config_entry,
    not_updatable,
    parse_entries,
    placement_of,
    request_entries,
    require_service,
    resource_ids,
    save,
)
from aicompute.localcloud.store import Project

# 9.9: "仅运行中、告警、异常状态" — running, concerning and "abnormal", which is no status; read as failed.
SCALABLE = ROLLING


# config rollout ------------------------------------------------------------------------------------
def replace_config(cloud: Cloud, tx: Transaction, project: Project, service: JSON, configs: list[ServiceConfig]) -> int:
    """Check and store a new config array; roll it out if instances run. Returns its update_time."""
    if service["status"] in BUSY:
        raise not_updatable(service, "change its config")
    models = check_configs(tx, project, placement_of(service), configs)
    update_time = epoch_ms()
    previous_status = service["status"]
    service["config"] = [config_entry(c, m, service["infer_type"]) for c, m in zip(configs, models, strict=True)]
    service["_resource_ids"] = resource_ids(service["service_id"], configs, "-", update_time)
    open_update_log(service, update_time)
    if previous_status in ROLLING:
        begin_deploy(cloud.lifecycle, tx, project.project_id, service, upgrade=update_time)
    else:
        _store_while_idle(service, previous_status, update_time)
    return update_time


def _store_while_idle(service: JSON, status: str, update_time: int) -> None:
    """Nothing runs (stopped, finished, pending, waiting): the new config simply takes effect."""
    for entry in service["config"]:
        entry["status"] = status
        for node in entry.get("nodes", []):
            node["instance_status"] = "stopped"
    close_update_log(service, update_time, succeeded=True)
    service["update_time"] = update_time
    record_event(service, "service config updated")


# PUT ---------------------------------------------------------------------------------------------
def _check_one_way(old: JSON, new: ServiceAdditionalProperties) -> None:
    """LTS channels cannot change once enabled, websocket_upgrade cannot be turned off (table 9-33)."""
    old_channels = old.get("log_report_channels") or []
    new_channels = [channel.model_dump(exclude_none=True) for channel in new.log_report_channels or []]
    if old_channels and new.log_report_channels is not None and new_channels != old_channels:
        raise invalid("additional_properties.log_report_channels", "", "cannot be changed once enabled")
    if old.get("websocket_upgrade") and new.websocket_upgrade is False:
        raise invalid("additional_properties.websocket_upgrade", False, "cannot be turned off once enabled")


def _merged_properties(old: JSON, new: ServiceAdditionalProperties) -> JSON:
    merged = new.model_dump(exclude_none=True)
    # websocket_upgrade "更新服务配置时，默认值为上一次设置的值" (defaults to the previous value).
    if new.websocket_upgrade is None and "websocket_upgrade" in old:
        merged["websocket_upgrade"] = old["websocket_upgrade"]
    return merged


def update_service(cloud: Cloud, tx: Transaction, project: Project, service_id: str, request: UpdateRequest) -> None:
    """9.7: with ``status`` only the status is applied; otherwise every field given is replaced."""
    service = require_service(tx, project.project_id, service_id)
    if request.status is not None:
        change_status(cloud, tx, project.project_id, service, request.status)
    else:
        _update_fields(cloud, tx, project, service, request)
    save(tx, project.project_id, service)


def _update_fields(cloud: Cloud, tx: Transaction, project: Project, service: JSON, request: UpdateRequest) -> None:
    if service["status"] == "deleting":
        raise not_updatable(service, "be updated")
    check_schedule(service["infer_type"], request.schedule)
    check_service_options(service["infer_type"], request.load_balancer_policy, request.priority)
    if request.additional_properties is not None:
        _check_one_way(service["additional_properties"], request.additional_properties)
    if request.config is not None:
        replace_config(cloud, tx, project, service, request.config)
    if request.description is not None:
        service["description"] = request.description
    if request.additional_properties is not None:
        service["additional_properties"] = _merged_properties(
            service["additional_properties"], request.additional_properties
        )
    apply_options(service, request)


# start / stop / delete ---------------------------------------------------------------------------
def change_status(cloud: Cloud, tx: Transaction, project_id: str, service: JSON, target: str) -> None:
    if target == "stopped":
        if service["status"] in STOP_REFUSED:
            raise not_updatable(service, "stop")
        begin_stop(cloud.lifecycle, tx, project_id, service)
        return
    if service["status"] in START_REFUSED:
        raise not_updatable(service, "start")
    begin_deploy(cloud.lifecycle, tx, project_id, service, upgrade=None)


def delete_services(cloud: Cloud, tx: Transaction, project_id: str, service_ids: str) -> None:
    """9.8: several ids may be joined by commas; every one must exist before any is deleted."""
    ids = [service_id.strip() for service_id in service_ids.split(",") if service_id.strip()]
    services = [require_service(tx, project_id, service_id) for service_id in ids]
    for service in services:
        if service["status"] != "deleting":
            begin_delete(cloud.lifecycle, tx, project_id, service)
            save(tx, project_id, service)


# PATCH -------------------------------------------------------------------------------------------
def _pointer(path: str) -> list[str]:
    """A JSON Pointer under ``/config/`` (the only prefix 9.1 supports), unescaped."""
    if not path.startswith("/config/"):
        raise invalid("path", path, "only replace operations on /config/... are supported")
    return [token.replace("~1", "/").replace("~0", "~") for token in path[1:].split("/")]


def _replace(document: JSON, path: str, value: Any) -> None:
    tokens = _pointer(path)
    target: Any = document
    for token in tokens[:-1]:
        target = _child(target, token, path)
    last = tokens[-1]
    if isinstance(target, list):
        target[_index(target, last, path)] = value
    elif isinstance(target, dict):
        target[last] = value
    else:
        raise invalid("path", path, "the path does not lead into an object or array")


def _child(container: Any, token: str, path: str) -> Any:
    if isinstance(container, list):
        return container[_index(container, token, path)]
    if isinstance(container, dict) and token in container:
        return container[token]
    raise invalid("path", path, f"{token} does not exist")


def _index(items: list[Any], token: str, path: str) -> int:
    if not token.isdigit() or int(token) >= len(items):
        raise invalid("path", path, f"no element {token}")
    return int(token)


def patch_service(cloud: Cloud, tx: Transaction, project: Project, service_id: str, operations: list[Any]) -> JSON:
    """9.1: JSON-Patch ``replace`` operations on the config the GET shows, then a rollout."""
    service = require_service(tx, project.project_id, service_id)
    document: JSON = {"config": request_entries(service)}
    for index, raw in enumerate(operations):
        operation = parse_body(PatchOperation, raw, SERVICE_ERRORS)
        if operation.op != "replace":
            raise invalid(f"[{index}].op", operation.op, "only replace is supported")
        _replace(document, operation.path or "", copy.deepcopy(operation.value))
    update_time = replace_config(cloud, tx, project, service, parse_entries(document["config"]))
    save(tx, project.project_id, service)
    return {"update_time": update_time, "resource_ids": service["_resource_ids"]}


# PUT /property -----------------------------------------------------------------------------------
def _new_count(entry: JSON, value: int | str, model_id: str) -> int:
    try:
        count = int(value)
    except ValueError:
        raise invalid("changed_value", value, "must be an integer") from None
    if count == entry["instance_count"]:
        raise invalid("changed_value", value, f"model {model_id} already runs {count} instances")
    return count


def update_property(
    cloud: Cloud, tx: Transaction, project: Project, service_id: str, request: UpdatePropertyRequest
) -> JSON:
    """9.9: only ``instance_count``, only real-time services that are running, concerning or failed."""
    service = require_service(tx, project.project_id, service_id)
    if request.changed_property != "instance_count":
        raise invalid("changed_property", request.changed_property, "only instance_count can be changed")
    if service["infer_type"] != "real-time":
        raise invalid("infer_type", service["infer_type"], "only real-time services can change a single property")
    if service["status"] not in SCALABLE:
        raise not_updatable(service, "change its instance count")
    if not request.configs:
        raise SERVICE_ERRORS.missing("configs")
    entries = request_entries(service)
    for item in request.configs:
        matches = [entry for entry in entries if entry["model_id"] == item.model_id]
        if not matches:
            raise model_not_in_service(item.model_id, service_id)
        for entry in matches:
            entry["instance_count"] = _new_count(entry, item.changed_value, item.model_id)
    update_time = replace_config(cloud, tx, project, service, parse_entries(entries))
    save(tx, project.project_id, service)
    return {"update_time": update_time}


def model_not_in_service(model_id: str, service_id: str) -> PlatformError:
    return modelarts_error(400, "ModelArts.3529", f"Model {model_id} under service {service_id} does not exist.")


# edge node instances -----------------------------------------------------------------------------
def set_node_status(tx: Transaction, project_id: str, service_id: str, node_id: str, target: str) -> None:
    """9.12: start a stopped node instance or stop a running one."""
    service = require_service(tx, project_id, service_id)
    if service["infer_type"] != "edge":
        raise invalid("infer_type", service["infer_type"], "only edge services have node instances")
    nodes = [node for entry in service["config"] for node in entry.get("nodes", []) if node["id"] == node_id]
    if not nodes:
        raise invalid("node_id", node_id, f"the node is not one of service {service_id}'s nodes")
    required = "stopped" if target == "running" else "running"
    for node in nodes:
        if node["instance_status"] != required:
            raise invalid("status", target, f"the node instance is {node['instance_status']}, not {required}")
        node.update(instance_status=target, updated_at=rfc3339_now())
    record_event(service, f"node {node_id} instance {'started' if target == 'running' else 'stopped'}")
    save(tx, project_id, service)
