"""The effective configuration of a run, as the Pulumi CLI hands it to a program.

``resolve_config`` merges a stack's ``Pulumi.<stack>.yaml`` values with the project's declarations
(``Pulumi.yaml`` ``config``): stack values win; otherwise a declaration's ``value`` or ``default``
applies; a project key declared without either must be set by the stack. Declared types are
checked, and a key declared ``secret: true`` must be a ``secure:`` value in the stack.

The result is what the language host passes in ``PULUMI_CONFIG`` and ``PULUMI_CONFIG_SECRET_KEYS``:
every key namespaced (``proj:key``), every value a string — secrets decrypted, structured values as
compact JSON (sorted keys, as Go marshals maps), booleans ``true``/``false``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, NamedTuple

from aicompute.engine.backend.project import (
    MISSING,
    ConfigDeclaration,
    ConfigValue,
    ObjectValue,
    PlainValue,
    Project,
    ProjectError,
    SecureValue,
    StackSettings,
    is_secure_leaf,
    matches_type,
)
from aicompute.engine.secrets.passphrase import Crypter, SecretsError


class ConfigError(ProjectError):
    """The stack's configuration does not satisfy the project's declarations."""


class ResolvedConfig(NamedTuple):
    """``values`` (namespaced key → string) and the keys whose values are secret."""

    values: dict[str, str]
    secret_keys: set[str]


def resolve_config(project: Project, stack_settings: StackSettings, secrets: Crypter | None) -> ResolvedConfig:
    """The run's config; ``secrets`` may be ``None`` only when no value is ``secure:``."""
    values: dict[str, str] = {}
    secret_keys: set[str] = set()
    for key, value in stack_settings.config.items():
        values[key] = config_text(value, secrets, key)
        if is_secret_value(value):
            secret_keys.add(key)
    for decl in project.config.values():
        _apply_declaration(decl, stack_settings, values, secret_keys)
    return ResolvedConfig(values, secret_keys)


def _apply_declaration(
    decl: ConfigDeclaration, settings: StackSettings, values: dict[str, str], secret_keys: set[str]
) -> None:
    stack_value = settings.config.get(decl.key)
    if stack_value is not None:
        _check_stack_value(decl, stack_value, values[decl.key], settings.stack)
    elif decl.value is not MISSING:
        values[decl.key] = yaml_value_text(decl.value)
    elif decl.default is not MISSING:
        values[decl.key] = yaml_value_text(decl.default)
    else:
        raise ConfigError(
            f"Stack '{settings.stack}' is missing configuration value '{decl.key}' "
            f"(Pulumi.yaml declares it without a default); set it with `aicompute config set {decl.key} <value>`"
        )
    if decl.secret:
        secret_keys.add(decl.key)


def _check_stack_value(decl: ConfigDeclaration, value: ConfigValue, text: str, stack: str) -> None:
    if decl.secret and not is_secret_value(value):
        raise ConfigError(
            f"Stack '{stack}' with configuration key '{decl.key}' must be encrypted as it's secret "
            f"(set it with `aicompute config set --secret {decl.key} <value>`)"
        )
    if decl.type is None:
        return
    typed = json.loads(text) if isinstance(value, ObjectValue) else text
    if not matches_type(typed, decl.type, decl.items):
        raise ConfigError(f"Stack '{stack}' with configuration key '{decl.key}' must be of type '{decl.type}'")


def is_secret_value(value: ConfigValue) -> bool:
    return isinstance(value, SecureValue) or (isinstance(value, ObjectValue) and value.has_secrets)


def config_text(value: ConfigValue, secrets: Crypter | None, key: str) -> str:
    """A stack config value as the program sees it (decrypted; structured values as JSON)."""
    if isinstance(value, PlainValue):
        return value.text
    if isinstance(value, SecureValue):
        return _crypter(secrets, key).decrypt(value.ciphertext)
    return _compact_json(decrypt_structure(value.value, secrets, key))


def decrypt_structure(value: Any, secrets: Crypter | None, key: str) -> Any:
    """A structured value with every ``{secure: …}`` leaf decrypted."""
    if is_secure_leaf(value):
        return _crypter(secrets, key).decrypt(value["secure"])
    if isinstance(value, Mapping):
        return {k: decrypt_structure(v, secrets, key) for k, v in value.items()}
    if isinstance(value, list):
        return [decrypt_structure(v, secrets, key) for v in value]
    return value


def _crypter(secrets: Crypter | None, key: str) -> Crypter:
    if secrets is None:
        raise SecretsError(f"configuration value '{key}' is secret and no secrets manager was given to decrypt it")
    return secrets


def yaml_value_text(value: Any) -> str:
    """A ``Pulumi.yaml`` value as config text: strings as they are, booleans lower-case, others JSON."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return _compact_json(value)


def _compact_json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=False)
