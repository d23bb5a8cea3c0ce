"""What every command shares: the common options, the session (project, backend, interaction mode,
passphrase), opening a stack, and how errors are reported (Pulumi: ``pkg/cmd/pulumi``'s shared
helpers). Command modules import this module, never each other.

Every command takes ``--stack/-s`` (else the selected stack), ``--cwd/-C`` (where to look for
``Pulumi.yaml``), ``--backend-url`` (else ``AICOMPUTE_BACKEND_URL``, ``PULUMI_BACKEND_URL``,
``Pulumi.yaml``'s ``backend.url``, ``file://~``) and ``--non-interactive`` (never prompt; also when
``CI`` is set or there is no terminal). The passphrase comes from ``PULUMI_CONFIG_PASSPHRASE`` or
``PULUMI_CONFIG_PASSPHRASE_FILE``, or a prompt when interactive. Errors print ``error: …`` on stderr
and exit 1.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer

from aicompute.engine.backend.base import Backend, BackendError, StackRef
from aicompute.engine.backend.diy import open_backend
from aicompute.engine.backend.lock import StackLocked
from aicompute.engine.backend.project import (
    Project,
    StackSettings,
    load_project,
    load_stack_settings,
    save_stack_settings,
)
from aicompute.engine.backend.secrets_manager import open_stack_secrets
from aicompute.engine.backend.workspace import current_stack
from aicompute.engine.deploy.operations import StackTarget
from aicompute.engine.deploy.program import ProgramError
from aicompute.engine.deploy.providers.base import ProviderError
from aicompute.engine.deploy.python_toolchain import ToolchainError
from aicompute.engine.deploy.resource_types import UnknownResourceType
from aicompute.engine.secrets.passphrase import (
    MissingPassphrase,
    PassphraseSecretsManager,
    SecretsError,
    passphrase_from_environment,
)
from aicompute.engine.util.pipes import discard_stdout

StackOption = Annotated[str | None, typer.Option("--stack", "-s", help="The stack (default: the selected one).")]
CwdOption = Annotated[Path | None, typer.Option("--cwd", "-C", help="Run as if started in this directory.")]
BackendOption = Annotated[
    str | None,
    typer.Option("--backend-url", help="State backend: file://DIR or s3://BUCKET/PREFIX?… (default file://~)."),
]
NonInteractiveOption = Annotated[bool, typer.Option("--non-interactive", help="Never prompt.")]
ShowSecretsOption = Annotated[bool, typer.Option("--show-secrets", help="Print secret values in plaintext.")]
JsonOption = Annotated[bool, typer.Option("--json", "-j", help="Print JSON.")]


class CliError(Exception):
    """A user-facing failure of a command."""


USER_ERRORS: tuple[type[Exception], ...] = (CliError, BackendError, SecretsError, StackLocked, ValueError, OSError)
"""What a command reports as ``error: <message>`` and exit 1 (anything else is a bug: a traceback)."""


PathOption = Annotated[
    bool, typer.Option("--path", help="The key is a path into a structured value, e.g. 'devices.cam-1.description'.")
]


@contextmanager
def reported_errors(errors: tuple[type[Exception], ...] = USER_ERRORS) -> Iterator[None]:
    try:
        yield
    except BrokenPipeError:  # stdout read by `| head`, which stopped reading: nothing to report
        discard_stdout()
        raise typer.Exit(1) from None
    except errors as exc:
        message = getattr(exc, "message", None)  # a provider's own error, without its traceback
        typer.echo(f"error: {message if isinstance(message, str) else exc}", err=True)
        raise typer.Exit(1) from None


@dataclass
class Session:
    """The project, backend and interaction mode one command works with."""

    project: Project
    backend: Backend
    interactive: bool
    stack_option: str | None

    def stack_ref(self) -> StackRef:
        """``--stack``, else the selected stack; an error naming both ways when neither is there."""
        name = self.stack_option or current_stack(self.project, self.backend.url)
        if not name:
            raise CliError("no stack selected: pass --stack NAME or run `aicompute stack select NAME`")
        ref = StackRef.parse(name, self.project.name)
        if ref.project != self.project.name:
            raise CliError(f"stack {name!r} belongs to project {ref.project!r}, not {self.project.name!r}")
        return ref

    def existing_stack(self) -> StackRef:
        ref = self.stack_ref()
        if not self.backend.exists(ref):
            raise CliError(self.backend.missing_stack_message(ref))
        return ref

    def passphrase(self, *, new: bool = False) -> str:
        try:
            return passphrase_from_environment()
        except MissingPassphrase:
            if not self.interactive:
                raise
        action = "protect" if new else "unlock"
        text: str = typer.prompt(
            f"Enter your passphrase to {action} config/secrets", hide_input=True, confirmation_prompt=new
        )
        return text

    def secrets(self, settings: StackSettings, ref: StackRef, *, create: bool = False) -> PassphraseSecretsManager:
        """The stack's manager (saving the settings when this gave them their salt)."""
        had_salt = settings.encryption_salt
        block = self.state_secrets_providers(ref)
        manager = open_stack_secrets(settings, block, self.passphrase(new=create and not had_salt), create=create)
        if settings.encryption_salt != had_salt:
            save_stack_settings(settings)
        return manager

    def state_secrets_providers(self, ref: StackRef) -> dict[str, Any] | None:
        return self.backend.secrets_providers(ref) if self.backend.exists(ref) else None


def open_session(cwd: Path | None, backend_url: str | None, non_interactive: bool, stack: str | None) -> Session:
    project = load_project(cwd or Path.cwd())
    backend = open_backend(backend_url, project)
    backend.ensure_layout()
    interactive = not non_interactive and not os.environ.get("CI") and sys.stdin.isatty() and sys.stdout.isatty()
    return Session(project, backend, interactive, stack)


def open_stack(
    cwd: Path | None, backend_url: str | None, non_interactive: bool, stack: str | None
) -> tuple[Session, StackRef]:
    """The session and its stack, which must exist."""
    session = open_session(cwd, backend_url, non_interactive, stack)
    return session, session.existing_stack()


def require_yes(session: Session, yes: bool) -> None:
    """Without ``--yes`` a non-interactive run cannot be confirmed: an error."""
    if not yes and not session.interactive:
        raise CliError("--yes must be passed in to proceed when running in non-interactive mode")


def open_target(session: Session, ref: StackRef) -> StackTarget:
    """The stack an operation works on: its settings and secrets manager opened (a salt made if needed)."""
    settings = load_stack_settings(session.project, ref.name)
    manager = session.secrets(settings, ref, create=True)
    return StackTarget(session.project, session.backend, ref, settings, manager)


DEPLOY_ERRORS = (*USER_ERRORS, ProgramError, ToolchainError, ProviderError, UnknownResourceType)
"""What a command that runs providers or the program reports as ``error: <message>``."""


def compact_json(value: object) -> str:
    """A value on one line as the Pulumi CLI prints it: compact, keys sorted (Go's map order)."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def indented_json(value: object) -> str:
    """A document as the Pulumi CLI's ``--json`` prints it: two-space indent, keys sorted."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, indent=2)


def print_table(rows: Sequence[Sequence[str]], indent: str = "") -> None:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        typer.echo(indent + "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
