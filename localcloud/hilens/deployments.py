"""Application deployments and their instances: the backend (seed §5.3; routes in deployment_routes.py
and pod_routes.py).

A deployment targets devices by id, by tags (``node_tags`` + ``node_num``) or by cluster (localcloud
has no clusters, so a ``cluster_id`` names none) and runs one pod per device. Create, PUT with a
``deployment``, PATCH and batch deploy answer at once with ``state: CREATING``; after
``ROLLOUT_SECONDS`` the cloud side is rolled out (or, with a failure armed for ``hilens.deployment``,
``CREATE_FAILED`` with each instance's ``error_code``/``error_message`` in ``result``), and the
deployment is ``RUNNING`` once every instance runs (rollout.py). Instances on devices that are not
running keep it ``CREATING``; with ``X-Expired-Time`` (minutes, "离线场景超期时间") it is
``CREATE_FAILED`` if they are still not running by then. Deletion goes ``DELETING`` → gone
(``DELETE_FAILED`` when a failure is armed), or at once with ``force_delete=true``.

Names are unique per project and provider (409 ``HIL.0011``; the seed states no rule, digest §9.3).
The deployment's ``tags``, ``license_quota`` and ``svc_order_id`` are kept but not returned, as the
seed's Deployment object has no such fields (digest §7.1); its tags are read through the tag APIs.
"""

from __future__ import annotations

import time
from typing import Any

from aicompute.localcloud.directives import arm_creation_failure, pop_failure
from aicompute.localcloud.hilens import instances
from aicompute.localcloud.hilens.common import (
    DEPLOYMENT_KIND,
    DEVICE_KIND,
    JSON,
    POD_KIND,
    TASK_KIND,
    Project,
    Transaction,
    bad_request,
    conflict,
    has_tags,
    hilens_time,
    new_id,
    not_found,
    tag_list,
)
from aicompute.localcloud.hilens.deployment_models import (
    DeploymentAddNodes,
    DeploymentCreate,
    DeploymentPatch,
    DeploymentRequest,
    DeploymentTag,
    DeploymentUpdate,
    template_view,
    upsert_envs,
)
from aicompute.localcloud.hilens.devices import get_device
from aicompute.localcloud.hilens.rollout import running_pods, settle
from aicompute.localcloud.hilens.skill_market import release_order, reserve_order
from aicompute.localcloud.lifecycle import Lifecycle, step

ROLLOUT_STEP = "hilens.deployment.rolled_out"
EXPIRED_STEP = "hilens.deployment.offline_expired"
DELETED_STEP = "hilens.deployment.deleted"
ROLLOUT_SECONDS = 5.0
DELETE_SECONDS = 3.0
RESULT_LIMIT = 20  # result is filled for fewer than 20 nodes, empty above (digest §10.17: 20 fills it)
FAILURE_CODE = "HIL.0002"
_VIEW_KEYS = [
    "template",
    "reason",
    "ready_replicas",
    "replicas",
    "description",
    "created_at",
    "source",
    "api_version",
    "node_ids",
    "cluster_id",
    "updated_at",
    "project_id",
    "name",
    "id",
    "state",
    "node_num",
    "result",
]


# reading -----------------------------------------------------------------------------------------
def get_deployment(tx: Transaction, project_id: str, deployment_id: str, provider: str | None = None) -> JSON:
    deployment = tx.get(DEPLOYMENT_KIND, project_id, deployment_id)
    if deployment is None or provider not in (None, deployment["_provider"]):
        raise not_found("deployment", deployment_id)
    return deployment


def _node_result(pod: JSON) -> JSON:
    failure = pod["_failed"]
    if failure is None:
        return {"node_id": pod["node_id"]}
    return {"node_id": pod["node_id"], "error_code": failure["code"], "error_message": failure["message"]}


def deployment_view(tx: Transaction, project_id: str, deployment: JSON) -> JSON:
    pods = instances.pods_of(tx, project_id, deployment_id=deployment["id"])
    view = {
        **deployment,
        "ready_replicas": running_pods(tx, project_id, pods),
        "node_ids": [pod["node_id"] for pod in pods],
        "node_num": len(pods),
        "result": [_node_result(pod) for pod in pods] if len(pods) <= RESULT_LIMIT else [],
    }
    return {key: view.get(key) for key in _VIEW_KEYS}


