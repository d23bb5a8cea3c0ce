"""``aicompute stack …``, mirroring the Pulumi CLI's verbs and flags: init, ls, select, rm, output,
export, import. Secret values are printed only with ``--show-secrets``.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

import typer

from aicompute.engine.backend.base import StackRef, StackSummary
from aicompute.engine.backend.project import (
    load_stack_settings,
    save_stack_settings,
)
from aicompute.engine.backend.secrets_manager import open_stack_secrets, state_crypter
from aicompute.engine.backend.workspace import current_stack, select_stack
from aicompute.engine.cli.session import (
    BackendOption,
    CliError,
    CwdOption,
    JsonOption,
    NonInteractiveOption,
    Session,
    ShowSecretsOption,
    StackOption,
    compact_json,
    indented_json,
    open_session,
    open_stack,
    print_table,
    reported_errors,
    require_yes,
)
from aicompute.engine.resource.checkpoint_values import RedactingCrypter, is_secret, mask_secrets, reveal_secrets
from aicompute.engine.resource.checkpoint_values import unwrap_secrets as reveal_values
from aicompute.engine.resource.state import Deployment
from aicompute.engine.resource.urn import UrnError, parse_urn
from aicompute.engine.secrets.passphrase import (
    Crypter,
    salt_from_secrets_providers,
    secrets_providers_block,
)

stack_app = typer.Typer(no_args_is_help=True, help="Manage stacks: create, list, select, remove, outputs, state.")


def register(app: typer.Typer) -> None:
    """Add the ``stack`` command group to the ``aicompute`` app."""
    app.add_typer(stack_app, name="stack")


@stack_app.command("init")
def stack_init(
    name: Annotated[str, typer.Argument(help="The new stack's name.")],
    secrets_provider: Annotated[str, typer.Option(help="Only 'passphrase' is supported.")] = "passphrase",
    cwd: CwdOption = None,
    backend_url: BackendOption = None,
    non_interactive: NonInteractiveOption = False,
) -> None:
    """Create a stack, give it a passphrase encryption salt, and select it."""
    with reported_errors():
        if secrets_provider != "passphrase":
            raise CliError(f"secrets provider {secrets_provider!r} is not supported (use the Pulumi CLI)")
        session = open_session(cwd, backend_url, non_interactive, name)
        ref = session.stack_ref()
        settings = load_stack_settings(session.project, ref.name)
        if session.backend.exists(ref):
            raise CliError(f"stack '{ref.fully_qualified_name}' already exists")
        phrase = session.passphrase(new=not settings.encryption_salt)
        open_stack_secrets(settings, None, phrase, create=True)
        kept = session.backend.create_stack(ref)
        save_stack_settings(settings)
        select_stack(session.project, session.backend.url, ref.name)
        typer.echo(f"Created stack '{ref.name}'")
        if kept is not None:
            typer.echo(f"warning: the last checkpoint of a former stack of this name is kept in {kept}", err=True)


@stack_app.command("ls")
def stack_ls(
    all_projects: Annotated[bool, typer.Option("--all", "-a", help="List the stacks of every project.")] = False,
    as_json: JsonOption = False,
    cwd: CwdOption = None,
    backend_url: BackendOption = None,
    non_interactive: NonInteractiveOption = False,
) -> None:
    """List the project's stacks (the selected one marked with '*')."""
    with reported_errors():
        session = open_session(cwd, backend_url, non_interactive, None)
        summaries = session.backend.list_stacks(None if all_projects else session.project.name)
        current = current_stack(session.project, session.backend.url)
        rows = [_stack_row(s, session, current) for s in summaries]
        if as_json:
            typer.echo(json.dumps(rows, indent=4))
        else:
            _print_stack_table(rows, all_projects)


def _stack_row(summary: StackSummary, session: Session, current: str | None) -> dict[str, Any]:
    own = summary.ref.project == session.project.name
    name = summary.ref.name if own else summary.ref.fully_qualified_name
    row: dict[str, Any] = {"name": name, "current": own and summary.ref.name == current}
    if summary.last_update is not None:
        row["lastUpdate"] = summary.last_update
    if summary.resource_count is not None:
        row["resourceCount"] = summary.resource_count
    row["url"] = f"{session.backend.url.rstrip('/')}/.pulumi/stacks/{summary.ref.project}/{summary.ref.name}.json"
    return row


