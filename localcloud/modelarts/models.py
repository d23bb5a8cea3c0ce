"""Models ("AI applications", seed chapter 7): create, get, list, delete, and publishing over time.

A model is created ``publishing`` and, after ``PUBLISH_SECONDS`` of emulated time, becomes
``published`` — or ``failed`` when a failure directive is armed (the reason is kept in
``error_msg``; 7.4 documents no reason field, see the module's report). There is no update API:
every input is immutable. Deleting answers 200 even when some models could not be deleted; they
are listed in ``delete_failed_list`` (``ModelArts.3009`` while a service deploys them).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import Query

from aicompute.localcloud.cloud import Cloud
from aicompute.localcloud.directives import take_failure
from aicompute.localcloud.inline import InlineRouter
from aicompute.localcloud.lifecycle import step
from aicompute.localcloud.modelarts.bodies import MODEL_ERRORS, ClassicBody, parse_body
from aicompute.localcloud.modelarts.common import (
    CloudDep,
    ModelArtsProject,
    PlatformError,
    Transaction,
    epoch_ms,
    modelarts_error,
)
from aicompute.localcloud.modelarts.model_schemas import INSTALL_TYPES, CreateModelRequest
from aicompute.localcloud.modelarts.paging import LimitQuery, OffsetQuery, OrderQuery, paginate, sort_items
from aicompute.localcloud.modelarts.records import JSON, MODEL_KIND, SERVICE_KIND, public
from aicompute.localcloud.modelarts.tenancy import ownership, require_workspace
from aicompute.localcloud.store import Project

router = InlineRouter()

PUBLISH_SECONDS = 10.0
PUBLISHED_STEP = "modelarts.model.published"
# 7.5: "一次最多删除20个模型，超过的模型不删除" (at most 20 models per cascading delete).
MAX_CASCADE = 20
HEALTH_KEYS = ("health", "readiness_health", "startup_health")
RESTRAINTS = ("EXACT", "ATLEAST", "ATMOST")
# Table 7-32, in its order: the 39 fields a model's GET answers, each null when it has no value
# (description, cmd, schema_doc, image_address before publication, …) as the SDK's models expect.
DETAIL_KEYS = (
    "model_version", "source_job_version", "source_location", "source_job_id", "source_copy", "description",
    "project", "workspace_id", "model_algorithm", "model_name", "tenant", "model_docs", "owner", "execution_code",
    "schema_doc", "image_address", "output_params", "health", "runtime", "model_metrics", "source_type",
    "model_type", "model_id", "dependencies", "model_size", "model_status", "apis", "model_source", "tunable",
    "market_flag", "publishable_flag", "model_labels", "labels_map", "install_type", "config", "specification",
    "input_params", "create_at", "cmd",
)  # fmt: skip
LIST_ITEM_KEYS = (
    "owner", "model_version", "model_type", "description", "project", "source_type", "model_id",
    "model_source", "install_type", "model_size", "workspace_id", "model_status", "market_flag",
    "tunable", "model_name", "create_at", "publishable_flag", "source_copy", "tenant", "specification",
)  # fmt: skip


# errors ----------------------------------------------------------------------------------------
def model_not_found(model_id: str) -> PlatformError:
    return modelarts_error(404, "ModelArts.3001", f"Model ({model_id}) does not exist.")


def _invalid_config(detail: str) -> PlatformError:
    return modelarts_error(400, "ModelArts.3015", f"Config json file does not conform to the specification. {detail}")


# create ----------------------------------------------------------------------------------------
def _check_template(request: CreateModelRequest) -> None:
    """7.3 接口约束: Template models need ``template`` (not ``source_location``), others the reverse."""
    if request.model_type != "Template":
        if not request.source_location:
            raise MODEL_ERRORS.missing("source_location")
        return
    if request.template is None:
        raise modelarts_error(
            400, "ModelArts.3034", "Template model failed to be published, template field is required."
        )
    if not request.template.template_id:
        raise modelarts_error(
            400,
            "ModelArts.3029",
            "Model publishing failed because the Template model must provide the template ID used.",
        )
    input_ids = [item.input_id for item in request.template.template_inputs]
    if len(set(input_ids)) != len(input_ids):
        raise modelarts_error(400, "ModelArts.3039", "Template input input_id cannot be repeated.")


def _check_restraints(dependencies: list[JSON]) -> None:
    """A restraint is required exactly when a version is given (table 7-23)."""
    for dependency in dependencies:
        for package in dependency.get("packages", []):
            has_version = bool(package.get("package_version"))
            restraint = package.get("restraint")
            if has_version != bool(restraint) or (restraint and restraint not in RESTRAINTS):
                raise modelarts_error(
                    400,
                    "ModelArts.3041",
                    "When the installer installer is conda or pip, and the version packageVersion exists, "
                    "the version constraint restraint can only be EXACT, ATLEAST, ATMOST. "
                    f"(package {package.get('package_name')})",
                )


def _parse_initial_config(text: str | None) -> JSON:
    """``initial_config`` is config.json as a string; its health probes must be HTTP or EXEC."""
    if text is None:
        return {}
    try:
        config = json.loads(text)
    except ValueError as exc:
        raise _invalid_config(f"initial_config is not JSON: {exc}") from None
    if not isinstance(config, dict):
        raise _invalid_config("initial_config must be a JSON object")
    for key in HEALTH_KEYS:
        probe = config.get(key)
        if probe is not None and (
            not isinstance(probe, dict) or probe.get("check_method", "HTTP") not in ("HTTP", "EXEC")
        ):
            raise modelarts_error(400, "ModelArts.3592", f"Incorrect model health configuration. ({key})")
    return config


def _health(config: JSON) -> JSON | None:
    """ModelHealth (table 7-34) declares every value a String."""
    probe = config.get("health")
    if not isinstance(probe, dict):
        return None
    return {key: value if isinstance(value, str) else json.dumps(value) for key, value in probe.items()}


def _dumped(items: list[Any] | None) -> list[JSON] | None:
    return None if items is None else [item.model_dump(exclude_none=True) for item in items]


def _model_record(request: CreateModelRequest, config: JSON, project: Project, model_id: str) -> JSON:
    """The GET shape (table 7-32); fields the body leaves out come from config.json, as 7.3 says."""
    apis = _dumped(request.apis) if request.apis is not None else config.get("apis", [])
    metrics = request.model_metrics or (json.dumps(config["metrics"]) if "metrics" in config else None)
    source_copy = request.source_copy or ("true" if request.model_type == "Image" else None)
    record: JSON = {
        "model_id": model_id,
        "model_name": request.model_name,
        "model_version": request.model_version,
        "model_type": request.model_type,
        "runtime": request.runtime or config.get("runtime"),
        "description": request.description,
        "source_location": request.source_location,
        "source_copy": source_copy,
        "source_job_id": request.source_job_id,
        "source_job_version": request.source_job_version,
        "execution_code": request.execution_code,
        "model_algorithm": request.model_algorithm or config.get("model_algorithm"),
        "model_metrics": metrics,
        "source_type": request.source_type,
        "cmd": request.cmd,
        "health": _health(config),
        "config": config or None,
        "workspace_id": request.workspace_id,
        **ownership(project),
        "model_status": "publishing",
        "model_size": 0,
        "model_source": "auto" if request.source_type == "auto" else "custom",
        "install_type": request.install_type or list(INSTALL_TYPES),
        "input_params": _dumped(request.input_params) or [],
        "output_params": _dumped(request.output_params) or [],
        "dependencies": _dumped(request.dependencies) or config.get("dependencies", []),
        "apis": json.dumps(apis),
        "model_docs": _dumped(request.model_docs) or [],
        "model_labels": [],
        "labels_map": {"labels": []},
        "specification": {},
        "tunable": False,
        "market_flag": False,
        "publishable_flag": False,
        "create_at": epoch_ms(),
    }
    record = {key: value for key, value in record.items() if value is not None}
    if request.template is not None:
        record["_template"] = request.template.model_dump(exclude_none=True)
    if request.deployment_constraints is not None:
        record["_deployment_constraints"] = request.deployment_constraints.model_dump(exclude_none=True)
    return record


def _require_unique(tx: Transaction, project_id: str, request: CreateModelRequest) -> None:
    for model in tx.objects(MODEL_KIND, project_id):
        same = (model["model_name"], model["model_version"], model["workspace_id"])
        if same == (request.model_name, request.model_version, request.workspace_id):
            raise modelarts_error(
                409, "ModelArts.3002", f"Model ({request.model_name}, {request.model_version}) already exists."
            )


def create_model(cloud: Cloud, tx: Transaction, project: Project, request: CreateModelRequest) -> str:
    """Validate against the world, store the model ``publishing`` and schedule its publication."""
    _check_template(request)
    config = _parse_initial_config(request.initial_config)
    _check_restraints(_dumped(request.dependencies) or [])
    record = _model_record(request, config, project, str(uuid.uuid4()))
    require_workspace(tx, project.project_id, request.workspace_id, "create model")
    _require_unique(tx, project.project_id, request)
    failure = take_failure(tx, project.project_id, MODEL_KIND, "*")
    if failure is not None:
        record["_pending_failure"] = failure
    tx.put(MODEL_KIND, project.project_id, record["model_id"], record)
    cloud.lifecycle.schedule(tx, project.project_id, PUBLISH_SECONDS, PUBLISHED_STEP, {"model": record["model_id"]})
    return str(record["model_id"])


def _synthetic_size(model: JSON) -> int:
    """A stable, plausible model size in bytes (localcloud never reads the OBS source)."""
    digest = hashlib.sha256(f"{model['model_id']}{model.get('source_location', '')}".encode()).digest()
    return 1_000_000 + int.from_bytes(digest[:4], "big") % 200_000_000


@step(PUBLISHED_STEP)
def _published(tx: Transaction, project_id: str, args: dict[str, Any]) -> None:
    """publishing → published, or failed with the armed directive's message."""
    model = tx.get(MODEL_KIND, project_id, args["model"])
    if model is None or model["model_status"] != "publishing":
        return
    failure = model.pop("_pending_failure", None) or take_failure(tx, project_id, MODEL_KIND, model["model_id"])
    if failure is not None:
        model.update(model_status="failed", error_msg=failure)
    else:
        project = tx.project(project_id)
        region = project.region if project else "localcloud"
        image = f"swr.{region}.localcloud/models/{model['model_id']}:{model['model_version']}"
        model.update(model_status="published", model_size=_synthetic_size(model), image_address=image)
    tx.put(MODEL_KIND, project_id, model["model_id"], model)


