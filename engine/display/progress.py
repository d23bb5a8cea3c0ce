"""How an operation is shown: plain lines or a live view, and the summary (Pulumi:
``pkg/backend/display/progress.go``); values and diffs come from ``diff``, the digest from ``json_digest``.

On a terminal a live view keeps one line per resource (operation, status, elapsed time). Without
one every event is one line (``+  <type> <name> creating`` … ``created (1.2s)``),
as the Pulumi CLI prints in non-interactive mode; ``--diff`` adds the changed properties under
each step; ``--json`` prints only a digest shaped like ``pulumi preview --json``'s. A secret is
shown as ``[secret]`` (events come from the engine already masked), unless ``--show-secrets``:
then events carry the values, and the summary and the digest show them too (``show_secrets``).
"""

from __future__ import annotations

import sys
import threading
import time
from dataclasses import replace
from typing import IO

from rich.console import Console
from rich.live import Live
from rich.table import Table
from rich.text import Text

from aicompute.engine.deploy.events import DiagnosticEvent, Event, StepEvent
from aicompute.engine.deploy.operations import OperationResult
from aicompute.engine.display.diff import diff_lines, displayed, format_value, resource_name
from aicompute.engine.resource.urn import ROOT_STACK_TYPE
from aicompute.engine.util.pipes import discard_stdout

SYMBOLS = {
    "create": "+ ",
    "update": "~ ",
    "replace": "+-",
    "delete": "- ",
    "delete-replaced": "--",
    "read": "> ",
    "refresh": "~ ",
    "discard": "< ",
    "discard-replaced": "<<",
    "import": "= ",
    "same": "  ",
}
ACTIVE = {
    "create": "creating",
    "update": "updating",
    "replace": "replacing",
    "delete": "deleting",
    "delete-replaced": "deleting original",
    "read": "reading",
    "discard": "discarding",
    "discard-replaced": "discarding original",
    "import": "importing",
    "refresh": "refreshing",
}
DONE = {
    "create": "created",
    "update": "updated",
    "replace": "replaced",
    "delete": "deleted",
    "delete-replaced": "deleted original",
    "read": "read",
    "discard": "discarded",
    "discard-replaced": "discarded original",
    "import": "imported",
    "refresh": "refresh",
    "same": "unchanged",
}
PLANNED = {
    "create": "create",
    "update": "update",
    "replace": "replace",
    "delete": "delete",
    "delete-replaced": "delete original",
    "read": "read",
    "discard": "discard",
    "discard-replaced": "discard original",
    "import": "import",
    "refresh": "refresh",
    "same": "same",
}
SUMMARY_ORDER = ("create", "update", "replace", "delete", "read", "discard", "import")
SUMMARY_PLANNED = {
    "create": "to create",
    "update": "to update",
    "replace": "to replace",
    "delete": "to delete",
    "read": "to read",
    "discard": "to discard",
    "import": "to import",
}
SUMMARY_DONE = {
    "create": "created",
    "update": "updated",
    "replace": "replaced",
    "delete": "deleted",
    "read": "read",
    "discard": "discarded",
    "import": "imported",
}
REFRESH_DONE = {"update": "updated", "delete": "deleted", "same": "unchanged"}


def as_shown(event: StepEvent, refresh: bool) -> StepEvent:
    """A refresh step as shown: by what it found in ``refresh`` (``updated``, ``unchanged``, …); in an
    update's refresh as ``refresh``, as Pulumi shows it, so that nothing reads as updated before the update."""
    if event.op == "refresh" and refresh and event.result:
        return replace(event, op=event.result)
    return event


