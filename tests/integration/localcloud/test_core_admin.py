"""The admin API against a live localcloud: faults, the request log, reset, directives, isolation."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from aicompute.provider.auth import AkSkAuth
from tests.support.inprocess_localcloud import THING, InProcessLocalCloud
from tests.support.localcloud import Credentials


@pytest.fixture(autouse=True)
def _no_faults_left(cloud: InProcessLocalCloud) -> Iterator[None]:
    yield
    cloud.admin("DELETE", "/faults")


class Api:
    """A signed client for one project's test routes."""

    def __init__(self, cloud: InProcessLocalCloud, creds: Credentials) -> None:
        self.cloud = cloud
        self.creds = creds
        self.client = httpx.Client(
            base_url=f"{cloud.url}/v1/{creds.project_id}/_test",
            auth=AkSkAuth(creds.access_key, creds.secret_key),
            timeout=10,
        )

    def create(self, name: str) -> httpx.Response:
        return self.client.post(f"/things/{name}")

    def things(self) -> list[str]:
        response = self.client.get("/things")
        assert response.status_code == 200, response.text
        names: list[str] = response.json()["things"]
        return names

    def stored(self) -> list[str]:
        with self.cloud.store.transaction() as tx:
            return tx.object_ids(THING, self.creds.project_id)


@pytest.fixture
def api(cloud: InProcessLocalCloud, proj: Credentials) -> Iterator[Api]:
    a = Api(cloud, proj)
    yield a
    a.client.close()


def last_seq(cloud: InProcessLocalCloud) -> int:
    entries: list[dict[str, Any]] = cloud.admin("GET", "/requests")
    return entries[-1]["seq"] if entries else 0


def logged(cloud: InProcessLocalCloud, since: int) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = cloud.admin("GET", "/requests", params={"since": since})
    return entries


# status faults -------------------------------------------------------------------------------
def test_status_fault_answers_in_the_platform_shape_with_retry_after(cloud: InProcessLocalCloud, api: Api) -> None:
    since = last_seq(cloud)
    rule = cloud.admin(
        "POST",
        "/faults",
        json={"platform": "modelarts", "path": "/things/", "status": 503, "retry_after": 2, "count": 2},
    )
    for _ in range(2):
        response = api.create("never")
        assert response.status_code == 503
        assert response.headers["Retry-After"] == "2"
        assert response.json() == {"error_code": "ModelArts.0010", "error_msg": "Service unavailable."}
    assert api.stored() == [], "a faulted request must not run"
    assert api.create("third").status_code == 201
    assert [f["fired"] for f in cloud.admin("GET", "/faults") if f["id"] == rule["id"]] == [2]
    entries = logged(cloud, since)
    assert [(e["method"], e["status"], e["fault"]) for e in entries] == [
        ("POST", 503, "status"),
        ("POST", 503, "status"),
        ("POST", 201, None),
    ]


def test_status_fault_with_its_own_code_and_message(cloud: InProcessLocalCloud, api: Api) -> None:
    cloud.admin(
        "POST",
        "/faults",
        json={"method": "get", "status": 429, "error_code": "ModelArts.4206", "error_msg": "slow down", "count": 1},
    )
    response = api.client.get("/things")
    assert response.status_code == 429
    assert response.json() == {"error_code": "ModelArts.4206", "error_msg": "slow down"}
    assert "Retry-After" not in response.headers
    assert api.things() == []


def test_status_fault_on_iam(cloud: InProcessLocalCloud, proj: Credentials) -> None:
    cloud.admin("POST", "/faults", json={"platform": "iam", "status": 503, "retry_after": 0.5, "count": 1})
    response = httpx.post(f"{cloud.url}/v3/auth/tokens", json={}, timeout=10)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "0.5"
    assert response.json()["error_code"].startswith("IAM.")


def test_rules_fire_only_on_matching_requests(cloud: InProcessLocalCloud, api: Api) -> None:
    for rule in (
        {"platform": "iam", "status": 500},
        {"method": "DELETE", "status": 500},
        {"path": "^/v2/", "status": 500},
    ):
        cloud.admin("POST", "/faults", json=rule)
    assert api.create("a").status_code == 201
    assert api.things() == ["a"]
    assert all(f["fired"] == 0 for f in cloud.admin("GET", "/faults"))


