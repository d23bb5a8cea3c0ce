"""``aicompute import``: the resource classes by type token, and the code that declares an import.

The registry maps each aicompute resource class's Pulumi type token
(``pulumi-python:dynamic/<platform>:<Name>``, from its class keywords) to the class, for the
platforms ``aicompute.resources.modelarts``, ``.hilens`` and ``.central``. ``declaration_code``
writes the Python that declares an imported resource with the inputs its provider read back, so a
program holding that code previews with no changes. Secret inputs are never written out: the code
reads them from the stack's secret config, and says which keys to set.
"""

from __future__ import annotations

import importlib
import inspect
import keyword
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pulumi.dynamic import Resource, ResourceProvider
from pulumi.dynamic.dynamic import serialize_provider

from aicompute.provider.generic import PROVIDER_KEY as PROVIDER_KEY

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


def python_name(resource_name: str) -> str:
    """A Python variable name for a resource name (``my-net`` → ``my_net``)."""
    name = re.sub(r"\W", "_", resource_name).strip("_").lower() or "resource"
    if name[0].isdigit():
        name = f"r_{name}"
    return f"{name}_" if keyword.iskeyword(name) else name


def config_key(resource_name: str, input_name: str) -> str:
    """The stack config key (in the project's namespace) an imported secret input is read from."""
    return f"{python_name(resource_name)}_{input_name}"


def _literal(value: Any) -> str:
    """``value`` as a Python literal; integral floats (how numbers cross gRPC) as integers."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{_literal(str(k))}: {_literal(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_literal(v) for v in value) + "]"
    return repr(value)


@dataclass(frozen=True)
class Declaration:
    code: str
    secret_config_keys: tuple[str, ...]
    """Config keys the code reads secret inputs from (``aicompute config set --secret KEY VALUE``)."""
    left_out: tuple[str, ...]
    """Inputs the class's constructor does not take (none for aicompute's resources)."""


def declaration_code(resource: ResourceClass, name: str, inputs: Mapping[str, Any], *, protect: bool) -> Declaration:
    """The Python that declares ``resource`` named ``name`` with these inputs (plain values), as
    keyword arguments in the constructor's order; inputs equal to their default are left out."""
    parameters = [p for p in inspect.signature(resource.cls.__init__).parameters if p not in ("self", "opts")]
    parameters.remove("resource_name")
    defaults = resource.defaults()
    variable = python_name(name)
    lines: list[str] = []
    secret_keys: list[str] = []
    hints: list[str] = []
    left_out = sorted(k for k, v in inputs.items() if k not in parameters and k != PROVIDER_KEY and v is not None)
    for key in parameters:
        value = inputs.get(key)
        if value is None or (key in defaults and value == defaults[key]):
            continue
        if key in resource.secret_inputs:
            structured = isinstance(value, Mapping | list)
            secret_keys.append(config_key(name, key))
            reader = "require_secret_object" if structured else "require_secret"
            lines.append(f"    {key}=config.{reader}({config_key(name, key)!r}),")
            hints.append(
                f"# aicompute config set --secret {config_key(name, key)} {'<JSON>' if structured else '<value>'}"
            )
        else:
            lines.append(f"    {key}={_literal(value)},")
    if protect:
        lines.append("    opts=pulumi.ResourceOptions(protect=True),")
    header = ["import pulumi", ""] if protect or secret_keys else []
    header.append(f"from {resource.package} import {resource.name}")
    header.append("")
    if secret_keys:
        header.append("config = pulumi.Config()")
        header += hints
        header.append("")
    body = [f"{variable} = {resource.name}(", f"    {name!r},", *lines, ")"]
    return Declaration("\n".join(header + body) + "\n", tuple(secret_keys), tuple(left_out))
