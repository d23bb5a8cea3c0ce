"""Declare one thing with one invalid input: ``declare({"type": "modelarts:Network", "props": {...}})``.

``type`` names a resource class (``<platform>:<Class>``); ``props`` go to its provider's check as
the program gave them (the constructor's own signature is bypassed, so missing and misspelt inputs
reach the provider); ``get`` instead adopts an existing object by id. ``component`` names a stack
component of ``aicompute.stacks``, constructed with ``args``.
"""

import importlib
from typing import Any

from aicompute.resources.base import DynamicResource


def declare(spec: dict[str, Any]) -> None:
    if "component" in spec:
        stacks = importlib.import_module("aicompute.stacks")
        getattr(stacks, spec["component"])("bad", spec.get("args", {}))
        return
    platform, name = spec["type"].split(":")
    cls = getattr(importlib.import_module(f"aicompute.resources.{platform}"), name)
    if "get" in spec:
        cls.get("bad", spec["get"])
        return
    instance = cls.__new__(cls)
    DynamicResource.__init__(instance, "bad", spec["props"])
