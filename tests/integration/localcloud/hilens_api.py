"""A signed client for one project's HiLens APIs on a live localcloud, and builders.

``api.get("v3/ai-mgr/nodes")`` → ``GET {url}/v3/{project_id}/ai-mgr/nodes``; paths without a
project (``/v3/ai-mgr/firmwares``, ``/v1/skill-market/…``) go through ``api.global_request``. The
builders register devices (connected through localcloud's simulated agent when asked) and deploy
applications.
"""

from __future__ import annotations

from typing import Any

import httpx

from tests.support.api import SignedApi, eventually

__all__ = ["HiLensApi", "app", "eventually"]


def app(name: str = "detector", **fields: Any) -> dict[str, Any]:
    """A minimal AppDef (table 5-95)."""
    return {
        "name": name,
        "app_url": "swr.cn-north-4.myhuaweicloud.com/edge/detector:1.0",
        "resources": {"limits": {"cpu": "0.25", "memory": "128"}},
        **fields,
    }


def deployment_body(name: str, node_ids: list[str], **fields: Any) -> dict[str, Any]:
    template = {"configs": {"restart_policy": "Always", "host_network": False}, "apps": [app()]}
    return {
        "name": name,
        "source": "userdefined",
        "deployment": {"replicas": 1, "template": template},
        "node_ids": node_ids,
        **fields,
    }


class HiLensApi(SignedApi):
    def ok(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.request(method, path, **kwargs)
        assert response.status_code == 200, f"{method} {path}: {response.status_code} {response.text}"
        return response.json() if response.content else None

    def get(self, path: str, **params: Any) -> Any:
        return self.ok("GET", path, params=params)

    def post(self, path: str, body: Any = None, **kwargs: Any) -> Any:
        return self.ok("POST", path, json=body, **kwargs)

    def put(self, path: str, body: Any = None, **kwargs: Any) -> Any:
        return self.ok("PUT", path, json=body, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Any:
        return self.ok("DELETE", path, **kwargs)

    def global_request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """A path without a project: ``global_request("GET", "/v3/ai-mgr/firmwares")``."""
        return self.client.request(method, path, **kwargs)

    def error(self, method: str, path: str, status: int, code: str, **kwargs: Any) -> str:
        """The message of an expected ``{error_code, error_msg}`` answer."""
        response = self.request(method, path, **kwargs)
        assert response.status_code == status, f"{method} {path}: {response.status_code} {response.text}"
        body = response.json()
        assert set(body) == {"error_code", "error_msg"} and body["error_code"] == code, body
        return str(body["error_msg"])

    def deployment_error(self, method: str, path: str, status: int, code: str, **kwargs: Any) -> str:
        """The message of an expected ``{request_id, error_code, error_message}`` answer."""
        response = self.request(method, path, **kwargs)
        assert response.status_code == status, f"{method} {path}: {response.status_code} {response.text}"
        body = response.json()
        assert set(body) == {"request_id", "error_code", "error_message"} and body["error_code"] == code, body
        return str(body["error_message"])

    # the simulated edge agent ----------------------------------------------------------------------
    def connect(self, node_id: str, **report: Any) -> dict[str, Any]:
        body = {"project_id": self.project.project_id, **report}
        return dict(self.localcloud.admin("POST", f"/hilens/devices/{node_id}/connect", json=body))

    def disconnect(self, node_id: str) -> dict[str, Any]:
        body = {"project_id": self.project.project_id}
        return dict(self.localcloud.admin("POST", f"/hilens/devices/{node_id}/disconnect", json=body))

    # builders --------------------------------------------------------------------------------------
    def register(self, name: str = "edge-1", **node: Any) -> str:
        return str(self.post("v3/ai-mgr/nodes", {"node": {"name": name, **node}})["id"])

    def online_device(self, name: str = "edge-1", **node: Any) -> str:
        node_id = self.register(name, **node)
        assert self.connect(node_id)["state"] == "RUNNING"
        return node_id

    def node(self, node_id: str) -> dict[str, Any]:
        return dict(self.get(f"v3/ai-mgr/nodes/{node_id}"))

    def deploy(self, name: str, node_ids: list[str], **fields: Any) -> dict[str, Any]:
        return dict(self.post("v3/ai-mgr/deployments", deployment_body(name, node_ids, **fields)))

    def deployment(self, deployment_id: str) -> dict[str, Any]:
        return dict(self.get(f"v3/ai-mgr/deployments/{deployment_id}"))

    def wait_deployment(self, deployment_id: str, state: str) -> dict[str, Any]:
        found: dict[str, Any] = eventually(lambda: self.deployment(deployment_id), lambda d: d["state"] == state)
        return found

    def pods(self, **params: Any) -> list[dict[str, Any]]:
        return list(self.get("v3/ai-mgr/pods", **params)["pods"])
