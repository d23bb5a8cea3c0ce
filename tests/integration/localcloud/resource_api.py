"""A signed client for one project's ModelArts resource-management APIs, and object builders.

``api.get("v2/pools")`` → ``GET {url}/v2/{project_id}/pools``. The builders create networks and
pools and wait (short polls, with a deadline) until they are usable.
"""

from __future__ import annotations

from typing import Any

from tests.support.api import SignedApi, eventually
from tests.support.pools import CPU, CPU8

MERGE_PATCH = {"Content-Type": "application/merge-patch+json"}
GPU = "modelarts.vm.gpu.t4u8"

__all__ = ["CPU", "CPU8", "GPU", "MERGE_PATCH", "ResourceApi"]


class ResourceApi(SignedApi):
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
        result: dict[str, Any] = eventually(
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
        result: dict[str, Any] = eventually(
            lambda: self.get(f"v2/pools/{pool}"),
            lambda p: p["status"]["phase"] == phase and not {"creating", "deleting"} & set(p["status"]["resources"]),
        )
        return result