class PlainRenderer:
    """One line per step event and diagnostic, as the Pulumi CLI prints without a terminal."""

    def __init__(
        self, out: IO[str] | None = None, *, show_diff: bool = False, refresh: bool = False, debug: bool = False
    ) -> None:
        self.out = out or sys.stdout
        self.debug = debug
        self.show_diff = show_diff
        self.refresh = refresh

    def __call__(self, event: Event) -> None:
        if isinstance(event, DiagnosticEvent):
            self._diagnostic(event)
        else:
            self._step(event)

    def _write(self, line: str) -> None:
        try:
            self.out.write(line + "\n")
            self.out.flush()
        except BrokenPipeError:
            if self.out is not sys.stdout:
                raise
            discard_stdout()  # read by `| head`: the run goes on unseen

    def _diagnostic(self, event: DiagnosticEvent) -> None:
        if event.severity == "debug" and not self.debug:
            return
        where = f"{resource_name(event.urn)}: " if event.urn else ""
        for index, line in enumerate(event.message.splitlines() or [""]):
            prefix = f"    {event.severity}: {where}" if index == 0 else "      "
            self._write(prefix + line)

    def _step(self, event: StepEvent) -> None:
        event = as_shown(event, self.refresh)
        if event.op == "same" and not (self.refresh and event.done):
            return
        if event.type == ROOT_STACK_TYPE and event.op == "same":
            return
        symbol = SYMBOLS.get(event.op, "  ")
        head = f" {symbol} {event.type} {resource_name(event.urn)}"
        if self.refresh:
            if not event.done:
                return
            status = "refresh failed" if event.failed else REFRESH_DONE.get(event.op, event.op)
            self._write(f"{head} {status} ({event.elapsed:.1f}s)")
        elif event.preview:
            if not event.done:
                return
            self._write(f"{head} {PLANNED.get(event.op, event.op)}")
        elif not event.done:
            self._write(f"{head} {ACTIVE.get(event.op, event.op)}")
            return
        elif event.failed:
            self._write(f"{head} {ACTIVE.get(event.op, event.op)} failed ({event.elapsed:.1f}s)")
            return
        else:
            self._write(f"{head} {DONE.get(event.op, event.op)} ({event.elapsed:.1f}s)")
        if self.show_diff or event.replace_reasons:
            for line in diff_lines(event) if self.show_diff else []:
                self._write(line)
            if event.replace_reasons and not self.show_diff:
                self._write(f"      replaced because {', '.join(event.replace_reasons)} changed")


def summary_lines(result: OperationResult, *, show_secrets: bool = False) -> list[str]:
    """Outputs, the change counts and the duration, as the Pulumi CLI ends an operation."""
    lines: list[str] = []
    if result.kind == "update" and (result.outputs or result.old_outputs):
        lines += ["", "Outputs:"]
        outputs = displayed(result.outputs, show_secrets)
        old = displayed(result.old_outputs, show_secrets)
        width = max(len(k) for k in {**outputs, **old})
        for key in sorted(set(outputs) | set(old)):
            if key not in outputs:
                lines.append(f"  - {key.ljust(width)}: {format_value(old[key])}")
            elif key not in old:
                marker = "+ " if old or result.dry_run else "  "
                lines.append(f"  {marker}{key.ljust(width)}: {format_value(outputs[key])}")
            elif old[key] != outputs[key]:
                lines.append(f"  ~ {key.ljust(width)}: {format_value(old[key])} => {format_value(outputs[key])}")
            else:
                lines.append(f"    {key.ljust(width)}: {format_value(outputs[key])}")
    lines += ["", "Resources:"]
    words = REFRESH_DONE if result.kind == "refresh" else (SUMMARY_PLANNED if result.dry_run else SUMMARY_DONE)
    counts = result.summary
    changed = False
    for op in SUMMARY_ORDER:
        if counts.get(op) and op in words:
            changed = True
            lines.append(f"    {SYMBOLS[op].strip() or ' '} {counts[op]} {words[op]}")
    if counts.get("same"):
        lines.append(f"    {counts['same']} unchanged")
    elif not changed:
        lines.append("    no changes")
    lines += ["", f"Duration: {result.duration:.1f}s"]
    return lines


class _Row:
    def __init__(self, event: StepEvent) -> None:
        self.op = event.op
        self.urn = event.urn
        self.type = event.type
        self.name = resource_name(event.urn)
        self.started = time.monotonic()
        self.event = event

    def status(self, refresh: bool) -> str:
        event = self.event
        if refresh:
            return "refresh failed" if event.failed else REFRESH_DONE.get(event.op, event.op)
        if event.preview:
            return PLANNED.get(event.op, event.op)
        if not event.done:
            return f"{ACTIVE.get(event.op, event.op)} ({time.monotonic() - self.started:.0f}s)"
        verb = f"{ACTIVE.get(event.op, event.op)} failed" if event.failed else DONE.get(event.op, event.op)
        return f"{verb} ({event.elapsed:.1f}s)"