# read ------------------------------------------------------------------------------------------
def require_model(tx: Transaction, project_id: str, model_id: str) -> JSON:
    model = tx.get(MODEL_KIND, project_id, model_id)
    if model is None:
        raise model_not_found(model_id)
    return model


@dataclass(frozen=True)
class ModelFilters:
    """The 7.2 query (table 7-11)."""

    model_name: str | None = None
    exact_match: bool = False
    model_version: str | None = None
    model_status: str | None = None
    description: str | None = None
    workspace_id: str | None = None
    model_type: str | None = None
    not_model_type: str | None = None

    def matches(self, model: JSON) -> bool:
        name = model["model_name"]
        model_type = str(model["model_type"]).lower()
        checks = (
            self.model_name is None or (name == self.model_name if self.exact_match else self.model_name in name),
            # 7.2 writes the version format with colons ("数值:数值:数值"); both spellings are accepted.
            self.model_version is None or model["model_version"] == self.model_version.replace(":", "."),
            self.model_status is None or model["model_status"] == self.model_status,
            self.description is None or self.description in model.get("description", ""),
            self.workspace_id is None or model["workspace_id"] == self.workspace_id,
            self.model_type is None or model_type == self.model_type.lower(),
            self.not_model_type is None or model_type != self.not_model_type.lower(),
        )
        return all(checks)


