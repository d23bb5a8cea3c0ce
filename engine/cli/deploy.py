"""``aicompute preview|up|refresh|destroy|import``, mirroring the Pulumi CLI's verbs, flags and exit codes.

Secret values are shown as ``[secret]`` in the plain output, the live view, ``--diff`` and
``--json``; ``--show-secrets`` shows their values there instead (the state stays encrypted).

Exit codes: 0 success, 1 error, 7 when ``--expect-no-changes`` found changes. ``up``, ``refresh``
and ``destroy`` show a preview first and ask for confirmation on a terminal; without one they need
``--yes`` (``--skip-preview`` goes straight to the operation; ``destroy --yes`` previews too, as
Pulumi's, so that a protected resource stops it before anything is deleted). SIGINT and SIGTERM
cancel an operation as Pulumi's do: the first lets the steps in flight finish, the second ends the
provider processes (the calls in flight stay pending in the state); either way the state is written,
the lock released, ``update canceled`` printed and the exit code is 1. Stack, project and backend are
chosen as for ``aicompute stack``: ``--stack``, ``--cwd``, ``--backend-url``.

``import TYPE NAME ID`` reads an existing object through its aicompute resource's provider, adds it
to the stack's state (protected unless ``--no-protect``, as ``pulumi import``) and prints the Python
that declares it (or writes it to ``--out FILE``).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from aicompute.engine.backend.config import resolve_config
from aicompute.engine.cli.session import (
    DEPLOY_ERRORS,
    BackendOption,
    CwdOption,
    JsonOption,
    NonInteractiveOption,
    Session,
    ShowSecretsOption,
    StackOption,
    open_stack,
    open_target,
    reported_errors,
    require_yes,
)
from aicompute.engine.deploy.cancellation import ignore_signals
from aicompute.engine.deploy.events import EventStream
from aicompute.engine.deploy.operations import (
    OperationOptions,
    OperationResult,
    StackTarget,
    run_destroy,
    run_import,
    run_refresh,
    run_update,
)
from aicompute.engine.deploy.resource_types import resolve_type
from aicompute.engine.display.json_digest import digest_json
from aicompute.engine.display.progress import LiveRenderer, PlainRenderer, summary_lines

EXIT_CHANGES = 7
"""``--expect-no-changes`` and changes were found."""

DiffOption = Annotated[bool, typer.Option("--diff", help="Show property-level diffs.")]
ExpectNoChangesOption = Annotated[
    bool, typer.Option("--expect-no-changes", help=f"Fail (exit {EXIT_CHANGES}) if there are changes.")
]
RefreshOption = Annotated[bool, typer.Option("--refresh", "-r", help="Refresh the state before the operation.")]
RenderKubernetesOption = Annotated[
    Path | None,
    typer.Option(
        "--render-kubernetes",
        metavar="DIR",
        help="Render kubernetes:* resources as YAML manifests into DIR instead of deploying them.",
    ),
]


def _render_dir(directory: Path | None) -> str:
    return str(directory.resolve()) if directory else ""


YesOption = Annotated[bool, typer.Option("--yes", "-y", help="Proceed without confirmation.")]
SkipPreviewOption = Annotated[bool, typer.Option("--skip-preview", "-f", help="Do not preview first.")]
TargetOption = Annotated[list[str] | None, typer.Option("--target", "-t", help="Only this resource URN (repeatable).")]
DebugOption = Annotated[
    bool,
    typer.Option(
        "--debug", "-d", help="Show debug messages: the program's pulumi.log.debug, the SDK's and providers'."
    ),
]
ParallelOption = Annotated[
    int, typer.Option("--parallel", "-p", min=1, help="Resource operations run at once (default 16).")
]


def register(app: typer.Typer) -> None:
    """Add ``preview``, ``up``, ``refresh`` and ``destroy`` to the ``aicompute`` app."""
    app.command("preview")(preview)
    app.command("up")(up)
    app.command("refresh")(refresh)
    app.command("destroy")(destroy)
    app.command("import")(import_resource)


Operation = Callable[[StackTarget, OperationOptions, EventStream], OperationResult]


def _execute(
    operation: Operation,
    target: StackTarget,
    options: OperationOptions,
    *,
    as_json: bool,
    show_diff: bool,
    header: str,
    show_secrets: bool = False,
    quiet: bool = False,
) -> OperationResult:
    """Run an operation and show it; ``quiet``: show nothing unless it fails (``up --json``'s preview);
    ``show_secrets``: secret values in plaintext instead of ``[secret]`` (``--show-secrets``)."""
    refresh = operation is run_refresh
    if as_json:
        result = _executed(operation(target, options, EventStream(show_secrets=show_secrets)))
        if not quiet or not result.succeeded:
            digest = digest_json(result, show_secrets=show_secrets)
            if show_secrets:
                digest["config"] = resolve_config(target.project, target.settings, target.secrets).values
            typer.echo(json.dumps(digest, indent=4, ensure_ascii=False))
        return result
    typer.echo(f"{header} ({target.ref.name}):")
    if sys.stdout.isatty():
        with LiveRenderer(Console(), show_diff=show_diff, refresh=refresh, debug=options.debug) as live:
            result = _executed(operation(target, options, EventStream(live, show_secrets=show_secrets)))
    else:
        plain = PlainRenderer(sys.stdout, show_diff=show_diff, refresh=refresh, debug=options.debug)
        result = _executed(operation(target, options, EventStream(plain, show_secrets=show_secrets)))
    for line in summary_lines(result, show_secrets=show_secrets):
        typer.echo(line)
    return result


def _executed(result: OperationResult) -> OperationResult:
    """A cancelled operation has written its state and released its lock: a late signal changes nothing."""
    if result.interrupted:
        ignore_signals()
    return result


def _exit(result: OperationResult, expect_no_changes: bool) -> None:
    if not result.succeeded or result.interrupted:
        raise typer.Exit(1)
    if expect_no_changes and result.has_changes:
        typer.echo("error: no changes were expected but changes were proposed", err=True)
        raise typer.Exit(EXIT_CHANGES)


def _confirm(session: Session, yes: bool, what: str) -> bool:
    """Whether to go on after the preview: ``--yes``, else a prompt on a terminal, else an error."""
    if yes:
        return True
    require_yes(session, yes)
    return bool(typer.confirm(f"Do you want to perform this {what}?", default=False))


@dataclass(frozen=True)
class _Run:
    """One command's stack and the options its preview and operation share."""

    session: Session
    target: StackTarget
    as_json: bool
    show_diff: bool
    show_secrets: bool
    parallel: int
    targets: frozenset[str]
    refresh: bool
    render: str
    debug: bool

    def execute(self, operation: Operation, *, dry_run: bool, header: str, quiet: bool = False) -> OperationResult:
        options = OperationOptions(
            dry_run, self.parallel, self.targets, self.refresh, render_kubernetes=self.render, debug=self.debug
        )
        return _execute(
            operation,
            self.target,
            options,
            as_json=self.as_json,
            show_diff=self.show_diff,
            header=header,
            show_secrets=self.show_secrets,
            quiet=quiet,
        )


def _start(
    stack: str | None,
    cwd: Path | None,
    backend_url: str | None,
    non_interactive: bool,
    *,
    as_json: bool,
    show_secrets: bool,
    target: list[str] | None,
    parallel: int,
    diff: bool = False,
    refresh: bool = False,
    render_kubernetes: Path | None = None,
    debug: bool = False,
) -> _Run:
    """Open the session and the stack and gather the options of a preview/up/refresh/destroy."""
    session, ref = open_stack(cwd, backend_url, non_interactive, stack)
    stack_target = open_target(session, ref)
    return _Run(
        session,
        stack_target,
        as_json,
        diff,
        show_secrets,
        parallel,
        frozenset(target or ()),
        refresh,
        _render_dir(render_kubernetes),
        debug,
    )


def preview(
    diff: DiffOption = False,
    as_json: JsonOption = False,
    show_secrets: ShowSecretsOption = False,
    expect_no_changes: ExpectNoChangesOption = False,
    refresh: RefreshOption = False,
    target: TargetOption = None,
    parallel: ParallelOption = 16,
    debug: DebugOption = False,
    render_kubernetes: RenderKubernetesOption = None,
    stack: StackOption = None,
    cwd: CwdOption = None,
    backend_url: BackendOption = None,
    non_interactive: NonInteractiveOption = False,
) -> None:
    """Show what `up` would change, without changing anything."""
    with reported_errors(DEPLOY_ERRORS):
        run = _start(
            stack,
            cwd,
            backend_url,
            non_interactive,
            as_json=as_json,
            show_secrets=show_secrets,
            target=target,
            parallel=parallel,
            debug=debug,
            diff=diff,
            refresh=refresh,
            render_kubernetes=render_kubernetes,
        )
        result = run.execute(run_update, dry_run=True, header="Previewing update")
    _exit(result, expect_no_changes)


def up(
    yes: YesOption = False,
    skip_preview: SkipPreviewOption = False,
    diff: DiffOption = False,
    as_json: JsonOption = False,
    show_secrets: ShowSecretsOption = False,
    expect_no_changes: ExpectNoChangesOption = False,
    refresh: RefreshOption = False,
    target: TargetOption = None,
    parallel: ParallelOption = 16,
    debug: DebugOption = False,
    render_kubernetes: RenderKubernetesOption = None,
    stack: StackOption = None,
    cwd: CwdOption = None,
    backend_url: BackendOption = None,
    non_interactive: NonInteractiveOption = False,
) -> None:
    """Create or update the stack's resources to match the program."""
    with reported_errors(DEPLOY_ERRORS):
        run = _start(
            stack,
            cwd,
            backend_url,
            non_interactive,
            as_json=as_json,
            show_secrets=show_secrets,
            target=target,
            parallel=parallel,
            debug=debug,
            diff=diff,
            refresh=refresh,
            render_kubernetes=render_kubernetes,
        )
        require_yes(run.session, yes)
        if not skip_preview:
            planned = run.execute(
                run_update, dry_run=True, header="Previewing update", quiet=as_json and not expect_no_changes
            )
            if not planned.succeeded:
                raise typer.Exit(1)
            if expect_no_changes and planned.has_changes:
                _exit(planned, expect_no_changes)
            if not _confirm(run.session, yes, "update"):
                raise typer.Exit(1)
            if not as_json:
                typer.echo("")
        result = run.execute(run_update, dry_run=False, header="Updating")
    _exit(result, expect_no_changes)


def refresh(
    preview_only: Annotated[bool, typer.Option("--preview-only", help="Only show what would change.")] = False,
    yes: YesOption = False,
    skip_preview: SkipPreviewOption = False,
    diff: DiffOption = False,
    as_json: JsonOption = False,
    show_secrets: ShowSecretsOption = False,
    expect_no_changes: ExpectNoChangesOption = False,
    target: TargetOption = None,
    parallel: ParallelOption = 16,
    debug: DebugOption = False,
    stack: StackOption = None,
    cwd: CwdOption = None,
    backend_url: BackendOption = None,
    non_interactive: NonInteractiveOption = False,
) -> None:
    """Read the stack's resources back from the platforms and record what is there."""
    with reported_errors(DEPLOY_ERRORS):
        run = _start(
            stack,
            cwd,
            backend_url,
            non_interactive,
            as_json=as_json,
            show_secrets=show_secrets,
            target=target,
            parallel=parallel,
            debug=debug,
            diff=diff,
        )
        if preview_only:
            result = run.execute(run_refresh, dry_run=True, header="Previewing refresh")
            _exit(result, expect_no_changes)
            return
        require_yes(run.session, yes)
        if not skip_preview and not yes:
            planned = run.execute(run_refresh, dry_run=True, header="Previewing refresh")
            if not planned.succeeded or not _confirm(run.session, yes, "refresh"):
                raise typer.Exit(1)
        result = run.execute(run_refresh, dry_run=False, header="Refreshing")
    _exit(result, expect_no_changes)


def destroy(
    yes: YesOption = False,
    skip_preview: SkipPreviewOption = False,
    as_json: JsonOption = False,
    show_secrets: ShowSecretsOption = False,
    target: TargetOption = None,
    parallel: ParallelOption = 16,
    debug: DebugOption = False,
    render_kubernetes: RenderKubernetesOption = None,
    stack: StackOption = None,
    cwd: CwdOption = None,
    backend_url: BackendOption = None,
    non_interactive: NonInteractiveOption = False,
) -> None:
    """Delete every resource of the stack (or only the --target ones)."""
    with reported_errors(DEPLOY_ERRORS):
        run = _start(
            stack,
            cwd,
            backend_url,
            non_interactive,
            as_json=as_json,
            show_secrets=show_secrets,
            target=target,
            parallel=parallel,
            debug=debug,
            render_kubernetes=render_kubernetes,
        )
        require_yes(run.session, yes)
        if not skip_preview:
            # As Pulumi, --yes previews too: a protected resource stops the destroy before anything is deleted.
            planned = run.execute(run_destroy, dry_run=True, header="Previewing destroy", quiet=as_json)
            if not planned.succeeded or not _confirm(run.session, yes, "destroy"):
                raise typer.Exit(1)
            if not as_json:
                typer.echo("")
        result = run.execute(run_destroy, dry_run=False, header="Destroying")
        if result.succeeded and not result.interrupted and not run.targets and not as_json:
            typer.echo(
                f"\nThe resources in the stack have been deleted, but the history and configuration associated "
                f"with the stack are still maintained.\nIf you want to remove the stack completely, run "
                f"`aicompute stack rm {run.target.ref.name}`."
            )
    _exit(result, False)


def import_resource(
    type_token: Annotated[
        str, typer.Argument(metavar="TYPE", help="The resource's type, e.g. pulumi-python:dynamic/modelarts:Network.")
    ],
    name: Annotated[str, typer.Argument(help="The resource name to give it (in the state and the program).")],
    resource_id: Annotated[str, typer.Argument(metavar="ID", help="The object's id on its platform.")],
    yes: YesOption = False,
    protect: Annotated[
        bool, typer.Option("--protect/--no-protect", help="Protect it from deletion (default, as pulumi import).")
    ] = True,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write the code to this file.")] = None,
    stack: StackOption = None,
    cwd: CwdOption = None,
    backend_url: BackendOption = None,
    non_interactive: NonInteractiveOption = False,
) -> None:
    """Import an existing object into the stack and print the code that declares it."""
    with reported_errors(DEPLOY_ERRORS):
        resource = resolve_type(type_token)
        session, ref = open_stack(cwd, backend_url, non_interactive, stack)
        stack_target = open_target(session, ref)
        require_yes(session, yes)
        if not _confirm(session, yes, f"import of {type_token} {resource_id!r} as {name!r}"):
            raise typer.Exit(1)
        result = run_import(stack_target, resource, name, resource_id, EventStream(), protect=protect)
        protection = " (protected)" if protect else ""
        typer.echo(
            f"Imported {type_token} {name} ({result.resource.id}) into stack '{stack_target.ref.name}'{protection}."
        )
        for key in result.declaration.left_out:
            typer.echo(
                f"warning: input {key!r} is not an argument of {resource.name}; the code leaves it out", err=True
            )
        if out is not None:
            out.write_text(result.declaration.code, encoding="utf-8")
            typer.echo(f"The code that declares it is in {out}.")
        else:
            typer.echo("\nAdd this code to the program to manage it:\n")
            typer.echo(result.declaration.code, nl=False)
        for key in result.declaration.secret_config_keys:
            typer.echo(f"The code reads a secret input from the stack config: `aicompute config set --secret {key} …`")
        for key in result.declaration.unrecorded_config_keys:
            typer.echo(
                "The platform does not return one input; the code reads it from the stack config: "
                f"`aicompute config set {key} …` (the value it was created with, if it was given one)"
            )
