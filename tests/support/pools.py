"""Helpers for the resource-pool and node-pool tests: a network to put pools on, the pool list."""

from __future__ import annotations

from typing import Any

from aicompute.resources.modelarts.network import NetworkProvider
from tests.support.api import signed_json
from tests.support.localcloud import Credentials, LocalCloudProcess
from tests.support.providers import checked, configured

CPU = "modelarts.vm.cpu.4ud"
CPU8 = "modelarts.vm.cpu.8u"


def create_network(localcloud: LocalCloudProcess, project: Credentials, name: str = "net-pools") -> str:
    """An Active network, created through the Network resource; returns its id."""
    provider = configured(NetworkProvider, localcloud, project)
    return provider.create(checked(provider, {"name": name, "cidr": "192.168.0.0/16"})).id


def list_pools(localcloud: LocalCloudProcess, project: Credentials, status: str | None = None) -> list[dict[str, Any]]:
    params = {"status": status} if status else {}
    return list(signed_json(localcloud, project, "GET", "v2/pools", params=params)["items"])
