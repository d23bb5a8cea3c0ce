"""``aicompute stack …`` and ``aicompute config …``, mirroring the Pulumi CLI's verbs and flags.

Every command takes ``--stack/-s`` (else the selected stack), ``--cwd/-C`` (where to look for
``Pulumi.yaml``), ``--backend-url`` (else ``AICOMPUTE_BACKEND_URL``, ``PULUMI_BACKEND_URL``,
``Pulumi.yaml``'s ``backend.url``, ``file://~``) and ``--non-interactive`` (never prompt; also when
``CI`` is set or there is no terminal). The passphrase comes from ``PULUMI_CONFIG_PASSPHRASE`` or
``PULUMI_CONFIG_PASSPHRASE_FILE``, or a prompt when interactive. Secret values are printed only with
``--show-secrets``. Errors print ``error: …`` on stderr and exit 1.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer

from aicompute.engine.backend.config import config_text, decrypt_structure, is_secret_value, yaml_value_text
from aicompute.engine.backend.config_paths import split_path, with_value_at, without_value_at
from aicompute.engine.backend.diy import BackendError, FileBackend, StackRef, StackSummary
from aicompute.engine.backend.lock import StackLocked
from aicompute.engine.backend.project import (
    MISSING,
    ConfigValue,
    PlainValue,
    Project,
    SecureValue,
    StackSettings,
    load_project,
    load_stack_settings,
    save_stack_settings,
)
from aicompute.engine.backend.secrets_manager import open_stack_secrets, state_crypter
from aicompute.engine.backend.workspace import current_stack, select_stack
from aicompute.engine.resource.checkpoint_values import MASK, RedactingCrypter, is_secret, mask_secrets, reveal_secrets
from aicompute.engine.resource.checkpoint_values import unwrap_secrets as reveal_values
from aicompute.engine.resource.state import Deployment
from aicompute.engine.resource.urn import UrnError, parse_urn
from aicompute.engine.secrets.passphrase import (
    Crypter,
    MissingPassphrase,
    PassphraseSecretsManager,
    SecretsError,
    passphrase_from_environment,
    salt_from_secrets_providers,
    secrets_providers_block,
)

stack_app = typer.Typer(no_args_is_help=True, help="Manage stacks: create, list, select, remove, outputs, state.")
config_app = typer.Typer(help="Manage a stack's configuration (Pulumi.<stack>.yaml).", invoke_without_command=True)

StackOption = Annotated[str | None, typer.Option("--stack", "-s", help="The stack (default: the selected one).")]
CwdOption = Annotated[Path | None, typer.Option("--cwd", "-C", help="Run as if started in this directory.")]
BackendOption = Annotated[
    str | None, typer.Option("--backend-url", help="State backend (file:// only; default file://~).")
]
NonInteractiveOption = Annotated[bool, typer.Option("--non-interactive", help="Never prompt.")]
ShowSecretsOption = Annotated[bool, typer.Option("--show-secrets", help="Print secret values in plaintext.")]
JsonOption = Annotated[bool, typer.Option("--json", "-j", help="Print JSON.")]


def register(app: typer.Typer) -> None:
    """Add the ``stack`` and ``config`` command groups to the ``aicompute`` app."""
    app.add_typer(stack_app, name="stack")
    app.add_typer(config_app, name="config")


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
    except errors as exc:
        message = getattr(exc, "message", None)  # a provider's own error, without its traceback
        typer.echo(f"error: {message if isinstance(message, str) else exc}", err=True)
        raise typer.Exit(1) from None


@dataclass
class Session:
    """The project, backend and interaction mode one command works with."""

    project: Project
    backend: FileBackend
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
            raise CliError(
                f"no stack named '{ref.name}' in project '{ref.project}' at {self.backend.url} "
                f"(create it with `aicompute stack init {ref.name}`)"
            )
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
    backend = FileBackend.open(backend_url, project)
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


# stack --------------------------------------------------------------------------------------------
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
        session.backend.create_stack(ref)
        save_stack_settings(settings)
        select_stack(session.project, session.backend.url, ref.name)
        typer.echo(f"Created stack '{ref.name}'")


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
    _print_table(table)


def _print_table(rows: Sequence[Sequence[str]], indent: str = "") -> None:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        typer.echo(indent + "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())


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
            typer.echo(json.dumps(outputs, indent=4, ensure_ascii=False))
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
        typer.echo(json.dumps(value, indent=4 if as_json else None, ensure_ascii=False))


def _print_outputs_table(outputs: Mapping[str, Any]) -> None:
    if not outputs:
        typer.echo("No output values currently in this stack")
        return
    typer.echo(f"Current stack outputs ({len(outputs)}):")
    rows = [("OUTPUT", "VALUE")] + [
        (key, value if isinstance(value, str) else json.dumps(value, ensure_ascii=False))
        for key, value in sorted(outputs.items())
    ]
    _print_table(rows, indent="    ")


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
    """Replace the stack's deployment with an exported one (`pulumi stack export` output)."""
    with reported_errors():
        session, ref = open_stack(cwd, backend_url, non_interactive, stack)
        text = file.read_text(encoding="utf-8") if file is not None else sys.stdin.read()
        document = _parse_export(text)
        if not force:
            _check_resources_belong(document["deployment"], ref)
        with session.backend.lock(ref):
            _import(session, ref, document)
        typer.echo("Import complete.")


def _parse_export(text: str) -> dict[str, Any]:
    try:
        document = json.loads(text)
    except ValueError as exc:
        raise CliError(f"the deployment to import is not valid JSON: {exc}") from exc
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


