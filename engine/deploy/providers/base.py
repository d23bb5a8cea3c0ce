"""The ``Provider`` protocol: the resource operations the engine asks of a provider, whoever implements
them — the gRPC pool of dynamic provider servers (``plugin``), the Kubernetes manifest renderer
(``kubernetes``), the in-memory fakes of the tests (Pulumi: ``pkg/resource/deploy/providers`` and
``plugin.Provider``).

Values are the engine's wire form (``resource.wire_values``): secrets wrapped, unknowns as the
sentinel; a provider that refuses secrets is sent revealed values and its outputs re-marked.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

from aicompute.engine.resource.wire_values import PropertyMap

DiffChanges = Literal["some", "none", "unknown"]


DYNAMIC_PREFIX = "pulumi-python:dynamic"


def is_dynamic(type_: str) -> bool:
    """``pulumi-python:dynamic:Resource`` or ``pulumi-python:dynamic/<module>:<Name>``."""
    return type_ == f"{DYNAMIC_PREFIX}:Resource" or type_.startswith((f"{DYNAMIC_PREFIX}/", f"{DYNAMIC_PREFIX}:"))


class ProviderError(Exception):
    """A provider operation failed; ``message`` is the provider's own error, ``detail`` its traceback.

    ``outcome_unknown``: the operation may have taken effect (the provider said so, or it was lost
    with its process or connection); the engine keeps it pending in the state (``snapshot``)."""

    def __init__(
        self, operation: str, urn: str, message: str, detail: str = "", *, outcome_unknown: bool = False
    ) -> None:
        super().__init__(message)
        self.operation = operation
        self.urn = urn
        self.message = message
        self.detail = detail
        self.outcome_unknown = outcome_unknown


@dataclass(frozen=True)
class CheckFailure:
    property: str
    reason: str


@dataclass(frozen=True)
class DiffResult:
    changes: DiffChanges
    replaces: tuple[str, ...] = ()
    delete_before_replace: bool = False


@dataclass(frozen=True)
class ReadResult:
    id: str
    outputs: PropertyMap
    inputs: PropertyMap | None = None


class Provider(Protocol):
    """Check, diff, create, update, delete and read one resource; a failure raises ``ProviderError``."""

    def check(
        self, urn: str, type_: str, name: str, olds: PropertyMap, news: PropertyMap
    ) -> tuple[PropertyMap, list[CheckFailure]]: ...

    def diff(
        self,
        urn: str,
        type_: str,
        name: str,
        id_: str,
        old_outputs: PropertyMap,
        news: PropertyMap,
        old_inputs: PropertyMap,
        ignore_changes: list[str],
    ) -> DiffResult: ...

    def create(self, urn: str, type_: str, name: str, inputs: PropertyMap) -> tuple[str, PropertyMap]: ...

    def update(
        self,
        urn: str,
        type_: str,
        name: str,
        id_: str,
        old_outputs: PropertyMap,
        news: PropertyMap,
        old_inputs: PropertyMap,
    ) -> PropertyMap: ...

    def delete(self, urn: str, type_: str, name: str, id_: str, outputs: PropertyMap, inputs: PropertyMap) -> None: ...

    def read(
        self, urn: str, type_: str, name: str, id_: str, outputs: PropertyMap, inputs: PropertyMap
    ) -> ReadResult: ...