def _list_item(model: JSON) -> JSON:
    item = {key: model[key] for key in LIST_ITEM_KEYS if key in model}
    # The 7.2 example lists model_type in lower case ("tensorflow") where 7.4 has "TensorFlow".
    item["model_type"] = str(model["model_type"]).lower()
    return item


def _version_key(model: JSON) -> tuple[int, ...]:
    return tuple(int(part) for part in str(model["model_version"]).split("."))


SORT_KEYS: dict[str, Any] = {
    "create_at": lambda model: model["create_at"],
    "model_version": _version_key,
    "model_size": lambda model: model["model_size"],
}


def list_models(
    tx: Transaction, project_id: str, filters: ModelFilters, sort_by: str, order: str, offset: int, limit: int
) -> JSON:
    matching = [model for model in tx.objects(MODEL_KIND, project_id) if filters.matches(model)]
    ordered = sort_items(matching, SORT_KEYS[sort_by], order)
    page = paginate(ordered, offset, limit, offset_is_page=True)
    return {"models": [_list_item(model) for model in page], "total_count": len(matching), "count": len(page)}


# delete ----------------------------------------------------------------------------------------
def models_in_use(tx: Transaction, project_id: str) -> set[str]:
    return {
        entry["model_id"] for service in tx.objects(SERVICE_KIND, project_id) for entry in service.get("config", [])
    }


