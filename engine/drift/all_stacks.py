"""``aicompute drift --all-stacks``: the drift of every stack of the project in the backend, scanned
in parallel, as one report.

Each stack is scanned as ``drift --stack NAME`` scans it (``scan.scan``), on its own thread; a stack
that cannot be opened (no passphrase for it, a config file missing) is an error of that stack and
the others go on. The exit code is the worst of the stacks': 1 if any failed, else 2 if any drifted,
else 0. The JSON document holds each stack's ``drift.schema.json`` report under ``stacks``; the
Markdown is a table of the stacks, then each stack's report.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from aicompute.engine.deploy.operations import StackTarget
from aicompute.engine.drift.compare import DriftReport
from aicompute.engine.drift.formats import SCHEMA_VERSION, console_lines, markdown, summary, to_json
from aicompute.engine.drift.scan import DriftOptions, scan

STACKS_AT_ONCE = 4
"""Stacks scanned at once (each with its own ``DriftOptions.parallel`` platform calls)."""


@dataclass(frozen=True)
class StackDrift:
    """One stack's outcome: its report, or why it could not be scanned."""

    stack: str
    report: DriftReport | None = None
    error: str | None = None

    @property
    def exit_code(self) -> int:
        return self.report.exit_code if self.report is not None else 1


@dataclass
class AllStacksReport:
    project: str
    backend: str
    stacks: list[StackDrift] = field(default_factory=list)
    duration: float = 0.0

    @property
    def exit_code(self) -> int:
        codes = {s.exit_code for s in self.stacks}
        return 1 if 1 in codes else (2 if 2 in codes else 0)


Opener = Callable[[str], StackTarget]
"""Opens a stack by name (its settings, secrets manager): raises what a user must fix."""


def scan_all(
    project: str, backend: str, names: list[str], open_target: Opener, options: DriftOptions
) -> AllStacksReport:
    """Scan the stacks ``names``: opened one after another (a passphrase prompt cannot interleave),
    scanned in parallel."""
    started = time.monotonic()
    report = AllStacksReport(project, backend)
    targets: dict[str, StackTarget] = {}
    failed: dict[str, str] = {}
    for name in names:
        try:
            targets[name] = open_target(name)
        except Exception as error:  # each stack's setup error is its own; the others go on
            failed[name] = str(error)
    with ThreadPoolExecutor(max_workers=STACKS_AT_ONCE, thread_name_prefix="drift-stack") as pool:
        futures = {name: pool.submit(scan, target, options) for name, target in targets.items()}
        for name in names:
            if name in failed:
                report.stacks.append(StackDrift(name, error=failed[name]))
                continue
            try:
                report.stacks.append(StackDrift(name, report=futures[name].result()))
            except Exception as error:  # a scan that broke down is that stack's error
                report.stacks.append(StackDrift(name, error=str(error) or type(error).__name__))
    report.duration = time.monotonic() - started
    return report


def all_to_json(report: AllStacksReport) -> dict[str, Any]:
    """One document: a verdict over all the stacks and each stack's own report."""
    return {
        "version": SCHEMA_VERSION,
        "project": report.project,
        "backend": report.backend,
        "exit_code": report.exit_code,
        "stacks": [
            to_json(s.report) if s.report is not None else {"stack": s.stack, "exit_code": 1, "error": s.error}
            for s in report.stacks
        ],
        "duration_ms": int(report.duration * 1000),
    }


def _verdict(stack: StackDrift) -> str:
    if stack.report is None or stack.report.errors:
        return ":x: failed"
    return ":warning: drift" if stack.report.has_drift else ":white_check_mark: in sync"


def all_markdown(report: AllStacksReport) -> str:
    lines = [f"# Drift report: every stack of `{report.project}`", ""]
    lines += [
        "| Stack | Verdict | Managed | Changed | Deleted | Unmanaged | Errors |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for stack in report.stacks:
        counts = summary(stack.report) if stack.report is not None else {}
        cells = [counts.get(key, "") for key in ("total_managed", "total_changed", "total_deleted", "total_unmanaged")]
        errors = counts.get("total_errors", 1)
        lines.append(f"| `{stack.stack}` | {_verdict(stack)} | " + " | ".join(map(str, [*cells, errors])) + " |")
    for stack in report.stacks:
        lines.append("")
        if stack.report is not None:
            lines.append(markdown(stack.report).rstrip("\n"))
        else:
            lines += [f"## Drift report: `{report.project}/{stack.stack}`", "", f"**:x: not scanned**: {stack.error}"]
    return "\n".join(lines) + "\n"


def all_console_lines(report: AllStacksReport) -> Iterator[str]:
    for stack in report.stacks:
        yield f"=== stack {stack.stack} ==="
        if stack.report is not None:
            yield from console_lines(stack.report)
        else:
            yield f"error: {stack.error}"
    drifted = [s.stack for s in report.stacks if s.exit_code == 2]
    failed = [s.stack for s in report.stacks if s.exit_code == 1]
    yield f"{len(report.stacks)} stack(s): {len(drifted)} drifted, {len(failed)} failed."
