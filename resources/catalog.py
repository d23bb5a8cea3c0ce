"""Every aicompute resource class, for the code and docs generated from their schemas and for tests."""

from __future__ import annotations

import importlib
from collections.abc import Iterator

from aicompute.resources.base import DynamicResource

PLATFORMS = ("modelarts", "hilens", "central")


def resource_classes() -> Iterator[tuple[str, type[DynamicResource]]]:
    """``(platform, class)`` for every resource each platform package exports, in export order."""
    for platform in PLATFORMS:
        module = importlib.import_module(f"aicompute.resources.{platform}")
        for attribute in getattr(module, "__all__", ()):
            value = getattr(module, attribute)
            if isinstance(value, type) and issubclass(value, DynamicResource) and value is not DynamicResource:
                yield platform, value