# targets and instances ---------------------------------------------------------------------------
def _devices_by_id(tx: Transaction, project_id: str, provider: str, node_ids: list[str]) -> list[JSON]:
    devices = [get_device(tx, project_id, node_id) for node_id in dict.fromkeys(node_ids)]
    for device in devices:
        if device["_provider"] != provider:
            raise bad_request(
                f"node_ids: the device {device['id']} is managed by {device['_provider']}, not {provider}"
            )
    return devices


def _devices_by_tags(
    tx: Transaction, project_id: str, provider: str, tags: list[DeploymentTag], count: int, skip: frozenset[str]
) -> list[JSON]:
    """Up to ``count`` of the provider's devices with all the tags (oldest first), other than ``skip``."""
    wanted = [(tag.key, tag.value) for tag in tags]
    found = [
        device
        for device in tx.objects(DEVICE_KIND, project_id)
        if device["_provider"] == provider and device["id"] not in skip and has_tags(device["_tags"], wanted)
    ]
    if not found:
        raise bad_request(f"node_tags: no {provider} device has the tags {', '.join(f'{k}={v}' for k, v in wanted)}")
    return found[:count]


def _targets(tx: Transaction, project_id: str, provider: str, body: DeploymentCreate) -> list[JSON]:
    if body.cluster_id:
        raise not_found("cluster", body.cluster_id)  # localcloud has no clusters (no API creates one)
    if body.node_ids:
        return _devices_by_id(tx, project_id, provider, body.node_ids)
    assert body.node_tags is not None and body.node_num is not None
    return _devices_by_tags(tx, project_id, provider, body.node_tags, body.node_num, frozenset())


def _bind_orders(tx: Transaction, project_id: str, deployment: JSON, pod: JSON) -> None:
    """Market deployments take each app's units from a skill order; the pod's apps name the order."""
    for order_id, units in pod["_orders"]:
        release_order(tx, project_id, order_id, units)
    pod["_orders"] = []
    apps = [dict(app) for app in deployment["template"]["apps"]]
    if deployment["source"] == "hlm":
        units = deployment["_license_quota"] or 1
        for app in apps:
            app["app_order_id"] = reserve_order(tx, project_id, app, units)
            pod["_orders"].append([app["app_order_id"], units])
    pod.update(apps=apps, configs=deployment["template"]["configs"], affinity=deployment["_affinity"])


def _add_pods(tx: Transaction, project_id: str, deployment: JSON, devices: list[JSON]) -> list[JSON]:
    pods = []
    for device in devices:
        index = deployment["_next_pod"]
        deployment["_next_pod"] += 1
        name = f"{deployment['id'].split('-', 1)[1][:12]}_{deployment['template']['apps'][0]['name']}_{index}"
        now = hilens_time()
        pod: JSON = {
            "id": f"{deployment['_provider']}-{name}",
            "name": name,
            "deployment_id": deployment["id"],
            "node_id": device["id"],
            "project_id": project_id,
            "cluster_id": None,
            "created_at": now,
            "updated_at": now,
            "_rolled": False,
            "_paused": False,
            "_failed": None,
            "_orders": [],
        }
        _bind_orders(tx, project_id, deployment, pod)
        tx.put(POD_KIND, project_id, pod["id"], pod)
        pods.append(pod)
    return pods


def _start_rollout(
    tx: Transaction, lifecycle: Lifecycle, project_id: str, deployment: JSON, pods: list[JSON], expires: int | None
) -> None:
    """The deployment goes ``CREATING``; ``pods`` are (re)rolled out by the rollout step."""
    deployment.update(state="CREATING", reason=None, updated_at=hilens_time(), _op=deployment["_op"] + 1)
    for pod in pods:
        pod.update(_rolled=False, _failed=None, updated_at=hilens_time())
        tx.put(POD_KIND, project_id, pod["id"], pod)
    tx.put(DEPLOYMENT_KIND, project_id, deployment["id"], deployment)
    args = {"id": deployment["id"], "op": deployment["_op"]}
    lifecycle.schedule(tx, project_id, ROLLOUT_SECONDS, ROLLOUT_STEP, args)
    if expires is not None:
        lifecycle.schedule(tx, project_id, expires * 60.0, EXPIRED_STEP, {**args, "minutes": expires})


# changes -----------------------------------------------------------------------------------------
def _set_template(deployment: JSON, request: DeploymentRequest) -> None:
    deployment["replicas"] = request.replicas
    deployment["template"] = template_view(request.template)
    affinity = request.template.affinity
    deployment["_affinity"] = None if affinity is None else affinity.model_dump(exclude_none=True)


