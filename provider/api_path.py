"""``ApiPath`` made to work: the code that puts an input into a platform body and reads it back.

An input marked ``ApiPath('metadata.annotations["os.modelarts/description"]')`` is its API value
one-to-one (only the place differs), so a body is built and a live object read from the marker
alone — no hand-written copy of the path in a body builder or a live reader. A path is dotted
names, with ``["…"]`` for a key that holds dots or slashes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import cache
from typing import Any

from pydantic import BaseModel

from aicompute.provider.schema import schema_of

_STEP = re.compile(r'(?:^|\.)([A-Za-z_][A-Za-z0-9_]*)|\["([^"]+)"\]')


@cache
def steps(path: str) -> tuple[str, ...]:
    """The keys of ``path`` from the outside in: ``'a.b["c.d"]'`` is ``("a", "b", "c.d")``."""
    found, at = [], 0
    for match in _STEP.finditer(path):
        if match.start() != at:
            break
        found.append(match.group(1) or match.group(2))
        at = match.end()
    if at != len(path) or not found:
        raise ValueError(f"not an API path: {path!r}")
    return tuple(found)


def put(body: dict[str, Any], path: str, value: Any) -> None:
    """Set ``value`` at ``path`` in ``body``, making the dicts on the way."""
    *outer, last = steps(path)
    for key in outer:
        body = body.setdefault(key, {})
    body[last] = value


def get(live: Mapping[str, Any], path: str, default: Any = None) -> Any:
    """The value at ``path`` in ``live``; ``default`` where it (or a dict on the way) is missing or null."""
    value: Any = live
    for key in steps(path):
        value = value.get(key) if isinstance(value, Mapping) else None
        if value is None:
            return default
    return value


def body_of(args: BaseModel, names: Iterable[str]) -> dict[str, Any]:
    """The body that sends the inputs ``names`` of ``args`` that carry an ``ApiPath`` (their JSON
    values, unset ones left out), in declaration order; inputs without one are the caller's to add."""
    wanted = set(names)
    body: dict[str, Any] = {}
    for name, spec in schema_of(type(args)).items():
        if name in wanted and spec.api_path is not None:
            value = args.model_dump(mode="json", include={name}, exclude_none=True).get(name)
            if value is not None:
                put(body, spec.api_path, value)
    return body


def mapped_inputs(model: type[BaseModel]) -> frozenset[str]:
    """The inputs of ``model`` that carry an ``ApiPath``."""
    return frozenset(name for name, spec in schema_of(model).items() if spec.api_path is not None)


def live_values(model: type[BaseModel], live: Mapping[str, Any]) -> dict[str, Any]:
    """The inputs of ``model`` that carry an ``ApiPath``, read from a live object; a missing value
    reads as the input's default (what the platform applied when it was left unset)."""
    values = {}
    for name, spec in schema_of(model).items():
        if spec.api_path is not None:
            default = None if spec.info.is_required() else spec.info.get_default(call_default_factory=True)
            values[name] = get(live, spec.api_path, default)
    return values


__all__ = ["body_of", "get", "live_values", "mapped_inputs", "put", "steps"]
