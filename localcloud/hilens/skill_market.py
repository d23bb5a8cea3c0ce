"""The skill market (seed §4.2, repeated word for word as §5.9): the global skill catalogue and a
project's free skill orders.

The catalogue is localcloud's own small market (the seed's two example skills among them). A free
order may be placed for a skill that is free or on trial (``charge_model`` 0, 2 or 3); a paid skill
is a 400. Deployments from the HiLens market (``source: hlm``) take their units from these orders:
the app's ``app_order_id``, or else an order for the skill of the app's name and version
("当不传订单id的时候，默认通过该名称和版本号version字段，选择指定技能版本…并选择可用的订单").
Errors use ``{error_code, error_msg}`` (seed tables 4-24 to 4-27, "shape B").
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from aicompute.localcloud.hilens.common import (
    JSON,
    SKILL_ORDER_KIND,
    CloudDep,
    HiLensCaller,
    HiLensProject,
    JsonBody,
    OptionalCaller,
    Transaction,
    bad_request,
    epoch_ms,
    fuzzy,
    not_found,
    page,
    parse,
    public,
    query_int,
)
from aicompute.localcloud.inline import InlineRouter

DAY_MS = 24 * 3600 * 1000
TRIAL_DAYS = {2: 30, 3: 365}  # charge_model 2: 30-day trial, 3: 365-day trial
FREE_CHARGE_MODELS = (0, 2, 3)
_SKILL_DEFAULTS: JSON = {
    "sub_scenes": None,
    "app_template_id": None,
    "icon": None,
    "description": None,
    "product_info": [],
    "type": "standard",
    "platform": "Linux",
    "self_dev_flag": 1,
    "measure_type": "physical_src",
    "approval_result": "ok",
    "resource_step_size": 1,
    "cloud_service_type": None,
    "summary": None,
    "test_status": 0,
    "chip": "Ascend 310",
    "is_verify_model": False,
    "format": "image",
    "resource_type": None,
    "measure_unit": "road",
    "tags": [],
    "test_result": None,
    "install_times": 0,
    "privacy_policy": [],
    "scenes": [],
    "resource_spec_code": None,
    "main_scenes": "园区",
    "device_types": [],
    "status": 1,
    "channel_limit": 16,
    "permission": "public",
    "template_source": "hilens",
}


def _skill(skill_id: str, name: str, versions: list[str], charge_model: int, published: str, **extra: Any) -> JSON:
    return {
        **_SKILL_DEFAULTS,
        "skill_id": skill_id,
        "name": name,
        "version": versions[-1],
        "versions": versions,
        "version_num": len(versions),
        "charge_model": charge_model,
        "update_time": published,
        "publish_time": published,
        "approval_time": published,
        "developer": "EI_HiLens_1",
        "size": 1439,
        **extra,
    }


SKILLS: tuple[JSON, ...] = (
    # The seed's examples (tables 4-14 and 4-32).
    _skill(
        "dc7751f1896d46eba688765d72615de0",
        "createmOXIL",
        ["1.0.0"],
        2,
        "2022-06-30 17:22:48 GMT+08:00",
        sub_scenes="行人轨迹",
        format="file",
        measure_unit="qps",
    ),
    _skill("26d00abae3a44c24a820ae9e92fe53c4", "skill-free", ["0.0.1"], 0, "2022-06-07 10:43:05 GMT+08:00"),
    _skill(
        "4f0c1e5d2a7b4c3e9f8a6b5d4c3e2f1a",
        "food-detection-skill",
        ["1.0.0", "1.0.5"],
        0,
        "2022-01-13 16:56:27 GMT+08:00",
        app_template_id="b1d2c3e4f5a64b7c8d9e0f1a2b3c4d5e",
        sub_scenes="后厨卫生",
    ),
    _skill(
        "7a6b5c4d3e2f41a0b9c8d7e6f5a4b3c2",
        "helmet-detection",
        ["2.1.0"],
        3,
        "2022-03-02 09:12:40 GMT+08:00",
        type="lite",
        platform="LiteOS",
        chip="3516CV500",
        sub_scenes="安全帽检测",
    ),
    _skill(
        "9e8d7c6b5a4f43e2d1c0b9a8f7e6d5c4",
        "vehicle-counting",
        ["1.2.0", "1.3.0"],
        1,
        "2022-05-18 14:30:00 GMT+08:00",
        sub_scenes="车流统计",
        measure_unit="instance",
    ),
    _skill(
        "1b2c3d4e5f6a47b8c9d0e1f2a3b4c5d6",
        "pedestrian-tracking",
        ["1.0.0"],
        4,
        "2022-04-21 11:05:33 GMT+08:00",
        sub_scenes="行人轨迹",
        chip="x86",
        format="file",
    ),
)
_SKILLS_BY_ID = {skill["skill_id"]: skill for skill in SKILLS}
# SkillInfo (table 4-14) has neither field; they only serve the list's filters.
_FILTER_ONLY = ("versions", "permission", "template_source")


def skill_info(skill: JSON, with_versions: bool = False) -> JSON:
    hidden = _FILTER_ONLY if not with_versions else _FILTER_ONLY[1:]
    return {key: value for key, value in skill.items() if key not in hidden}


def _choices(value: str | None) -> set[str]:
    """Multi-value filters: the separator was lost from the seed (digest §10.29); any of | , space."""
    return {part for part in (value or "").replace("|", " ").replace(",", " ").split() if part}


def _skill_matches(skill: JSON, query: dict[str, Any]) -> bool:
    form = query["skill_form"]
    exact = ("permission", "template_source", "status", "charge_model", "platform", "chip", "type")
    charge_models = _choices(query["charge_models"])
    device_types = _choices(query["device_types"])
    scenes = _choices(query["scenes"])
    return (
        fuzzy(query["skill_name"], skill["name"])
        and all(query[key] in (None, skill[key]) for key in exact)
        and (form is None or (form == "support_template") == (skill["app_template_id"] is not None))
        and (not charge_models or str(skill["charge_model"]) in charge_models)
        and (not device_types or bool(device_types & set(skill["device_types"])))
        and (not scenes or bool(scenes & {*skill["scenes"], skill["main_scenes"], skill["sub_scenes"]}))
    )


def get_skill(skill_id: str) -> JSON:
    skill = _SKILLS_BY_ID.get(skill_id)
    if skill is None:
        raise not_found("skill", skill_id)
    return skill


# skill orders -------------------------------------------------------------------------------------
class CreateSkillOrder(BaseModel):
    model_config = ConfigDict(extra="ignore", coerce_numbers_to_str=True)

    skill_id: str = Field(min_length=1)
    amount: int = Field(ge=1)
    commission_flag: int = Field(ge=0)


def _new_order(skill: JSON, body: CreateSkillOrder) -> JSON:
    now = epoch_ms()
    trial = TRIAL_DAYS.get(skill["charge_model"])
    return {
        # Table 4-32 spells it expiration_stopp_flag; table 4-35, the examples and the SDK do not.
        "expiration_stop_flag": None,
        "package_order_id": None,
        "icon": skill["icon"],
        "commission_flag": body.commission_flag,
        "product_info": skill["product_info"],
        "package_id": None,
        "measure_type": skill["measure_type"],
        "update_time": now,
        "channel_limit": skill["channel_limit"],
        "resource_step_size": skill["resource_step_size"],
        "cloud_service_type": skill["cloud_service_type"],
        "developer_id": uuid.uuid5(uuid.NAMESPACE_URL, skill["developer"]).hex,
        "amount": body.amount,
        "format": skill["format"],
        "resource_type": skill["resource_type"],
        "expire_time": None if trial is None else now + trial * DAY_MS,
        "measure_unit": skill["measure_unit"],
        "skill_chip": skill["chip"],
        "versions": skill["versions"],
        "skill_name": skill["name"],
        "skill_type": skill["type"],
        "used_amount": 0,
        "charge_model": skill["charge_model"],
        "resource_spec_code": skill["resource_spec_code"],
        "skill_id": skill["skill_id"],
        "skill_platform": skill["platform"],
        "order_limit": None,
        "order_id": uuid.uuid4().hex,
        "status": 0,
        "_created": time.time(),
    }


def create_order(tx: Transaction, project_id: str, body: CreateSkillOrder) -> str:
    skill = get_skill(body.skill_id)
    if skill["charge_model"] not in FREE_CHARGE_MODELS:
        raise bad_request(f"skill_id: the skill {skill['name']} is not free (charge_model {skill['charge_model']})")
    order = _new_order(skill, body)
    tx.put(SKILL_ORDER_KIND, project_id, order["order_id"], order)
    return str(order["order_id"])


def get_order(tx: Transaction, project_id: str, order_id: str) -> JSON:
    order = tx.get(SKILL_ORDER_KIND, project_id, order_id)
    if order is None:
        raise not_found("skill order", order_id)
    return order


def _usable(order: JSON, units: int) -> bool:
    expired = order["expire_time"] is not None and order["expire_time"] < epoch_ms()
    return order["status"] == 0 and not expired and order["amount"] - order["used_amount"] >= units


def reserve_order(tx: Transaction, project_id: str, app: JSON, units: int) -> str:
    """Take ``units`` from the app's order (or an order for its skill and version); the order's id."""
    if app.get("app_order_id"):
        order = get_order(tx, project_id, app["app_order_id"])
        if not _usable(order, units):
            raise bad_request(f"app_order_id: the order {order['order_id']} has fewer than {units} unit(s) left")
    else:
        order = _find_order(tx, project_id, app["name"], app.get("version"), units)
    order["used_amount"] += units
    tx.put(SKILL_ORDER_KIND, project_id, order["order_id"], order)
    return str(order["order_id"])


def _find_order(tx: Transaction, project_id: str, skill_name: str, version: str | None, units: int) -> JSON:
    for order in tx.objects(SKILL_ORDER_KIND, project_id):
        if order["skill_name"] == skill_name and version in (None, *order["versions"]) and _usable(order, units):
            return order
    wanted = skill_name if version is None else f"{skill_name} {version}"
    raise bad_request(f"apps: no skill order with {units} unit(s) left for the skill {wanted}")


def release_order(tx: Transaction, project_id: str, order_id: str, units: int) -> None:
    order = tx.get(SKILL_ORDER_KIND, project_id, order_id)
    if order is not None:
        order["used_amount"] = max(order["used_amount"] - units, 0)
        tx.put(SKILL_ORDER_KIND, project_id, order_id, order)


# routes ------------------------------------------------------------------------------------------
router = InlineRouter()


@router.get("/v1/skill-market/skills")
def list_skills(
    _: HiLensCaller,
    limit: str | None = None,
    offset: str | None = None,
    skill_name: str | None = None,
    skill_form: str | None = None,
    permission: str | None = None,
    template_source: str | None = None,
    status: str | None = None,
    charge_model: str | None = None,
    platform: str | None = None,
    chip: str | None = None,
    type: str | None = None,
    charge_models: str | None = None,
    device_types: str | None = None,
    scenes: str | None = None,
) -> dict[str, Any]:
    window = page(offset, limit, 10, 100)
    if skill_form not in (None, "no_template", "support_template"):
        raise bad_request(f"skill_form: must be no_template or support_template, not {skill_form!r}")
    query = {
        "skill_name": skill_name,
        "skill_form": skill_form,
        "permission": permission,
        "template_source": template_source,
        "status": None if status is None else query_int("status", status, 0, 0, 2),
        "charge_model": None if charge_model is None else query_int("charge_model", charge_model, 0, 0, 4),
        "platform": platform,
        "chip": chip,
        "type": type,
        "charge_models": charge_models,
        "device_types": device_types,
        "scenes": scenes,
    }
    found = [skill for skill in SKILLS if _skill_matches(skill, query)]
    return {"data": [skill_info(skill) for skill in window.of(found)], "total": len(found)}


@router.get("/v1/skill-market/skills/{skill_id}")
def show_skill(
    skill_id: str, _: OptionalCaller, status: str | None = None, version: str | None = None
) -> dict[str, Any]:
    skill = get_skill(skill_id)
    wanted_status = None if status is None else query_int("status", status, 0, 0, 2)
    if wanted_status not in (None, skill["status"]) or version not in (None, *skill["versions"]):
        raise not_found("skill version", f"{skill_id} {version or ''}".strip())
    return skill_info(skill, with_versions=True)


@router.post("/v1/{project_id}/skill-market/skill-order")
def create_skill_order(project: HiLensProject, cloud: CloudDep, body: JsonBody) -> dict[str, Any]:
    request = parse(CreateSkillOrder, body)
    with cloud.store.transaction() as tx:
        return {"order_id": create_order(tx, project.project_id, request)}


@router.get("/v1/{project_id}/skill-market/skill-order")
def list_skill_orders(
    project: HiLensProject,
    cloud: CloudDep,
    limit: str | None = None,
    offset: str | None = None,
    skill_name: str | None = None,
    skill_form: str | None = None,
) -> dict[str, Any]:
    window = page(offset, limit, 10, 100)
    with cloud.store.transaction() as tx:
        orders = tx.objects(SKILL_ORDER_KIND, project.project_id)
    found = [
        order
        for order in orders
        if fuzzy(skill_name, order["skill_name"])
        and (skill_form is None or (skill_form == "support_template") == _has_template(order["skill_id"]))
    ]
    return {"total": len(found), "data": [public(order) for order in window.of(found)]}


def _has_template(skill_id: str) -> bool:
    skill = _SKILLS_BY_ID.get(skill_id)
    return skill is not None and skill["app_template_id"] is not None


@router.get("/v1/{project_id}/skill-market/skill-order/{order_id}")
def show_skill_order(order_id: str, project: HiLensProject, cloud: CloudDep) -> dict[str, Any]:
    with cloud.store.transaction() as tx:
        return public(get_order(tx, project.project_id, order_id))
