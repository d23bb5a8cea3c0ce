"""EdgeFleet: a HiLens workspace, its devices, shared configmaps and secrets, and one application
deployed to every device (``aicompute:stacks:EdgeFleet``).

* ``devices``, ``config_maps`` and ``secrets`` are maps from a key (the child's logical name
  suffix) to the resource's own arguments (``DeviceArgs``, ``ConfigMapArgs``, the secret's); each
  object's ``name`` defaults to its key. The fleet sets ``workspace_id`` (its workspace) and
  ``provider`` (the fleet's), so a spec that sets them is refused.
* The deployment (``DeploymentArgs`` without ``node_ids``/``cluster_id``) targets every device of
  the map: its ``node_ids`` are the devices' ids. ``node_ids`` is updatable and set-like, so a
  device added to the map is one new Device and a batch deploy (``PUT …/nodes``) of the same
  deployment, leaving the other devices alone. Removing a device replaces the deployment (the API
  cannot take a device out of one).
* Secret values may be plain strings or Outputs (``config.require_secret``); either way the Secret
  resource holds them as Pulumi secrets, and the fleet outputs only the secrets' ids.
* The deployment depends on the configmaps and secrets, which its variables and volumes name.
* ``opts`` apply to the component; its children inherit what Pulumi passes on through ``parent``
  (``protect``, providers, …) and also wait for the component's ``depends_on``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, cast

import pulumi
from pydantic import BaseModel, Field, TypeAdapter, ValidationInfo, field_validator

from aicompute.resources.hilens import (
    ConfigMap,
    ConfigMapArgs,
    Deployment,
    DeploymentArgs,
    Device,
    DeviceArgs,
    Secret,
    Workspace,
    WorkspaceArgs,
)
from aicompute.resources.hilens._base import Description, Platform
from aicompute.resources.hilens.secret import SecretData, SecretName, SecretTags
from aicompute.resources.rules import matching
from aicompute.stacks._component import Component, ComponentArgs, OutputOr, validate_args

KEY_RULE = "1-64 characters: letters, digits, '_' and '-'"
FleetKey = Annotated[str, matching(r"[A-Za-z0-9_-]{1,64}", KEY_RULE)]
IN_WORKSPACE = ("workspace_id", "provider")
TARGETS = ("node_ids", "cluster_id", "provider")
_SECRET_DATA = TypeAdapter(SecretData)
_STAND_IN = "stand-in"
"""What an Output secret value is checked as: its own value is judged by the Secret's check."""


class SecretSpec(ComponentArgs):
    """A secret of the fleet: the Secret's arguments, with values that may be Outputs."""

    name: SecretName
    data: OutputOr[dict[str, OutputOr[str]]] = Field(description="Keys to secret values (Pulumi secrets).")
    description: Description = ""
    tags: SecretTags = Field(default_factory=dict)

    @field_validator("data")
    @classmethod
    def _entries(cls, value: Any) -> Any:
        """The secret's key and value rules, an Output value standing in as a valid one."""
        if isinstance(value, Mapping):
            _SECRET_DATA.validate_python(
                {key: _STAND_IN if isinstance(item, pulumi.Output) else item for key, item in value.items()}
            )
        return value


def _fleet_specs(value: Any, owned: tuple[str, ...], fixed: Mapping[str, Any]) -> Any:
    """Each spec of a map with its ``name`` defaulting to its key and the fleet's ``fixed`` fields,
    or a ValueError if a spec sets a field the fleet owns."""
    if not isinstance(value, Mapping):
        return value
    specs: dict[Any, Any] = {}
    for key, given in value.items():
        spec = _given_fields(given)
        if isinstance(spec, Mapping):
            _refuse_owned(f"{key}.", spec, owned)
            spec = {"name": key, **spec, **fixed}
        specs[key] = spec
    return specs


def _given_fields(spec: Any) -> Any:
    """A model instance as the fields it was given (so an owned field set on it is seen)."""
    if isinstance(spec, BaseModel):
        return {name: getattr(spec, name) for name in spec.model_fields_set}
    return spec


def _refuse_owned(prefix: str, spec: Mapping[str, Any], owned: tuple[str, ...]) -> None:
    given = [f"{prefix}{field}" for field in owned if field in spec]
    if given:
        raise ValueError(f"{', '.join(given)}: set by the fleet, so it cannot be given")


class EdgeFleetArgs(ComponentArgs):
    """The fleet: its workspace, devices, shared configmaps and secrets, and the application."""

    workspace: WorkspaceArgs = Field(description="The HiLens workspace holding everything else.")
    provider: Platform = Field(default="hilens", description="The platform of every object: hilens or ief.")
    devices: dict[FleetKey, DeviceArgs] = Field(
        default_factory=dict, description="Key to device spec (DeviceArgs; name defaults to the key)."
    )
    config_maps: dict[FleetKey, ConfigMapArgs] = Field(
        default_factory=dict, description="Key to configmap spec (ConfigMapArgs; name defaults to the key)."
    )
    secrets: dict[FleetKey, SecretSpec] = Field(
        default_factory=dict, description="Key to secret spec (name defaults to the key; values are secrets)."
    )
    deployment: DeploymentArgs | None = Field(
        default=None, description="The application on every device (DeploymentArgs without node_ids/cluster_id)."
    )

    @field_validator("devices", "config_maps", mode="before")
    @classmethod
    def _in_workspace(cls, value: Any, info: ValidationInfo) -> Any:
        return _fleet_specs(value, IN_WORKSPACE, {"provider": info.data.get("provider", "hilens")})

    @field_validator("secrets", mode="before")
    @classmethod
    def _secrets(cls, value: Any) -> Any:
        return _fleet_specs(value, IN_WORKSPACE, {})

    @field_validator("deployment", mode="before")
    @classmethod
    def _on_the_devices(cls, value: Any, info: ValidationInfo) -> Any:
        """The deployment targets the devices: checked with their keys standing in for their ids."""
        value = _given_fields(value)
        if not isinstance(value, Mapping):
            return value
        _refuse_owned("", value, TARGETS)
        devices = info.data.get("devices")
        if devices is not None and not devices:
            raise ValueError("a deployment needs at least one device in devices")
        return {
            **value,
            "node_ids": sorted(devices or {"(devices)": None}),
            "provider": info.data.get("provider", "hilens"),
        }


