"""``aicompute import``'s second half: the Python that declares an imported resource.

``declaration_code`` writes the declaration with the inputs the provider read back, so a program
holding that code previews with no changes. Secret inputs are never written out: the code reads
them from the stack's secret config, and says which keys to set. An input the platform does not
return (``UNRECORDED``) is read from the stack config the same way, as an optional plain value.
"""

from __future__ import annotations

import inspect
import keyword
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aicompute.engine.deploy.resource_types import ResourceClass
from aicompute.engine.resource.wire_values import PROVIDER_KEY
from aicompute.provider.engine_contract import UNRECORDED


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
    unrecorded_config_keys: tuple[str, ...] = ()
    """Config keys the code reads inputs the platform does not return from (``aicompute config set KEY VALUE``)."""


def declaration_code(resource: ResourceClass, name: str, inputs: Mapping[str, Any], *, protect: bool) -> Declaration:
    """The Python that declares ``resource`` named ``name`` with these inputs (plain values), as
    keyword arguments in the constructor's order; inputs equal to their default are left out."""
    parameters = [p for p in inspect.signature(resource.cls.__init__).parameters if p not in ("self", "opts")]
    parameters.remove("resource_name")
    defaults = resource.defaults()
    variable = python_name(name)
    lines: list[str] = []
    secret_keys: list[str] = []
    unrecorded_keys: list[str] = []
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
        elif value == UNRECORDED:
            unrecorded_keys.append(config_key(name, key))
            lines.append(f"    {key}=config.get({config_key(name, key)!r}),")
            hints.append(f"# aicompute config set {config_key(name, key)} <the {key} it was created with, if any>")
        else:
            lines.append(f"    {key}={_literal(value)},")
    if protect:
        lines.append("    opts=pulumi.ResourceOptions(protect=True),")
    reads_config = bool(secret_keys or unrecorded_keys)
    header = ["import pulumi", ""] if protect or reads_config else []
    header.append(f"from {resource.package} import {resource.name}")
    header.append("")
    if reads_config:
        header.append("config = pulumi.Config()")
        header += hints
        header.append("")
    body = [f"{variable} = {resource.name}(", f"    {name!r},", *lines, ")"]
    code = "\n".join(header + body) + "\n"
    return Declaration(code, tuple(secret_keys), tuple(left_out), tuple(unrecorded_keys))
