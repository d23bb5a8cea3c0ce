"""A client of one tenant's central-platform APIs (OAuth2 bearer token of the project's client),
envelope helpers and builders of clusters, workloads, services and tasks.

``api.ok("GET", "/CCP/clusters")`` is the ``data`` of a successful envelope (``code`` "0" or 0);
``api.fails("GET", "/CCP/clusters/x", 404)`` is the message of a failed one. Both expect HTTP 200:
the standard answers business outcomes in the body (digest §4.1).
"""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import quote, quote_plus

import httpx

from tests.support.api import eventually
from tests.support.localcloud import Credentials, LocalCloudProcess

__all__ = ["CentralApi", "cluster_body", "quote_id", "task_body", "token_response", "workload_body"]

T4_NODE = {
    "cpu": 8,
    "mem": 16,
    "rootDiskSize": 40,
    "localDiskSize": 0,
    "xpuResources": {"xpuType": "NVIDIA_T4", "num": 2},
}


def token_response(url: str, client_id: str, secret: str, basic: bool = False, **form: str) -> httpx.Response:
    data = {"grant_type": "client_credentials", **form}
    headers = {}
    if basic:
        pair = f"{quote_plus(client_id)}:{quote_plus(secret)}"  # RFC 6749 §2.3.1
        headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode()
    else:
        data.update(client_id=client_id, client_secret=secret)
    return httpx.post(f"{url}/oauth/token", data=data, headers=headers, timeout=10, verify=False)


def quote_id(value: str) -> str:
    return quote(value, safe="")