def _by_key(outputs: Mapping[str, pulumi.Output[Any]]) -> pulumi.Output[dict[str, Any]]:
    keys = list(outputs)
    return pulumi.Output.all(*outputs.values()).apply(lambda values: dict(zip(keys, values, strict=True)))


class EdgeFleet(Component, name="EdgeFleet"):
    """A HiLens edge fleet; see the module's description."""

    workspace: Workspace
    devices: dict[str, Device]
    config_maps: dict[str, ConfigMap]
    secrets: dict[str, Secret]
    deployment: Deployment | None
    workspace_id: pulumi.Output[str]
    device_ids: pulumi.Output[dict[str, str]]
    """Device key to device (node) id."""
    device_packages: pulumi.Output[dict[str, str | None]]
    """Device key to its one-time registration package for the edge agent; a secret."""
    config_map_ids: pulumi.Output[dict[str, str]]
    secret_ids: pulumi.Output[dict[str, str]]
    deployment_id: pulumi.Output[str | None]
    deployment_state: pulumi.Output[str | None]

    def __init__(
        self, name: str, args: EdgeFleetArgs | Mapping[str, Any], opts: pulumi.ResourceOptions | None = None
    ) -> None:
        fleet = validate_args("EdgeFleet", name, EdgeFleetArgs, args)
        super().__init__(name, opts)
        self.workspace = Workspace(f"{name}-workspace", **_inputs(fleet.workspace), opts=self.child_opts())
        workspace_id = self.workspace.id
        self.devices = {
            key: Device(
                f"{name}-device-{key}",
                **_inputs(spec, exclude={"workspace_id"}),
                workspace_id=workspace_id,
                opts=self.child_opts(),
            )
            for key, spec in sorted(fleet.devices.items())
        }
        self.config_maps = {
            key: ConfigMap(
                f"{name}-configmap-{key}",
                **_inputs(spec, exclude={"workspace_id"}),
                workspace_id=workspace_id,
                opts=self.child_opts(),
            )
            for key, spec in sorted(fleet.config_maps.items())
        }
        self.secrets = {
            key: Secret(
                f"{name}-secret-{key}",
                name=spec.name,
                # Pulumi resolves the Outputs nested in the map; the Secret keeps the whole map secret.
                data=cast("pulumi.Input[dict[str, str]]", spec.data),
                description=spec.description or None,
                tags=spec.tags or None,
                provider=fleet.provider,
                workspace_id=workspace_id,
                opts=self.child_opts(),
            )
            for key, spec in sorted(fleet.secrets.items())
        }
        self.deployment = self._deploy(name, fleet.deployment)
        self._register()

    def _deploy(self, name: str, spec: DeploymentArgs | None) -> Deployment | None:
        """The application on every device, after the configmaps and secrets it reads exist."""
        if spec is None:
            return None
        shared: list[pulumi.Resource] = [*self.config_maps.values(), *self.secrets.values()]
        return Deployment(
            f"{name}-deployment",
            **_inputs(spec, exclude={"node_ids"}),
            node_ids=[device.id for device in self.devices.values()],
            opts=self.child_opts(*shared),
        )

    def _register(self) -> None:
        self.workspace_id = self.workspace.id
        self.device_ids = _by_key({key: device.id for key, device in self.devices.items()})
        packages = _by_key({key: device.package for key, device in self.devices.items()})
        self.device_packages = pulumi.Output.secret(packages)
        self.config_map_ids = _by_key({key: config_map.id for key, config_map in self.config_maps.items()})
        self.secret_ids = _by_key({key: secret.id for key, secret in self.secrets.items()})
        deployment = self.deployment
        self.deployment_id = deployment.id if deployment is not None else pulumi.Output.from_input(None)
        self.deployment_state = deployment.state if deployment is not None else pulumi.Output.from_input(None)
        self.register_outputs(
            {
                "workspace_id": self.workspace_id,
                "device_ids": self.device_ids,
                "device_packages": self.device_packages,
                "config_map_ids": self.config_map_ids,
                "secret_ids": self.secret_ids,
                "deployment_id": self.deployment_id,
                "deployment_state": self.deployment_state,
            }
        )


def _inputs(spec: BaseModel, exclude: set[str] | None = None) -> dict[str, Any]:
    """A resource's inputs from its checked Args, defaults included, as its provider's check
    writes them: a preview whose inputs hold unknowns (a new device's id) is diffed unchecked, so
    a default left out would look like a change."""
    dumped: dict[str, Any] = spec.model_dump(mode="json", exclude=exclude)
    return dumped


__all__ = ["EdgeFleet", "EdgeFleetArgs", "SecretSpec"]
