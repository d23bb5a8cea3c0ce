"""What every aicompute resource class shares on the program side.

A resource class is a ``pulumi.dynamic.Resource`` whose type token comes from its class
keywords (``class Network(DynamicResource, module="modelarts", name="Network")`` is
``pulumi-python:dynamic/modelarts:Network``). It seeds every output name with None (the
Python SDK only exposes outputs named in the props), marks secret outputs, and supports
``Resource.get(name, id)`` to adopt an existing object by id.

Two things differ from a plain ``pulumi.dynamic.Resource``:

* The pickled provider (``__provider`` in the state) is not a secret: it holds no credential (see
  ``provider/generic.py``), so it is stored as it is rather than encrypted twice per resource.
* The SDK's ``serialize_provider`` wraps ``pickle._Pickler._batch_setitems`` in a sorting wrapper
  on every call and never unwraps it, so each resource adds a level to every later pickling: after
  about a thousand resources in one program, pickling a provider fails with ``RecursionError``.
  Constructing a resource here puts the pickler back as it found it, under any engine (the
  embedded engine's program runner does it for every dynamic resource: ``aicompute.sdk_patches``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import pulumi
from pulumi.dynamic import Resource, ResourceProvider

from aicompute.provider.schema import Secret, schema_of
from aicompute.resources.provider_shards import with_shard
from aicompute.sdk_patches import pickler_restored


class DynamicResource(Resource):
    """Base of every aicompute resource class."""

    _outputs: ClassVar[Sequence[str]] = ()
    _secret_outputs: ClassVar[Sequence[str]] = ()
    _provider_class: ClassVar[type[ResourceProvider]]

    def __init__(
        self,
        resource_name: str,
        props: Mapping[str, Any],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        seeded: dict[str, Any] = {name: None for name in self._outputs}
        seeded.update({key: value for key, value in props.items() if value is not None})
        secret = pulumi.ResourceOptions(additional_secret_outputs=list(self._secret_outputs))
        opts = pulumi.ResourceOptions.merge(secret, with_shard(opts))
        with pickler_restored():
            super().__init__(self._provider_class(), resource_name, seeded, opts)

    @classmethod
    def type_token(cls) -> str:
        """``pulumi-python:dynamic/<module>:<Name>``, as the SDK registers instances of the class."""
        return f"pulumi-python:{getattr(cls, '_resource_type_name')}"  # noqa: B009

    @classmethod
    def get(cls, resource_name: str, id: pulumi.Input[str], opts: pulumi.ResourceOptions | None = None) -> Any:
        """Adopt the existing object with this id (read-only, like Pulumi's ``Resource.get``)."""
        instance = cls.__new__(cls)
        opts = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(id=id))
        seeded: dict[str, Any] = {name: None for name in cls._outputs}
        with pickler_restored():
            Resource.__init__(instance, cls._provider_class(), resource_name, seeded, opts)
        return instance


def output_names(provider: Any) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """A resource's output names — its inputs, then what the platform computes — and the secret ones,
    from its provider's ``args_model`` and ``outputs_model``."""
    models = [model for model in (provider.args_model, provider.outputs_model) if model is not None]
    specs = [spec for model in models for spec in schema_of(model).values()]
    return tuple(spec.name for spec in specs), tuple(spec.name for spec in specs if spec.has(Secret))
