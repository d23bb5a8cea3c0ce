"""ModelArts model, the "AI application" (``/v1/{project_id}/models``, seed chapter 7).

API facts (seed 002 §7.2–7.5, digest ``modelarts-services-api.md`` §3):

* ``POST /models`` answers ``{model_id}`` at once; the model is then ``publishing`` until it is
  ``published`` (the only deployable state) or ``failed``; ``building`` / ``building_failed`` are
  the image-build phases. The id is the server-generated ``model_id``.
* There is **no update API**: every input is create-only, so any change is a replace. A model is
  named uniquely by (``model_name``, ``model_version``) — a duplicate answers 409 ``ModelArts.3002``.
* Replace order: a replace that changes the name or the version creates the new model first and
  deletes the old one afterwards, so a service that deploys ``model.model_id`` is moved to the new
  model before the old one goes (the usual "new version" roll-out). A replace that keeps both would
  collide with the old model, so it deletes first (``Fields.unique_key``); ``delete_before_replace``
  is therefore not set for every replace.
* ``GET /models/{id}`` echoes most create fields, but ``initial_config`` comes back as ``config``
  (an object, with server-added keys), ``apis`` and ``model_metrics`` come back as JSON text,
  ``source_copy`` as the string ``"true"``/``"false"``, ``install_type`` possibly as ``realtime``;
  ``template`` and ``deployment_constraints`` are not echoed (write-only). A missing model answers
  404 ``ModelArts.3001``.
* ``DELETE /models/{id}`` answers 200 even when it fails: the model is then listed in
  ``delete_failed_list`` (``ModelArts.3009`` while a service still deploys it), which is raised here.
  Delete then waits until a GET answers 404.
* Default timeouts: 20 minutes, as terraform-provider-huaweicloud's ``huaweicloud_modelarts_model``
  (digest §3.1 [ext]: it polls until ``published`` with a 20 min timeout).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from functools import partial
from typing import Annotated, Any, Literal

import pulumi
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from aicompute.provider.errors import ApiError, NotFound
from aicompute.provider.generic import Fields
from aicompute.provider.modelarts import NOT_FOUND_CODES, ModelArtsClient
from aicompute.provider.paging import offset_pages
from aicompute.provider.schema import CreateOnly, SetLike, WriteOnly
from aicompute.provider.timeouts import TimeoutsInput
from aicompute.provider.waiters import Waiter, wait_until_gone
from aicompute.resources.base import DynamicResource, output_names
from aicompute.resources.inputs import (
    DependencyDict,
    DeploymentConstraintsDict,
    GuideDocDict,
    InferParamDict,
    ModelApiDict,
    ModelTemplateDict,
    TimeoutsDict,
)
from aicompute.resources.modelarts._base import ModelArtsProvider
from aicompute.resources.modelarts._rules import Name
from aicompute.resources.rules import matching

ModelType = Literal["TensorFlow", "Image", "PyTorch", "Template", "MindSpore"]
InstallType = Literal["real-time", "edge", "batch"]
MODEL_TYPES: tuple[str, ...] = ("TensorFlow", "Image", "PyTorch", "Template", "MindSpore")
MODEL_NOT_FOUND = "ModelArts.3001"

# "数值.数值.数值", each 1-2 digits without a leading zero (seed table 7-18). The seed's own example
# version is "1.0.0", so a single 0 is a valid part.
Version = Annotated[
    str,
    matching(
        r"(0|[1-9][0-9]?)\.(0|[1-9][0-9]?)\.(0|[1-9][0-9]?)",
        "N.N.N, each N a number of 1-2 digits without a leading zero (1.0.0, not 01.01.01)",
    ),
]
Description = Annotated[str, matching(r"[^&!\"'<>=]{1,100}", "1-100 characters, none of & ! \" ' < > =")]
PackageText = Annotated[str, matching(r"[^&!\"'<>=\u4e00-\u9fa5]+", "no Chinese and none of & ! \" ' < > =")]
DocName = Annotated[
    str,
    matching(
        r"[A-Za-z\u4e00-\u9fa5][A-Za-z0-9_\-\u4e00-\u9fa5]{0,47}",
        "1-48 letters, Chinese, digits, '-' or '_', starting with a letter or Chinese",
    ),
]
HttpUrl = Annotated[str, matching(r"https?://\S+", "an http(s) link")]
Protocol = Annotated[str, matching(r"(?i)https?", "http or https")]
Method = Annotated[str, matching(r"(?i)post|get", "post or get")]

PENDING = frozenset({"publishing", "building"})
FAILED = frozenset({"failed", "building_failed"})


class GuideDoc(BaseModel):
    model_config = ConfigDict(extra="forbid")

    doc_url: HttpUrl = Field(description="An http(s) link to the document.")
    doc_name: DocName = Field(description="1-48 letters, Chinese, digits, '-', '_', starting with a letter or Chinese.")


class TemplateInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    input: str = Field(min_length=1, description="OBS file or directory for this template input.")
    input_id: str = Field(min_length=1, description="Input id from the template's details.")


class ModelTemplate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    template_id: str = Field(min_length=1)
    template_inputs: list[TemplateInput] = Field(min_length=1)
    infer_format: str | None = Field(default=None, description="Overrides the template's input/output mode.")

    @field_validator("template_inputs")
    @classmethod
    def _distinct_input_ids(cls, value: list[TemplateInput]) -> list[TemplateInput]:
        ids = [item.input_id for item in value]
        if len(ids) != len(set(ids)):
            raise ValueError("input_id values must not repeat (ModelArts.3039)")
        return value


class Package(BaseModel):
    model_config = ConfigDict(extra="forbid")

    package_name: PackageText = Field(description="No Chinese and none of &!\"'<>=.")
    package_version: PackageText | None = None
    restraint: Literal["EXACT", "ATLEAST", "ATMOST"] | None = Field(
        default=None, validate_default=True, description="Required exactly when package_version is set."
    )

    @field_validator("restraint")
    @classmethod
    def _with_version(cls, value: str | None, info: ValidationInfo) -> str | None:
        version = info.data.get("package_version")
        if version is not None and value is None:
            raise ValueError("restraint is required when package_version is set (EXACT, ATLEAST or ATMOST)")
        if version is None and value is not None and "package_version" in info.data:
            raise ValueError("restraint is only allowed together with package_version")
        return value


class Dependency(BaseModel):
    model_config = ConfigDict(extra="forbid")

    installer: Literal["pip"] = Field(default="pip", description="Only pip is supported.")
    packages: list[Package] = Field(min_length=1)


class InferParam(BaseModel):
    """One input or output parameter (seed table 7-26)."""

    model_config = ConfigDict(extra="forbid")

    protocol: Protocol = Field(description="http or https.")
    method: Method = Field(description="post or get.")
    url: str = Field(min_length=1)
    param_name: str = Field(min_length=1, description="Up to 64 characters is suggested.")
    param_type: str = Field(
        min_length=1,
        description="int, string, float, timestamp, date or file (the seed's own examples also use box and object).",
    )
    min: float | None = None
    max: float | None = None
    param_desc: str | None = None


class InOutParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: str | None = Field(default=None, description="JSON Schema type, e.g. object.")
    properties: dict[str, Any] | None = Field(default=None, description="JSON Schema properties.")


class ModelApi(BaseModel):
    model_config = ConfigDict(extra="forbid")

    protocol: Protocol | None = None
    method: Method | None = None
    url: str | None = None
    input_params: InOutParams | None = None
    output_params: InOutParams | None = None


class ModelSecurity(BaseModel):
    model_config = ConfigDict(extra="forbid")

    model_key: str | None = None
    root_key: str | None = Field(default=None, serialization_alias="rootKey")
    security_policy: str | None = None
    is_verify_app: bool | None = None


class DeploymentConstraints(BaseModel):
    """Deployment constraints ``(tag:hc,hk)``: accepted only in those editions; never echoed by GET."""

    model_config = ConfigDict(extra="forbid")

    request_mode: str | None = None
    cpu_type: str | None = None
    input_types: list[str] | None = None
    output_types: list[str] | None = Field(default=None, serialization_alias="outputTypes")
    service_config: str | None = Field(default=None, description="XML text.")
    task_config: str | None = Field(default=None, description="XML text.")
    model_security: ModelSecurity | None = None


def _json_object(value: Any) -> Any:
    """A JSON text as the value it encodes; anything else unchanged."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


