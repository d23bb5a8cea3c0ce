"""Pulumi's property paths (``a.b[0]["x.y"]``): parsing, joining, matching patterns, reading and
setting the value at a path, secrets looked through (Pulumi: ``sdk/go/common/resource/property_path.go``)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from aicompute.engine.resource.checkpoint_values import is_secret
from aicompute.engine.resource.wire_values import PropertyMap

_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def join_path(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    if _PLAIN_KEY.match(key):
        return f"{path}.{key}" if path else key
    return f'{path}["{key}"]'


def parse_path(path: str) -> list[str | int]:
    """``a.b[0]["x.y"]`` → ``["a", "b", 0, "x.y"]`` (Pulumi's property path syntax)."""
    parts: list[str | int] = []
    for match in re.finditer(r'\["([^"]*)"\]|\[(\d+|\*)\]|([^.\[\]]+)', path):
        quoted, index, plain = match.groups()
        if quoted is not None:
            parts.append(quoted)
        elif index is not None:
            parts.append(int(index) if index.isdigit() else "*")
        else:
            parts.append(plain)
    return parts


def path_matches(pattern: str, path: str) -> bool:
    """Does a ``replace_on_changes``/``ignore_changes`` pattern cover ``path`` (``*`` a wildcard)?"""
    want, have = parse_path(pattern), parse_path(path)
    if want == ["*"]:
        return True
    if len(have) < len(want):
        # a change to a whole object covers a pattern inside it
        have = have + ["*"] * (len(want) - len(have))
    return all(w == "*" or h == "*" or w == h for w, h in zip(want, have, strict=False))


def unwrap_secret(value: Any) -> Any:
    return unwrap_secret(value.get("value")) if is_secret(value) else value


def apply_ignore_changes(news: PropertyMap, olds: PropertyMap | None, ignore_changes: Iterable[str]) -> PropertyMap:
    """New inputs with every ignored path set back to its old value (or dropped if it had none)."""
    result: PropertyMap = _copy(news)
    for pattern in ignore_changes:
        parts = parse_path(pattern)
        if not parts:
            continue
        _set_path(result, parts, _get_path(olds or {}, parts))
    return result


_MISSING = object()


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


def has_part(container: Any, part: str | int) -> bool:
    if isinstance(container, dict):
        return isinstance(part, str) and part in container
    if isinstance(container, list):
        return isinstance(part, int) and 0 <= part < len(container)
    return False


def _get_path(value: Any, parts: list[str | int]) -> Any:
    for part in parts:
        value = unwrap_secret(value)
        if not has_part(value, part):
            return _MISSING
        value = value[part]
    return value


def lookup(props: Mapping[str, Any] | None, path: str) -> Any:
    """The value at a property path (secrets looked through), or None when there is none."""
    value = _get_path(props or {}, parse_path(path))
    return None if value is _MISSING else value


def _set_path(target: Any, parts: list[str | int], value: Any) -> None:
    for part in parts[:-1]:
        target = unwrap_secret(target)
        if not has_part(target, part):
            return
        target = target[part]
    target = unwrap_secret(target)
    last = parts[-1]
    if isinstance(target, dict) and isinstance(last, str):
        if value is _MISSING:
            target.pop(last, None)
        else:
            target[last] = _copy(value)
    elif isinstance(target, list) and isinstance(last, int) and 0 <= last < len(target) and value is not _MISSING:
        target[last] = _copy(value)
