"""Pool events (seed §10.6): ``PoolStatusChange`` and ``PoolResourcesStatusChange``.

The pool backend records an event whenever a pool's phase or its node counts per state change,
with the seed's wording. Events live as long as their pool; the list pages with ``continue`` set
to the next event's UUID, as in the seed's example.
"""

from __future__ import annotations

import time
import uuid
from typing import Annotated, Any, Literal

from fastapi import Query

from aicompute.localcloud.inline import InlineRouter
from aicompute.localcloud.modelarts.common import CloudDep, ModelArtsProject, Transaction, modelarts_error, rfc3339_now
from aicompute.localcloud.modelarts.kube import (
    EVENT_KIND,
    JSON,
    POOL_KIND,
    POOL_NOT_FOUND_CODE,
    ContinueQuery,
    LimitQuery,
    bad_request,
    paginate,
    parse_limit,
    public,
)

MAX_EVENTS_PER_PAGE = 500
ResourceCounts = tuple[int, int, int, int]  # available/abnormal/creating/deleting
WARNING_PHASES = frozenset({"Abnormal", "Error"})


# backend ---------------------------------------------------------------------------------------
def record_event(
    tx: Transaction, project_id: str, pool_name: str, kind: Literal["Normal", "Warning"], reason: str, message: str
) -> None:
    now = rfc3339_now()
    event_id = str(uuid.uuid4())
    event = {
        "kind": "Event",
        "apiVersion": "v1",
        "type": kind,
        "firstTimestamp": now,
        "lastTimestamp": now,
        "count": 1,
        "reason": reason,
        "message": message,
        "_id": event_id,
        "_pool": pool_name,
        "_time": int(time.time()),
    }
    tx.put(EVENT_KIND, project_id, event_id, event)


def record_phase_change(
    tx: Transaction, project_id: str, pool_name: str, old: str, new: str, details: str = ""
) -> None:
    """``Pool status changed, from Running to Abnormal, details: .`` (seed §10.6 example)."""
    if new in WARNING_PHASES:
        message = f"Pool status changed, from {old} to {new}, details: {details}."
        record_event(tx, project_id, pool_name, "Warning", "PoolStatusChange", message)
    else:
        record_event(
            tx, project_id, pool_name, "Normal", "PoolStatusChange", f"Pool status changed, from {old} to {new}."
        )


def record_counts_change(
    tx: Transaction, project_id: str, pool_name: str, old: ResourceCounts, new: ResourceCounts
) -> None:
    """A Warning when more nodes are abnormal than before, as in the seed's example."""
    kind: Literal["Normal", "Warning"] = "Warning" if new[1] > old[1] else "Normal"
    message = (
        "Pool resources status changed, available/abnormal/creating/deleting count from "
        f"{'/'.join(map(str, old))} to {'/'.join(map(str, new))}, timestamp: {int(time.time())}."
    )
    record_event(tx, project_id, pool_name, kind, "PoolResourcesStatusChange", message)


def drop_events(tx: Transaction, project_id: str, pool_name: str) -> None:
    for event in tx.objects(EVENT_KIND, project_id):
        if event["_pool"] == pool_name:
            tx.delete(EVENT_KIND, project_id, event["_id"])


def list_events(
    tx: Transaction,
    project_id: str,
    pool_name: str,
    event_type: str | None,
    since: int | None,
    until: int | None,
    limit: int | None,
    token: str | None,
) -> JSON:
    if tx.get(POOL_KIND, project_id, pool_name) is None:
        raise modelarts_error(404, POOL_NOT_FOUND_CODE, f"Pool {pool_name} not found.")
    events = [
        event
        for event in tx.objects(EVENT_KIND, project_id)
        if event["_pool"] == pool_name
        and event_type in (None, event["type"])
        and (since is None or event["_time"] >= since)
        and (until is None or event["_time"] <= until)
    ]
    page, metadata = paginate(events, lambda event: str(event["_id"]), limit, token, opaque=False)
    return {"kind": "EventList", "apiVersion": "v1", "metadata": metadata, "items": [public(e) for e in page]}


def _timestamp(name: str, raw: str | None) -> int | None:
    if raw is None or raw == "":
        return None
    try:
        return int(raw)
    except ValueError:
        raise bad_request(f"{name}: {raw!r} is not an epoch timestamp in seconds") from None


# routes ----------------------------------------------------------------------------------------
router = InlineRouter()


@router.get("/v1/{project_id}/events")
def list_pool_events(
    project: ModelArtsProject,
    cloud: CloudDep,
    resource: str | None = None,
    name: str | None = None,
    limit: LimitQuery = None,
    continue_token: ContinueQuery = None,
    since: str | None = None,
    until: str | None = None,
    event_type: Annotated[str | None, Query(alias="type")] = None,
) -> dict[str, Any]:
    if resource != "pools":
        raise bad_request("resource: must be 'pools'")
    if not name:
        raise bad_request("name: the pool name is required")
    if event_type not in (None, "", "Normal", "Warning"):
        raise bad_request("type: must be Normal or Warning")
    # "Empty or 0 means 500; at most 500" (table 10-28).
    page_size = parse_limit(limit, default=MAX_EVENTS_PER_PAGE, maximum=MAX_EVENTS_PER_PAGE)
    with cloud.store.transaction() as tx:
        return list_events(
            tx,
            project.project_id,
            name,
            event_type or None,
            _timestamp("since", since),
            _timestamp("until", until),
            page_size,
            continue_token,
        )
