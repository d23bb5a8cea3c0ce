"""``aicompute report``: a pull-request comment in Markdown from a preview.

``--from FILE`` (``-`` for stdin) reads the digest ``aicompute preview --json`` printed; without it
the command previews the stack of the project it runs in (as ``preview``: ``--stack``, ``--cwd``,
``--backend-url``) and reports that. The comment goes to stdout or ``--output FILE``.

Exit codes: 0 the report was written; 1 the input is unreadable or not a preview digest (the message
names the path and the rule), or the live preview failed (the report, with its errors, is still
written so that CI can post it).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer

from aicompute.engine.backend.project import ProjectError, load_project
from aicompute.engine.cli.session import (
    DEPLOY_ERRORS,
    BackendOption,
    CwdOption,
    NonInteractiveOption,
    open_stack,
    open_target,
    reported_errors,
)
from aicompute.engine.deploy.events import EventStream
from aicompute.engine.deploy.operations import OperationOptions, run_update
from aicompute.engine.display.json_digest import digest_json
from aicompute.engine.report.options import DEFAULT_MAX_CHARS, DEFAULT_TITLE, MIN_MAX_CHARS

FromOption = Annotated[
    str | None,
    typer.Option(
        "--from",
        metavar="FILE",
        help="The `aicompute preview --json` output to report (- for stdin); default: preview the stack now.",
    ),
]
OutputOption = Annotated[
    Path | None, typer.Option("--output", "-o", metavar="FILE", help="Write the comment here instead of stdout.")
]
MaxCharsOption = Annotated[
    int,
    typer.Option(
        "--max-chars",
        min=MIN_MAX_CHARS,
        help="Longest comment; per-resource details are trimmed first (GitHub's limit is 65,536).",
    ),
]
TitleOption = Annotated[str, typer.Option("--title", help="The heading's text (e.g. the job or environment name).")]
ReportStackOption = Annotated[
    str | None, typer.Option("--stack", "-s", help="The stack (default: the selected one; with --from, the preview's).")
]
ProjectOption = Annotated[
    str | None,
    typer.Option(
        "--project",
        help="With --from: the project, when the preview has no resources to tell it (default: Pulumi.yaml's).",
    ),
]


def register(app: typer.Typer) -> None:
    """Add ``report`` to the ``aicompute`` app."""
    app.command("report")(report_command)


def _read(source: str) -> str:
    # imported in the functions, not at the top, for the CLI's start-up: only report needs the comment's code
    from aicompute.engine.report.comment import ReportError

    if source == "-":
        return sys.stdin.read()
    try:
        return Path(source).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ReportError(f"--from: cannot read {source}: {exc}") from None


@dataclass(frozen=True)
class _Live:
    """A preview of the stack now, as ``preview --json`` prints it (secrets masked)."""

    digest: dict[str, Any]
    project: str
    stack: str
    succeeded: bool


def _live(stack: str | None, cwd: Path | None, backend_url: str | None, non_interactive: bool) -> _Live:
    from aicompute.engine.report.comment import validate_preview

    session, ref = open_stack(cwd, backend_url, non_interactive, stack)
    result = run_update(open_target(session, ref), OperationOptions(dry_run=True), EventStream())
    digest = digest_json(result)
    validate_preview(digest, "the live preview")
    return _Live(digest, ref.project, ref.name, result.succeeded and not result.interrupted)


def _project_here(cwd: Path | None) -> str | None:
    """The name in the Pulumi.yaml the report runs beside (or above), if there is one."""
    try:
        return load_project(cwd or Path.cwd()).name
    except (ProjectError, OSError):
        return None


def report_command(
    from_file: FromOption = None,
    output: OutputOption = None,
    max_chars: MaxCharsOption = DEFAULT_MAX_CHARS,
    title: TitleOption = DEFAULT_TITLE,
    stack: ReportStackOption = None,
    project: ProjectOption = None,
    cwd: CwdOption = None,
    backend_url: BackendOption = None,
    non_interactive: NonInteractiveOption = False,
) -> None:
    """Turn a preview into a pull-request comment in Markdown (summary, warnings, per-resource diffs)."""
    from aicompute.engine.report.comment import parse_preview, report

    succeeded = True
    with reported_errors(DEPLOY_ERRORS):
        project_file = None
        if from_file is not None:
            digest = parse_preview(_read(from_file), "stdin" if from_file == "-" else from_file)
            project_file = _project_here(cwd)
        else:
            live = _live(stack, cwd, backend_url, non_interactive)
            digest, project, stack, succeeded = live.digest, live.project, live.stack, live.succeeded
        text = report(digest, project=project, stack=stack, project_file=project_file, title=title, max_chars=max_chars)
        if output is None:
            typer.echo(text, nl=False)
        else:
            output.write_text(text, encoding="utf-8")
            typer.echo(f"Wrote the report ({len(text):,} characters) to {output}.", err=True)
    if not succeeded:
        typer.echo("error: the preview failed; the report shows its errors", err=True)
        raise typer.Exit(1)
