"""A signed client for one project's ModelArts resource-management APIs, and object builders.

``api.get("v2/pools")`` → ``GET {url}/v2/{project_id}/pools``. The builders create networks and
pools and wait (short polls, with a deadline) until they are usable.
"""

from __future__ import annotations

from typing import Any

import httpx

from aicompute.provider.auth import AkSkAuth
from tests.integration.localcloud.modelarts_api import wait_until
from tests.support.localcloud import Credentials, LocalCloudProcess

MERGE_PATCH = {"Content-Type": "application/merge-patch+json"}
CPU = "modelarts.vm.cpu.4ud"
CPU8 = "modelarts.vm.cpu.8u"
GPU = "modelarts.vm.gpu.t4u8"

__all__ = ["CPU", "CPU8", "GPU", "MERGE_PATCH", "ResourceApi", "wait_until"]


class ResourceApi:
    def __init__(self, localcloud: LocalCloudProcess, project: Credentials) -> None:
        self.localcloud = localcloud
        self.project = project
        self.client = httpx.Client(
            base_url=localcloud.url, auth=AkSkAuth(project.access_key, project.secret_key), timeout=10
        )

    def close(self) -> None:
        self.client.close()

    def url(self, path: str) -> str:
        version, _, rest = path.partition("/")
        return f"/{version}/{self.project.project_id}/{rest}"

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return self.client.request(method, self.url(path), **kwargs)

    def ok(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.request(method, path, **kwargs)
        assert response.status_code == 200, f"{method} {path}: {response.status_code} {response.text}"
        return response.json()

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.ok("GET", path, **kwargs)

    def post(self, path: str, body: Any) -> Any:
        return self.ok("POST", path, json=body)

    def patch(self, path: str, body: Any) -> Any:
        return self.ok("PATCH", path, json=body, headers=MERGE_PATCH)

    def delete(self, path: str) -> Any:
        return self.ok("DELETE", path)

    def error(self, method: str, path: str, status: int, code: str, **kwargs: Any) -> str:
        """The ``error_msg`` of an expected ``{error_code, error_msg}`` answer."""
        response = self.request(method, path, **kwargs)
        assert response.status_code == status, f"{method} {path}: {response.status_code} {response.text}"
        body = response.json()
        assert set(body) == {"error_code", "error_msg"}, body
        assert body["error_code"] == code, body
        return str(body["error_msg"])

    def gone(self, path: str, status: int = 404) -> bool:
        return self.request("GET", path).status_code == status

    def fail_next(self, kind: str, obj_id: str = "*", message: str = "injected failure") -> None:
        self.localcloud.fail_next(self.project.project_id, kind, obj_id, message)

    # builders --------------------------------------------------------------------------------
    def create_network(self, name: str = "net-main", cidr: str = "192.168.0.0/16", wait: bool = True) -> str:
        body = {
            "apiVersion": "v1",
            "kind": "Network",
            "metadata": {"labels": {"os.modelarts/name": name}},
            "spec": {"cidr": cidr},
        }
        network = str(self.post("v1/networks", body)["metadata"]["name"])
        if wait:
            self.wait_network(network, "Active")
        return network

    def wait_network(self, network: str, phase: str) -> dict[str, Any]:
        result: dict[str, Any] = wait_until(
            lambda: self.get(f"v1/networks/{network}"), lambda n: n["status"]["phase"] == phase
        )
        return result

    def pool_body(
        self,
        name: str,
        network: str,
        resources: list[dict[str, Any]] | None = None,
        scope: list[str] | None = None,
        annotations: dict[str, str] | None = None,
        labels: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        return {
            "apiVersion": "v2",
            "kind": "Pool",
            "metadata": {
                "labels": {"os.modelarts/name": name, **(labels or {})},
                "annotations": annotations or {},
            },
            "spec": {
                "type": "Dedicate",
                "scope": scope or ["Train"],
                "network": {"name": network},
                "resources": resources or [{"flavor": CPU, "count": 2}],
            },
        }

    def create_pool(self, name: str, network: str, wait: bool = True, **body: Any) -> str:
        pool = str(self.post("v2/pools", self.pool_body(name, network, **body))["metadata"]["name"])
        if wait:
            self.wait_pool(pool)
        return pool

    def wait_pool(self, pool: str, phase: str = "Running") -> dict[str, Any]:
        """The pool once in ``phase`` with no node still creating or deleting."""
        result: dict[str, Any] = wait_until(
            lambda: self.get(f"v2/pools/{pool}"),
            lambda p: p["status"]["phase"] == phase and not {"creating", "deleting"} & set(p["status"]["resources"]),
        )
        return result