_NUMBER = re.compile(r"-?\d+(\.\d+)?([eE][-+]?\d+)?")


def _numbers(value: Any) -> Any:
    """Numeric strings as numbers, at every depth (config.json values arrive both ways)."""
    if isinstance(value, dict):
        return {k: _numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_numbers(v) for v in value]
    if isinstance(value, str) and _NUMBER.fullmatch(value.strip()):
        number = float(value)
        return int(number) if number.is_integer() and "." not in value else number
    return value


def _json_value(value: Any) -> Any:
    return _numbers(_json_object(value))


def _install_types(value: Any) -> Any:
    if isinstance(value, list):
        return sorted("real-time" if item == "realtime" else item for item in value)
    return value


def _model_type(value: Any) -> Any:
    if isinstance(value, str):
        for canonical in MODEL_TYPES:
            if value.lower() == canonical.lower():
                return canonical
    return value


class ModelArgs(BaseModel):
    model_config = ConfigDict(extra="forbid", protected_namespaces=())

    model_name: Annotated[Name, CreateOnly()] = Field(
        description="1-64 characters: letters, Chinese, digits, '-' and '_'."
    )
    model_version: Annotated[Version, CreateOnly()] = Field(
        description="N.N.N, each N 0-99 without a leading zero (1.0.0; not 01.01.01).",
    )
    model_type: Annotated[ModelType, CreateOnly()] = Field(
        description="TensorFlow, Image, PyTorch, Template or MindSpore."
    )
    source_location: Annotated[str | None, CreateOnly()] = Field(
        default=None,
        min_length=1,
        validate_default=True,
        description="OBS path of the model, or the SWR image address for Image; required unless Template.",
    )
    template: Annotated[ModelTemplate | None, CreateOnly(), WriteOnly()] = Field(
        default=None, validate_default=True, description="Required exactly when model_type is Template."
    )
    source_copy: Annotated[bool | None, CreateOnly()] = Field(
        default=None, description="Image only: copy the image (default true)."
    )
    initial_config: Annotated[dict[str, Any] | None, CreateOnly()] = Field(
        default=None, description="config.json: an object or its JSON text (apis, dependencies, health, …)."
    )
    execution_code: Annotated[str | None, CreateOnly()] = Field(
        default=None, description="OBS path of customize_service.py."
    )
    source_job_id: Annotated[str | None, CreateOnly()] = Field(
        default=None, description="Training job the model came from."
    )
    source_job_version: Annotated[str | None, CreateOnly()] = None
    input_params: Annotated[list[InferParam] | None, CreateOnly()] = None
    output_params: Annotated[list[InferParam] | None, CreateOnly()] = None
    description: Annotated[Description | None, CreateOnly()] = Field(
        default=None, description="1-100 characters without & ! \" ' < > =."
    )
    runtime: Annotated[str | None, CreateOnly()] = Field(
        default=None, description="A runtime of the model_type (GET ai-engine-runtimes)."
    )
    model_metrics: Annotated[dict[str, Any] | None, CreateOnly()] = Field(
        default=None, description='Accuracy metrics, e.g. {"f1": 0.52}; an object or its JSON text.'
    )
    source_type: Annotated[Literal["auto"] | None, CreateOnly()] = Field(
        default=None, description="Only 'auto' (ExeML models)."
    )
    dependencies: Annotated[list[Dependency] | None, CreateOnly()] = None
    workspace_id: Annotated[str, CreateOnly()] = Field(
        default="0", min_length=1, description="Workspace id; '0' is the default."
    )
    model_algorithm: Annotated[str | None, CreateOnly()] = Field(default=None, description="e.g. object_detection.")
    apis: Annotated[list[ModelApi] | None, CreateOnly()] = None
    install_type: Annotated[list[InstallType] | None, CreateOnly(), SetLike()] = Field(
        default=None, min_length=1, description="Where it may deploy; default all of real-time, edge, batch."
    )
    model_docs: Annotated[list[GuideDoc] | None, CreateOnly()] = Field(default=None, max_length=3)
    cmd: Annotated[str | None, CreateOnly()] = Field(default=None, description="Image start command.")
    deployment_constraints: Annotated[DeploymentConstraints | None, CreateOnly(), WriteOnly()] = None
    timeouts: TimeoutsInput = None

    _canonical_type = field_validator("model_type", mode="before")(_model_type)
    _realtime = field_validator("install_type", mode="before")(_install_types)

    @field_validator("initial_config", "model_metrics", mode="before")
    @classmethod
    def _parse_json(cls, value: Any) -> Any:
        parsed = _json_object(value)
        if isinstance(value, str) and not isinstance(parsed, dict):
            raise ValueError("must be a JSON object (or its JSON text)")
        return parsed

    @field_validator("source_location")
    @classmethod
    def _location_unless_template(cls, value: str | None, info: ValidationInfo) -> str | None:
        model_type = info.data.get("model_type")
        if model_type is not None and model_type != "Template" and value is None:
            raise ValueError("required unless model_type is Template")
        return value

    @field_validator("template")
    @classmethod
    def _template_for_template(cls, value: ModelTemplate | None, info: ValidationInfo) -> ModelTemplate | None:
        model_type = info.data.get("model_type")
        if model_type == "Template" and value is None:
            raise ValueError("required when model_type is Template (ModelArts.3034)")
        if model_type is not None and model_type != "Template" and value is not None:
            raise ValueError("only allowed when model_type is Template")
        return value

    @field_validator("source_copy")
    @classmethod
    def _image_only(cls, value: bool | None, info: ValidationInfo) -> bool | None:
        model_type = info.data.get("model_type")
        if value is not None and model_type is not None and model_type != "Image":
            raise ValueError("only allowed when model_type is Image")
        return value


