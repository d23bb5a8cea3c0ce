"""Algorithm services and analysis tasks against a live localcloud (seed appendices F and G, D.5)."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator

import pytest

from tests.integration.localcloud.central_api import CentralApi, quote_id, task_body
from tests.support.api import eventually
from tests.support.localcloud import Credentials, LocalCloudProcess

STREAM = "iot://10.172.198.207/?deviceid=101234200200000046&mode=video"


@pytest.fixture
def api(localcloud: LocalCloudProcess, project: Credentials) -> Iterator[CentralApi]:
    client = CentralApi(localcloud, project)
    yield client
    client.close()


def test_service_lifecycle_and_cap_status(api: CentralApi) -> None:
    body = {
        "envs": "threadCount=8, timeOut=2000, k1=v1, k2=v2",
        "replicas": 2,
        "gpuType": "NVidia A2",
        "algoId": "MEGCITY:3843938347",
    }
    created = api.call("POST", "/CAP/AlgoServices", json=body)
    assert created == {"code": 0, "msg": "success", "data": "1"}  # F.7: data is the service id
    assert api.ok("GET", "/CAP/AlgoServices/1")["status"] == "starting"
    running = api.wait_service("1", "runing")
    assert running == {
        **body,
        "id": "1",
        "status": "runing",
        "gpuQuota": 1.0,
        "replicasDetail": [
            {"nodeHost": "BQF996500332", "node": "BQF996500332", "nodeIpv4": "10.172.198.208"},
            {"nodeHost": "BQF996500332", "node": "BQF996500332", "nodeIpv4": "10.172.198.208"},
        ],
    }
    status = api.call("GET", "/CAP/Status")
    assert status["code"] == 0 and status["message"] == "success"
    ops = {info["hostName"]: info for info in status["data"]["opsInfos"]}
    assert ops["BQF996500332"]["gpuUsedetail"] == [{"algoId": "MEGCITY:3843938347", "gpuQuota": 2.0}]
    assert ops["BQF996500332"]["gpuUse"] == 50.0 and ops["BQF996500105"]["gpuUse"] == 0.0
    assert {info["hostName"] for info in status["data"]["basicInfos"]} == set(ops)

    page = api.ok("POST", "/CAP/AlgoServices:search", json={})
    assert page == {"pageNumber": 1, "pageSize": 20, "total": 1, "records": [{**body, "id": "1"}]}
    assert api.call("DELETE", "/CAP/AlgoServices/1") == {"code": 0, "msg": "success", "data": True}
    assert api.fails("GET", "/CAP/AlgoServices/1", 404) == "algorithm service 1 does not exist"
    assert api.ok("GET", "/CAP/Status")["opsInfos"][0]["gpuUsedetail"] == []
    assert api.create_service(wait=False) == "2"


def test_services_need_room_on_matching_cards(api: CentralApi) -> None:
    t4 = api.create_service(gpuType="NVIDIA_T4", replicas=4)  # another spelling of the T4 host's cards
    assert {r["nodeIpv4"] for r in api.ok("GET", f"/CAP/AlgoServices/{t4}")["replicasDetail"]} == {"10.172.198.240"}
    full = api.create_service(wait=False, gpuType="nvidia t4")
    failed = api.wait_service(full, "error")
    assert failed["message"] == "no room for 1 replicas of 1.0 nvidia t4 card(s) each"
    unknown = api.wait_service(api.create_service(wait=False, gpuType="Ascend 910"), "error")
    assert unknown["replicasDetail"] == []
    assert "envs: 'nothing' is not a k=v pair" in api.fails(
        "POST", "/CAP/AlgoServices", 400, json={"envs": "nothing", "replicas": 1, "gpuType": "A2", "algoId": "x"}
    )
    assert "replicas" in api.fails(
        "POST", "/CAP/AlgoServices", 400, json={"envs": "", "replicas": 0, "gpuType": "A2", "algoId": "x"}
    )


def test_gpu_quota_comes_from_the_algorithms_encapsulation_file(api: CentralApi) -> None:
    descriptor = json.dumps({"name": "lite", "algo_runtime": {"gpu": [{"quota": 0.25, "vendor": "NVidia"}]}}).encode()
    file_url = "data:application/json;base64," + base64.b64encode(descriptor).decode()
    api.ok("POST", "/CAP/AlgoFilePackages", json={"id": "lite-file", "md5": "", "url": file_url})
    algo = json.dumps({"relatedAlgoFilePackageId": "lite-file"}).encode()
    algo_url = "data:application/json;base64," + base64.b64encode(algo).decode()
    api.ok("POST", "/CAP/AlgoPackages", json={"id": "LITE:1", "md5": "", "url": algo_url})
    eventually(lambda: api.ok("GET", f"/CAP/AlgoPackages/{quote_id('LITE:1')}")["status"] == 1)
    service = api.create_service(algoId="LITE:1", replicas=3)
    assert api.ok("GET", f"/CAP/AlgoServices/{service}")["gpuQuota"] == 0.25


def test_fail_next_service(api: CentralApi) -> None:
    api.fail_next("central.service", message="engine crashed on load")
    service = api.create_service(wait=False)
    assert api.wait_service(service, "error")["message"] == "engine crashed on load"


def test_task_lifecycle(api: CentralApi) -> None:
    service = api.create_service()
    created = api.call("POST", "/CAP/AlgoTasks", json=task_body(service, STREAM))
    assert created["code"] == 0 and created["msg"] == "success" and created["data"]["updatedStreams"] == []
    [stream] = created["data"]["createdStreams"]
    task = stream["taskInfo"]["id"]
    assert stream == {
        "algoServiceId": service,
        "taskInfo": {"id": task, "status": "PENDING", "streamOptions": {"videoStreamOptions": {"url": STREAM}}},
    }
    running = api.wait_task(task, "RUNNING")
    assert running == {
        "algoServiceId": service,
        "restartPolicy": "ALWAYS",
        "taskInfo": {"id": task, "labels": {"algoCabinName": "megcity-a2", "version": "2.0.1"}, "status": "RUNNING"},
        "status": "RUNNING",
    }
    assert api.call("POST", f"/CAP/AlgoTasks/{task}:pause", json={}) == {"code": 0, "msg": "success", "data": True}
    assert api.ok("GET", f"/CAP/AlgoTasks/{task}")["status"] == "PAUSED"
    api.ok("POST", f"/CAP/AlgoTasks/{task}:pause")  # idempotent
    assert api.call("POST", f"/CAP/AlgoTasks/{task}:resume")["data"] is True
    api.wait_task(task, "RUNNING")
    api.ok("DELETE", f"/CAP/AlgoTasks/{task}:pause")  # table G.5's method
    assert api.ok("GET", f"/CAP/AlgoTasks/{task}")["status"] == "PAUSED"

    # The same stream on the same service updates the task (G.9's updatedStreams); paused stays paused.
    again = api.ok("POST", "/CAP/AlgoTasks", json=task_body(service, STREAM, restartPolicy="NEVER"))
    assert again["createdStreams"] == [] and again["updatedStreams"][0]["taskInfo"]["id"] == task
    assert api.ok("GET", f"/CAP/AlgoTasks/{task}") == {
        **running,
        "restartPolicy": "NEVER",
        "status": "PAUSED",
        "taskInfo": {**running["taskInfo"], "status": "PAUSED"},
    }
    assert api.call("DELETE", f"/CAP/AlgoTasks/{task}")["data"] is True
    assert api.fails("GET", f"/CAP/AlgoTasks/{task}", 404) == f"task {task} does not exist"
    assert api.fails("POST", f"/CAP/AlgoTasks/{task}:resume", 404)


def test_task_search(api: CentralApi) -> None:
    service = api.create_service(wait=False)
    other = api.create_service(wait=False)
    first = api.create_task(service, url="rtsp://cam/1")
    second = api.create_task(service, url="rtsp://cam/2")
    elsewhere = api.create_task(other, url="rtsp://cam/1")
    body = task_body(other, "rtsp://cam/3")
    body["taskInfo"]["rulesParams"][0]["eventType"] = "CROWD"
    crowd = api.ok("POST", "/CAP/AlgoTasks", json=body)["createdStreams"][0]["taskInfo"]["id"]

    def ids(**query: object) -> list[str]:
        page = api.ok("POST", "/CAP/AlgoTasks:search", json={"pageNumber": 1, "pageSize": 10, **query})
        return [record["taskInfo"]["id"] for record in page["records"]]

    assert ids() == [first, second, elsewhere, crowd]
    assert ids(algoServiceId=service) == [first, second]
    assert ids(eventType="CROWD") == [crowd]
    assert ids(id=second) == [second]
    page = api.ok("POST", "/CAP/AlgoTasks:search", json={"pageNumber": 2, "pageSize": 3})
    assert page["total"] == 4 and [r["taskInfo"]["id"] for r in page["records"]] == [crowd]


def test_tasks_follow_their_service(api: CentralApi) -> None:
    service = api.create_service(wait=False)
    task = api.create_task(service)
    assert api.ok("GET", f"/CAP/AlgoTasks/{task}")["status"] == "PENDING"  # waits for the service
    api.wait_service(service, "runing")
    api.wait_task(task, "RUNNING")
    api.ok("DELETE", f"/CAP/AlgoServices/{service}")
    assert api.ok("GET", f"/CAP/AlgoTasks/{task}")["message"] == f"algorithm service {service} was deleted"
    assert api.ok("GET", f"/CAP/AlgoTasks/{task}")["status"] == "ERROR"
    assert "ERROR" in api.fails("POST", f"/CAP/AlgoTasks/{task}:pause", 409)

    api.fail_next("central.service")
    broken = api.create_service(wait=False)
    waiting = api.create_task(broken)
    assert api.wait_task(waiting, "ERROR")["message"] == f"algorithm service {broken} is in error"
    assert api.fails("POST", "/CAP/AlgoTasks", 404, json=task_body("no-such-service")) == (
        "algorithm service no-such-service does not exist"
    )


@pytest.mark.parametrize(("policy", "final"), [("ALWAYS", "RUNNING"), ("NEVER", "ERROR")])
def test_fail_next_task_and_its_restart_policy(api: CentralApi, policy: str, final: str) -> None:
    service = api.create_service()
    api.fail_next("central.task", message="stream unreachable")
    task = api.create_task(service, restartPolicy=policy)
    failed = api.wait_task(task, "ERROR")
    assert failed["message"] == "stream unreachable"
    if final == "RUNNING":
        api.wait_task(task, "RUNNING")
        return
    assert api.ok("GET", f"/CAP/AlgoTasks/{task}")["status"] == "ERROR"
    api.ok("POST", f"/CAP/AlgoTasks/{task}:resume")
    api.wait_task(task, "RUNNING")


@pytest.mark.parametrize(
    ("path", "value", "fragment"),
    [
        (("restartPolicy",), "SOMETIMES", "restartPolicy: Input should be 'NEVER' or 'ALWAYS'"),
        (("taskInfo", "labels", "version"), "", "taskInfo.labels.version"),
        (("taskInfo", "rulesParams", 0, "areas", 0, "areaType"), "CIRCLE", "areaType"),
        (("taskInfo", "rulesParams", 0, "areas", 0, "points"), [{"x": 0, "y": 0}], "a POLYGON has at least 3 points"),
        (("taskInfo", "rulesParams", 0, "destinations"), {}, "destinations names no destination"),
        (("taskInfo", "rulesParams", 0, "destinations"), {"HTTPDest": {}}, "destinations.HTTPDest.url: Field required"),
        (("taskInfo", "streamOptions", "videoStreamOptions"), {"url": "x"}, "resolution: Field required"),
    ],
)
def test_invalid_tasks_are_code_400(api: CentralApi, path: tuple[str | int, ...], value: object, fragment: str) -> None:
    body = task_body("1")
    target: object = body
    for key in path[:-1]:
        target = target[key]  # type: ignore[index]
    target[path[-1]] = value  # type: ignore[index]
    assert fragment in api.fails("POST", "/CAP/AlgoTasks", 400, json=body)


def test_a_tripwire_and_http_destination(api: CentralApi) -> None:
    service = api.create_service(wait=False)
    body = task_body(service)
    rule = body["taskInfo"]["rulesParams"][0]
    rule["areas"] = [
        {"areaid": 1, "areaType": "SINGLE_LINE_BOTH", "points": [{"x": 0.1, "y": 0.1}, {"x": 0.9, "y": 0.9}]}
    ]
    rule["destinations"] = {"HTTPDest": {"url": "https://collector.example/events"}}
    assert api.ok("POST", "/CAP/AlgoTasks", json=body)["createdStreams"][0]["taskInfo"]["status"] == "PENDING"