def _check_name_free(tx: Transaction, project_id: str, provider: str, name: str) -> None:
    for other in tx.objects(DEPLOYMENT_KIND, project_id):
        if other["name"] == name and other["_provider"] == provider:
            raise conflict(f"A deployment named {name!r} already exists ({other['id']}).")


def create_deployment(
    tx: Transaction, lifecycle: Lifecycle, project: Project, provider: str, body: DeploymentCreate, expires: int | None
) -> JSON:
    project_id = project.project_id
    _check_name_free(tx, project_id, provider, body.name)
    devices = _targets(tx, project_id, provider, body)
    now = time.time()
    deployment: JSON = {
        "id": new_id(provider),
        "name": body.name,
        "description": body.description,
        "source": body.source,
        "api_version": None,
        "cluster_id": body.cluster_id,
        "project_id": project_id,
        "created_at": hilens_time(now),
        "state": "CREATING",
        "reason": None,
        "_provider": provider,
        "_tags": tag_list(body.tags),
        "_license_quota": body.license_quota,
        "_svc_order_id": body.svc_order_id,
        "_created": now,
        "_next_pod": 0,
        "_op": 0,
    }
    _set_template(deployment, body.deployment)
    arm_creation_failure(tx, project_id, DEPLOYMENT_KIND, deployment)
    pods = _add_pods(tx, project_id, deployment, devices)
    _start_rollout(tx, lifecycle, project_id, deployment, pods, expires)
    return deployment


def _changeable(tx: Transaction, project_id: str, deployment_id: str, provider: str | None) -> JSON:
    deployment = get_deployment(tx, project_id, deployment_id, provider)
    if deployment["state"] == "DELETING":
        raise conflict(f"The deployment {deployment_id} is being deleted.")
    return deployment


def _rerolled(tx: Transaction, lifecycle: Lifecycle, project_id: str, deployment: JSON, expires: int | None) -> None:
    pods = instances.pods_of(tx, project_id, deployment_id=deployment["id"])
    for pod in pods:
        _bind_orders(tx, project_id, deployment, pod)
    _start_rollout(tx, lifecycle, project_id, deployment, pods, expires)


def update_deployment(
    tx: Transaction,
    lifecycle: Lifecycle,
    project_id: str,
    deployment_id: str,
    provider: str | None,
    body: DeploymentUpdate,
    expires: int | None,
) -> JSON:
    """PUT: a ``deployment`` replaces replicas and template and rolls out again; description and tags
    change in place (seed table 5-158)."""
    deployment = _changeable(tx, project_id, deployment_id, provider)
    if body.description is not None:
        deployment["description"] = body.description
    if body.tags is not None:
        deployment["_tags"] = tag_list(body.tags)
    deployment["updated_at"] = hilens_time()
    if body.deployment is None:
        tx.put(DEPLOYMENT_KIND, project_id, deployment_id, deployment)
        return deployment
    _set_template(deployment, body.deployment)
    _rerolled(tx, lifecycle, project_id, deployment, expires)
    return deployment


def patch_deployment(
    tx: Transaction, lifecycle: Lifecycle, project_id: str, deployment_id: str, body: DeploymentPatch
) -> JSON:
    """PATCH: a new skill ``version`` and ``patch.envs`` (upserted by name) change every app."""
    deployment = _changeable(tx, project_id, deployment_id, None)
    apps = deployment["template"]["apps"]
    before = [dict(app) for app in apps]
    for app in apps:
        if body.version is not None:
            app["version"] = body.version
        if body.patch is not None and body.patch.envs is not None:
            app["envs"] = upsert_envs(app["envs"], body.patch.envs)
    if apps != before:
        _rerolled(tx, lifecycle, project_id, deployment, None)
    return deployment


def add_nodes(
    tx: Transaction,
    lifecycle: Lifecycle,
    project_id: str,
    deployment_id: str,
    provider: str | None,
    body: DeploymentAddNodes,
) -> JSON:
    """Batch deploy: the deployment also runs on the given (or tagged) devices it is not yet on."""
    if body.deployment_id != deployment_id:
        raise bad_request(f"deployment_id: {body.deployment_id} is not the deployment in the path ({deployment_id})")
    if body.node_ids and body.node_num != len(set(body.node_ids)):
        raise bad_request(f"node_num: {body.node_num} does not count the {len(set(body.node_ids))} node_ids")
    deployment = _changeable(tx, project_id, deployment_id, provider)
    owner = deployment["_provider"]
    present = frozenset(pod["node_id"] for pod in instances.pods_of(tx, project_id, deployment_id=deployment_id))
    devices = (
        _devices_by_id(tx, project_id, owner, body.node_ids)
        if body.node_ids
        else _devices_by_tags(tx, project_id, owner, body.node_tags or [], body.node_num, present)
    )
    new_pods = _add_pods(tx, project_id, deployment, [device for device in devices if device["id"] not in present])
    if new_pods:
        _start_rollout(tx, lifecycle, project_id, deployment, new_pods, None)
    return deployment


