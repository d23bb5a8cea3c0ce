"""What the ModelArts components share: refusing the fields that link their parts, and child options
that carry the component's ``depends_on``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pulumi
from pydantic import ValidationInfo

from aicompute.stacks._component import Component


def set_by(component: str) -> Callable[[Any, ValidationInfo], Any]:
    """A field validator refusing any value: the component sets the field (a default never reaches
    a validator, so leaving the field out passes)."""

    def refuse(value: Any, info: ValidationInfo) -> Any:
        raise ValueError(f"{info.field_name} is set by the {component} (it links the parts); leave it out")

    return refuse


def child_options(component: Component, opts: pulumi.ResourceOptions | None) -> Callable[[], pulumi.ResourceOptions]:
    """New options for each child: parented to ``component`` (so protect, providers and the like are
    inherited as Pulumi inherits them) and waiting for the component's own ``depends_on``, which
    Pulumi does not pass on to children by itself."""
    depends_on = opts.depends_on if opts is not None else None
    return lambda: component.child_opts(depends_on=depends_on) if depends_on else component.child_opts()