def cluster_body(
    name: str = "test-open-clusters", count: int = 2, node: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The A.2 example (with its missing comma restored)."""
    return {
        "regionId": "cn-bj-d",
        "name": name,
        "spec": {
            "version": "1.18.9",
            "hostNetwork": "192.168.0.0/20",
            "nodes": [{"nodeResource": node or T4_NODE, "count": count}],
        },
    }


def workload_body(cluster: str, name: str = "human_detect", replicas: int = 2, **fields: Any) -> dict[str, Any]:
    """The B.2 example's fields."""
    return {
        "clusterCode": cluster,
        "nameSpace": "default",
        "name": name,
        "labels": {"app": "test"},
        "labelSelector": {"app": "test"},
        "replicas": replicas,
        "containerName": "test-container",
        "image": "registry.example/algo:1.0",
        "xpuType": "NVIDIA_T4",
        "cpu": 2,
        "memory": 4,
        "xpu": 1,
        **fields,
    }


def task_body(
    service_id: str, url: str = "iot://10.172.198.207/?deviceid=1&mode=video", **fields: Any
) -> dict[str, Any]:
    """The G.2 example."""
    return {
        "algoServiceId": service_id,
        "restartPolicy": "ALWAYS",
        "taskInfo": {
            "labels": {"algoCabinName": "megcity-a2", "version": "2.0.1"},
            "rulesParams": [
                {
                    "areas": [
                        {
                            "areaid": 0,
                            "areaType": "POLYGON",
                            "points": [{"x": 0.0, "y": 1.0}, {"x": 1.0, "y": 1.0}, {"x": 1.0, "y": 0.0}],
                        }
                    ],
                    "destinations": {
                        "eventDest": {"mqDest": {"mqType": "KAFKA", "topic": "PAAS", "url": "10.172.198.207:23310"}}
                    },
                    "eventType": "ILLEGAL_ADV",
                    "extendParams": {"sensitivity": "低", "durationThreshold": 1},
                    "labels": {},
                    "masks": [],
                }
            ],
            "streamOptions": {"videoStreamOptions": {"resolution": "PIXELS_200W", "url": url}},
        },
        **fields,
    }


class CentralApi:
    def __init__(self, localcloud: LocalCloudProcess, project: Credentials) -> None:
        self.localcloud = localcloud
        self.project = project
        response = token_response(localcloud.url, project.central_client_id, project.central_client_secret)
        assert response.status_code == 200, response.text
        self.token = str(response.json()["access_token"])
        self.client = httpx.Client(
            base_url=localcloud.url, timeout=10, verify=False, headers={"Authorization": f"Bearer {self.token}"}
        )

    def close(self) -> None:
        self.client.close()

    def call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        """The envelope of an HTTP 200 answer."""
        response = self.client.request(method, path, **kwargs)
        assert response.status_code == 200, f"{method} {path}: {response.status_code} {response.text}"
        body: dict[str, Any] = response.json()
        return body

    def ok(self, method: str, path: str, **kwargs: Any) -> Any:
        body = self.call(method, path, **kwargs)
        assert str(body["code"]) == "0", f"{method} {path}: {body}"
        return body.get("data")

    def fails(self, method: str, path: str, code: int, **kwargs: Any) -> str:
        body = self.call(method, path, **kwargs)
        assert str(body["code"]) == str(code), f"{method} {path}: {body}"
        return str(body.get("message", body.get("msg")))

    def fail_next(self, kind: str, obj_id: str = "*", message: str = "injected failure") -> None:
        self.localcloud.fail_next(self.project.project_id, kind, obj_id, message)

    # builders --------------------------------------------------------------------------------
    def create_cluster(self, name: str = "test-open-clusters", wait: bool = True, **body: Any) -> str:
        code = str(self.ok("POST", "/CCP/clusters", json=cluster_body(name, **body))["clusterCode"])
        if wait:
            self.wait_cluster(code, "running")
        return code

    def wait_cluster(self, code: str, phase: str) -> dict[str, Any]:
        found: dict[str, Any] = eventually(
            lambda: self.ok("GET", f"/CCP/clusters/{code}"), lambda c: c["phase"] == phase
        )
        return found

    def pods(self, cluster: str, workload: str, namespace: str = "default") -> list[dict[str, Any]]:
        params = {"clusterCode": cluster, "namespace": namespace, "workloadName": workload}
        pods: list[dict[str, Any]] = self.ok("GET", "/CCP/algoservice/pods", params=params)["pods"]
        return pods

    def wait_ready(self, cluster: str, workload: str, replicas: int) -> list[dict[str, Any]]:
        """The pods once ``replicas`` of them are Running and ready, and no others exist."""
        pods: list[dict[str, Any]] = eventually(
            lambda: self.pods(cluster, workload),
            lambda pods: len(pods) == replicas and all(p["status"] == "Running" and p["ready"] for p in pods),
        )
        return pods

    def create_workload(self, cluster: str, name: str = "human_detect", replicas: int = 2, **fields: Any) -> str:
        data = self.ok("POST", "/CCP/algoservice/workloads", json=workload_body(cluster, name, replicas, **fields))
        return str(data["workloadName"])

    def create_service(self, wait: bool = True, **fields: Any) -> str:
        body = {"envs": "threadCount=8, timeOut=2000", "replicas": 1, "gpuType": "NVidia A2", "algoId": "MEGCITY:1"}
        service_id = str(self.ok("POST", "/CAP/AlgoServices", json={**body, **fields}))
        if wait:
            self.wait_service(service_id, "runing")
        return service_id

    def wait_service(self, service_id: str, status: str) -> dict[str, Any]:
        found: dict[str, Any] = eventually(
            lambda: self.ok("GET", f"/CAP/AlgoServices/{service_id}"), lambda s: s["status"] == status
        )
        return found

    def create_task(self, service_id: str, **fields: Any) -> str:
        data = self.ok("POST", "/CAP/AlgoTasks", json=task_body(service_id, **fields))
        return str(data["createdStreams"][0]["taskInfo"]["id"])

    def wait_task(self, task_id: str, status: str) -> dict[str, Any]:
        found: dict[str, Any] = eventually(
            lambda: self.ok("GET", f"/CAP/AlgoTasks/{task_id}"), lambda t: t["status"] == status
        )
        return found