def _remove(tx: Transaction, project_id: str, deployment: JSON) -> None:
    instances.remove_pods(tx, project_id, instances.pods_of(tx, project_id, deployment_id=deployment["id"]))
    for task in tx.objects(TASK_KIND, project_id):
        if task["_deployment_id"] == deployment["id"]:
            tx.delete(TASK_KIND, project_id, task["task_id"])
    tx.delete(DEPLOYMENT_KIND, project_id, deployment["id"])


def delete_deployment(
    tx: Transaction, lifecycle: Lifecycle, project_id: str, deployment_id: str, provider: str | None, force: bool
) -> None:
    deployment = get_deployment(tx, project_id, deployment_id, provider)
    if force:
        _remove(tx, project_id, deployment)
        return
    if deployment["state"] == "DELETING":
        return
    deployment.update(state="DELETING", updated_at=hilens_time(), _op=deployment["_op"] + 1)
    tx.put(DEPLOYMENT_KIND, project_id, deployment_id, deployment)
    lifecycle.schedule(tx, project_id, DELETE_SECONDS, DELETED_STEP, {"id": deployment_id, "op": deployment["_op"]})


# lifecycle steps ---------------------------------------------------------------------------------
def _current(tx: Transaction, project_id: str, args: dict[str, Any], state: str) -> JSON | None:
    deployment = tx.get(DEPLOYMENT_KIND, project_id, args["id"])
    if deployment is None or deployment["_op"] != args["op"] or deployment["state"] != state:
        return None
    return deployment


def _fail(tx: Transaction, project_id: str, deployment: JSON, pods: list[JSON], message: str) -> None:
    for pod in pods:
        pod.update(_failed={"code": FAILURE_CODE, "message": message}, updated_at=hilens_time())
        tx.put(POD_KIND, project_id, pod["id"], pod)
    deployment.update(state="CREATE_FAILED", reason=message, updated_at=hilens_time())
    tx.put(DEPLOYMENT_KIND, project_id, deployment["id"], deployment)


@step(ROLLOUT_STEP)
def _rolled_out(tx: Transaction, project_id: str, args: dict[str, Any]) -> None:
    deployment = _current(tx, project_id, args, "CREATING")
    if deployment is None:
        return
    pending = [pod for pod in instances.pods_of(tx, project_id, deployment_id=args["id"]) if not pod["_rolled"]]
    failure = pop_failure(tx, project_id, DEPLOYMENT_KIND, deployment, args["id"])
    if failure is not None:
        _fail(tx, project_id, deployment, pending, failure)
        return
    tx.put(DEPLOYMENT_KIND, project_id, args["id"], deployment)
    for pod in pending:
        pod.update(_rolled=True, updated_at=hilens_time())
        tx.put(POD_KIND, project_id, pod["id"], pod)
    settle(tx, project_id, args["id"])


@step(EXPIRED_STEP)
def _offline_expired(tx: Transaction, project_id: str, args: dict[str, Any]) -> None:
    deployment = _current(tx, project_id, args, "CREATING")
    if deployment is None:
        return
    pods = instances.pods_of(tx, project_id, deployment_id=args["id"])
    late = [pod for pod in pods if running_pods(tx, project_id, [pod]) == 0]
    if late:
        message = f"The instance's device did not come online within X-Expired-Time ({args['minutes']} minutes)."
        _fail(tx, project_id, deployment, late, message)


@step(DELETED_STEP)
def _deleted(tx: Transaction, project_id: str, args: dict[str, Any]) -> None:
    deployment = _current(tx, project_id, args, "DELETING")
    if deployment is None:
        return
    failure = pop_failure(tx, project_id, DEPLOYMENT_KIND, deployment, args["id"])
    if failure is None:
        _remove(tx, project_id, deployment)
        return
    deployment.update(state="DELETE_FAILED", reason=failure, updated_at=hilens_time())
    tx.put(DEPLOYMENT_KIND, project_id, args["id"], deployment)
