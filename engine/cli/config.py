"""``aicompute config …`` (Pulumi.<stack>.yaml): list, set (``--secret``, ``--path``, ``--type``), get,
rm, as the Pulumi CLI does. A listing prints secret values only with ``--show-secrets``; ``get`` of
one key prints it decrypted, as Pulumi's does.
"""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

from aicompute.engine.backend.config import config_text, decrypt_structure, is_secret_value, yaml_value_text
from aicompute.engine.backend.config_paths import split_path, with_value_at, without_value_at
from aicompute.engine.backend.config_types import (
    CONFIG_TYPES,
    ConfigScalar,
    canonical_text,
    coerced,
    is_boolean_text,
    parse_typed,
)
from aicompute.engine.backend.project import (
    MISSING,
    ConfigValue,
    PlainValue,
    Project,
    SecureValue,
    StackSettings,
    load_stack_settings,
    save_stack_settings,
)
from aicompute.engine.cli.session import (
    BackendOption,
    CliError,
    CwdOption,
    JsonOption,
    NonInteractiveOption,
    PathOption,
    Session,
    ShowSecretsOption,
    StackOption,
    compact_json,
    open_stack,
    print_table,
    reported_errors,
)
from aicompute.engine.resource.checkpoint_values import MASK
from aicompute.engine.secrets.passphrase import (
    PassphraseSecretsManager,
)

config_app = typer.Typer(help="Manage a stack's configuration (Pulumi.<stack>.yaml).", invoke_without_command=True)


def register(app: typer.Typer) -> None:
    """Add the ``config`` command group to the ``aicompute`` app."""
    app.add_typer(config_app, name="config")


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
            # Sorted keys (``entries`` is), each entry's fields in Pulumi's struct order.
            typer.echo(json.dumps({k: {"value": v, "secret": s} for k, (v, s) in entries.items()}, indent=2))
        elif not entries:
            typer.echo("No configuration values for this stack")
        else:
            rows = ((_short_key(session.project, k), v) for k, (v, _) in entries.items())
            print_table([("KEY", "VALUE"), *rows])


def _config_keys(project: Project, settings: StackSettings) -> list[str]:
    """Every key with a value, sorted (as Pulumi lists them)."""
    declared = [k for k, d in project.config.items() if d.value is not MISSING or d.default is not MISSING]
    return sorted({*settings.config, *declared})


def _short_key(project: Project, key: str) -> str:
    """A key of the project's own namespace without it, as Pulumi's listing shows it."""
    namespace, _, name = key.partition(":")
    return name if namespace == project.name else key


def _display(
    key: str, session: Session, settings: StackSettings, secrets: PassphraseSecretsManager | None
) -> tuple[str, bool]:
    """(text, is secret) of a config key: the stack's value, else the project's value or default."""
    value = settings.config.get(key)
    declaration = session.project.config.get(key)
    secret = _is_secret(key, session, settings)
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
    return compact_json(decrypt_structure(structure, secrets, key)), secret


@config_app.command("set")
def config_set(
    key: Annotated[str, typer.Argument(help="The key, e.g. region or aicompute:region.")],
    value: Annotated[str | None, typer.Argument(help="The value (default: read from stdin).")] = None,
    secret: Annotated[bool, typer.Option("--secret", help="Encrypt the value.")] = False,
    plaintext: Annotated[bool, typer.Option("--plaintext", help="Store the value unencrypted.")] = False,
    type_: Annotated[
        str | None,
        typer.Option("--type", help="Save the value as this type: string, bool, int or float (as Pulumi's --type)."),
    ] = None,
    path: PathOption = False,
    stack: StackOption = None,
    cwd: CwdOption = None,
    backend_url: BackendOption = None,
    non_interactive: NonInteractiveOption = False,
) -> None:
    """Set a configuration value in Pulumi.<stack>.yaml (with --path, inside a structured value)."""
    with reported_errors():
        if sum((secret, plaintext, type_ is not None)) > 1:
            raise CliError("--secret, --plaintext and --type cannot be used together")
        if type_ is not None and type_ not in CONFIG_TYPES:
            raise CliError(f"invalid type {type_!r}; must be one of string, int, bool, or float")
        session, ref = open_stack(cwd, backend_url, non_interactive, stack)
        top, inner = split_path(key) if path else (key, [])
        full_key = session.project.namespaced(top)
        declaration = session.project.config.get(full_key)
        if declaration is not None and declaration.secret and not secret:
            raise CliError(f"configuration key '{full_key}' is declared secret in Pulumi.yaml: pass --secret")
        text = value if value is not None else _read_value(session, full_key, secret)
        settings = load_stack_settings(session.project, ref.name)
        leaf: ConfigValue | ConfigScalar
        if secret:
            leaf = SecureValue(session.secrets(settings, ref, create=True).encrypt(text))
        else:
            leaf = _plain_leaf(text, type_, nested=bool(inner))
        settings.config[full_key] = with_value_at(settings.config.get(full_key), inner, leaf)
        save_stack_settings(settings)


def _plain_leaf(text: str, type_: str | None, *, nested: bool) -> PlainValue | ConfigScalar:
    """What ``config set`` stores for plain text: typed (``--type``) or coerced below the top of a
    path; text at the top of a key (see ``config_types``)."""
    if type_ == "bool" and not is_boolean_text(text):
        typer.echo(f"warning: {text!r} is not a boolean: stored as false (as Pulumi does)", err=True)
    if type_ is not None:
        value = parse_typed(text, type_)
        return value if nested else PlainValue(canonical_text(value))
    return coerced(text) if nested else PlainValue(text)


def _read_value(session: Session, key: str, secret: bool) -> str:
    if session.interactive:
        prompted: str = typer.prompt(f"value for {key}", hide_input=secret)
        return prompted
    return sys.stdin.read().rstrip("\n")


@config_app.command("get")
def config_get(
    key: Annotated[str, typer.Argument(help="The key to print.")],
    show_secrets: Annotated[
        bool, typer.Option("--show-secrets", hidden=True, help="Accepted for compatibility: get always decrypts.")
    ] = False,
    stack: StackOption = None,
    cwd: CwdOption = None,
    backend_url: BackendOption = None,
    non_interactive: NonInteractiveOption = False,
) -> None:
    """Print one configuration value, a secret one decrypted (as Pulumi's ``config get`` does)."""
    with reported_errors():
        session, ref = open_stack(cwd, backend_url, non_interactive, stack)
        full_key = session.project.namespaced(key)
        settings = load_stack_settings(session.project, ref.name)
        if full_key not in _config_keys(session.project, settings):
            raise CliError(f"configuration key '{full_key}' not found for stack '{ref.name}'")
        secrets = session.secrets(settings, ref) if _is_secret(full_key, session, settings) else None
        text, _ = _display(full_key, session, settings, secrets)
        typer.echo(text)


def _is_secret(key: str, session: Session, settings: StackSettings) -> bool:
    value, declaration = settings.config.get(key), session.project.config.get(key)
    return (value is not None and is_secret_value(value)) or bool(declaration and declaration.secret)


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