class ModelOutputs(BaseModel):
    """What a ModelArts model reports besides its inputs."""

    model_id: str
    model_status: str
    model_size: int | None
    model_source: str | None
    image_address: str | None
    schema_doc: str | None
    specification: dict[str, Any]
    health: dict[str, Any]
    tunable: bool | None
    owner: str | None
    tenant: str | None
    project: str | None
    create_at: int


LIST_LIMIT = 1000  # §7.2: the default page size; offset is a page index


def _status(model: dict[str, Any]) -> str:
    return str(model.get("model_status", ""))


# Inputs GET returns in another spelling (JSON text, "true"/"false", realtime, any case), as the inputs spell them.
_ECHO_AS_INPUT: dict[str, Callable[[Any], Any]] = {
    "apis": _json_object,
    "model_metrics": _json_object,
    "source_copy": lambda value: str(value).lower() == "true",
    "install_type": _install_types,
    "model_type": _model_type,
}


def _failure_reason(model: dict[str, Any]) -> str:
    """Table 7-32 documents no failure field: the reason is read from ``error_msg`` (the name ModelArts
    uses for error messages, and where localcloud puts it)."""
    return str(model.get("error_msg") or f"publishing ended in {_status(model)!r} without a reason")


class ModelProvider(ModelArtsProvider[ModelArgs]):
    kind = "ModelArts model"
    args_model = ModelArgs
    outputs_model = ModelOutputs
    summary = "A ModelArts model (AI application); its id is the ``model_id``. Any change replaces it."
    fields = Fields.of(
        ModelArgs,
        normalisers={
            "initial_config": _json_value,
            "model_metrics": _json_value,
            "apis": _json_object,
            "install_type": _install_types,
            "model_type": _model_type,
        },
        unique_key=frozenset({"model_name", "model_version"}),
    )
    default_timeouts = {"create": 1200, "update": 1200, "delete": 1200}

    def create_resource(self, api: ModelArtsClient, args: ModelArgs, timeout: float) -> str:
        body = _create_body(args)

        def post() -> str:
            return str(api.send_once("POST", api.path("v1", "models"), json=body)["model_id"])

        model_id = api.create_reconciled(post, lambda: self._find(api, args))
        self.wait_created(api, model_id, self._waiter(api, model_id), timeout)
        return model_id

    def read_resource(self, api: ModelArtsClient, resource_id: str) -> dict[str, Any] | None:
        live = api.get_or_none("v1", f"models/{resource_id}")
        if live is None:
            return None
        echoed = {key: live[key] for key in self.fields.create_only if live.get(key) is not None}
        if live.get("config") not in (None, "", {}):
            echoed["initial_config"] = _json_object(live["config"])
        for key, as_input in _ECHO_AS_INPUT.items():
            if key in echoed:
                echoed[key] = as_input(echoed[key])
        return {
            **echoed,
            "model_id": live.get("model_id", resource_id),
            "model_status": live.get("model_status"),
            "model_size": live.get("model_size"),
            "model_source": live.get("model_source"),
            "image_address": live.get("image_address"),
            "schema_doc": live.get("schema_doc"),
            "specification": live.get("specification") or {},
            "health": live.get("health") or {},
            "tunable": live.get("tunable"),
            "owner": live.get("owner"),
            "tenant": live.get("tenant"),
            "project": live.get("project"),
            "create_at": live.get("create_at"),
        }

    # List items lack config, apis, schema_doc, health and more (§7.2): ids only, read one by one.
    def list_ids(self, api: ModelArtsClient) -> Iterator[str]:
        fetch = partial(api.get, "v1", "models")
        listed = offset_pages(fetch, "models", self.page_size(LIST_LIMIT), total="total_count", page_index=True)
        return (str(model["model_id"]) for model in listed)

    def delete_resource(self, api: ModelArtsClient, resource_id: str, args: ModelArgs | None, timeout: float) -> None:
        path = api.path("v1", f"models/{resource_id}")
        answer = api.request("DELETE", path) or {}
        for failure in answer.get("delete_failed_list") or []:
            if failure.get("model_id") != resource_id:
                continue
            code = str(failure.get("error_code", ""))
            error_type = NotFound if code == MODEL_NOT_FOUND or code in NOT_FOUND_CODES else ApiError
            raise error_type(200, code, str(failure.get("error_msg", "")), method="DELETE", path=path)
        wait_until_gone(
            f"model {resource_id}",
            lambda: api.get_or_none("v1", f"models/{resource_id}"),
            _status,
            api.settings,
            timeout,
        )

    def _find(self, api: ModelArtsClient, args: ModelArgs) -> str | None:
        listing = api.get(
            "v1",
            "models",
            params={
                "model_name": args.model_name,
                "exact_match": "true",
                "model_version": args.model_version,
                "workspace_id": args.workspace_id,
            },
        )
        for model in listing.get("models") or []:
            if model.get("model_name") == args.model_name and model.get("model_version") == args.model_version:
                return str(model["model_id"])
        return None

    def _waiter(self, api: ModelArtsClient, model_id: str) -> Waiter[dict[str, Any]]:
        return Waiter(
            what=f"model {model_id}",
            fetch=lambda: api.get_or_none("v1", f"models/{model_id}"),
            state=_status,
            target={"published"},
            pending=PENDING,
            failure=FAILED,
            reason=_failure_reason,
        )


