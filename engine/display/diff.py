"""Values and property-level diffs as the CLI prints them (Pulumi: ``pkg/backend/display/diff.go``):
unknowns as ``[unknown]``, secrets as ``[secret]`` unless ``--show-secrets``."""

from __future__ import annotations

import json
from typing import Any

from aicompute.engine.deploy.events import StepEvent
from aicompute.engine.resource.checkpoint_values import MASK, UNKNOWN, unwrap_secrets
from aicompute.engine.resource.property_paths import lookup
from aicompute.engine.resource.urn import parse_urn
from aicompute.engine.resource.wire_values import mask


def displayed(props: dict[str, Any], show_secrets: bool) -> dict[str, Any]:
    """Property values to print: secrets masked, or their values with ``--show-secrets``."""
    shown: dict[str, Any] = unwrap_secrets(props) if show_secrets else mask(props)
    return shown


def resource_name(urn: str) -> str:
    try:
        return parse_urn(urn).name
    except ValueError:
        return urn


def _shown(value: Any) -> Any:
    if value == UNKNOWN:
        return _UNKNOWN_SHOWN
    if isinstance(value, dict):
        return {k: _shown(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_shown(v) for v in value]
    return value


_UNKNOWN_SHOWN = "\x00[unknown]\x00"


def format_value(value: Any) -> str:
    """A value as JSON, with unknowns shown as ``[unknown]`` and secrets as ``[secret]`` (no quotes)."""
    text = json.dumps(_shown(value), ensure_ascii=False, sort_keys=True)
    return text.replace(json.dumps(_UNKNOWN_SHOWN), "[unknown]").replace(json.dumps(MASK), MASK)


def diff_lines(event: StepEvent, indent: str = "      ") -> list[str]:
    """The property-level lines ``--diff`` prints under a step."""
    lines: list[str] = []
    if event.op == "create" and not event.detailed_diff and event.new_props:
        paths = {key: "add" for key in event.new_props if key != "__provider"}
    else:
        paths = dict(event.detailed_diff)
    width = max((len(p) for p in paths), default=0)
    for path in sorted(paths):
        kind = paths[path]
        label = path.ljust(width)
        replace_note = " (forces replacement)" if kind.endswith("-replace") else ""
        old, new = lookup(event.old_props, path), lookup(event.new_props, path)
        if kind.startswith("add"):
            lines.append(f"{indent}+ {label}: {format_value(new)}{replace_note}")
        elif kind.startswith("delete"):
            lines.append(f"{indent}- {label}: {format_value(old)}{replace_note}")
        else:
            lines.append(f"{indent}~ {label}: {format_value(old)} => {format_value(new)}{replace_note}")
    return lines