class LiveRenderer:
    """On a terminal: one line per resource with its operation, status and elapsed time, kept up to
    date while steps run; diagnostics (and ``--diff`` lines) are printed above it as they come."""

    def __init__(
        self, console: Console, *, show_diff: bool = False, refresh: bool = False, debug: bool = False
    ) -> None:
        self.debug = debug
        self.console = console
        self.show_diff = show_diff
        self.refresh = refresh
        self._rows: dict[str, _Row] = {}
        self._lock = threading.Lock()
        self._live = Live(console=console, get_renderable=self._render, refresh_per_second=8, transient=False)

    def __enter__(self) -> LiveRenderer:
        self._live.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._live.refresh()
        self._live.stop()

    def __call__(self, event: Event) -> None:
        if isinstance(event, DiagnosticEvent):
            if event.severity != "debug" or self.debug:
                where = f"{resource_name(event.urn)}: " if event.urn else ""
                style = {"error": "red", "warning": "yellow"}.get(event.severity, "")
                self._live.console.print(Text(f"{event.severity}: {where}{event.message}", style=style))
            return
        event = as_shown(event, self.refresh)
        if event.op == "same" and not self.refresh:
            return
        with self._lock:
            row = self._rows.get(event.urn)
            if row is None or row.op != event.op:
                row = self._rows[event.urn] = _Row(event)
            row.event = event
        if event.done and self.show_diff and not event.failed:
            lines = diff_lines(event, indent="    ")
            if lines:
                self._live.console.print(Text(f"{SYMBOLS.get(event.op, '  ')} {event.type} {row.name}", style="bold"))
                for line in lines:
                    self._live.console.print(Text(line))

    def _render(self) -> Table:
        """Pulumi's layout: the type column drawn as the parent/child tree; on a narrow terminal the
        type, then the name, are cut short with an ellipsis — never the operation and status."""
        with self._lock:
            rows = tree_order(list(self._rows.values()))
        statuses = [row.status(self.refresh) for _, row in rows]
        types = [prefix + row.type for prefix, row in rows]
        names = [row.name for _, row in rows]
        status_width = max(map(len, statuses), default=1)
        type_width, name_width = _shared(
            self.console.width - 2 - status_width - 3, max(map(len, types), default=1), max(map(len, names), default=1)
        )
        table = Table.grid(padding=(0, 1))
        table.add_column(no_wrap=True, width=2)
        table.add_column(no_wrap=True, overflow="ellipsis", width=type_width)
        table.add_column(no_wrap=True, overflow="ellipsis", width=name_width)
        table.add_column(no_wrap=True, width=status_width)
        for (prefix, row), status in zip(rows, statuses, strict=True):
            colour = {"create": "green", "update": "yellow", "replace": "magenta", "delete": "red"}.get(row.op, "")
            if row.event.failed:
                colour = "red"
            table.add_row(
                Text(SYMBOLS.get(row.op, "  "), style=colour),
                Text(prefix + row.type),
                Text(row.name),
                Text(status, style=colour),
            )
        return table


def _shared(room: int, type_width: int, name_width: int) -> tuple[int, int]:
    """The type and name columns' widths in ``room``: as wide as they need when that fits, else
    the name keeps up to a third and the type the rest (both at least a few characters)."""
    if type_width + name_width <= room:
        return type_width, name_width
    name = max(4, min(name_width, room // 3))
    return max(4, room - name), name


def tree_order(rows: list[_Row]) -> list[tuple[str, _Row]]:
    """Rows as Pulumi's tree: each resource under its parent (in the order they came), with the
    ``├─ `` / ``└─ `` prefix that draws it; a row whose parent is not shown is a root."""
    shown = {row.urn for row in rows}
    children: dict[str, list[_Row]] = {}
    for row in rows:
        parent = row.event.parent if row.event.parent in shown else ""
        children.setdefault(parent, []).append(row)
    ordered: list[tuple[str, _Row]] = []

    def walk(parent: str, indent: str) -> None:
        siblings = children.get(parent, [])
        for index, row in enumerate(siblings):
            last = index == len(siblings) - 1
            ordered.append((indent + ("└─ " if last else "├─ ") if parent else "", row))
            walk(row.urn, (indent + ("   " if last else "│  ")) if parent else "")

    walk("", "")
    return ordered
