"""What the central platform resources share: the provider base, node resource models, waits, settings.

Resource shapes (table A.13 ResourceSpec, A.14 XpuResource) are used by both the cluster's initial
node groups and ``ClusterNodes``. The standard types ``xpuResources`` as a list but prints one
object in its examples, and the node list (A.34) names the card type ``aiCardType``: readers accept
every spelling.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Collection, Mapping
from typing import Any, Generic, TypeVar

import pulumi
from pydantic import BaseModel, ConfigDict, Field

from aicompute.provider.central import CentralClient, as_list
from aicompute.provider.config import ProviderSettings
from aicompute.provider.generic import GenericProvider
from aicompute.provider.waiters import Waiter, wait_for

ArgsT = TypeVar("ArgsT", bound=BaseModel)
T = TypeVar("T")


class CentralProvider(GenericProvider[ArgsT, CentralClient], Generic[ArgsT]):
    def open_client(self, settings: ProviderSettings) -> CentralClient:
        return CentralClient(settings)


class XpuResource(BaseModel):
    """Accelerator cards of one type (table A.14)."""

    model_config = ConfigDict(extra="forbid")

    xpu_type: str = Field(
        min_length=1, description="Card type code from T/BAX part 5 appendix I, e.g. NVIDIA_T4 (xpuType)."
    )
    num: int = Field(ge=1, description="Number of cards.")


class NodeResource(BaseModel):
    """The machine shape of a node (table A.13 ResourceSpec)."""

    model_config = ConfigDict(extra="forbid")

    cpu: int = Field(ge=1, description="CPU cores.")
    mem: int = Field(ge=1, description="Memory, GB.")
    root_disk_size: int = Field(ge=1, description="Root disk, GB (rootDiskSize).")
    local_disk_size: int = Field(default=0, ge=0, description="Data disk, GB (localDiskSize).")
    xpu_resources: list[XpuResource] = Field(default_factory=list, description="Accelerator cards (xpuResources).")


def node_resource_body(resource: NodeResource) -> dict[str, Any]:
    body: dict[str, Any] = {
        "cpu": resource.cpu,
        "mem": resource.mem,
        "rootDiskSize": resource.root_disk_size,
        "localDiskSize": resource.local_disk_size,
    }
    if resource.xpu_resources:
        body["xpuResources"] = [{"xpuType": x.xpu_type, "num": x.num} for x in resource.xpu_resources]
    return body


def xpus_from_live(value: Any) -> list[dict[str, Any]]:
    return [
        {"xpu_type": item.get("xpuType", item.get("aiCardType")), "num": item.get("num")}
        for item in as_list(value)
        if isinstance(item, dict)
    ]


def node_resource_from_live(value: Any) -> dict[str, Any]:
    value = value if isinstance(value, dict) else {}
    return {
        "cpu": value.get("cpu"),
        "mem": value.get("mem"),
        "root_disk_size": value.get("rootDiskSize"),
        "local_disk_size": value.get("localDiskSize"),
        "xpu_resources": xpus_from_live(value.get("xpuResources")),
    }


def first(mapping: Mapping[str, Any], *keys: str) -> Any:
    """The first of ``keys`` that is set: the standard spells several fields more than one way."""
    for key in keys:
        if mapping.get(key) is not None:
            return mapping[key]
    return None


_GONE = "<gone>"


def wait_gone(
    what: str,
    fetch: Callable[[], T | None],
    state: Callable[[T], str],
    settings: ProviderSettings,
    timeout: float,
    *,
    gone_states: Collection[str] = (),
    failure: Collection[str] = (),
    reason: Callable[[T], str] = lambda _: "",
) -> None:
    """Poll until the object is not found (or in one of ``gone_states``); a failure state raises."""

    def fetch_or_gone() -> tuple[str, T | None]:
        current = fetch()
        return (_GONE, None) if current is None else (state(current), current)

    def failure_reason(observed: tuple[str, T | None]) -> str:
        return reason(observed[1]) if observed[1] is not None else ""

    waiter: Waiter[tuple[str, T | None]] = Waiter(
        what=what,
        fetch=fetch_or_gone,
        state=lambda observed: observed[0],
        target={_GONE, *gone_states},
        failure=failure,
        reason=failure_reason,
    )
    wait_for(waiter, settings, timeout)


def program_settings() -> ProviderSettings:
    """Provider settings as a Pulumi program sees them: its ``aicompute:*`` stack config, then the environment.

    Lookup functions such as ``get_kubeconfig`` run in the program, not in the provider.
    """
    config = pulumi.Config("aicompute")
    values = {f"aicompute:{key}": config.get(key) for key in ProviderSettings.config_keys()}
    return ProviderSettings.load({k: v for k, v in values.items() if v is not None}, os.environ)
