"""The ``Backend`` protocol: where a project's stacks, their state and history live (Pulumi:
``pkg/backend/backend.go``), with the names every backend shares — stack references, summaries,
history entries, errors — and the choice of a backend from its URL.

``diy.DiyBackend`` implements it over any ``storage.Storage``; ``diy.FileBackend`` is the ``file://``
one. Another scheme (``s3://``) is another ``Storage`` given to ``DiyBackend``, chosen in ``open_backend``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from aicompute.engine.backend.lock import LockHolder
from aicompute.engine.backend.project import Project
from aicompute.engine.resource.state import Deployment
from aicompute.engine.secrets.passphrase import Crypter

if TYPE_CHECKING:
    from aicompute.engine.backend.journal import StackJournal

DEFAULT_BACKEND_URL = "file://~"
BACKEND_URL_ENVS = ("AICOMPUTE_BACKEND_URL", "PULUMI_BACKEND_URL")
ORGANIZATION = "organization"
STACK_NAME_RE = re.compile(r"^[A-Za-z0-9_.-]{1,100}$")


class BackendError(Exception):
    """The backend cannot do what was asked; the message says why and what to do."""


class StackNotFound(BackendError):
    pass


class StackAlreadyExists(BackendError):
    pass


class StackHasResources(BackendError):
    pass


def resolve_backend_url(
    cli_url: str | None = None, project: Project | None = None, environ: Mapping[str, str] | None = None
) -> str:
    """``--backend-url``, then ``AICOMPUTE_BACKEND_URL``, ``PULUMI_BACKEND_URL``, ``Pulumi.yaml``'s
    ``backend.url``, then ``file://~``."""
    env = os.environ if environ is None else environ
    candidates = [cli_url, *(env.get(name) for name in BACKEND_URL_ENVS), project.backend_url if project else None]
    return next((c for c in candidates if c), DEFAULT_BACKEND_URL)


@dataclass(frozen=True)
class StackRef:
    """A stack of a project in the backend."""

    project: str
    name: str

    @property
    def fully_qualified_name(self) -> str:
        return f"{ORGANIZATION}/{self.project}/{self.name}"

    @classmethod
    def parse(cls, text: str, project: str) -> StackRef:
        """``<stack>``, ``organization/<stack>`` or ``organization/<project>/<stack>``."""
        parts = text.split("/")
        if len(parts) > 3 or not text:
            raise BackendError(f"invalid stack name {text!r}: use <stack> or organization/<project>/<stack>")
        if len(parts) > 1 and parts[0] != ORGANIZATION:
            raise BackendError(f"invalid stack name {text!r}: the organization of a file backend is {ORGANIZATION!r}")
        name = parts[-1]
        if not STACK_NAME_RE.match(name):
            raise BackendError(
                f"invalid stack name {name!r}: use 1-100 letters, digits, hyphens, underscores or periods"
            )
        return cls(project=parts[1] if len(parts) == 3 else project, name=name)

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class StackSummary:
    ref: StackRef
    last_update: str | None
    resource_count: int | None


@dataclass(frozen=True)
class UpdateInfo:
    """One entry of a stack's history, in Pulumi's ``UpdateInfo`` JSON shape.

    ``kind`` is ``update``/``refresh``/``destroy``/``import``; ``result`` ``succeeded`` or ``failed``;
    times are Unix seconds; ``resource_changes`` counts operations (``{"create": 2, "same": 1}``).
    """

    kind: str
    start_time: int
    end_time: int
    result: str
    message: str = ""
    environment: Mapping[str, str] = field(default_factory=dict)
    config: Mapping[str, Any] = field(default_factory=dict)
    resource_changes: Mapping[str, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "kind": self.kind,
            "startTime": self.start_time,
            "message": self.message,
            "environment": dict(self.environment),
            "config": dict(self.config),
            "version": 0,
            "result": self.result,
            "endTime": self.end_time,
        }
        if self.resource_changes:
            out["resourceChanges"] = dict(self.resource_changes)
        return out


class BackendLock(AbstractContextManager["BackendLock"], Protocol):
    """A stack's lock, held within ``with``; ``notices`` lists the stale locks it broke on the way."""

    notices: list[str]


class Backend(Protocol):
    """The stacks of a backend, their state (checkpoints) and history, and their locks."""

    url: str

    def ensure_layout(self) -> None: ...

    def exists(self, ref: StackRef) -> bool: ...

    def create_stack(self, ref: StackRef) -> str | None:
        """Create the stack; where a checkpoint a former stack of its name left was moved, if any."""
        ...

    def kept_checkpoint(self, ref: StackRef) -> str | None:
        """Where the last checkpoint of a stack whose file is gone is kept (its ``.bak``), if it is."""
        ...

    def missing_stack_message(self, ref: StackRef) -> str:
        """Why the stack cannot be opened: it does not exist, or only its last checkpoint is left."""
        ...

    def list_stacks(self, project: str | None = None) -> list[StackSummary]: ...

    def remove_stack(self, ref: StackRef, *, force: bool = False, remove_backups: bool = False) -> None: ...

    def lock(self, ref: StackRef) -> BackendLock: ...

    def lock_holders(self, ref: StackRef) -> list[LockHolder]: ...

    def cancel(self, ref: StackRef) -> list[LockHolder]: ...

    def read_checkpoint(self, ref: StackRef) -> dict[str, Any]: ...

    def export_deployment(self, ref: StackRef) -> dict[str, Any]: ...

    def secrets_providers(self, ref: StackRef) -> dict[str, Any] | None: ...

    def load_deployment(self, ref: StackRef, crypter: Crypter | None) -> Deployment: ...

    def save_deployment(self, ref: StackRef, deployment: Deployment, crypter: Crypter) -> bytes: ...

    def import_deployment(self, ref: StackRef, document: Mapping[str, Any]) -> None: ...

    def write_deployment(
        self, ref: StackRef, deployment_json: Mapping[str, Any], resource_texts: list[str] | None = None
    ) -> bytes: ...

    def journal(self, ref: StackRef, crypter: Crypter) -> StackJournal | None:
        """The stack's journal for a run's writes, if its storage can append."""
        ...

    def record_update(self, ref: StackRef, info: UpdateInfo) -> None: ...
