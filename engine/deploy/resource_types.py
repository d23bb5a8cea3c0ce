"""The aicompute resource classes by type token (what ``aicompute import TYPE`` names).

The catalog maps each aicompute resource class's Pulumi type token
(``pulumi-python:dynamic/<platform>:<Name>``, from its class keywords) to the class, for the
platforms ``aicompute.resources.modelarts``, ``.hilens`` and ``.central``; ``import_code`` writes
the declaration of an imported one.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pulumi.dynamic import Resource, ResourceProvider
from pulumi.dynamic.dynamic import serialize_provider

PLATFORMS = ("modelarts", "hilens", "central")
PACKAGE = "aicompute.resources"


class UnknownResourceType(LookupError):
    """A type token that names no aicompute resource class."""


@dataclass(frozen=True)
class ResourceClass:
    """An aicompute resource class and what ``import`` needs to know of it."""

    token: str
    cls: type[Resource]
    package: str
    """The platform package that exports it, e.g. ``aicompute.resources.modelarts``."""

    @property
    def name(self) -> str:
        return self.cls.__name__

    def provider(self) -> ResourceProvider:
        provider_class: type[ResourceProvider] = getattr(self.cls, "_provider_class")  # noqa: B009
        return provider_class()

    def serialized_provider(self) -> str:
        """The provider as the SDK stores it in the ``__provider`` property (dill, base64)."""
        return str(serialize_provider(self.provider()))

    @property
    def secret_outputs(self) -> tuple[str, ...]:
        return tuple(getattr(self.cls, "_secret_outputs", ()))

    def defaults(self) -> dict[str, Any]:
        """The inputs' default values, from the resource's ``Args`` model (those that have one)."""
        model = getattr(getattr(self.cls, "_provider_class", None), "args_model", None)
        fields: Mapping[str, Any] = getattr(model, "model_fields", {})
        return {
            key: field.get_default(call_default_factory=True)
            for key, field in fields.items()
            if not field.is_required()
        }

    @property
    def secret_inputs(self) -> frozenset[str]:
        fields = getattr(getattr(self.cls, "_provider_class", None), "fields", None)
        declared: frozenset[str] = getattr(fields, "secret", frozenset())
        return declared | frozenset(self.secret_outputs)


def type_token(cls: type[Resource]) -> str:
    """``pulumi-python:dynamic/<module>:<Name>``, as the SDK registers instances of ``cls``."""
    return f"pulumi-python:{getattr(cls, '_resource_type_name')}"  # noqa: B009


def resource_classes() -> dict[str, ResourceClass]:
    """Every aicompute resource class, by type token."""
    registry: dict[str, ResourceClass] = {}
    for platform in PLATFORMS:
        package = f"{PACKAGE}.{platform}"
        module = importlib.import_module(package)
        for attribute in getattr(module, "__all__", ()):
            value = getattr(module, attribute)
            if isinstance(value, type) and issubclass(value, Resource) and hasattr(value, "_provider_class"):
                token = type_token(value)
                registry[token] = ResourceClass(token, value, package)
    return registry


def resolve_type(token: str) -> ResourceClass:
    """The resource class of a type token; ``UnknownResourceType`` listing the known ones."""
    registry = resource_classes()
    if token in registry:
        return registry[token]
    known = "\n  ".join(sorted(registry))
    raise UnknownResourceType(
        f"{token!r} is not the type of an aicompute resource; `aicompute import` knows:\n  {known}\n"
        "(resources of other providers are imported with the Pulumi CLI)"
    )
