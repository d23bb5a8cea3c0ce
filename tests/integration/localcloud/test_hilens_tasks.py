"""Jobs (tasks) of a HiLens application deployment against a live localcloud (seed §5.5)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.integration.localcloud.hilens_api import HiLensApi
from tests.support.localcloud import Credentials, LocalCloudProcess


@pytest.fixture
def api(localcloud: LocalCloudProcess, project: Credentials) -> Iterator[HiLensApi]:
    with HiLensApi(localcloud, project) as client:
        yield client


def job(name: str = "count-cars", **fields: Any) -> dict[str, Any]:
    stream = {
        "common": {"fps": 5},
        "input": {"type": "camera", "data": {"id": "cam-1", "rtsp": "rtsp://10.0.0.9/live"}, "template": False},
        "outputs": [{"type": "dis", "data": {"streamName": "cars"}, "template": False}],
    }
    data = {"streams": [stream], "task_id": "user-7", "start_time_info": {"start_time": "08:00", "mode": "time"}}
    return {"name": name, "data": data, **fields}


def test_job_lifecycle(api: HiLensApi) -> None:
    online = api.online_device("edge-job")
    offline = api.register("edge-job-2")
    deployment_id = api.deploy("counter", [online, offline])["id"]
    tasks = f"v3/ai-mgr/deployments/{deployment_id}/tasks"

    task_id = api.post(tasks, job(description="rush hour"))["task_id"]
    shown = api.get(f"{tasks}/{task_id}")
    assert (shown["name"], shown["description"], shown["user_task_id"], shown["task_id"]) == (
        "count-cars",
        "rush hour",
        "user-7",
        task_id,
    )
    assert shown["streams"][0]["input"]["template"] is False  # free-form data kept as sent
    assert shown["start_time_info"] == {"start_time": "08:00", "mode": "time"}
    assert shown["sum_pod_number"] == 2 and shown["ok_pod_number"] == 0
    api.connect(offline)
    api.wait_deployment(deployment_id, "RUNNING")
    running = api.get(f"{tasks}/{task_id}")
    assert (running["cur_pod_number"], running["pending_pod_number"]) == (2, 0)
    assert {status["task_status"] for status in running["task_status"]} == {"Running"}

    pod_id = api.pods(node_id=online)[0]["id"]
    single = api.post(tasks, job("one-camera", instance_id=pod_id))["task_id"]
    assert [s["pod_id"] for s in api.get(f"{tasks}/{single}")["task_status"]] == [pod_id]
    api.error("POST", tasks, 404, "HIL.0010", json=job("nowhere", instance_id="hilens-nope"))

    edited = api.post(f"v3/ai-mgr/deployments/{deployment_id}/task/{task_id}", job("renamed"))
    assert edited == {"task_id": task_id} and api.get(f"{tasks}/{task_id}")["description"] is None
    listed = api.get(tasks, limit=1, offset=1)
    assert listed["count"] == 2 and [t["task_id"] for t in listed["tasks"]] == [single]

    assert api.delete(f"{tasks}/{task_id}") == {"task_id": task_id}
    api.error("GET", f"{tasks}/{task_id}", 404, "HIL.0010")
    api.delete(f"v3/ai-mgr/deployments/{deployment_id}", params={"force_delete": "true"})
    api.error("GET", f"{tasks}/{single}", 404, "HIL.0010")


def test_job_rules(api: HiLensApi) -> None:
    deployment_id = api.deploy("rules", [api.register("edge-rules")])["id"]
    tasks = f"v3/ai-mgr/deployments/{deployment_id}/tasks"
    assert "data.streams" in api.error("POST", tasks, 400, "HIL.0001", json={"name": "x", "data": {"streams": []}})
    api.error("POST", tasks, 400, "HIL.0001", json={"data": job()["data"]})
    api.error("POST", "v3/ai-mgr/deployments/hilens-nope/tasks", 404, "HIL.0010", json=job())
    api.error("POST", f"v3/ai-mgr/deployments/{deployment_id}/task/nope", 404, "HIL.0010", json=job())
    api.error("GET", tasks, 400, "HIL.0001", params={"limit": 101})
