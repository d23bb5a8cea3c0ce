"""Request bodies of the classic ``/v1`` APIs: pydantic models whose errors become ModelArts 400s.

The models and services chapters answer bad input with their own codes: a missing field is
``ModelArts.3036`` (models) or ``ModelArts.3610`` (services), an invalid value ``ModelArts.3037`` or
``ModelArts.0107`` (digest §7). ``parse_body`` validates a JSON body against a model and raises the
first error in the family's shape, naming the field (``config[0].instance_count``) and the rule.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from aicompute.localcloud import jsonbody
from aicompute.localcloud.modelarts.common import PlatformError, modelarts_error

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class ErrorFamily:
    """How one API family reports a missing field and an invalid value."""

    missing: Callable[[str], PlatformError]
    invalid: Callable[[str, object, str], PlatformError]


def field_path(loc: tuple[int | str, ...]) -> str:
    """``("config", 0, "weight")`` → ``config[0].weight``; the body itself is ``body``."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "body"


def _shown(value: object) -> str:
    text = str(value)
    return text if len(text) <= 80 else text[:77] + "..."


MODEL_ERRORS = ErrorFamily(
    missing=lambda field: modelarts_error(
        400, "ModelArts.3036", f"Parameter verification failed, parameter ({field}) is required."
    ),
    invalid=lambda field, value, rule: modelarts_error(
        400, "ModelArts.3037", f"Parameter ({field}:{_shown(value)}) is invalid. {rule}".strip()
    ),
)

SERVICE_ERRORS = ErrorFamily(
    missing=lambda field: modelarts_error(400, "ModelArts.3610", f"Parameter {field} cannot be empty."),
    invalid=lambda field, value, rule: modelarts_error(
        400,
        "ModelArts.0107",
        f"The values of the request parameters ({field},{_shown(value)}) are invalid. {rule}".strip(),
    ),
)


def _error_from(detail: ErrorDetails, family: ErrorFamily) -> PlatformError:
    field = field_path(tuple(detail["loc"]))
    if detail["type"] == "missing":
        return family.missing(field)
    rule = detail["msg"].removeprefix("Value error, ")
    return family.invalid(field, detail.get("input"), rule)


def parse_body(model: type[M], body: Any, family: ErrorFamily) -> M:
    """Validate ``body`` as ``model``; the first error becomes the family's 400."""
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        raise _error_from(exc.errors()[0], family) from None


async def classic_json_body(request: Request) -> Any:
    """The JSON body of a classic ``/v1`` call (models, services, their tags): required; what cannot
    be read is the family's generic 400 ``ModelArts.0104`` naming the problem."""
    raw = await request.body()
    if not raw.strip():
        raise modelarts_error(400, "ModelArts.0104", "Parameter error. body: Field required")
    try:
        return jsonbody.loads(raw)
    except jsonbody.BodyError as error:
        raise modelarts_error(400, "ModelArts.0104", f"Parameter error. {error}") from None


ClassicBody = Annotated[Any, Depends(classic_json_body)]
