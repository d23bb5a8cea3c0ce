"""Helpers for the resource-pool and node-pool tests: a network to put pools on, raw API calls."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx

from aicompute.provider.auth import AkSkAuth
from aicompute.resources.modelarts.network import NetworkProvider
from tests.support.localcloud import Credentials, LocalCloudProcess
from tests.support.providers import checked, configured

CPU = "modelarts.vm.cpu.4ud"
CPU8 = "modelarts.vm.cpu.8u"


def create_network(localcloud: LocalCloudProcess, project: Credentials, name: str = "net-pools") -> str:
    """An Active network, created through the Network resource; returns its id."""
    provider = configured(NetworkProvider, localcloud, project)
    return provider.create(checked(provider, {"name": name, "cidr": "192.168.0.0/16"})).id


def api(localcloud: LocalCloudProcess, project: Credentials, method: str, suffix: str, **kwargs: Any) -> httpx.Response:
    """A signed call to ``/v2/{project_id}/<suffix>``, bypassing the provider."""
    return httpx.request(
        method,
        f"{localcloud.url}/v2/{project.project_id}/{suffix}",
        auth=AkSkAuth(project.access_key, project.secret_key),
        timeout=10,
        **kwargs,
    )


def list_pools(localcloud: LocalCloudProcess, project: Credentials, status: str | None = None) -> list[dict[str, Any]]:
    params = {"status": status} if status else {}
    response = api(localcloud, project, "GET", "pools", params=params)
    response.raise_for_status()
    return list(response.json()["items"])


def eventually(condition: Callable[[], bool], seconds: float = 10.0) -> bool:
    """Poll ``condition`` every 20 ms until it holds or the deadline passes."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True
