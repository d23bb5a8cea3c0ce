"""A drift report as JSON (``schemas/drift.schema.json``), Markdown, and console text.

The console text is grouped like driftctl's: "Found deleted resources", "Found changed resources"
(``~ path: "a" => "b"``), "Found resources not covered by IaC", then a summary with the coverage.
Secret properties were masked when the report was made (``drift.compare``): every output shows
``[secret]`` for both of their values.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from itertools import groupby
from typing import Any

from aicompute.engine.drift.compare import DriftReport, PropertyDrift, ResourceDrift, Unmanaged
from aicompute.engine.resource.checkpoint_values import MASK

SCHEMA_VERSION = 1
MAX_CELL = 200
MAX_LISTED_ERRORS = 20


def summary(report: DriftReport) -> dict[str, Any]:
    changed, deleted = report.of_kind("changed"), report.of_kind("deleted")
    counts: dict[str, Any] = {
        "total_managed": report.managed,
        "total_in_sync": report.checked - len(report.drifts),
        "total_changed": len(changed),
        "total_deleted": len(deleted),
        "total_unmanaged": len(report.unmanaged),
        "total_skipped": len(report.skipped),
        "total_errors": len(report.errors),
        "drifted": report.has_drift,
    }
    coverage = coverage_percent(report)
    if coverage is not None:
        counts["coverage"] = coverage
    return counts


def coverage_percent(report: DriftReport) -> int | None:
    """driftctl's coverage: managed objects among all the listed ones (only with ``--unmanaged``)."""
    if not report.unmanaged_checked:
        return None
    total = report.managed + len(report.unmanaged)
    return 100 if total == 0 else int(100 * report.managed / total)


def to_json(report: DriftReport) -> dict[str, Any]:
    """The ``--json`` document (``schemas/drift.schema.json``)."""
    return {
        "version": SCHEMA_VERSION,
        "project": report.project,
        "stack": report.stack,
        "exit_code": report.exit_code,
        "summary": summary(report),
        "resources": [_resource_json(d) for d in report.drifts],
        "unmanaged": [_unmanaged_json(u) for u in report.unmanaged],
        "unmanaged_checked": report.unmanaged_checked,
        "unlisted_types": list(report.unlisted_types),
        "skipped": [{"urn": s.urn, "type": s.type, "reason": s.reason} for s in report.skipped],
        "errors": [
            {"type": e.type, "message": e.message, **({"urn": e.urn, "id": e.id} if e.urn else {})}
            for e in report.errors
        ],
        "types": [{"type": t.type, "managed": t.managed, "method": t.method} for t in report.types],
        "duration_ms": int(report.duration * 1000),
    }


def _resource_json(drift: ResourceDrift) -> dict[str, Any]:
    return {
        "urn": drift.urn,
        "type": drift.type,
        "name": drift.name,
        "id": drift.id,
        "kind": drift.kind,
        "properties": [
            {"path": p.path, "state": p.state, "live": p.live, **({"secret": True} if p.secret else {})}
            for p in drift.properties
        ],
    }


def _unmanaged_json(item: Unmanaged) -> dict[str, Any]:
    return {"type": item.type, "id": item.id, **({"name": item.name} if item.name else {})}


# values ------------------------------------------------------------------------------------------
def value_text(value: Any, secret: bool = False) -> str:
    """A value as the console and Markdown show it: JSON, or ``[secret]``."""
    if secret:
        return MASK
    return "(absent)" if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)


def _short(text: str) -> str:
    return text if len(text) <= MAX_CELL else text[: MAX_CELL - 1] + "…"


# console -----------------------------------------------------------------------------------------
def console_lines(report: DriftReport) -> Iterator[str]:
    """The report as driftctl prints one, grouped by type."""
    deleted, changed = report.of_kind("deleted"), report.of_kind("changed")
    if deleted:
        yield "Found deleted resources:"
        for type_, items in _by_type(deleted):
            yield f"  {type_}:"
            yield from (f"    - {d.id} ({d.name})" for d in items)
    if changed:
        yield "Found changed resources:"
        for type_, items in _by_type(changed):
            yield f"  From {type_}"
            for drift in items:
                yield f"    - {drift.id} ({drift.name}):"
                yield from (f"        ~ {_change(p)}" for p in drift.properties)
    if report.unmanaged:
        yield "Found resources not covered by IaC:"
        for type_, group in groupby(report.unmanaged, key=lambda u: u.type):
            yield f"  {type_}:"
            yield from (f"    - {u.id}" + (f" ({u.name})" if u.name else "") for u in group)
    others = [t.type for t in report.types if t.method == "provider-read"]
    if others:
        yield "Read with their own (non-aicompute) provider's read and diff: " + ", ".join(others)
    plugin_types = [t.type for t in report.types if t.method == "plugin-read"]
    if plugin_types:
        yield "Read with their provider plugin's Read, as refresh reads them: " + ", ".join(plugin_types)
    if report.skipped:
        yield "Skipped (not read):"
        yield from (f"  - {s.urn}: {s.reason}" for s in report.skipped)
    if report.errors:
        yield "Errors:"
        yield from (f"  - {e.message}" for e in report.errors[:MAX_LISTED_ERRORS])
        if len(report.errors) > MAX_LISTED_ERRORS:
            yield f"  … and {len(report.errors) - MAX_LISTED_ERRORS} more (--json lists them all)"
    yield from _summary_lines(report)


