"""What every aicompute stack component shares.

A component is a ``pulumi.ComponentResource`` with the type token ``aicompute:stacks:<Name>``
(``class TrainingPlatform(Component, name="TrainingPlatform")``). Its arguments are a pydantic
model checked when the component is constructed, so bad input stops the program — and with it the
preview — before any resource is registered, with a message that names the component, the field
and the rule. Fields that may hold a ``pulumi.Output`` are typed ``OutputOr[...]``: the Output is
accepted as it is and the platform's own check judges its value once it is known.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, TypeVar, Union

import pulumi
from pydantic import (
    BaseModel,
    ConfigDict,
    ValidationError,
    ValidationInfo,
    ValidatorFunctionWrapHandler,
    WrapValidator,
)

ModelT = TypeVar("ModelT", bound=BaseModel)
T = TypeVar("T")


class ComponentArgsError(ValueError, pulumi.RunError):
    """A component's arguments broke a rule; the message names the component, the field and the rule.

    A ``pulumi.RunError``, so the program stops with this message alone (the Pulumi CLI and aicompute
    print a RunError without the traceback they print for other unhandled exceptions)."""


def _unless_output(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
    return value if isinstance(value, pulumi.Output) else handler(value)


if TYPE_CHECKING:
    OutputOr = Union[T, pulumi.Output[T]]  # noqa: UP007 (a generic alias, subscripted by users)
else:

    class OutputOr:
        """``OutputOr[X]``: a value checked as ``X``, or a ``pulumi.Output`` passed through as it is
        (its value is judged by the resource's own check once known)."""

        def __class_getitem__(cls, item: Any) -> Any:
            return Annotated[item, WrapValidator(_unless_output)]


class ComponentArgs(BaseModel):
    """Base of component argument models: unknown fields are errors, Outputs are allowed values."""

    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True)


def _path(loc: tuple[int | str, ...]) -> str:
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


def validate_args(component: str, name: str, model: type[ModelT], args: ModelT | Mapping[str, Any]) -> ModelT:
    """``args`` as ``model``, or a ComponentArgsError listing every broken rule by field path.

    An instance of ``model`` was checked when it was built (pydantic's own error names the field)."""
    if isinstance(args, model):
        return args
    try:
        return model.model_validate(args)
    except ValidationError as error:
        reasons = [f"{_path(tuple(item['loc'])) or '(args)'}: {item['msg']}" for item in error.errors()]
        raise ComponentArgsError(f"{component} {name!r}: invalid arguments: " + "; ".join(reasons)) from None


class Component(pulumi.ComponentResource):
    """Base of every aicompute stack component."""

    type_token: ClassVar[str]

    def __init_subclass__(cls, name: str | None = None, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if name is not None:
            cls.type_token = f"aicompute:stacks:{name}"

    def __init__(self, name: str, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(self.type_token, name, None, opts)
        self.component_name = name
        self._waits_for = opts.depends_on if opts is not None else None

    def child_opts(self, *waits: pulumi.Resource, **options: Any) -> pulumi.ResourceOptions:
        """Options for a child: parented to this component (so protect, providers and the like are
        inherited as Pulumi inherits them), waiting for ``waits`` and for the component's own
        ``depends_on`` (which Pulumi does not pass on to children), plus any ResourceOptions keywords."""
        mine = pulumi.ResourceOptions(parent=self, depends_on=list(waits) or None, **options)
        if self._waits_for is None:
            return mine
        return pulumi.ResourceOptions.merge(mine, pulumi.ResourceOptions(depends_on=self._waits_for))


def set_by(component: str) -> Callable[[Any, ValidationInfo], Any]:
    """A field validator refusing any value: the component sets the field, which links its parts
    (a default never reaches a validator, so leaving the field out passes)."""

    def refuse(value: Any, info: ValidationInfo) -> Any:
        raise ValueError(f"{info.field_name} is set by the {component} (it links the parts); leave it out")

    return refuse