def _print_stack_table(rows: list[dict[str, Any]], all_projects: bool) -> None:
    if not rows:
        hint = "" if all_projects else "; create one with `aicompute stack init NAME`"
        typer.echo(f"No stacks{hint}")
        return
    table = [("NAME", "LAST UPDATE", "RESOURCE COUNT")] + [
        (
            row["name"] + ("*" if row["current"] else ""),
            row.get("lastUpdate", "n/a"),
            str(row.get("resourceCount", "n/a")),
        )
        for row in rows
    ]
    print_table(table)


@stack_app.command("select")
def stack_select(
    name: Annotated[str, typer.Argument(help="The stack to select.")],
    cwd: CwdOption = None,
    backend_url: BackendOption = None,
    non_interactive: NonInteractiveOption = False,
) -> None:
    """Select the stack later commands use by default."""
    with reported_errors():
        session, ref = open_stack(cwd, backend_url, non_interactive, name)
        select_stack(session.project, session.backend.url, ref.name)


@stack_app.command("rm")
def stack_rm(
    name: Annotated[str | None, typer.Argument(help="The stack (default: the selected one).")] = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Skip the confirmation.")] = False,
    force: Annotated[bool, typer.Option("--force", "-f", help="Remove even if it still has resources.")] = False,
    preserve_config: Annotated[bool, typer.Option(help="Keep Pulumi.<stack>.yaml.")] = False,
    stack: StackOption = None,
    cwd: CwdOption = None,
    backend_url: BackendOption = None,
    non_interactive: NonInteractiveOption = False,
) -> None:
    """Remove a stack and its configuration (refused while it has resources, unless --force)."""
    with reported_errors():
        session, ref = open_stack(cwd, backend_url, non_interactive, name or stack)
        _confirm_removal(session, ref, yes)
        session.backend.remove_stack(ref, force=force)
        settings_path = session.project.stack_settings_path(ref.name)
        if not preserve_config:
            settings_path.unlink(missing_ok=True)
        if current_stack(session.project, session.backend.url) == ref.name:
            select_stack(session.project, session.backend.url, None)
        typer.echo(f"Stack '{ref.name}' has been removed!")


def _confirm_removal(session: Session, ref: StackRef, yes: bool) -> None:
    if yes:
        return
    require_yes(session, yes)
    answer = typer.prompt(f"This will permanently remove the '{ref.name}' stack! Type its name to confirm")
    if answer != ref.name:
        raise CliError("confirmation declined, not proceeding with the removal")


@stack_app.command("output")
def stack_output(
    name: Annotated[str | None, typer.Argument(help="Print only this output.")] = None,
    as_json: JsonOption = False,
    show_secrets: ShowSecretsOption = False,
    stack: StackOption = None,
    cwd: CwdOption = None,
    backend_url: BackendOption = None,
    non_interactive: NonInteractiveOption = False,
) -> None:
    """Print the stack's outputs (secrets as [secret] unless --show-secrets)."""
    with reported_errors():
        session, ref = open_stack(cwd, backend_url, non_interactive, stack)
        outputs = _stack_outputs(session, ref, show_secrets)
        if name is not None:
            if name not in outputs:
                raise CliError(f"current stack does not have output property '{name}'")
            _print_output_value(outputs[name], as_json)
        elif as_json:
            typer.echo(indented_json(outputs))
        else:
            _print_outputs_table(outputs)


def _stack_outputs(session: Session, ref: StackRef, show_secrets: bool) -> dict[str, Any]:
    deployment_json = session.backend.export_deployment(ref)["deployment"]
    crypter: Crypter = RedactingCrypter()
    if show_secrets:
        settings = load_stack_settings(session.project, ref.name)
        crypter = state_crypter(deployment_json.get("secrets_providers"), session.secrets(settings, ref))
    outputs = Deployment.from_json(deployment_json, crypter).stack_outputs()
    shown: dict[str, Any] = reveal_values(outputs) if show_secrets else mask_secrets(outputs)
    return shown


def _print_output_value(value: Any, as_json: bool) -> None:
    if isinstance(value, str) and not as_json:
        typer.echo(value)
    else:
        typer.echo(indented_json(value) if as_json else compact_json(value))


def _print_outputs_table(outputs: Mapping[str, Any]) -> None:
    if not outputs:
        typer.echo("No output values currently in this stack")
        return
    typer.echo(f"Current stack outputs ({len(outputs)}):")
    rows = [("OUTPUT", "VALUE")] + [
        (key, value if isinstance(value, str) else compact_json(value)) for key, value in sorted(outputs.items())
    ]
    print_table(rows, indent="    ")


