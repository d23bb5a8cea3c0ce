"""What every aicompute resource class shares on the program side.

A resource class is a ``pulumi.dynamic.Resource`` whose type token comes from its class
keywords (``class Network(DynamicResource, module="modelarts", name="Network")`` is
``pulumi-python:dynamic/modelarts:Network``). It seeds every output name with None (the
Python SDK only exposes outputs named in the props), marks secret outputs, and supports
``Resource.get(name, id)`` to adopt an existing object by id.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import pulumi
from pulumi.dynamic import Resource, ResourceProvider


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
        opts = pulumi.ResourceOptions.merge(secret, opts)
        super().__init__(self._provider_class(), resource_name, seeded, opts)

    @classmethod
    def get(cls, resource_name: str, id: pulumi.Input[str], opts: pulumi.ResourceOptions | None = None) -> Any:
        """Adopt the existing object with this id (read-only, like Pulumi's ``Resource.get``)."""
        instance = cls.__new__(cls)
        opts = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(id=id))
        seeded: dict[str, Any] = {name: None for name in cls._outputs}
        Resource.__init__(instance, cls._provider_class(), resource_name, seeded, opts)
        return instance