def _change(prop: PropertyDrift) -> str:
    if prop.secret:
        return f"{prop.path}: {MASK} => {MASK} (secret value changed)"
    return f"{prop.path}: {value_text(prop.state)} => {value_text(prop.live)}"


def _by_type(drifts: Iterable[ResourceDrift]) -> Iterator[tuple[str, list[ResourceDrift]]]:
    for type_, group in groupby(sorted(drifts, key=lambda d: (d.type, d.urn)), key=lambda d: d.type):
        yield type_, list(group)


def _summary_lines(report: DriftReport) -> Iterator[str]:
    counts = summary(report)
    total = report.managed + len(report.unmanaged)
    yield f"Found {total} resource(s) (stack {report.project}/{report.stack})"
    if "coverage" in counts:
        yield f" - {counts['coverage']}% coverage"
    yield f" - {report.managed} resource(s) managed by aicompute"
    yield f"     - {counts['total_changed']}/{report.managed} resource(s) out of sync with the state"
    if report.unmanaged_checked:
        yield f" - {len(report.unmanaged)} resource(s) not managed by any stack"
        if report.unlisted_types:
            yield f"     (not listable, so not checked for unmanaged objects: {', '.join(report.unlisted_types)})"
    yield f" - {counts['total_deleted']} resource(s) found in the state but missing on their platform"
    if report.errors:
        yield f"Drift check failed: {len(report.errors)} error(s)."
    elif report.has_drift:
        yield "Drift detected."
    else:
        yield "Congrats! The stack is in sync with its platforms."


# Markdown ----------------------------------------------------------------------------------------
def markdown(report: DriftReport) -> str:
    """A report to post in an issue or a chat: heading, summary table, a section per kind."""
    counts = summary(report)
    verdict = (
        ":x: drift check failed"
        if report.errors
        else (":warning: drift detected" if report.has_drift else ":white_check_mark: in sync")
    )
    lines = [f"## Drift report: `{report.project}/{report.stack}`", "", f"**{verdict}**", ""]
    lines += ["| | Count |", "|---|---:|"]
    rows = [
        ("Managed", "total_managed"),
        ("Changed", "total_changed"),
        ("Deleted out of band", "total_deleted"),
        ("Not managed by any stack", "total_unmanaged"),
        ("Skipped", "total_skipped"),
        ("Errors", "total_errors"),
    ]
    lines += [f"| {label} | {counts[key]} |" for label, key in rows]
    if "coverage" in counts:
        lines.append(f"| Coverage | {counts['coverage']}% |")
    lines += _markdown_deleted(report.of_kind("deleted"))
    lines += _markdown_changed(report.of_kind("changed"))
    lines += _markdown_unmanaged(report)
    lines += _markdown_problems(report)
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    """Text safe inside a table cell: code-quoted, pipes escaped, on one line."""
    text = _short(text.replace("\n", " ")).replace("|", "\\|")
    return f"`{text}`" if "`" not in text else f"<code>{text.replace('`', '&#96;')}</code>"


def _markdown_deleted(deleted: list[ResourceDrift]) -> list[str]:
    if not deleted:
        return []
    lines = ["", "### Deleted out of band", "", "| Resource | Type | ID |", "|---|---|---|"]
    return lines + [f"| {_cell(d.name)} | {_cell(d.type)} | {_cell(d.id)} |" for d in deleted]


def _markdown_changed(changed: list[ResourceDrift]) -> list[str]:
    if not changed:
        return []
    lines = ["", "### Changed"]
    for drift in changed:
        lines += ["", f"#### {_cell(drift.name)} ({_cell(drift.type)}, id {_cell(drift.id)})", ""]
        lines += ["| Property | State | Live |", "|---|---|---|"]
        lines += [
            f"| {_cell(p.path)} | {_cell(value_text(p.state, p.secret))} | {_cell(value_text(p.live, p.secret))} |"
            for p in drift.properties
        ]
    return lines


def _markdown_unmanaged(report: DriftReport) -> list[str]:
    if not report.unmanaged_checked:
        return []
    lines = ["", "### Not managed by any stack", ""]
    if report.unmanaged:
        lines += ["| Type | ID | Name |", "|---|---|---|"]
        lines += [f"| {_cell(u.type)} | {_cell(u.id)} | {_cell(u.name) if u.name else ''} |" for u in report.unmanaged]
    else:
        lines.append("None.")
    if report.unlisted_types:
        lines += [
            "",
            "Not checked (these types cannot be listed): " + ", ".join(_cell(t) for t in report.unlisted_types),
        ]
    return lines


def _markdown_problems(report: DriftReport) -> list[str]:
    lines: list[str] = []
    if report.errors:
        lines += ["", "### Errors", ""] + [f"- {_cell(e.message)}" for e in report.errors]
    if report.skipped:
        lines += ["", "<details><summary>Skipped resources</summary>", ""]
        lines += [f"- {_cell(s.urn)}: {s.reason}" for s in report.skipped]
        lines += ["", "</details>"]
    return lines
