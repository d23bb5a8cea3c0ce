"""``aicompute cancel``: remove the locks of a stack whose run was killed (Pulumi's ``pulumi cancel``,
which on a diy backend deletes the stack's lock files).

A lock on a shared backend (``s3://``) is never broken by aicompute on its own; a refused run names
its holder and this command. It asks for confirmation unless ``--yes``; run it only when the holder
it names is no longer running, since the holder's own writes would then go on unlocked.
"""

from __future__ import annotations

from typing import Annotated

import typer

from aicompute.engine.cli.session import (
    BackendOption,
    CwdOption,
    NonInteractiveOption,
    StackOption,
    open_stack,
    reported_errors,
    require_yes,
)

YesOption = Annotated[bool, typer.Option("--yes", "-y", help="Remove the locks without asking.")]


def register(app: typer.Typer) -> None:
    app.command("cancel")(cancel)


def cancel(
    yes: YesOption = False,
    stack: StackOption = None,
    cwd: CwdOption = None,
    backend_url: BackendOption = None,
    non_interactive: NonInteractiveOption = False,
) -> None:
    """Remove the stack's locks, left by a run that was killed (each holder removed is printed)."""
    with reported_errors():
        session, ref = open_stack(cwd, backend_url, non_interactive, stack)
        holders = session.backend.lock_holders(ref)
        if not holders:
            typer.echo(f"The stack '{ref.fully_qualified_name}' is not locked.")
            return
        for holder in holders:
            typer.echo(f"lock {holder.describe()}")
        require_yes(session, yes)
        if not yes and not typer.confirm(f"Remove {len(holders)} lock(s) of '{ref.fully_qualified_name}'?"):
            raise typer.Exit(1)
        for holder in session.backend.cancel(ref):
            typer.echo(f"removed the lock {holder.location}")