def _create_body(args: ModelArgs) -> dict[str, Any]:
    body = args.model_dump(
        exclude={"timeouts", "initial_config", "model_metrics", "source_copy"}, exclude_none=True, by_alias=True
    )
    if args.initial_config is not None:
        body["initial_config"] = json.dumps(args.initial_config)
    if args.model_metrics is not None:
        body["model_metrics"] = json.dumps(args.model_metrics)
    if args.source_copy is not None:
        body["source_copy"] = "true" if args.source_copy else "false"
    return body


# --- generated by `make generate` from ModelProvider: do not edit below this line ---
class Model(DynamicResource, module="modelarts", name="Model"):
    """A ModelArts model (AI application); its id is the ``model_id``. Any change replaces it."""

    _provider_class = ModelProvider
    _outputs, _secret_outputs = output_names(ModelProvider)

    model_name: pulumi.Output[str]
    model_version: pulumi.Output[str]
    model_type: pulumi.Output[Literal["TensorFlow", "Image", "PyTorch", "Template", "MindSpore"]]
    source_location: pulumi.Output[str | None]
    template: pulumi.Output[dict[str, Any] | None]
    source_copy: pulumi.Output[bool | None]
    initial_config: pulumi.Output[dict[str, Any] | None]
    execution_code: pulumi.Output[str | None]
    source_job_id: pulumi.Output[str | None]
    source_job_version: pulumi.Output[str | None]
    input_params: pulumi.Output[list[dict[str, Any]] | None]
    output_params: pulumi.Output[list[dict[str, Any]] | None]
    description: pulumi.Output[str | None]
    runtime: pulumi.Output[str | None]
    model_metrics: pulumi.Output[dict[str, Any] | None]
    source_type: pulumi.Output[Literal["auto"] | None]
    dependencies: pulumi.Output[list[dict[str, Any]] | None]
    workspace_id: pulumi.Output[str]
    model_algorithm: pulumi.Output[str | None]
    apis: pulumi.Output[list[dict[str, Any]] | None]
    install_type: pulumi.Output[list[Literal["real-time", "edge", "batch"]] | None]
    model_docs: pulumi.Output[list[dict[str, Any]] | None]
    cmd: pulumi.Output[str | None]
    deployment_constraints: pulumi.Output[dict[str, Any] | None]
    timeouts: pulumi.Output[dict[str, Any] | None]
    model_id: pulumi.Output[str]
    model_status: pulumi.Output[str]
    model_size: pulumi.Output[int | None]
    model_source: pulumi.Output[str | None]
    image_address: pulumi.Output[str | None]
    schema_doc: pulumi.Output[str | None]
    specification: pulumi.Output[dict[str, Any]]
    health: pulumi.Output[dict[str, Any]]
    tunable: pulumi.Output[bool | None]
    owner: pulumi.Output[str | None]
    tenant: pulumi.Output[str | None]
    project: pulumi.Output[str | None]
    create_at: pulumi.Output[int]

    def __init__(
        self,
        resource_name: str,
        *,
        model_name: pulumi.Input[str],
        model_version: pulumi.Input[str],
        model_type: pulumi.Input[Literal["TensorFlow", "Image", "PyTorch", "Template", "MindSpore"]],
        source_location: pulumi.Input[str] | None = None,
        template: pulumi.Input[ModelTemplateDict] | None = None,
        source_copy: pulumi.Input[bool] | None = None,
        initial_config: pulumi.Input[Mapping[str, pulumi.Input[Any]]] | None = None,
        execution_code: pulumi.Input[str] | None = None,
        source_job_id: pulumi.Input[str] | None = None,
        source_job_version: pulumi.Input[str] | None = None,
        input_params: pulumi.Input[Sequence[pulumi.Input[InferParamDict]]] | None = None,
        output_params: pulumi.Input[Sequence[pulumi.Input[InferParamDict]]] | None = None,
        description: pulumi.Input[str] | None = None,
        runtime: pulumi.Input[str] | None = None,
        model_metrics: pulumi.Input[Mapping[str, pulumi.Input[Any]]] | None = None,
        source_type: pulumi.Input[Literal["auto"]] | None = None,
        dependencies: pulumi.Input[Sequence[pulumi.Input[DependencyDict]]] | None = None,
        workspace_id: pulumi.Input[str] | None = None,
        model_algorithm: pulumi.Input[str] | None = None,
        apis: pulumi.Input[Sequence[pulumi.Input[ModelApiDict]]] | None = None,
        install_type: pulumi.Input[Sequence[pulumi.Input[Literal["real-time", "edge", "batch"]]]] | None = None,
        model_docs: pulumi.Input[Sequence[pulumi.Input[GuideDocDict]]] | None = None,
        cmd: pulumi.Input[str] | None = None,
        deployment_constraints: pulumi.Input[DeploymentConstraintsDict] | None = None,
        timeouts: pulumi.Input[TimeoutsDict] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props: dict[str, Any] = {
            "model_name": model_name,
            "model_version": model_version,
            "model_type": model_type,
            "source_location": source_location,
            "template": template,
            "source_copy": source_copy,
            "initial_config": initial_config,
            "execution_code": execution_code,
            "source_job_id": source_job_id,
            "source_job_version": source_job_version,
            "input_params": input_params,
            "output_params": output_params,
            "description": description,
            "runtime": runtime,
            "model_metrics": model_metrics,
            "source_type": source_type,
            "dependencies": dependencies,
            "workspace_id": workspace_id,
            "model_algorithm": model_algorithm,
            "apis": apis,
            "install_type": install_type,
            "model_docs": model_docs,
            "cmd": cmd,
            "deployment_constraints": deployment_constraints,
            "timeouts": timeouts,
        }
        super().__init__(resource_name, props, opts)


# --- end of generated code ---


__all__ = [
    "Dependency",
    "DeploymentConstraints",
    "GuideDoc",
    "InferParam",
    "Model",
    "ModelApi",
    "ModelArgs",
    "ModelProvider",
    "ModelTemplate",
    "Package",
    "TemplateInput",
]
