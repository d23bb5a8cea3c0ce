"""What a deployment reports as it runs: the engine's event stream.

The engine emits events; the CLI renders them (plain lines, a live view, or Pulumi-shaped JSON).
Values in events are already masked: no event carries a secret in plaintext, unless the stream was
opened with ``show_secrets`` (``--show-secrets``), when they carry the secrets' values.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from aicompute.engine.resource.checkpoint_values import mask_secrets, unwrap_secrets

Severity = Literal["debug", "info", "warning", "error"]


@dataclass(frozen=True)
class StepEvent:
    """A step began (``done`` False) or finished (``done`` True, ``failed`` when it raised)."""

    op: str
    urn: str
    type: str
    done: bool
    failed: bool = False
    preview: bool = True
    detailed_diff: dict[str, str] = field(default_factory=dict)
    replace_reasons: tuple[str, ...] = ()
    old_props: dict[str, Any] | None = None
    """What the detailed diff compares: old and new inputs (outputs for a refresh), as ``EventStream.shown``."""
    new_props: dict[str, Any] | None = None
    outputs: dict[str, Any] | None = None
    elapsed: float = 0.0
    error: str = ""
    result: str = ""
    """For a ``refresh`` step: what it found, as Pulumi's ``ResultOp`` (``update``, ``same``, ``delete``)."""
    parent: str = ""
    """The URN of the resource's parent (empty for none or not known): the live view's tree."""


@dataclass(frozen=True)
class DiagnosticEvent:
    severity: Severity
    message: str
    urn: str = ""


Event = StepEvent | DiagnosticEvent
Sink = Callable[[Event], None]


class EventStream:
    """Thread-safe fan-out of events to one sink (steps run on many threads)."""

    def __init__(self, sink: Sink | None = None, *, show_secrets: bool = False) -> None:
        self._sink = sink
        self.show_secrets = show_secrets
        self._lock = threading.Lock()
        self.diagnostics: list[DiagnosticEvent] = []

    def emit(self, event: Event) -> None:
        with self._lock:
            if isinstance(event, DiagnosticEvent):
                self.diagnostics.append(event)
            if self._sink is not None:
                self._sink(event)

    def shown(self, props: dict[str, Any] | None) -> dict[str, Any] | None:
        """Property values as events carry them: every secret ``[secret]``, or its value with ``show_secrets``."""
        if props is None:
            return None
        shown: dict[str, Any] = unwrap_secrets(props) if self.show_secrets else mask_secrets(props)
        return shown

    def diag(self, severity: Severity, message: str, urn: str = "") -> None:
        self.emit(DiagnosticEvent(severity, message, urn))

    @property
    def errors(self) -> list[DiagnosticEvent]:
        return [d for d in self.diagnostics if d.severity == "error"]
