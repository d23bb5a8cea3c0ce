"""A service's event log (9.11) and update log (9.13), kept inside its record as it changes.

Events are ``{event_type: normal|abnormal, event_info, occur_time}``; the deployment events use
the 9.11 example's wording verbatim. An update-log entry is opened ``RUNNING`` when a config change
starts rolling out and closed ``SUCCESS`` or ``FAIL`` when it ends; its ``update_time`` is what
9.1 and 9.9 answer, so a client can find "its" entry with ``?update_time=``.
"""

from __future__ import annotations

from dataclasses import dataclass

from aicompute.localcloud.modelarts.common import epoch_ms
from aicompute.localcloud.modelarts.paging import paginate, sort_items
from aicompute.localcloud.modelarts.records import JSON

# ServiceLogConfig (table 9-109) is a subset of the config entry.
LOG_CONFIG_KEYS = (
    "model_id", "model_name", "model_version", "weight", "specification", "custom_spec", "envs",
    "cluster_id", "instance_count", "additional_properties",
)  # fmt: skip
# 9.11's event_info filter "仅支持英文信息过滤，不支持`(){};>[]<>/?! ¥…&()【】‘；：”“’。、、？`".
EVENT_INFO_FORBIDDEN = set("(){};<>[]/?!&¥…（）【】‘；：”“’。、？")


def record_event(service: JSON, info: str, event_type: str = "normal") -> None:
    service.setdefault("_events", []).append({"event_type": event_type, "event_info": info, "occur_time": epoch_ms()})


def open_update_log(service: JSON, update_time: int) -> None:
    entry: JSON = {
        "update_time": update_time,
        "result": "RUNNING",
        "config": [{key: item[key] for key in LOG_CONFIG_KEYS if key in item} for item in service["config"]],
    }
    if service.get("cluster_id"):
        entry["cluster_id"] = service["cluster_id"]
    service.setdefault("_logs", []).append(entry)


def close_update_log(service: JSON, update_time: int, succeeded: bool) -> None:
    for entry in service.get("_logs", []):
        if entry["update_time"] == update_time:
            entry["result"] = "SUCCESS" if succeeded else "FAIL"
            if service["infer_type"] == "edge":
                _edge_results(entry, service, succeeded)


def _edge_results(entry: JSON, service: JSON, succeeded: bool) -> None:
    """Edge updates report per node (table 9-114)."""
    nodes = [node for item in service["config"] for node in item.get("nodes", [])]
    entry["result_detail"] = [
        {"result": succeeded, "node_name": node["name"], "operation": "deploy", "node_id": node["id"]} for node in nodes
    ]
    entry["success_num"] = len(nodes) if succeeded else 0
    entry["failed_num"] = 0 if succeeded else len(nodes)


@dataclass(frozen=True)
class EventQuery:
    """The 9.11 query (table 9-97)."""

    event_type: str | None = None
    event_info: str | None = None
    start_time: int | None = None
    end_time: int | None = None
    offset: int = 0
    limit: int = 1000
    order: str = "desc"

    def matches(self, event: JSON) -> bool:
        occurred = event["occur_time"]
        return (
            (self.event_type is None or event["event_type"] == self.event_type)
            and (self.event_info is None or self.event_info.lower() in event["event_info"].lower())
            and (self.start_time is None or occurred >= self.start_time)
            and (self.end_time is None or occurred <= self.end_time)
        )


def events_view(service: JSON, query: EventQuery) -> JSON:
    matching = [event for event in service.get("_events", []) if query.matches(event)]
    ordered = sort_items(matching, lambda event: event["occur_time"], query.order)
    page = paginate(ordered, query.offset, query.limit, offset_is_page=True)
    return {
        "service_name": service["service_name"],
        "total_count": len(matching),
        "service_id": service["service_id"],
        "count": len(page),
        "events": page,
    }


def logs_view(service: JSON, update_time: int | None) -> JSON:
    logs = [entry for entry in service.get("_logs", []) if update_time is None or entry["update_time"] == update_time]
    return {"service_name": service["service_name"], "service_id": service["service_id"], "logs": logs}
