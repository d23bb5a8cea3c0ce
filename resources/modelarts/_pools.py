"""What ResourcePool and NodePool share: flavor and AZ inputs, billing annotations, status buckets.

Seed §10.13 (pool annotations, table 10-128) and §16.2 (node-pool annotations, table 16-19): the
billing settings travel as string annotations (``os.modelarts/billing.mode`` ``"0"``/``"1"``,
``period.type`` ``"2"`` month / ``"3"`` year / ``"4"`` hour, ``auto.renew`` ``"0"``/``"1"``,
``auto.pay`` ``"true"``/``"false"``); here they are typed inputs and mapped both ways.

Status buckets (``status.resources.{creating,available,abnormal,deleting}``) are arrays on a pool
and single objects on a node pool (digest §12 item 4); both shapes are read the same way.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from functools import partial
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo

from aicompute.provider.errors import NotFound
from aicompute.provider.modelarts import ModelArtsClient
from aicompute.provider.paging import continue_pages
from aicompute.resources.modelarts.workspace import DEFAULT_WORKSPACE, workspace_ids

# Seed §10.20 names flavors like modelarts.vm.cpu.4ud, modelarts.vm.gpu.tnt004, modelarts.bm.gpu.8v100.
FLAVOR_PATTERN = r"^modelarts\.[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)+$"
FLAVOR_RULE = "a ModelArts resource flavor such as 'modelarts.vm.cpu.4ud' (see /v1/{project_id}/resourceflavors)"

BILLING_MODE = "os.modelarts/billing.mode"
PERIOD_NUM = "os.modelarts/period.num"
PERIOD_TYPE = "os.modelarts/period.type"
AUTO_RENEW = "os.modelarts/auto.renew"
AUTO_PAY = "os.modelarts/auto.pay"
PROMOTION_INFO = "os.modelarts/promotion.info"
SERVICE_CONSOLE_URL = "os.modelarts/service.console.url"
ORDER_ID = "os.modelarts/order.id"

BillingMode = Literal["on_demand", "prepaid"]
PeriodType = Literal["month", "year", "hour"]

# Billing inputs that ResourcePoolArgs and NodePoolArgs declare alike (the others differ in type or text).
BillingModeInput = Annotated[BillingMode | None, Field(description="on_demand (default) or prepaid.")]
PeriodNumInput = Annotated[int | None, Field(ge=1, validate_default=True, description="Prepaid period count.")]
ServiceConsoleUrlInput = Annotated[str | None, Field(description="Where to go after paying the order.")]

_BILLING_MODES: dict[str, str] = {"on_demand": "0", "prepaid": "1"}
_PERIOD_TYPES: dict[str, str] = {"month": "2", "year": "3", "hour": "4"}
BUCKETS = ("available", "creating", "abnormal", "deleting")


class AzCount(BaseModel):
    """How many of an entry's nodes go to one availability zone (``PoolNodeAz``)."""

    model_config = ConfigDict(extra="forbid")

    az: str = Field(min_length=1, description="Availability zone, e.g. cn-north-4a.")
    count: int = Field(ge=1, description="Nodes in this AZ.")


# Validators both Args models attach (``_x = field_validator("field")(x)``) ---------------------------
def flavor_format(value: str) -> str:
    if not re.match(FLAVOR_PATTERN, value):
        raise ValueError(f"{value!r} is not {FLAVOR_RULE}")
    return value


def max_equals_count(where: str) -> Callable[[int | None, ValidationInfo], int | None]:
    """``max_count`` must equal ``count`` in a physical pool (§12 item 26); ``where`` names it in the message."""

    def check(value: int | None, info: ValidationInfo) -> int | None:
        count = info.data.get("count")
        if value is not None and count is not None and value != count:
            raise ValueError(f"max_count ({value}) must equal count ({count}) in {where}")
        return value

    return check


def azs_add_up(value: list[AzCount] | None, info: ValidationInfo) -> list[AzCount] | None:
    """Each AZ once, and the AZ counts add up to ``count``."""
    if value is None:
        return value
    names = [az.az for az in value]
    if len(set(names)) != len(names):
        raise ValueError("each availability zone may appear only once")
    count = info.data.get("count")
    total = sum(az.count for az in value)
    if count is not None and total != count:
        raise ValueError(f"the AZ counts add up to {total}, not to count ({count})")
    return value


def prepaid_only(value: Any, info: ValidationInfo) -> Any:
    """Seed tables 10-128 / 16-19: a prepaid order needs its period; on demand has none. ``auto_pay``
    (pools only) may be left out even when prepaid."""
    field, billing_mode = str(info.field_name), info.data.get("billing_mode")
    if value is None and field == "auto_pay":
        return value
    if billing_mode == "prepaid" and value is None:
        raise ValueError(f"{field} is required when billing_mode is 'prepaid'")
    if billing_mode != "prepaid" and value not in (None, False):
        raise ValueError(f"{field} only applies with billing_mode 'prepaid'")
    return value


