"""``aicompute state unprotect|delete|rename``: edit the stack's state directly, as ``pulumi state``
does — no provider is called. Each edit asks for confirmation (``--yes`` skips it), holds the stack's
lock, and writes the state with its secrets encrypted as before."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, TypeVar

import typer

from aicompute.engine.backend.project import load_stack_settings
from aicompute.engine.backend.secrets_manager import state_crypter
from aicompute.engine.cli.session import (
    BackendOption,
    CliError,
    CwdOption,
    NonInteractiveOption,
    StackOption,
    open_stack,
    reported_errors,
    require_yes,
)
from aicompute.engine.resource import state_edit
from aicompute.engine.resource.state import Deployment

state_app = typer.Typer(no_args_is_help=True, help="Edit the stack's state directly: unprotect, delete, rename.")

YesOption = Annotated[bool, typer.Option("--yes", "-y", help="Skip the confirmation.")]
UrnsArgument = Annotated[list[str] | None, typer.Argument(help="Resource URNs (quote them for the shell).")]
WARNING = "This command will edit your stack's state directly, which can brick your stack. Please be careful!"


def register(app: typer.Typer) -> None:
    """Add the ``state`` command group to the ``aicompute`` app."""
    app.add_typer(state_app, name="state")


@state_app.command("unprotect")
def state_unprotect(
    urns: UrnsArgument = None,
    all_: Annotated[bool, typer.Option("--all", help="Unprotect every resource of the stack.")] = False,
    yes: YesOption = False,
    stack: StackOption = None,
    cwd: CwdOption = None,
    backend_url: BackendOption = None,
    non_interactive: NonInteractiveOption = False,
) -> None:
    """Clear the protect flag of resources, so that they can be deleted."""
    with reported_errors():
        if not all_ and not urns:
            raise CliError("name the resources to unprotect (their URNs), or pass --all")
        count = _edit(
            cwd, backend_url, non_interactive, stack, yes, lambda d: state_edit.unprotect(d, None if all_ else urns)
        )
        typer.echo("All resources unprotected" if all_ else f"{count} resources unprotected")


@state_app.command("delete")
def state_delete(
    urns: UrnsArgument = None,
    force: Annotated[bool, typer.Option("--force", help="Delete protected resources too.")] = False,
    target_dependents: Annotated[
        bool, typer.Option("--target-dependents", help="Delete the resources that depend on it as well.")
    ] = False,
    yes: YesOption = False,
    stack: StackOption = None,
    cwd: CwdOption = None,
    backend_url: BackendOption = None,
    non_interactive: NonInteractiveOption = False,
) -> None:
    """Remove resources from the state (the objects stay on the platform), if nothing else refers to them."""
    with reported_errors():
        if not urns:
            raise CliError("name the resources to delete from the state (their URNs)")

        def remove(deployment: Deployment) -> int:
            return sum(
                len(state_edit.delete(deployment, urn, force=force, target_dependents=target_dependents))
                for urn in urns
            )

        count = _edit(cwd, backend_url, non_interactive, stack, yes, remove)
        typer.echo("Resource deleted" if count == 1 else f"{count} resources deleted")


@state_app.command("rename")
def state_rename(
    urn: Annotated[str, typer.Argument(help="The resource's URN.")],
    new_name: Annotated[str, typer.Argument(help="Its new name.")],
    yes: YesOption = False,
    stack: StackOption = None,
    cwd: CwdOption = None,
    backend_url: BackendOption = None,
    non_interactive: NonInteractiveOption = False,
) -> None:
    """Rename a resource in the state; the references to it follow (declare it with the new name, or an alias)."""
    with reported_errors():
        _edit(cwd, backend_url, non_interactive, stack, yes, lambda d: state_edit.rename(d, urn, new_name))
        typer.echo("Resource renamed")


T = TypeVar("T")


def _edit(
    cwd: CwdOption,
    backend_url: BackendOption,
    non_interactive: bool,
    stack: str | None,
    yes: bool,
    change: Callable[[Deployment], T],
) -> T:
    """Load the state, confirm, apply ``change`` and write the state, under the stack's lock."""
    session, ref = open_stack(cwd, backend_url, non_interactive, stack)
    require_yes(session, yes)
    if not yes:
        typer.echo(f"warning: {WARNING}", err=True)
        if not typer.confirm("Do you want to proceed?"):
            raise CliError("confirmation declined")
    settings = load_stack_settings(session.project, ref.name)
    with session.backend.lock(ref):
        crypter = state_crypter(session.backend.secrets_providers(ref), session.secrets(settings, ref))
        deployment = session.backend.load_deployment(ref, crypter)
        result = change(deployment)
        session.backend.save_deployment(ref, deployment, crypter)
    return result
