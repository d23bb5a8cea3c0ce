"""ModelArts real-time, batch and edge services (seed chapter 9) against a real localcloud server."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.integration.localcloud.modelarts_api import ModelArtsApi
from tests.support.api import eventually
from tests.support.localcloud import Credentials, LocalCloudProcess

SERVICE_KIND = "modelarts.service"
LEGACY_CLUSTER = "ff808081673fbb3d01673fbb824d0000"  # the 9.10 example's cluster


@pytest.fixture
def api(localcloud: LocalCloudProcess, project: Credentials) -> Iterator[ModelArtsApi]:
    client = ModelArtsApi(localcloud, project)
    yield client
    client.close()


def published_model(api: ModelArtsApi, name: str = "mnist", version: str = "1.0.0", **extra: Any) -> str:
    body = {
        "model_name": name,
        "model_version": version,
        "model_type": "TensorFlow",
        "source_location": "https://models.obs.xxxx.com/mnist",
        **extra,
    }
    model_id: str = api.ok("POST", "/models", json=body)["model_id"]
    eventually(lambda: api.ok("GET", f"/models/{model_id}"), lambda m: m["model_status"] != "publishing")
    return model_id


def entry(model_id: str, **extra: Any) -> dict[str, Any]:
    return {"model_id": model_id, "specification": "modelarts.vm.cpu.2u", "instance_count": 1, "weight": 100, **extra}


def deploy(api: ModelArtsApi, config: list[dict[str, Any]], name: str = "mnist", **extra: Any) -> str:
    body = {"service_name": name, "infer_type": "real-time", "description": "mnist service", "config": config, **extra}
    service_id: str = api.ok("POST", "/services", json=body)["service_id"]
    return service_id


def service(api: ModelArtsApi, service_id: str) -> dict[str, Any]:
    body: dict[str, Any] = api.ok("GET", f"/services/{service_id}")
    return body


def wait_status(api: ModelArtsApi, service_id: str, *statuses: str) -> dict[str, Any]:
    found: dict[str, Any] = eventually(lambda: service(api, service_id), lambda s: s["status"] in statuses)
    return found


def wait_gone(api: ModelArtsApi, service_id: str) -> None:
    response = eventually(lambda: api.request("GET", f"/services/{service_id}"), lambda r: r.status_code == 404)
    assert response.json()["error_code"] == "ModelArts.3502"


def scale(api: ModelArtsApi, service_id: str, model_id: str, count: int | str) -> dict[str, Any]:
    body = {"changed_property": "instance_count", "configs": [{"model_id": model_id, "changed_value": count}]}
    answer: dict[str, Any] = api.ok("PUT", f"/services/{service_id}/property", json=body)
    return answer


def event_infos(api: ModelArtsApi, service_id: str, **params: Any) -> list[str]:
    events = api.ok("GET", f"/services/{service_id}/events", params={"order": "asc", **params})
    return [event["event_info"] for event in events["events"]]


def test_deploy_scale_stop_start_delete(api: ModelArtsApi) -> None:
    model_id = published_model(api)
    created = api.ok("POST", "/services", json={"service_name": "mnist", "infer_type": "real-time",
                                                 "config": [entry(model_id, weight="100")]})  # fmt: skip
    service_id = created["service_id"]
    assert len(created["resource_ids"]) == 1 and created["resource_ids"][0].startswith("INF-")

    deploying = service(api, service_id)
    assert deploying["status"] == "deploying" and deploying["progress"] < 100
    running = wait_status(api, service_id, "running", "failed")
    assert running["status"] == "running" and running["progress"] == 100
    assert running["access_address"].endswith(f"/v1/infers/{service_id}")
    config = running["config"][0]
    assert (config["model_name"], config["model_version"], config["status"]) == ("mnist", "1.0.0", "running")
    assert config["weight"] == 100 and config["instance_count"] == 1 and config["envs"] == {}
    assert running["project"] == api.project.project_id and running["workspace_id"] == "0"

    listed = api.ok("GET", "/services", params={"service_name": "mnist"})
    assert listed["count"] == listed["total_count"] == 1
    assert listed["services"][0]["service_id"] == service_id and "config" not in listed["services"][0]

    scaled = scale(api, service_id, model_id, 2)
    assert service(api, service_id)["status"] == "deploying"
    assert wait_status(api, service_id, "running", "failed")["config"][0]["instance_count"] == 2
    log = api.ok("GET", f"/services/{service_id}/logs", params={"update_time": scaled["update_time"]})["logs"]
    assert [(entry["result"], entry["config"][0]["instance_count"]) for entry in log] == [("SUCCESS", 2)]
    monitor = api.ok("GET", f"/services/{service_id}/monitor")
    assert monitor["service_instance_count"] == monitor["service_running_instance_count"] == 2
    assert monitor["monitors"][0]["cpu_core_total"] == 4.0

    assert api.ok("PUT", f"/services/{service_id}", json={"status": "stopped"}) == {}
    assert service(api, service_id)["status"] == "stopping"
    stopped = wait_status(api, service_id, "stopped", "failed")
    assert stopped["status"] == "stopped" and stopped["config"][0]["status"] == "stopped"
    assert api.ok("GET", f"/services/{service_id}/monitor")["service_running_instance_count"] == 0

    api.ok("PUT", f"/services/{service_id}", json={"status": "running"})
    assert wait_status(api, service_id, "running", "failed")["status"] == "running"

    infos = event_infos(api, service_id)
    assert infos[:2] == ["start to deploy service", "building image for model [mnist 1.0.0]"]
    for expected in ("[mnist 1.0.0] starting model", "start to update service", "start to stop service",
                     "service stopped"):  # fmt: skip
        assert expected in infos
    assert infos.count("start to deploy service") == 2

    assert api.ok("DELETE", f"/services/{service_id}") == {}
    assert api.request("GET", f"/services/{service_id}").json().get("status") in ("deleting", None)
    wait_gone(api, service_id)
    assert api.ok("GET", "/services")["total_count"] == 0


def test_model_switch_put_and_patch(api: ModelArtsApi) -> None:
    first = published_model(api, version="1.0.0")
    second = published_model(api, version="2.0.0")
    service_id = deploy(api, [entry(first, deploy_timeout_in_seconds=600)])
    assert "deploy_timeout_in_seconds" not in wait_status(api, service_id, "running")["config"][0]  # not returned

    assert api.error("PUT", f"/services/{service_id}", 400, json={"status": "running"})["error_code"] == (
        "ModelArts.3519"
    )
    api.ok("PUT", f"/services/{service_id}", json={"config": [entry(second)], "description": "v2"})
    updated = wait_status(api, service_id, "running", "failed")
    assert updated["config"][0]["model_version"] == "2.0.0" and updated["description"] == "v2"

    patched = api.request(
        "PATCH",
        f"/services/{service_id}",
        json=[
            {"op": "replace", "path": "/config/0/instance_count", "value": 3},
            {"op": "replace", "path": "/config/0/envs", "value": {"MODE": "fast"}},
        ],
    )
    assert patched.status_code == 200 and patched.headers["X-Request-Id"]
    body = patched.json()
    assert body["resource_ids"][0].startswith("INF-") and "-" in body["resource_ids"][0][4:]
    assert service(api, service_id)["status"] == "deploying"
    after = wait_status(api, service_id, "running", "failed")
    assert after["config"][0]["instance_count"] == 3 and after["config"][0]["envs"] == {"MODE": "fast"}
    assert after["update_time"] == body["update_time"]

    logs = api.ok("GET", f"/services/{service_id}/logs")["logs"]
    assert [entry["result"] for entry in logs] == ["SUCCESS", "SUCCESS"]
    assert [entry["config"][0]["model_version"] for entry in logs] == ["2.0.0", "2.0.0"]

    bad = [
        ([{"op": "add", "path": "/config/0/envs", "value": {}}], "[0].op"),
        ([{"op": "replace", "path": "/description", "value": "x"}], "path"),
        ([{"op": "replace", "path": "/config/5/instance_count", "value": 1}], "path"),
        ([{"op": "replace", "path": "/config/0/instance_count", "value": 0}], "config[0].instance_count"),
    ]
    for operations, field in bad:
        error = api.error("PATCH", f"/services/{service_id}", 400, json=operations)
        assert error["error_code"] == "ModelArts.0107" and field in error["error_msg"]


def test_multi_model_traffic_split(api: ModelArtsApi) -> None:
    first = published_model(api, version="1.0.0")
    second = published_model(api, version="1.0.1")
    # The 9.4 example sends the weights as strings.
    service_id = deploy(api, [entry(first, weight="70"), entry(second, weight="30")])
    running = wait_status(api, service_id, "running", "failed")
    assert [(c["model_version"], c["weight"]) for c in running["config"]] == [("1.0.0", 70), ("1.0.1", 30)]
    assert "[mnist 1.0.1] starting model" in event_infos(api, service_id)

    split = {"service_name": "split", "infer_type": "real-time"}
    unbalanced = api.error(
        "POST", "/services", 400, json={**split, "config": [entry(first, weight=70), entry(second, weight=20)]}
    )
    assert unbalanced["error_code"] == "ModelArts.0107" and "weight" in unbalanced["error_msg"]
    same_version = api.error(
        "POST", "/services", 400, json={**split, "config": [entry(first, weight=50), entry(first, weight=50)]}
    )
    assert same_version["error_code"] == "ModelArts.3516"


def test_invalid_deploys_answer_documented_codes(api: ModelArtsApi) -> None:
    model_id = published_model(api)
    batch_only = published_model(api, name="batch-only", install_type=["batch"])
    api.fail_next("modelarts.model", "*", "broken image")
    unpublished = published_model(api, name="broken")
    deploy(api, [entry(model_id)], name="taken")

    def error_for(status: int, **body: Any) -> dict[str, Any]:
        request = {"service_name": "svc", "infer_type": "real-time", "config": [entry(model_id)], **body}
        return api.error("POST", "/services", status, json={k: v for k, v in request.items() if v is not None})

    cases: list[tuple[int, dict[str, Any], str, str]] = [
        (400, {"service_name": None}, "ModelArts.3610", "service_name"),
        (400, {"config": [{"specification": "modelarts.vm.cpu.2u", "instance_count": 1, "weight": 100}]},
         "ModelArts.3610", "config[0].model_id"),
        (400, {"config": []}, "ModelArts.3610", "config"),
        (400, {"config": [entry(model_id, instance_count=0)]}, "ModelArts.0107", "config[0].instance_count"),
        (400, {"config": [entry(model_id, instance_count=129)]}, "ModelArts.0107", "config[0].instance_count"),
        (400, {"config": [entry(model_id, weight=None)]}, "ModelArts.3610", "config[0].weight"),
        (400, {"config": [entry(model_id, specification="modelarts.vm.huge")]}, "ModelArts.3954", "modelarts.vm.huge"),
        (400, {"config": [entry(model_id, specification="custom", custom_spec={"cpu": 1.5, "memory": 7500})]},
         "ModelArts.0107", "dedicated"),
        (404, {"config": [entry("0e07b41b-173e-42db-8c16-8e1b44cc0d44")]}, "ModelArts.3507", "0e07b41b"),
        (400, {"config": [entry(unpublished)]}, "ModelArts.3515", unpublished),
        (400, {"config": [entry(batch_only)]}, "ModelArts.3589", "real-time"),
        (400, {"service_name": "bad name"}, "ModelArts.0107", "service_name"),
        (400, {"description": "a+b"}, "ModelArts.0107", "description"),
        (400, {"infer_type": "streaming"}, "ModelArts.0107", "infer_type"),
        (409, {"service_name": "taken"}, "ModelArts.3503", "taken"),
        (400, {"workspace_id": "a" * 32}, "ModelArts.0102", "workspace"),
        (400, {"vpc_id": "vpc-1", "subnet_network_id": "subnet-1"}, "ModelArts.3610", "security_group_id"),
        (404, {"pool_name": "pool-missing"}, "ModelArts.2890", "pool-missing"),
        (400, {"cluster_id": "0" * 32}, "ModelArts.3547", "0" * 32),
        (400, {"config": [entry(model_id, pool_name="pool-a")]}, "ModelArts.0107", "config[0].pool_name"),
        (400, {"schedule": [{"type": "stop", "time_unit": "HOURS", "duration": 0}]}, "ModelArts.3562", "due_time"),
        (400, {"schedule": [{"type": "start", "time_unit": "HOURS", "duration": 1}]}, "ModelArts.0107", "schedule"),
        (400, {"priority": 4}, "ModelArts.0107", "priority"),
    ]  # fmt: skip
    for status, override, code, field in cases:
        error = error_for(status, **override)
        assert error["error_code"] == code, (override, error)
        assert field in error["error_msg"], (override, error)


def test_custom_spec_on_legacy_cluster(api: ModelArtsApi) -> None:
    model_id = published_model(api)
    custom = entry(model_id, specification="custom", custom_spec={"cpu": 1.555, "memory": 7500},
                   cluster_id=LEGACY_CLUSTER)  # fmt: skip
    service_id = deploy(api, [custom], cluster_id=LEGACY_CLUSTER)
    running = wait_status(api, service_id, "running", "failed")
    assert running["cluster_id"] == LEGACY_CLUSTER
    assert running["config"][0]["custom_spec"] == {"cpu": 1.56, "memory": 7500}

    clusters = api.ok("GET", "/clusters")
    assert clusters["count"] == 1 and clusters["clusters"][0]["cluster_id"] == LEGACY_CLUSTER
    assert api.ok("GET", "/clusters", params={"cluster_name": "other"})["clusters"] == []


def test_failure_directives(api: ModelArtsApi) -> None:
    model_id = published_model(api)
    api.fail_next(SERVICE_KIND, "*", "insufficient resources in the public pool")
    service_id = deploy(api, [entry(model_id)])
    failed = wait_status(api, service_id, "running", "failed")
    assert failed["status"] == "failed"
    assert failed["error_msg"] == "insufficient resources in the public pool"
    abnormal = api.ok("GET", f"/services/{service_id}/events", params={"event_type": "abnormal"})
    assert [event["event_info"] for event in abnormal["events"]] == ["insufficient resources in the public pool"]

    api.ok("PUT", f"/services/{service_id}", json={"status": "running"})
    running = wait_status(api, service_id, "running", "failed")
    assert running["status"] == "running" and "error_msg" not in running

    api.fail_next(SERVICE_KIND, service_id, "rolling upgrade failed")
    scaled = scale(api, service_id, model_id, "3")  # changed_value is a String in table 9-85
    assert wait_status(api, service_id, "running", "failed")["error_msg"] == "rolling upgrade failed"
    log = api.ok("GET", f"/services/{service_id}/logs", params={"update_time": scaled["update_time"]})["logs"]
    assert log[0]["result"] == "FAIL"

    api.fail_next(SERVICE_KIND, service_id, "cannot release instances")
    api.ok("PUT", f"/services/{service_id}", json={"status": "stopped"})
    assert wait_status(api, service_id, "stopped", "failed")["error_msg"] == "cannot release instances"

    api.fail_next(SERVICE_KIND, service_id, "delete blocked")
    api.ok("DELETE", f"/services/{service_id}")
    assert wait_status(api, service_id, "failed")["error_msg"] == "delete blocked"
    api.ok("DELETE", f"/services/{service_id}")
    wait_gone(api, service_id)


def test_update_preconditions_and_property_rules(api: ModelArtsApi) -> None:
    model_id = published_model(api)
    service_id = deploy(api, [entry(model_id)])
    busy = api.error("PUT", f"/services/{service_id}", 400, json={"config": [entry(model_id, instance_count=2)]})
    assert busy["error_code"] == "ModelArts.3519"
    wait_status(api, service_id, "running")

    def property_error(configs: list[dict[str, Any]], prop: str = "instance_count") -> dict[str, Any]:
        return api.error("PUT", f"/services/{service_id}/property", 400,
                         json={"changed_property": prop, "configs": configs})  # fmt: skip

    assert property_error([{"model_id": "other", "changed_value": 2}])["error_code"] == "ModelArts.3529"
    assert property_error([{"model_id": model_id, "changed_value": 1}])["error_code"] == "ModelArts.0107"
    assert property_error([{"model_id": model_id, "changed_value": "two"}])["error_code"] == "ModelArts.0107"
    assert property_error([{"model_id": model_id, "changed_value": 2}], prop="weight")["error_code"] == (
        "ModelArts.0107"
    )
    api.ok("PUT", f"/services/{service_id}", json={"status": "stopped"})
    wait_status(api, service_id, "stopped")
    assert property_error([{"model_id": model_id, "changed_value": 2}])["error_code"] == "ModelArts.3519"
    assert api.error("PUT", f"/services/{service_id}", 400, json={"status": "stopped"})["error_code"] == (
        "ModelArts.3519"
    )

    # A config change on a stopped service is stored at once, without a rollout.
    api.ok("PUT", f"/services/{service_id}", json={"config": [entry(model_id, instance_count=4)]})
    stopped = service(api, service_id)
    assert stopped["status"] == "stopped" and stopped["config"][0]["instance_count"] == 4
    assert api.ok("GET", f"/services/{service_id}/logs")["logs"][-1]["result"] == "SUCCESS"

    ws = {"additional_properties": {"websocket_upgrade": True}}
    api.ok("PUT", f"/services/{service_id}", json=ws)
    assert service(api, service_id)["additional_properties"] == {"websocket_upgrade": True}
    off = api.error("PUT", f"/services/{service_id}", 400, json={"additional_properties": {"websocket_upgrade": False}})
    assert "websocket_upgrade" in off["error_msg"]
    assert api.error("PUT", f"/services/{service_id}", 400, json={"description": "a=b"})["error_code"] == (
        "ModelArts.0107"
    )
    assert api.error("GET", "/services/0e07b41b-0000/events", 404)["error_code"] == "ModelArts.3502"


def test_events_filters_and_paging(api: ModelArtsApi) -> None:
    service_id = deploy(api, [entry(published_model(api))])
    wait_status(api, service_id, "running")
    everything = api.ok("GET", f"/services/{service_id}/events")
    assert everything["total_count"] == everything["count"] == 9  # the 9.11 example's nine events
    times = [event["occur_time"] for event in everything["events"]]
    assert times == sorted(times, reverse=True)  # occur_time desc by default

    pages = [api.ok("GET", f"/services/{service_id}/events", params={"limit": 4, "offset": n}) for n in (0, 1, 2)]
    assert [page["count"] for page in pages] == [4, 4, 1]
    assert event_infos(api, service_id, event_info="PULL") == ["[mnist 1.0.0] pulling model image",
                                                               "[mnist 1.0.0] pull image success"]  # fmt: skip
    assert event_infos(api, service_id, start_time=times[0] + 1) == []
    assert api.error("GET", f"/services/{service_id}/events", 400, params={"event_info": "a(b)"})["error_code"] == (
        "ModelArts.0107"
    )


def test_tags(api: ModelArtsApi) -> None:
    model_id = published_model(api)
    first = deploy(api, [entry(model_id)], name="first")
    second = deploy(api, [entry(model_id)], name="second")
    headers = {"Content-Type": "application/json;charset=utf8"}
    tags = {"tags": [{"key": "test", "value": "service-gpu"}, {"key": "model_version", "value": "0.1"}]}
    assert api.request("POST", f"/services/{first}/tags/create", json=tags, headers=headers).status_code == 204
    api.ok("POST", f"/services/{second}/tags/create", json={"tags": [{"key": "model_version", "value": "0.2"}]})
    api.ok("POST", f"/services/{first}/tags/create", json={"tags": [{"key": "test", "value": "service-cpu"}]})

    combined = api.ok("GET", "/services/tms/tags")["tags"]
    assert combined == [{"key": "test", "values": ["service-cpu"]}, {"key": "model_version", "values": ["0.1", "0.2"]}]
    tagged = api.ok("GET", "/services", params={"tags": "model_version=0.2"})["services"]
    assert [item["service_id"] for item in tagged] == [second]
    assert api.ok("GET", "/services", params={"tags": "test"})["services"][0]["service_id"] == first

    delete = {"tags": [{"key": "test", "value": "nope"}, {"key": "model_version"}]}
    assert api.request("DELETE", f"/services/{first}/tags/delete", json=delete).status_code == 204
    assert api.ok("GET", "/services/tms/tags")["tags"] == [
        {"key": "test", "values": ["service-cpu"]},
        {"key": "model_version", "values": ["0.2"]},
    ]

    reserved = {"tags": [{"key": "_sys_owner", "value": "x"}]}
    assert api.error("POST", f"/services/{first}/tags/create", 400, json=reserved)["error_code"] == "ModelArts.0107"
    assert api.error("POST", "/services/nope/tags/create", 404, json=tags)["error_code"] == "ModelArts.3502"
    too_long = api.error("POST", f"/services/{'x' * 65}/tags/create", 400, json=tags)
    assert too_long["error_code"] == "ModelArts.3552"


def test_batch_service_finishes(api: ModelArtsApi) -> None:
    model_id = published_model(api)
    body: dict[str, Any] = {
        "service_name": "batchservicetest",
        "infer_type": "batch",
        "config": [{
            "model_id": model_id, "specification": "modelarts.vm.cpu.2u", "instance_count": 1,
            "src_path": "https://infers-data.obs.xxxx.com/xgboosterdata/",
            "dest_path": "https://infers-data.obs.xxxx.com/output/", "req_uri": "/", "mapping_type": "file",
        }],
    }  # fmt: skip
    service_id = api.ok("POST", "/services", json=body)["service_id"]
    finished = wait_status(api, service_id, "finished", "failed")
    assert finished["status"] == "finished" and "access_address" not in finished
    assert finished["config"][0]["finished_time"] >= finished["config"][0]["start_time"]
    assert "batch service finished" in event_infos(api, service_id)

    no_output = {**body, "service_name": "batch2", "config": [{**body["config"][0], "dest_path": None}]}
    no_output["config"][0].pop("dest_path")
    assert api.error("POST", "/services", 400, json=no_output)["error_msg"] == (
        "Parameter config[0].dest_path cannot be empty."
    )
    tagging = api.error("POST", f"/services/{service_id}/tags/create", 400, json={"tags": [{"key": "a", "value": "b"}]})
    assert "real-time" in tagging["error_msg"]


def test_edge_service_node_instances(api: ModelArtsApi) -> None:
    model_id = published_model(api)
    node = "2r8c4fb9-t497-40u3-89yf-skui77db0472"  # the 9.4 example's node id
    body: dict[str, Any] = {
        "service_name": "service-edge-demo",
        "infer_type": "edge",
        "config": [{"model_id": model_id, "specification": "custom", "instance_count": 1,
                    "custom_spec": {"cpu": 1.5, "memory": 7500}, "envs": {}, "nodes": [node]}],
    }  # fmt: skip
    service_id = api.ok("POST", "/services", json=body)["service_id"]
    running = wait_status(api, service_id, "running", "failed")
    nodes = running["config"][0]["nodes"]
    assert [(n["id"], n["instance_status"]) for n in nodes] == [(node, "running")]

    status_path = f"/services/{service_id}/nodes/{node}/status"
    assert api.ok("PUT", status_path, json={"status": "stopped"}) == {}
    assert service(api, service_id)["config"][0]["nodes"][0]["instance_status"] == "stopped"
    assert api.error("PUT", status_path, 400, json={"status": "stopped"})["error_code"] == "ModelArts.0107"
    monitor = api.ok("GET", f"/services/{service_id}/monitor", params={"node_id": node})
    assert monitor["monitors"][0]["node_id"] == node and monitor["service_running_instance_count"] == 0
    api.ok("PUT", status_path, json={"status": "running"})
    assert api.ok("GET", f"/services/{service_id}/monitor")["service_running_instance_count"] == 1
    assert api.error("PUT", f"/services/{service_id}/nodes/other/status", 400, json={"status": "running"})

    scaled = api.ok("PUT", f"/services/{service_id}", json={"config": [{**body["config"][0], "instance_count": 2}]})
    assert scaled == {}
    wait_status(api, service_id, "running")
    log = api.ok("GET", f"/services/{service_id}/logs")["logs"][0]
    assert (log["result"], log["success_num"], log["result_detail"][0]["node_id"]) == ("SUCCESS", 1, node)


def test_schedule_stops_the_service(api: ModelArtsApi) -> None:
    schedule = [{"type": "stop", "time_unit": "MINUTES", "duration": 1}]
    service_id = deploy(api, [entry(published_model(api))], schedule=schedule)
    running = wait_status(api, service_id, "running")
    assert running["schedule"] == schedule and running["due_time"] > running["transition_at"]
    stopped = wait_status(api, service_id, "stopped")
    assert "due_time" not in stopped
    assert "service stopped as scheduled" in event_infos(api, service_id)


def test_models_in_use_and_batch_delete(api: ModelArtsApi) -> None:
    model_id = published_model(api)
    first = deploy(api, [entry(model_id)], name="one")
    second = deploy(api, [entry(model_id)], name="two")

    blocked = api.ok("DELETE", f"/models/{model_id}")
    assert blocked["delete_success_list"] == []
    assert blocked["delete_failed_list"][0]["error_code"] == "ModelArts.3009"
    assert api.ok("GET", "/services", params={"model_id": model_id})["total_count"] == 2

    assert api.error("DELETE", f"/services/{first},missing", 404)["error_code"] == "ModelArts.3502"
    assert service(api, first)["status"] != "deleting"  # nothing is deleted when one id is unknown
    api.ok("DELETE", f"/services/{first},{second}")
    wait_gone(api, first)
    wait_gone(api, second)
    assert api.ok("DELETE", f"/models/{model_id}")["delete_success_list"] == [model_id]


def test_list_filters_and_paging(api: ModelArtsApi) -> None:
    model_id = published_model(api)
    ids = [deploy(api, [entry(model_id)], name=f"svc-{n}") for n in range(3)]
    wait_status(api, ids[-1], "running")
    by_name = api.ok("GET", "/services", params={"sort_by": "service_name", "order": "asc", "limit": 2, "offset": 1})
    assert by_name["total_count"] == 3 and [s["service_name"] for s in by_name["services"]] == ["svc-2"]
    assert api.ok("GET", "/services", params={"service_id": ids[1]})["services"][0]["service_name"] == "svc-1"
    assert api.ok("GET", "/services", params={"infer_type": "batch"})["total_count"] == 0
    assert api.ok("GET", "/services", params={"status": "running", "workspace_id": "0"})["total_count"] >= 1
    assert api.error("GET", "/services", 400, params={"status": "sleeping"})["error_code"] == "ModelArts.0104"


def test_specifications_and_internal_channel(api: ModelArtsApi) -> None:
    specs = api.ok("GET", "/services/specifications")
    names = [spec["specification"] for spec in specs["specifications"]]
    assert names[:3] == ["modelarts.vm.cpu.2u", "modelarts.vm.gpu.pnt004", "modelarts.vm.ai1.snt3"]
    assert specs["total_count"] == specs["count"] == len(names)
    assert specs["specifications"][0]["cpu_info"] == {"arch": "x86", "cpu": 2.0}
    paged = api.ok("GET", "/services/specifications", params={"offset": "1", "limit": "1"})  # Strings in 9.5
    assert [spec["specification"] for spec in paged["specifications"]] == names[1:2]

    response = api.request("GET", "/internal-channel-info")
    assert response.status_code == 200 and response.headers["X-Request-Id"]
    channel = response.json()
    assert channel["vpcep_info"][0]["service_port"] == 443 and channel["dns_domain_name"]


def test_dedicated_pool_from_the_pools_api(api: ModelArtsApi) -> None:
    """``pool_name`` names a chapter-10 pool: it must exist, be Running and include the Infer scope."""
    v2 = f"{api.localcloud.url}/v2/{api.project.project_id}"
    network_body = {"apiVersion": "v1", "kind": "Network", "metadata": {"labels": {"os.modelarts/name": "net-infer"}},
                    "spec": {"cidr": "192.168.0.0/16"}}  # fmt: skip
    network = api.ok("POST", "/networks", json=network_body)["metadata"]["name"]
    eventually(lambda: api.ok("GET", f"/networks/{network}"), lambda n: n["status"]["phase"] == "Active")

    def create_pool(name: str, scope: list[str]) -> str:
        body = {"apiVersion": "v2", "kind": "Pool", "metadata": {"labels": {"os.modelarts/name": name}},
                "spec": {"type": "Dedicate", "scope": scope, "network": {"name": network},
                         "resources": [{"flavor": "modelarts.vm.cpu.4ud", "count": 1}]}}  # fmt: skip
        pool_name: str = api.ok("POST", f"{v2}/pools", json=body)["metadata"]["name"]
        return pool_name

    model_id = published_model(api)
    custom = entry(model_id, specification="custom", custom_spec={"cpu": 2, "memory": 4096})
    infer_pool = create_pool("pool-infer", ["Infer"])
    early = api.error("POST", "/services", 400, json={"service_name": "early", "infer_type": "real-time",
                                                      "pool_name": infer_pool, "config": [custom]})  # fmt: skip
    assert early["error_code"] == "ModelArts.2887"
    train_pool = create_pool("pool-train", ["Train"])
    for pool in (infer_pool, train_pool):
        eventually(lambda pool=pool: api.ok("GET", f"{v2}/pools/{pool}"), lambda p: p["status"]["phase"] == "Running")

    wrong = api.error("POST", "/services", 400, json={"service_name": "train", "infer_type": "real-time",
                                                      "pool_name": train_pool, "config": [custom]})  # fmt: skip
    assert wrong["error_code"] == "ModelArts.0107" and "Infer" in wrong["error_msg"]
    service_id = deploy(api, [custom], pool_name=infer_pool)
    running = wait_status(api, service_id, "running", "failed")
    assert running["pool_name"] == infer_pool and running["config"][0]["custom_spec"] == {"cpu": 2.0, "memory": 4096}
