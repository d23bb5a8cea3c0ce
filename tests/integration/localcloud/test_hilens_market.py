"""The HiLens skill market against a live localcloud (seed §4.2 = §5.9)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.integration.localcloud.hilens_api import HiLensApi
from tests.support.localcloud import Credentials, LocalCloudProcess

FREE = "26d00abae3a44c24a820ae9e92fe53c4"
TRIAL = "dc7751f1896d46eba688765d72615de0"
PAID = "9e8d7c6b5a4f43e2d1c0b9a8f7e6d5c4"
ORDERS = "v1/skill-market/skill-order"


@pytest.fixture
def api(localcloud: LocalCloudProcess, project: Credentials) -> Iterator[HiLensApi]:
    with HiLensApi(localcloud, project) as client:
        yield client


def skills(api: HiLensApi, **params: Any) -> dict[str, Any]:
    response = api.global_request("GET", "/v1/skill-market/skills", params=params)
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_the_skill_catalogue(api: HiLensApi, localcloud: LocalCloudProcess) -> None:
    listed = skills(api)
    assert listed["total"] == 6 and len(listed["data"]) == 6
    first = listed["data"][0]
    assert (first["skill_id"], first["name"], first["update_time"]) == (
        TRIAL,
        "createmOXIL",
        "2022-06-30 17:22:48 GMT+08:00",
    )
    assert "versions" not in first
    assert [s["name"] for s in skills(api, skill_name="detect")["data"]] == ["food-detection-skill", "helmet-detection"]
    assert skills(api, charge_model=0)["total"] == 2 and skills(api, charge_models="0|2")["total"] == 3
    assert [s["name"] for s in skills(api, skill_form="support_template")["data"]] == ["food-detection-skill"]
    assert skills(api, type="lite", chip="3516CV500")["total"] == 1 and skills(api, limit=2, offset=5)["total"] == 6
    assert api.global_request("GET", "/v1/skill-market/skills", params={"limit": 101}).status_code == 400
    assert httpx.get(f"{localcloud.url}/v1/skill-market/skills").status_code == 401

    # The detail takes no token (table 4-17).
    detail = httpx.get(f"{localcloud.url}/v1/skill-market/skills/{FREE}").json()
    assert (detail["name"], detail["versions"]) == ("skill-free", ["0.0.1"])
    assert httpx.get(f"{localcloud.url}/v1/skill-market/skills/{FREE}", params={"version": "9.9"}).status_code == 404
    missing = api.global_request("GET", "/v1/skill-market/skills/nope")
    assert (missing.status_code, missing.json()["error_code"]) == (404, "HIL.0010")


def test_free_skill_orders(api: HiLensApi) -> None:
    order_id = api.post(ORDERS, {"skill_id": FREE, "amount": 10, "commission_flag": 0})["order_id"]
    trial_id = api.post(ORDERS, {"skill_id": TRIAL, "amount": 1, "commission_flag": 1})["order_id"]
    order = api.get(f"{ORDERS}/{order_id}")
    assert (order["skill_name"], order["amount"], order["used_amount"], order["expire_time"]) == (
        "skill-free",
        10,
        0,
        None,
    )
    assert "expiration_stop_flag" in order and order["versions"] == ["0.0.1"]
    trial = api.get(f"{ORDERS}/{trial_id}")
    assert trial["expire_time"] - trial["update_time"] == 30 * 24 * 3600 * 1000
    listed = api.get(ORDERS)
    assert listed["total"] == 2 and [o["order_id"] for o in listed["data"]] == [order_id, trial_id]
    assert (
        api.get(ORDERS, skill_name="OXIL")["total"] == 1
        and api.get(ORDERS, skill_form="support_template")["total"] == 0
    )
    assert "not free" in api.error(
        "POST", ORDERS, 400, "HIL.0001", json={"skill_id": PAID, "amount": 1, "commission_flag": 0}
    )
    api.error("POST", ORDERS, 404, "HIL.0010", json={"skill_id": "nope", "amount": 1, "commission_flag": 0})
    api.error("POST", ORDERS, 400, "HIL.0001", json={"skill_id": FREE, "amount": 0, "commission_flag": 0})
    api.error("GET", f"{ORDERS}/nope", 404, "HIL.0010")
