"""Central platform helpers for resource tests: a client of the project's tenant and a running cluster."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from aicompute.provider.central import CentralClient
from aicompute.provider.config import ProviderSettings
from aicompute.resources.central.cluster import ClusterProvider
from tests.support.localcloud import Credentials, LocalCloudProcess
from tests.support.providers import checked, configured, mutating_calls, provider_config

T4_NODE: dict[str, Any] = {
    "cpu": 8,
    "mem": 16,
    "root_disk_size": 40,
    "local_disk_size": 0,
    "xpu_resources": [{"xpu_type": "NVIDIA_T4", "num": 2}],
}


def central_api(localcloud: LocalCloudProcess, project: Credentials, **extra: Any) -> CentralClient:
    """A client of the project's central tenant, configured as the providers are (no environment)."""
    return CentralClient(ProviderSettings.load(provider_config(localcloud, project, **extra), {}))


def cluster_inputs(name: str, count: int = 1, node: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"name": name, "version": "1.18.9", "nodes": [{"node_resource": node or T4_NODE, "count": count}]}


def running_cluster(localcloud: LocalCloudProcess, project: Credentials, name: str, count: int = 1) -> str:
    """The clusterCode of a new running cluster with ``count`` T4 nodes."""
    provider = configured(ClusterProvider, localcloud, project)
    return provider.create(checked(provider, cluster_inputs(name, count))).id


def central_writes(localcloud: LocalCloudProcess, since: int) -> list[dict[str, Any]]:
    """Mutating calls to the platform since ``since`` (token requests are not writes)."""
    return [r for r in mutating_calls(localcloud, since) if not r["path"].startswith("/oauth/")]


def platform_calls(localcloud: LocalCloudProcess, since: int) -> list[dict[str, Any]]:
    """Every central platform call since ``since``, token requests included."""
    return [r for r in localcloud.requests(since) if r["path"].startswith(("/CCP", "/CAP", "/oauth"))]


# An encapsulation file's descriptor (seed E.5), and artefacts localcloud can read.
DESCRIPTOR: dict[str, Any] = {
    "name": "megcity",
    "version": "2.0.1",
    "author": "r-face",
    "description": "crowd analysis",
    "env": [{"name": "USE_AIPAAS_PROTO", "value": "1"}],
    "bin": {"type": "image", "remote_uri": "registry.local/megcity:2.0.1"},
    "algo_runtime": {"cmd": "/start.sh", "gpu": [{"quota": 0.5, "vendor": "NVidia", "accelerator": "T4"}]},
}


def artefact(document: dict[str, Any]) -> tuple[str, str]:
    """A ``data:`` URL holding the document (localcloud reads those) and its md5."""
    content = json.dumps(document).encode()
    url = "data:application/json;base64," + base64.b64encode(content).decode()
    return url, hashlib.md5(content, usedforsecurity=False).hexdigest()