def billing_annotations(args: BaseModel) -> dict[str, str]:
    """The billing inputs an Args model sets, as the API's annotations."""
    values: dict[str, Any] = args.model_dump()
    annotations: dict[str, str] = {}
    if values.get("billing_mode") is not None:
        annotations[BILLING_MODE] = _BILLING_MODES[values["billing_mode"]]
    if values.get("period_type") is not None:
        annotations[PERIOD_TYPE] = _PERIOD_TYPES[values["period_type"]]
    if values.get("period_num") is not None:
        annotations[PERIOD_NUM] = str(values["period_num"])
    if values.get("auto_renew") is not None:
        annotations[AUTO_RENEW] = "1" if values["auto_renew"] else "0"
    if values.get("auto_pay") is not None:
        annotations[AUTO_PAY] = "true" if values["auto_pay"] else "false"
    for key, annotation in (
        ("promotion_info", PROMOTION_INFO),
        ("service_console_url", SERVICE_CONSOLE_URL),
        ("order_id", ORDER_ID),
    ):
        if values.get(key) is not None:
            annotations[annotation] = str(values[key])
    return annotations


def billing_from_annotations(annotations: Mapping[str, Any]) -> dict[str, Any]:
    """The billing inputs the server echoes; an annotation it does not return is left out (not None),
    so that the generic read keeps the program's value instead of reporting a change."""
    found: dict[str, Any] = {}
    reverse_modes = {v: k for k, v in _BILLING_MODES.items()}
    reverse_periods = {v: k for k, v in _PERIOD_TYPES.items()}
    if str(annotations.get(BILLING_MODE)) in reverse_modes:
        found["billing_mode"] = reverse_modes[str(annotations[BILLING_MODE])]
    if str(annotations.get(PERIOD_TYPE)) in reverse_periods:
        found["period_type"] = reverse_periods[str(annotations[PERIOD_TYPE])]
    if str(annotations.get(PERIOD_NUM, "")).isdigit():
        found["period_num"] = int(annotations[PERIOD_NUM])
    if annotations.get(AUTO_RENEW) in ("0", "1"):
        found["auto_renew"] = annotations[AUTO_RENEW] == "1"
    if str(annotations.get(AUTO_PAY, "")).lower() in ("true", "false"):
        found["auto_pay"] = str(annotations[AUTO_PAY]).lower() == "true"
    for key, annotation in (
        ("promotion_info", PROMOTION_INFO),
        ("service_console_url", SERVICE_CONSOLE_URL),
        ("order_id", ORDER_ID),
    ):
        if annotations.get(annotation):
            found[key] = str(annotations[annotation])
    return found


def as_entries(bucket: Any) -> list[dict[str, Any]]:
    """A status bucket as a list, whether the server sent an array (pool) or an object (node pool)."""
    if isinstance(bucket, dict):
        return [bucket]
    if isinstance(bucket, list):
        return [entry for entry in bucket if isinstance(entry, dict)]
    return []


def bucket_entry(entry: Mapping[str, Any]) -> dict[str, Any]:
    """One ``PoolResourceFlavorCount`` in snake_case."""
    return {
        "flavor": entry.get("flavor"),
        "count": int(entry.get("count") or 0),
        "max_count": entry.get("maxCount"),
        "node_pool": entry.get("nodePool"),
        "azs": [{"az": az.get("az"), "count": az.get("count")} for az in entry.get("azs") or []],
    }


def status_buckets(status: Mapping[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """``status.resources`` as ``{bucket: [entry, ...]}`` with every bucket present (empty when omitted)."""
    resources = status.get("resources") or {}
    return {bucket: [bucket_entry(e) for e in as_entries(resources.get(bucket))] for bucket in BUCKETS}


def bucket_total(status: Mapping[str, Any], bucket: str) -> int:
    return sum(int(entry.get("count") or 0) for entry in as_entries((status.get("resources") or {}).get(bucket)))


def counts_by_flavor(entries: list[dict[str, Any]]) -> dict[str, int]:
    totals: dict[str, int] = {}
    for entry in entries:
        flavor = str(entry.get("flavor"))
        totals[flavor] = totals.get(flavor, 0) + int(entry.get("count") or 0)
    return totals


NODEPOOL_LABEL = "os.modelarts.node/nodepool"  # a node's node pool (seed §16.6 example)
NODE_LIST_LIMIT = 500
# The default pool list holds creating and created pools; failed ones are listed only on request
# (§10.14). Pools being deleted appear in no list: a list-based read sees them as gone.
POOL_LIST_STATUSES = (None, "failed")


def node_items(api: ModelArtsClient, suffix: str, limit: int = NODE_LIST_LIMIT) -> list[dict[str, Any]] | None:
    """The nodes listed at ``suffix`` (``limit``/``continue`` pages), or None when the list is gone."""
    try:
        return list(continue_pages(partial(api.get, "v2", suffix), limit))
    except NotFound:
        return None


def names_of(nodes: list[dict[str, Any]]) -> list[str]:
    return [str(node.get("metadata", {}).get("name")) for node in nodes]


def node_names(api: ModelArtsClient, suffix: str) -> list[str]:
    """The names of the nodes listed at ``suffix``; [] when gone."""
    return names_of(node_items(api, suffix) or [])


def list_pools(api: ModelArtsClient, limit: int) -> Iterator[dict[str, Any]]:
    """Every pool a list shows, each once: the pool list filters on ``workspaceId`` ("0" when
    absent, §10.14), so it is read per workspace, for the default and the failed statuses."""
    seen: set[str] = set()
    for workspace in [DEFAULT_WORKSPACE, *workspace_ids(api, limit)]:
        for status in POOL_LIST_STATUSES:
            params = {"workspaceId": workspace, **({"status": status} if status else {})}
            for pool in (api.get("v2", "pools", params=params) or {}).get("items") or []:
                name = str((pool.get("metadata") or {}).get("name"))
                if name not in seen:
                    seen.add(name)
                    yield pool
