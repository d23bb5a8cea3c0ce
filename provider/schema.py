"""Field markers: how each input of a resource behaves, declared once, on the field itself.

A resource's ``Args`` model carries, on each field, ``Annotated`` markers — as
terraform-provider-huaweicloud puts ``ForceNew``, ``Computed`` and ``Sensitive`` on a schema field::

    class NetworkArgs(BaseModel):
        name: Annotated[DisplayName, CreateOnly()] = Field(description="…")
        description: Annotated[str, Updatable(via=PATCH)] = ""
        peer_connections: Annotated[list[PeerConnection], Updatable(via=PATCH), SetLike()] = …
        timeouts: TimeoutsInput = None

Every input is classified exactly once: ``CreateOnly`` (a change replaces the object),
``Updatable(via=…)`` (a change is made in place, by that platform call) or ``Local`` (it steers
aicompute itself and never reaches a platform API). The other markers qualify a field:
``SetLike`` (order ignored), ``WriteOnly`` (the API never returns it), ``Secret`` (a Pulumi secret,
redacted from errors), ``ServerDefault`` (left unset, the platform picks the value), ``ApiPath``
(where the value lives in the API's body, where the mapping is one-to-one) and ``ReplaceWhen``
(a declared rule: a change of an updatable field that the platform cannot make in place).

``schema_of(model)`` reads the markers; ``provider.generic.Fields.of`` derives the provider's
field table from them, and the reference docs are generated from the same reading.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel
from pydantic.fields import FieldInfo


@dataclass(frozen=True)
class CreateOnly:
    """A change replaces the object (Terraform's ``ForceNew``)."""


@dataclass(frozen=True)
class Updatable:
    """A change is made in place by the platform call ``via`` (e.g. ``"PUT /v1/{project_id}/workspaces/{id}"``).

    ``via=""``: the value only steers aicompute (e.g. what a wait waits for); a change makes no call.
    """

    via: str


@dataclass(frozen=True)
class Local:
    """An input that steers aicompute itself (e.g. ``timeouts``): it never reaches a platform API,
    and a change of it alone makes no call."""


@dataclass(frozen=True)
class SetLike:
    """A list compared without order."""


@dataclass(frozen=True)
class WriteOnly:
    """The API never returns the value: reads keep the program's."""


@dataclass(frozen=True)
class Secret:
    """A Pulumi secret end to end; its values are redacted from check failures and errors."""


@dataclass(frozen=True)
class ServerDefault:
    """Left unset, the platform picks the value (the outputs show it; the diff ignores it until set)."""

    note: str = ""


@dataclass(frozen=True)
class ApiPath:
    """Where the value lives in the API's bodies, where the mapping is one-to-one (e.g. ``spec.cidr``):
    update bodies are built, and live values read, from it (``provider/api_path.py``)."""

    path: str


@dataclass(frozen=True)
class ReplaceWhen:
    """A declared rule: a change of this (updatable) field replaces the object when ``rule(old, new)``
    holds — ``old`` the field's old output, ``new`` its new input (either may be unknown or absent)."""

    rule: Callable[[Any, Any], bool] = field(compare=False)
    reason: str


M = TypeVar("M")

CLASSES = (CreateOnly, Updatable, Local)
"""The markers that classify an input; each input carries exactly one."""


class SchemaError(TypeError):
    """An input that is unclassified or classified more than once."""


@dataclass(frozen=True)
class FieldSpec:
    """One field of an Args (or Outputs) model as its markers declare it."""

    name: str
    info: FieldInfo
    markers: tuple[Any, ...]

    def marker(self, kind: type[M]) -> M | None:
        return next((m for m in self.markers if isinstance(m, kind)), None)

    def has(self, kind: type[Any]) -> bool:
        return self.marker(kind) is not None

    @property
    def classes(self) -> list[Any]:
        return [m for m in self.markers if isinstance(m, CLASSES)]

    @property
    def create_only(self) -> bool:
        return self.has(CreateOnly)

    @property
    def updatable(self) -> Updatable | None:
        return self.marker(Updatable)

    @property
    def local(self) -> bool:
        return self.has(Local)

    @property
    def api_path(self) -> str | None:
        marker = self.marker(ApiPath)
        return marker.path if marker else None


def schema_of(model: type[BaseModel]) -> dict[str, FieldSpec]:
    """The fields of ``model`` with their markers, in declaration order."""
    return {
        name: FieldSpec(name, info, tuple(m for m in info.metadata if _is_marker(m)))
        for name, info in model.model_fields.items()
    }


def _is_marker(value: Any) -> bool:
    return isinstance(
        value, CreateOnly | Updatable | Local | SetLike | WriteOnly | Secret | ServerDefault | ApiPath | ReplaceWhen
    )


def classification_problems(model: type[BaseModel]) -> list[str]:
    """Every input of ``model`` that is unclassified or classified more than once, as sentences."""
    problems = []
    for spec in schema_of(model).values():
        found = spec.classes
        if not found:
            problems.append(f"{model.__name__}.{spec.name}: unclassified (mark it CreateOnly, Updatable or Local)")
        elif len(found) > 1:
            kinds = ", ".join(type(m).__name__ for m in found)
            problems.append(f"{model.__name__}.{spec.name}: classified {len(found)} times ({kinds})")
    return problems


def replace_rules(model: type[BaseModel]) -> dict[str, ReplaceWhen]:
    """The ``ReplaceWhen`` rules of ``model``'s fields."""
    rules = {}
    for name, info in model.model_fields.items():
        for marker in info.metadata:
            if isinstance(marker, ReplaceWhen):
                rules[name] = marker
    return rules


__all__ = [
    "ApiPath",
    "CreateOnly",
    "FieldSpec",
    "Local",
    "ReplaceWhen",
    "SchemaError",
    "Secret",
    "ServerDefault",
    "SetLike",
    "Updatable",
    "WriteOnly",
    "classification_problems",
    "replace_rules",
    "schema_of",
]