# config -------------------------------------------------------------------------------------------
@config_app.callback()
def config_list(
    ctx: typer.Context,
    show_secrets: ShowSecretsOption = False,
    as_json: JsonOption = False,
    stack: StackOption = None,
    cwd: CwdOption = None,
    backend_url: BackendOption = None,
    non_interactive: NonInteractiveOption = False,
) -> None:
    """With no subcommand: list the stack's configuration (secrets as [secret] unless --show-secrets)."""
    if ctx.invoked_subcommand is not None:
        return
    with reported_errors():
        session, ref = open_stack(cwd, backend_url, non_interactive, stack)
        settings = load_stack_settings(session.project, ref.name)
        secrets = session.secrets(settings, ref) if show_secrets else None
        entries = {key: _display(key, session, settings, secrets) for key in _config_keys(session.project, settings)}
        if as_json:
            typer.echo(json.dumps({k: {"value": v, "secret": s} for k, (v, s) in entries.items()}, indent=4))
        elif not entries:
            typer.echo("No configuration values for this stack")
        else:
            _print_table([("KEY", "VALUE"), *((k, v) for k, (v, _) in entries.items())])


def _config_keys(project: Project, settings: StackSettings) -> list[str]:
    declared = [k for k, d in project.config.items() if d.value is not MISSING or d.default is not MISSING]
    return list(dict.fromkeys([*settings.config, *declared]))


def _display(
    key: str, session: Session, settings: StackSettings, secrets: PassphraseSecretsManager | None
) -> tuple[str, bool]:
    """(text, is secret) of a config key: the stack's value, else the project's value or default."""
    value = settings.config.get(key)
    declaration = session.project.config.get(key)
    secret = (value is not None and is_secret_value(value)) or bool(declaration and declaration.secret)
    if secret and secrets is None:
        return MASK, True
    if value is None and declaration is not None:
        found = declaration.value if declaration.value is not MISSING else declaration.default
        return yaml_value_text(found), secret
    if isinstance(value, PlainValue):
        return value.text, secret
    if isinstance(value, SecureValue):
        return config_text(value, secrets, key), secret
    structure = value.value if value is not None else None
    return json.dumps(decrypt_structure(structure, secrets, key), ensure_ascii=False), secret


@config_app.command("set")
def config_set(
    key: Annotated[str, typer.Argument(help="The key, e.g. region or aicompute:region.")],
    value: Annotated[str | None, typer.Argument(help="The value (default: read from stdin).")] = None,
    secret: Annotated[bool, typer.Option("--secret", help="Encrypt the value.")] = False,
    plaintext: Annotated[bool, typer.Option("--plaintext", help="Store the value unencrypted.")] = False,
    path: PathOption = False,
    stack: StackOption = None,
    cwd: CwdOption = None,
    backend_url: BackendOption = None,
    non_interactive: NonInteractiveOption = False,
) -> None:
    """Set a configuration value in Pulumi.<stack>.yaml (with --path, inside a structured value)."""
    with reported_errors():
        if secret and plaintext:
            raise CliError("--secret and --plaintext cannot be used together")
        session, ref = open_stack(cwd, backend_url, non_interactive, stack)
        top, inner = split_path(key) if path else (key, [])
        full_key = session.project.namespaced(top)
        declaration = session.project.config.get(full_key)
        if declaration is not None and declaration.secret and not secret:
            raise CliError(f"configuration key '{full_key}' is declared secret in Pulumi.yaml: pass --secret")
        text = value if value is not None else _read_value(session, full_key, secret)
        settings = load_stack_settings(session.project, ref.name)
        leaf: ConfigValue = PlainValue(text)
        if secret:
            leaf = SecureValue(session.secrets(settings, ref, create=True).encrypt(text))
        settings.config[full_key] = with_value_at(settings.config.get(full_key), inner, leaf)
        save_stack_settings(settings)


def _read_value(session: Session, key: str, secret: bool) -> str:
    if session.interactive:
        prompted: str = typer.prompt(f"value for {key}", hide_input=secret)
        return prompted
    return sys.stdin.read().rstrip("\n")


@config_app.command("get")
def config_get(
    key: Annotated[str, typer.Argument(help="The key to print.")],
    show_secrets: ShowSecretsOption = False,
    stack: StackOption = None,
    cwd: CwdOption = None,
    backend_url: BackendOption = None,
    non_interactive: NonInteractiveOption = False,
) -> None:
    """Print one configuration value (a secret only with --show-secrets)."""
    with reported_errors():
        session, ref = open_stack(cwd, backend_url, non_interactive, stack)
        full_key = session.project.namespaced(key)
        settings = load_stack_settings(session.project, ref.name)
        if full_key not in _config_keys(session.project, settings):
            raise CliError(f"configuration key '{full_key}' not found for stack '{ref.name}'")
        secrets = session.secrets(settings, ref) if show_secrets else None
        text, secret = _display(full_key, session, settings, secrets)
        typer.echo(text)
        if secret and not show_secrets:
            typer.echo(f"'{full_key}' is a secret: pass --show-secrets to print its value", err=True)


@config_app.command("rm")
def config_rm(
    key: Annotated[str, typer.Argument(help="The key to remove.")],
    path: PathOption = False,
    stack: StackOption = None,
    cwd: CwdOption = None,
    backend_url: BackendOption = None,
    non_interactive: NonInteractiveOption = False,
) -> None:
    """Remove a configuration value from Pulumi.<stack>.yaml (with --path, an entry inside one)."""
    with reported_errors():
        session, ref = open_stack(cwd, backend_url, non_interactive, stack)
        settings = load_stack_settings(session.project, ref.name)
        top, inner = split_path(key) if path else (key, [])
        full_key = session.project.namespaced(top)
        current = settings.config.get(full_key)
        if current is None:
            return
        if inner:
            settings.config[full_key] = without_value_at(current, inner)
        else:
            del settings.config[full_key]
        save_stack_settings(settings)
