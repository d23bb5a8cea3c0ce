"""``aicompute drift``: compare a stack's state with its platforms, without changing either.

Exit codes follow Terraform's ``plan -detailed-exitcode``: 0 in sync, 2 drift found (a resource
changed or deleted out of band; with ``--unmanaged`` also an object no stack manages), 1 error (a
read the retries could not save, bad credentials, a wrong passphrase, no such stack). ``--json
FILE`` and ``--markdown FILE`` are written in every case but the setup errors, so a failed run
still shows what it found. ``--all-stacks`` scans every stack of the project in the backend in
parallel and writes one report (``drift.all_stacks``); with ``--unmanaged`` an object is "managed"
when any stack of the backend holds it, whichever project.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from aicompute.engine.backend.base import StackRef
from aicompute.engine.backend.project import load_stack_settings
from aicompute.engine.cli.session import (
    USER_ERRORS,
    BackendOption,
    CliError,
    CwdOption,
    NonInteractiveOption,
    Session,
    StackOption,
    open_session,
    open_stack,
)
from aicompute.engine.deploy.operations import StackTarget
from aicompute.engine.deploy.providers.base import ProviderError
from aicompute.engine.drift.options import DEFAULT_PARALLEL, DriftOptions

_USER_ERRORS: tuple[type[Exception], ...] = (*USER_ERRORS, ProviderError)

JsonFileOption = Annotated[
    Path | None, typer.Option("--json", metavar="FILE", help="Write the report as JSON (drift.schema.json).")
]
MarkdownFileOption = Annotated[
    Path | None, typer.Option("--markdown", metavar="FILE", help="Write the report as Markdown.")
]
ParallelOption = Annotated[
    int, typer.Option("--parallel", "-p", min=1, help=f"Platform calls in flight at once (default {DEFAULT_PARALLEL}).")
]
ReadEachOption = Annotated[
    bool,
    typer.Option("--read-each", help="Read every resource with its own call instead of listing each type (slower)."),
]
AllStacksOption = Annotated[
    bool,
    typer.Option("--all-stacks", help="Every stack of the project in the backend, scanned in parallel, in one report."),
]
UnmanagedOption = Annotated[
    bool,
    typer.Option("--unmanaged", help="Also list objects of the stack's types that no stack in the backend manages."),
]


def register(app: typer.Typer) -> None:
    app.command("drift")(drift)


def drift(
    json_file: JsonFileOption = None,
    markdown_file: MarkdownFileOption = None,
    unmanaged: UnmanagedOption = False,
    parallel: ParallelOption = DEFAULT_PARALLEL,
    read_each: ReadEachOption = False,
    all_stacks: AllStacksOption = False,
    stack: StackOption = None,
    cwd: CwdOption = None,
    backend_url: BackendOption = None,
    non_interactive: NonInteractiveOption = False,
) -> None:
    """Read every managed resource from its platform and report drift (exit 0 in sync, 2 drift, 1 error)."""
    # imported here for the CLI's start-up: the scan loads the generic provider, deepdiff, httpx, pydantic
    from aicompute.engine.drift.formats import console_lines, markdown, to_json
    from aicompute.engine.drift.scan import scan

    options = DriftOptions(parallel=parallel, unmanaged=unmanaged, read_each=read_each)
    if all_stacks:
        drift_all_stacks(options, json_file, markdown_file, stack, cwd, backend_url, non_interactive)
    try:
        session, ref = open_stack(cwd, backend_url, non_interactive, stack)
        settings = load_stack_settings(session.project, ref.name)
        target = StackTarget(session.project, session.backend, ref, settings, session.secrets(settings, ref))
        report = scan(target, options)
        if json_file is not None:
            json_file.write_text(json.dumps(to_json(report), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        if markdown_file is not None:
            markdown_file.write_text(markdown(report), encoding="utf-8")
    except _USER_ERRORS as error:
        typer.echo(f"error: {getattr(error, 'message', None) or error}", err=True)
        raise typer.Exit(1) from None
    for line in console_lines(report):
        typer.echo(line)
    if report.errors:
        more = f" (and {len(report.errors) - 1} more)" if len(report.errors) > 1 else ""
        typer.echo(f"error: {report.errors[0].message}{more}", err=True)
    raise typer.Exit(report.exit_code)


def drift_all_stacks(
    options: DriftOptions,
    json_file: Path | None,
    markdown_file: Path | None,
    stack: str | None,
    cwd: Path | None,
    backend_url: str | None,
    non_interactive: bool,
) -> NoReturn:
    """``drift --all-stacks``: every stack of the project, one report (``drift.all_stacks``)."""
    from aicompute.engine.drift.all_stacks import all_console_lines, all_markdown, all_to_json, scan_all

    try:
        if stack is not None:
            raise CliError("--all-stacks scans every stack of the project: pass it without --stack")
        session = open_session(cwd, backend_url, non_interactive, None)
        names = [str(s.ref) for s in session.backend.list_stacks(session.project.name)]
        if not names:
            raise CliError(f"no stacks of project '{session.project.name}' at {session.backend.url}")
        report = scan_all(session.project.name, session.backend.url, names, _opener(session), options)
        if json_file is not None:
            text = json.dumps(all_to_json(report), indent=2, ensure_ascii=False) + "\n"
            json_file.write_text(text, encoding="utf-8")
        if markdown_file is not None:
            markdown_file.write_text(all_markdown(report), encoding="utf-8")
    except _USER_ERRORS as error:
        typer.echo(f"error: {getattr(error, 'message', None) or error}", err=True)
        raise typer.Exit(1) from None
    for line in all_console_lines(report):
        typer.echo(line)
    raise typer.Exit(report.exit_code)


def _opener(session: Session) -> Callable[[str], StackTarget]:
    def open_target(name: str) -> StackTarget:
        ref = StackRef(session.project.name, name)
        settings = load_stack_settings(session.project, name)
        return StackTarget(session.project, session.backend, ref, settings, session.secrets(settings, ref))

    return open_target