def test_a_counted_rule_is_not_used_up_by_paths_of_no_platform(cloud: InProcessLocalCloud, api: Api) -> None:
    cloud.admin("POST", "/faults", json={"status": 503, "count": 1})
    assert httpx.get(f"{cloud.url}/openapi.json", timeout=10).status_code == 200
    assert api.client.get("/things").status_code == 503
    assert api.client.get("/things").status_code == 200


def test_faults_can_be_deleted_one_by_one(cloud: InProcessLocalCloud, api: Api) -> None:
    first = cloud.admin("POST", "/faults", json={"status": 500, "path": "/things$"})
    second = cloud.admin("POST", "/faults", json={"status": 502, "path": "/things/"})
    cloud.admin("DELETE", f"/faults/{first['id']}")
    assert [f["id"] for f in cloud.admin("GET", "/faults")] == [second["id"]]
    assert api.client.get("/things").status_code == 200
    assert api.create("x").status_code == 502


# probability ---------------------------------------------------------------------------------
def _faulted_pattern(cloud: InProcessLocalCloud, api: Api, seed: int, n: int) -> list[bool]:
    cloud.admin("DELETE", "/faults")
    cloud.admin("POST", "/faults/seed", json={"seed": seed})
    cloud.admin("POST", "/faults", json={"path": "/things$", "status": 503, "probability": 0.5})
    return [api.client.get("/things").status_code == 503 for _ in range(n)]


def test_probability_is_reproducible_with_a_seed(cloud: InProcessLocalCloud, api: Api) -> None:
    first = _faulted_pattern(cloud, api, seed=1234, n=40)
    assert _faulted_pattern(cloud, api, seed=1234, n=40) == first
    # One draw per matching rule and request, from random.Random(seed).
    draws = random.Random(1234)
    assert first == [draws.random() < 0.5 for _ in range(40)]
    assert 5 < sum(first) < 35
    assert _faulted_pattern(cloud, api, seed=99, n=40) != first


# latency and dropped responses ---------------------------------------------------------------
def test_latency(cloud: InProcessLocalCloud, api: Api) -> None:
    since = last_seq(cloud)
    cloud.admin("POST", "/faults", json={"latency_ms": 300, "count": 1})
    started = time.monotonic()
    assert api.client.get("/things").status_code == 200
    assert time.monotonic() - started >= 0.3  # a lower bound: the injected sleep guarantees it
    assert api.client.get("/things").status_code == 200  # count 1: the second request has no latency
    assert [e["fault"] for e in logged(cloud, since)] == ["latency", None]


def test_dropped_response_after_the_change_was_committed(cloud: InProcessLocalCloud, api: Api) -> None:
    since = last_seq(cloud)
    cloud.admin("POST", "/faults", json={"method": "POST", "drop_response": True, "count": 1})
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        api.create("ghost")
    assert api.stored() == ["ghost"], "the change is committed although the client saw no answer"
    assert api.things() == ["ghost"]
    entries = logged(cloud, since)
    assert [(e["method"], e["status"], e["fault"]) for e in entries] == [("POST", 201, "drop"), ("GET", 200, None)]


# request log ---------------------------------------------------------------------------------
def test_request_log_since_and_clear(cloud: InProcessLocalCloud, api: Api) -> None:
    since = last_seq(cloud)
    api.client.get("/things", params={"limit": "5"})
    api.create("a")
    entries = logged(cloud, since)
    assert [(e["method"], e["path"].rsplit("/_test", 1)[1], e["query"]) for e in entries] == [
        ("GET", "/things", "limit=5"),
        ("POST", "/things/a", ""),
    ]
    assert [e["platform"] for e in entries] == ["modelarts", "modelarts"]
    assert entries[1]["seq"] == entries[0]["seq"] + 1, "admin calls are not logged and take no number"
    assert logged(cloud, entries[0]["seq"]) == entries[1:]

    cloud.admin("DELETE", "/requests")
    assert logged(cloud, 0) == []
    api.client.get("/things")
    after = logged(cloud, entries[-1]["seq"])
    assert len(after) == 1 and after[0]["seq"] > entries[-1]["seq"], "numbers keep growing after a clear"