def _cascade(tx: Transaction, project_id: str, target: JSON) -> list[JSON]:
    """The target and, with cascade, its other versions: 20 at most (7.5)."""
    siblings = [
        model
        for model in tx.objects(MODEL_KIND, project_id)
        if model["model_name"] == target["model_name"]
        and model["workspace_id"] == target["workspace_id"]
        and model["model_id"] != target["model_id"]
    ]
    return [target, *siblings][:MAX_CASCADE]


def delete_models(tx: Transaction, project_id: str, model_id: str, cascade: bool) -> JSON:
    target = require_model(tx, project_id, model_id)
    victims = _cascade(tx, project_id, target) if cascade else [target]
    in_use = models_in_use(tx, project_id)
    deleted: list[str] = []
    failed: list[JSON] = []
    for model in victims:
        victim_id = model["model_id"]
        if victim_id in in_use:
            message = f"Failed to delete model, model ({victim_id}) already deploy service."
            failed.append({"error_msg": message, "error_code": "ModelArts.3009", "model_id": victim_id})
        elif (failure := take_failure(tx, project_id, MODEL_KIND, victim_id)) is not None:
            failed.append({"error_msg": failure, "error_code": "ModelArts.0010", "model_id": victim_id})
        else:
            tx.delete(MODEL_KIND, project_id, victim_id)
            deleted.append(victim_id)
    return {"delete_success_list": deleted, "delete_failed_list": failed}


# routes ----------------------------------------------------------------------------------------
@router.post("/v1/{project_id}/models")
def create(project: ModelArtsProject, cloud: CloudDep, body: ClassicBody) -> JSON:
    request = parse_body(CreateModelRequest, body, MODEL_ERRORS)
    with cloud.store.transaction() as tx:
        return {"model_id": create_model(cloud, tx, project, request)}


@router.get("/v1/{project_id}/models")
def list_(
    project: ModelArtsProject,
    cloud: CloudDep,
    model_name: str | None = None,
    exact_match: bool = False,
    model_version: str | None = None,
    model_status: Literal["publishing", "published", "failed", "building", "building_failed"] | None = None,
    description: str | None = None,
    workspace_id: str | None = None,
    model_type: str | None = None,
    not_model_type: str | None = None,
    offset: OffsetQuery = 0,
    limit: LimitQuery = 1000,
    sort_by: Annotated[Literal["create_at", "model_version", "model_size"], Query()] = "create_at",
    order: OrderQuery = "desc",
) -> JSON:
    if model_type is not None and not_model_type is not None:
        raise MODEL_ERRORS.invalid("model_type", model_type, "model_type and not_model_type are mutually exclusive")
    filters = ModelFilters(
        model_name, exact_match, model_version, model_status, description, workspace_id, model_type, not_model_type
    )
    with cloud.store.transaction() as tx:
        return list_models(tx, project.project_id, filters, sort_by, order, offset, limit)


def model_detail(model: JSON) -> JSON:
    """The GET answer: every field of table 7-32 (null when unset), then what localcloud adds
    (``error_msg`` of a failed model)."""
    stored = public(model)
    detail = {key: stored.get(key) for key in DETAIL_KEYS}
    detail.update((key, value) for key, value in stored.items() if key not in detail)
    return detail


@router.get("/v1/{project_id}/models/{model_id}")
def get(project: ModelArtsProject, cloud: CloudDep, model_id: str) -> JSON:
    with cloud.store.transaction() as tx:
        return model_detail(require_model(tx, project.project_id, model_id))


@router.delete("/v1/{project_id}/models/{model_id}")
def delete(project: ModelArtsProject, cloud: CloudDep, model_id: str, cascade: bool = False) -> JSON:
    with cloud.store.transaction() as tx:
        return delete_models(tx, project.project_id, model_id, cascade)
