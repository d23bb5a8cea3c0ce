"""Explicit ``pulumi-python`` provider resources (``pulumi:providers:pulumi-python``) themselves.

Under the Pulumi CLI each one is a ``pulumi-resource-pulumi-python`` process configured with its
inputs; aicompute's resource base spreads resources over several of them so that more than 4
operations run at once (``aicompute.resources.provider_shards``). The embedded engine runs every
dynamic resource in its own provider pool, configured with the stack config, whatever provider it
names, so it needs no process for them: it records them as Pulumi's provider registry does — the
dynamic provider implements neither ``CheckConfig`` nor ``DiffConfig``, so the inputs are taken as
they are, a change of inputs is an update and never a replacement, and the ID is a fresh UUID
(``pkg/resource/deploy/providers/registry.go``).
"""

from __future__ import annotations

import uuid

from aicompute.engine.deploy.providers.base import CheckFailure, DiffResult, ReadResult
from aicompute.engine.resource.urn import PROVIDER_TYPE_PREFIX
from aicompute.engine.resource.wire_values import PropertyMap

DYNAMIC_PROVIDER_TYPE = f"{PROVIDER_TYPE_PREFIX}pulumi-python"


def is_dynamic_provider(type_: str) -> bool:
    return type_ == DYNAMIC_PROVIDER_TYPE


class DynamicProviderResources:
    """The ``Provider`` operations of ``pulumi:providers:pulumi-python`` resources."""

    def check(
        self, urn: str, type_: str, name: str, olds: PropertyMap, news: PropertyMap
    ) -> tuple[PropertyMap, list[CheckFailure]]:
        return dict(news), []

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
    ) -> DiffResult:
        return DiffResult("none" if old_outputs == news else "some")

    def create(self, urn: str, type_: str, name: str, inputs: PropertyMap) -> tuple[str, PropertyMap]:
        return str(uuid.uuid4()), dict(inputs)

    def update(
        self,
        urn: str,
        type_: str,
        name: str,
        id_: str,
        old_outputs: PropertyMap,
        news: PropertyMap,
        old_inputs: PropertyMap,
    ) -> PropertyMap:
        return dict(news)

    def delete(self, urn: str, type_: str, name: str, id_: str, outputs: PropertyMap, inputs: PropertyMap) -> None:
        return None

    def read(self, urn: str, type_: str, name: str, id_: str, outputs: PropertyMap, inputs: PropertyMap) -> ReadResult:
        return ReadResult(id=id_, outputs=dict(outputs), inputs=dict(inputs))