def test_request_log_numbers_are_unique_under_concurrency(cloud: InProcessLocalCloud, proj: Credentials) -> None:
    since = last_seq(cloud)

    def work(worker: int) -> None:
        api = Api(cloud, proj)
        for i in range(10):
            assert api.create(f"w{worker}-{i}").status_code == 201
        api.client.close()

    threads = [threading.Thread(target=work, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seqs = [e["seq"] for e in logged(cloud, since)]
    assert len(seqs) == 60 and len(set(seqs)) == 60
    assert len(Api(cloud, proj).stored()) == 60


# reset, isolation, directives ----------------------------------------------------------------
def test_projects_are_isolated(cloud: InProcessLocalCloud, api: Api) -> None:
    other = Api(cloud, cloud.new_project())
    assert api.create("mine").status_code == 201
    assert other.create("theirs").status_code == 201
    assert api.things() == ["mine"]
    assert other.things() == ["theirs"]
    assert api.client.get(f"{cloud.url}/v1/{other.creds.project_id}/_test/things").status_code == 403


def test_fail_next_directive_is_stored_and_consumed_once(cloud: InProcessLocalCloud, api: Api) -> None:
    project_id = api.creds.project_id
    body = {"project_id": project_id, "kind": THING, "id": "x", "message": "disk on fire"}
    assert cloud.admin("POST", "/directives/fail-next", json=body)["status"] == "armed"
    other = Api(cloud, cloud.new_project())
    assert other.client.post("/things/x/transition").json() == {"failure": None}
    assert api.client.post("/things/y/transition").json() == {"failure": None}
    assert api.client.post("/things/x/transition").json() == {"failure": "disk on fire"}
    assert api.client.post("/things/x/transition").json() == {"failure": None}


def test_reset_forgets_the_world_but_keeps_projects(cloud: InProcessLocalCloud, api: Api) -> None:
    token = httpx.post(
        f"{cloud.url}/v3/auth/tokens",
        json={
            "auth": {
                "identity": {
                    "methods": ["password"],
                    "password": {"user": {"name": api.creds.user_name, "password": api.creds.password}},
                },
                "scope": {"project": {"id": api.creds.project_id}},
            }
        },
        timeout=10,
    ).headers["X-Subject-Token"]
    api.create("x")
    cloud.admin("POST", "/directives/fail-next", json={"project_id": api.creds.project_id, "kind": THING, "id": "x"})
    cloud.admin("POST", "/faults", json={"status": 500, "path": "/nothing-matches"})

    assert cloud.admin("POST", "/reset") == {"status": "reset"}

    assert api.things() == [], "objects are gone, the project's credentials still work"
    assert api.client.post("/things/x/transition").json() == {"failure": None}
    assert cloud.admin("GET", "/faults") == []
    assert [e["path"] for e in logged(cloud, 0)] == [f"/v1/{api.creds.project_id}/_test/things"] * 1 + [
        f"/v1/{api.creds.project_id}/_test/things/x/transition"
    ]
    url = f"{cloud.url}/v1/{api.creds.project_id}/_test/things"
    assert httpx.get(url, headers={"X-Auth-Token": token}, timeout=10).status_code == 401


def test_health_reports_the_time_scale(cloud: InProcessLocalCloud) -> None:
    assert cloud.admin("GET", "/health") == {"status": "ok", "time_scale": 0.0}


def test_an_invalid_rule_is_a_client_error(cloud: InProcessLocalCloud) -> None:
    response = httpx.post(f"{cloud.url}/_localcloud/faults", json={"path": "(", "status": 500}, timeout=10)
    assert response.status_code == 400 and "invalid regex" in response.text
    assert cloud.admin("GET", "/faults") == []
