"""What the program asks of the engine through the resource monitor, decoded (Pulumi:
``pkg/resource/deploy/source.go``'s registration events), and what the engine answers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

from aicompute.engine.resource.wire_values import PropertyMap


@dataclass(frozen=True)
class AliasSpec:
    """One alias of a registration: a whole ``urn``, or the parts that differ from the resource's."""

    urn: str = ""
    name: str = ""
    type: str = ""
    project: str = ""
    stack: str = ""
    parent: str = ""
    no_parent: bool = False


@dataclass(frozen=True)
class Registration:
    """A RegisterResource request, decoded."""

    type: str
    name: str
    custom: bool
    parent: str = ""
    inputs: PropertyMap = field(default_factory=dict)
    protect: bool = False
    dependencies: tuple[str, ...] = ()
    property_dependencies: Mapping[str, list[str]] = field(default_factory=dict)
    delete_before_replace: bool = False
    ignore_changes: tuple[str, ...] = ()
    additional_secret_outputs: tuple[str, ...] = ()
    aliases: tuple[AliasSpec, ...] = ()
    replace_on_changes: tuple[str, ...] = ()
    retain_on_delete: bool = False
    provider: str = ""
    import_id: str = ""


@dataclass(frozen=True)
class ReadRegistration:
    """A ReadResource request (``Resource.get`` and ``StackReference``), decoded."""

    type: str
    name: str
    id: str
    parent: str = ""
    inputs: PropertyMap = field(default_factory=dict)
    dependencies: tuple[str, ...] = ()
    additional_secret_outputs: tuple[str, ...] = ()
    provider: str = ""


@dataclass(frozen=True)
class RegisterResult:
    urn: str
    id: str = ""
    outputs: PropertyMap = field(default_factory=dict)
    failed: bool = False
    unknown: bool = False


class RegistrationHandler(Protocol):
    """What the resource monitor hands the program's requests to (``DeploymentRun``)."""

    def register_resource(self, reg: Registration) -> RegisterResult: ...

    def register_outputs(self, urn: str, outputs: PropertyMap) -> None: ...

    def read_resource(self, read: ReadRegistration) -> RegisterResult: ...

    def invoke(self, token: str, args: PropertyMap) -> PropertyMap: ...
