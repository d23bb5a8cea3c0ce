"""InferenceEndpoint: a ModelArts model and a real-time inference service deploying it, on a
dedicated resource pool or the public one (``aicompute:stacks:InferenceEndpoint``).

The service runs the one model with a fixed instance count (no autoscaling: ModelArts scales a
real-time service only when told to, through the count) and takes the whole traffic. ``running``
is the service's desired run state: false stops it (``status: stopped``), true starts it again; a
change of ``instance_count`` alone is the platform's scaling call. Both are in-place updates of the
service only.

The model is given as ModelArgs less ``workspace_id`` (the endpoint's). There is no update API
for models, so any change of the model replaces it: a new version is created before the old one
goes and the service is moved onto it in between. The service's rules (ServiceConfig and
InferenceServiceArgs) are checked at construction too, under this component's field names.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

import pulumi
from pydantic import BaseModel, Field, ValidationError, field_validator

from aicompute.provider.timeouts import Timeouts
from aicompute.resources.modelarts import InferenceService, InferenceServiceArgs, Model, ModelArgs, ServiceConfig
from aicompute.resources.modelarts._rules import Name
from aicompute.resources.modelarts.inference_service import CustomSpec
from aicompute.resources.modelarts.inference_service import Description as ServiceDescription
from aicompute.stacks._component import Component, ComponentArgs, ComponentArgsError, OutputOr, set_by, validate_args

COMPONENT = "InferenceEndpoint"
DEFAULT_SPECIFICATION = "modelarts.vm.cpu.2u"
# Stand-ins for the ids the children get, so the service's rules can be checked before they exist.
_PENDING_ID = "pending"


class ModelSpec(ModelArgs):
    """The deployed model: ModelArgs without ``workspace_id`` (the endpoint's)."""

    _linked = field_validator("workspace_id")(set_by(COMPONENT))


def _service_field(name: str) -> Any:
    return InferenceServiceArgs.model_fields[name]


def _config_field(name: str) -> Any:
    return ServiceConfig.model_fields[name]


class InferenceEndpointArgs(ComponentArgs):
    model: ModelSpec = Field(description="The model (AI application) to publish and deploy.")
    service_name: Annotated[Name, _service_field("service_name")]
    pool_id: OutputOr[str] | None = Field(
        default=None, description="The dedicated resource pool's id (e.g. TrainingPlatform.pool_id); None: public."
    )
    workspace_id: OutputOr[str] = Field(default="0", description="Workspace of the model and the service.")
    specification: Annotated[str, _config_field("specification")] = DEFAULT_SPECIFICATION
    custom_spec: CustomSpec | None = Field(
        default=None, description="CPU/memory/accelerators when specification is custom."
    )
    instance_count: Annotated[int, _config_field("instance_count")] = 1
    envs: dict[str, str] | None = Field(default=None, description="Environment variables of the model's instances.")
    running: bool = Field(default=True, description="Desired run state: false stops the service, true starts it.")
    description: ServiceDescription | None = Field(default=None, description="The service's description.")
    service_timeouts: Timeouts | None = Field(default=None, description="Deadlines of the service's operations.")


def _config(args: InferenceEndpointArgs, model_id: pulumi.Input[str]) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "model_id": model_id,
        "specification": args.specification,
        "instance_count": args.instance_count,
        "weight": 100,
    }
    if args.custom_spec is not None:
        entry["custom_spec"] = args.custom_spec.model_dump(exclude_none=True)
    if args.envs is not None:
        entry["envs"] = dict(args.envs)
    return entry


def _service_inputs(args: InferenceEndpointArgs, model_id: pulumi.Input[str]) -> dict[str, Any]:
    inputs: dict[str, Any] = {
        "service_name": args.service_name,
        "infer_type": "real-time",
        "workspace_id": args.workspace_id,
        "pool_name": args.pool_id,
        "description": args.description,
        "config": [_config(args, model_id)],
        "status": "running" if args.running else "stopped",
        "timeouts": args.service_timeouts.model_dump(exclude_none=True) if args.service_timeouts else None,
    }
    return {key: value for key, value in inputs.items() if value is not None}


def _field_of(loc: tuple[int | str, ...]) -> str:
    """An InferenceServiceArgs error location as this component's field: a config entry's fields are
    the component's own; the config-wide rules that can fail here concern the specification."""
    if loc[:2] == ("config", 0) and len(loc) > 2:
        return ".".join(str(part) for part in loc[2:])
    return "specification" if loc == ("config",) else ".".join(str(part) for part in loc)


def check_service_rules(name: str, args: InferenceEndpointArgs) -> None:
    """The service's own rules over the values the endpoint will give it (ids not yet known stand in)."""
    values = _service_inputs(args, _PENDING_ID)
    for key in ("workspace_id", "pool_name"):
        if isinstance(values.get(key), pulumi.Output):
            values[key] = _PENDING_ID
    try:
        InferenceServiceArgs.model_validate(values)
    except ValidationError as error:
        reasons = [f"{_field_of(tuple(item['loc']))}: {item['msg']}" for item in error.errors()]
        raise ComponentArgsError(f"{COMPONENT} {name!r}: invalid arguments: " + "; ".join(reasons)) from None


def _model_inputs(spec: BaseModel) -> dict[str, Any]:
    values: dict[str, Any] = spec.model_dump(mode="json", exclude={"workspace_id"}, exclude_none=True)
    return values


class InferenceEndpoint(Component, name=COMPONENT):
    """A model and a real-time inference service deploying it."""

    model: Model
    service: InferenceService
    model_id: pulumi.Output[str]
    service_id: pulumi.Output[str]
    access_address: pulumi.Output[str | None]
    status: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        args: InferenceEndpointArgs | Mapping[str, Any],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        checked = validate_args(COMPONENT, name, InferenceEndpointArgs, args)
        check_service_rules(name, checked)
        super().__init__(name, opts)
        child = self.child_opts
        self.model = Model(
            f"{name}-model", workspace_id=checked.workspace_id, **_model_inputs(checked.model), opts=child()
        )
        self.service = InferenceService(f"{name}-service", **_service_inputs(checked, self.model.id), opts=child())
        self.model_id = self.model.id
        self.service_id = self.service.id
        self.access_address = self.service.access_address
        self.status = self.service.status
        self.register_outputs(
            {
                "model_id": self.model_id,
                "model_status": self.model.model_status,
                "service_id": self.service_id,
                "access_address": self.access_address,
                "status": self.status,
            }
        )


__all__ = ["InferenceEndpoint", "InferenceEndpointArgs", "ModelSpec", "check_service_rules"]
