"""``config set --path``: a value inside a structured config value, as Pulumi's ``--path`` sets it.

``devices.cam-dock.description`` is the key ``devices`` and the path ``cam-dock.description``
inside it; ``names[0]`` an element of a list; ``["a.b"]`` a key holding a dot. Missing mappings and
lists on the way are created (a list grows only by appending at its end, as Pulumi's does).
"""

from __future__ import annotations

import copy
from typing import Any

from aicompute.engine.backend.config_types import ConfigScalar
from aicompute.engine.backend.project import ConfigValue, ObjectValue, PlainValue, SecureValue
from aicompute.engine.resource.property_paths import has_part, parse_path


class ConfigPathError(ValueError):
    """A ``--path`` that does not fit the value already there."""


def split_path(path: str) -> tuple[str, list[str | int]]:
    """``a.b[0]`` → ``("a", ["b", 0])``: the config key, then the path inside its value."""
    parts = parse_path(path)
    if not parts or not isinstance(parts[0], str):
        raise ConfigPathError(f"'{path}' does not start with a configuration key")
    if any(part == "*" for part in parts):
        raise ConfigPathError(f"'{path}': a wildcard cannot be set")
    return parts[0], parts[1:]


def with_value_at(current: ConfigValue | None, path: list[str | int], leaf: ConfigValue | ConfigScalar) -> ConfigValue:
    """``current`` with ``leaf`` (a plain, secure or typed value) set at ``path``; an empty path
    replaces it (with a plain or secure value)."""
    if not path:
        if not isinstance(leaf, PlainValue | SecureValue | ObjectValue):
            raise ConfigPathError("a typed value needs a path below the key")
        return leaf
    if current is not None and not isinstance(current, ObjectValue):
        raise ConfigPathError("the key holds a plain value, not an object or list: set it without --path first")
    root = copy.deepcopy(current.value) if current is not None else _container(path[0])
    _set(root, path, _yaml_leaf(leaf))
    return ObjectValue(root)


def value_at(current: ConfigValue, path: list[str | int]) -> Any:
    """The part of a structured value at ``path`` (its YAML form: secure leaves as ``{secure: …}``)."""
    node: Any = current.value if isinstance(current, ObjectValue) else None
    for part in path:
        if not has_part(node, part):
            raise ConfigPathError(f"nothing at {_describe(path)}")
        node = node[part]
    return node


def without_value_at(current: ConfigValue, path: list[str | int]) -> ConfigValue:
    """``current`` with the entry at ``path`` removed (a list element: the rest move up)."""
    if not isinstance(current, ObjectValue):
        raise ConfigPathError("the key holds a plain value, not an object or list")
    root = copy.deepcopy(current.value)
    parent = value_at(ObjectValue(root), path[:-1])
    if not has_part(parent, path[-1]):
        raise ConfigPathError(f"nothing at {_describe(path)}")
    del parent[path[-1]]
    return ObjectValue(root)


def _container(part: str | int) -> dict[str, Any] | list[Any]:
    return [] if isinstance(part, int) else {}


def _set(node: Any, path: list[str | int], leaf: Any) -> None:
    *way, last = path
    for index, part in enumerate(way):
        node = _child(node, part, path[: index + 1], _container(path[index + 1]))
    _child(node, last, path, leaf, replace=True)


def _child(node: Any, part: str | int, where: list[str | int], fresh: Any, replace: bool = False) -> Any:
    """``node[part]``, set to ``fresh`` when missing (or always, with ``replace``)."""
    if isinstance(node, dict) and isinstance(part, str):
        if replace or part not in node:
            node[part] = fresh
        return node[part]
    if isinstance(node, list) and isinstance(part, int) and 0 <= part <= len(node):
        if part == len(node):
            node.append(fresh)
        elif replace:
            node[part] = fresh
        return node[part]
    raise ConfigPathError(f"cannot set {_describe(where)}: {_kind(node)} at {_describe(where[:-1])}")


def _yaml_leaf(value: ConfigValue | ConfigScalar) -> Any:
    if isinstance(value, SecureValue):
        return {"secure": value.ciphertext}
    if isinstance(value, PlainValue):
        return value.text
    if isinstance(value, ObjectValue):
        return value.value
    return value


def _kind(node: Any) -> str:
    if isinstance(node, list):
        return f"a list of {len(node)} (an index may be at most {len(node)})"
    return "an object" if isinstance(node, dict) else "a plain value"


def _describe(path: list[str | int]) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".") or "the top"
