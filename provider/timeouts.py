"""The ``timeouts`` input every resource takes: how long create, update and delete may wait.

Dynamic providers receive no engine timeout (Pulumi's ``customTimeouts`` are not forwarded to
them), so deadlines are inputs. Values are seconds or Go-style durations: ``"90m"``, ``"1h30m"``,
``"45s"``.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, field_validator

from aicompute.provider.schema import Local

_DURATION = re.compile(r"^(?:(?P<h>\d+(?:\.\d+)?)h)?(?:(?P<m>\d+(?:\.\d+)?)m)?(?:(?P<s>\d+(?:\.\d+)?)s)?$")

Operation = Literal["create", "update", "delete"]


def parse_duration(value: str | float | int) -> float:
    """Seconds from a number of seconds or a duration such as ``"1h30m"``."""
    if isinstance(value, int | float):
        seconds = float(value)
    else:
        match = _DURATION.match(value.strip())
        if not value.strip() or match is None:
            raise ValueError(f"{value!r} is not a duration such as '30s', '20m' or '1h30m'")
        seconds = sum(float(match[unit] or 0) * factor for unit, factor in (("h", 3600), ("m", 60), ("s", 1)))
    if seconds <= 0:
        raise ValueError("a timeout must be greater than zero")
    return seconds


class Timeouts(BaseModel):
    """Per-operation deadlines; an omitted one takes the resource's default."""

    model_config = ConfigDict(extra="forbid")

    create: str | float | None = None
    update: str | float | None = None
    delete: str | float | None = None

    @field_validator("create", "update", "delete")
    @classmethod
    def _valid_duration(cls, value: str | float | None) -> str | float | None:
        if value is not None:
            parse_duration(value)
        return value

    def seconds(self, operation: Operation, default: float) -> float:
        value = getattr(self, operation)
        return default if value is None else parse_duration(value)


TimeoutsInput = Annotated[Timeouts | None, Local()]
"""The ``timeouts`` input as every resource's Args declares it: local to aicompute, never sent."""