@stack_app.command("export")
def stack_export(
    file: Annotated[Path | None, typer.Option("--file", help="Write to this file instead of stdout.")] = None,
    show_secrets: ShowSecretsOption = False,
    stack: StackOption = None,
    cwd: CwdOption = None,
    backend_url: BackendOption = None,
    non_interactive: NonInteractiveOption = False,
) -> None:
    """Print the stack's deployment as `pulumi stack export` does."""
    with reported_errors():
        session, ref = open_stack(cwd, backend_url, non_interactive, stack)
        document = session.backend.export_deployment(ref)
        if show_secrets:
            settings = load_stack_settings(session.project, ref.name)
            block = document["deployment"].get("secrets_providers")
            document = reveal_secrets(document, state_crypter(block, session.secrets(settings, ref)))
        text = json.dumps(document, indent=4, ensure_ascii=False) + "\n"
        if file is None:
            typer.echo(text, nl=False)
        else:
            file.write_text(text, encoding="utf-8")


@stack_app.command("import")
def stack_import(
    file: Annotated[Path | None, typer.Option("--file", help="Read from this file instead of stdin.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Import even if resources name another stack.")] = False,
    stack: StackOption = None,
    cwd: CwdOption = None,
    backend_url: BackendOption = None,
    non_interactive: NonInteractiveOption = False,
) -> None:
    """Replace the stack's deployment with an exported one (`pulumi stack export` output), or with a
    checkpoint file (a stack whose file was deleted is restored from its `.bak` this way)."""
    with reported_errors():
        session = open_session(cwd, backend_url, non_interactive, stack)
        ref = session.stack_ref()
        restoring = not session.backend.exists(ref) and session.backend.kept_checkpoint(ref) is not None
        if not restoring:
            ref = session.existing_stack()
        text = file.read_text(encoding="utf-8") if file is not None else sys.stdin.read()
        document = _parse_export(text)
        if not force:
            _check_resources_belong(document["deployment"], ref)
        if restoring:
            session.backend.create_stack(ref)  # keeps the .bak among the stack's backups
        with session.backend.lock(ref):
            _import(session, ref, document)
        typer.echo("Import complete.")


def _parse_export(text: str) -> dict[str, Any]:
    try:
        document = json.loads(text)
    except ValueError as exc:
        raise CliError(f"the deployment to import is not valid JSON: {exc}") from exc
    checkpoint = document.get("checkpoint") if isinstance(document, dict) else None
    if isinstance(checkpoint, dict) and isinstance(checkpoint.get("latest"), dict):
        document = {"version": document.get("version"), "deployment": checkpoint["latest"]}  # a checkpoint file
    if not isinstance(document, dict) or not isinstance(document.get("deployment"), dict):
        raise CliError("the deployment to import must be an object with 'version' and 'deployment'")
    if document.get("version") != 3:
        raise CliError(f"cannot import a deployment of version {document.get('version')!r} (expected 3)")
    return document


def _check_resources_belong(deployment: Mapping[str, Any], ref: StackRef) -> None:
    for resource in deployment.get("resources") or []:
        urn = str(resource.get("urn", "")) if isinstance(resource, dict) else ""
        try:
            parts = parse_urn(urn)
        except UrnError as exc:
            raise CliError(str(exc)) from exc
        if (parts.stack, parts.project) != (ref.name, ref.project):
            raise CliError(
                f"resource {urn} belongs to stack '{parts.stack}' of project '{parts.project}', not "
                f"'{ref.name}' of '{ref.project}' (pass --force to import it anyway)"
            )


def _import(session: Session, ref: StackRef, document: dict[str, Any]) -> None:
    """Write an export, re-encrypting its secrets only when they are in plaintext or under another salt."""
    settings = load_stack_settings(session.project, ref.name)
    deployment_json = document["deployment"]
    forms = _secret_forms(deployment_json)
    same_salt = salt_from_secrets_providers(deployment_json.get("secrets_providers")) == settings.encryption_salt
    if not forms or (forms == {"ciphertext"} and same_salt and settings.encryption_salt):
        if settings.encryption_salt:
            deployment_json["secrets_providers"] = secrets_providers_block(settings.encryption_salt)
        session.backend.import_deployment(ref, document)
        return
    target = session.secrets(settings, ref, create=True)
    source = state_crypter(deployment_json.get("secrets_providers"), target)
    deployment = Deployment.from_json(deployment_json, source)
    deployment.secrets_providers = target.secrets_providers()
    session.backend.import_deployment(ref, {"version": 3, "deployment": deployment.to_json(target)})


def _secret_forms(value: Any) -> set[str]:
    """Which of ``ciphertext``/``plaintext`` the secrets in an exported value use."""
    if is_secret(value):
        return {form for form in ("ciphertext", "plaintext") if form in value}
    children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else []
    return set().union(*(_secret_forms(child) for child in children))
