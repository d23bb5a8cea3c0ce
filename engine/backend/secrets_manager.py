"""Opening a stack's secrets manager, as the Pulumi CLI does for a passphrase stack.

The salt comes from ``encryptionsalt`` in ``Pulumi.<stack>.yaml``; when that file has none but the
stack's state records one (``secrets_providers``), the state's salt is used and copied into the
settings (the caller saves them). A stack with neither gets a new salt only when ``create`` is
asked (``stack init``, or the first ``config set --secret``).

A state written under a different salt than the settings' (after a rotation elsewhere) is read with
a manager for its own salt: ``state_crypter``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aicompute.engine.backend.project import StackSettings
from aicompute.engine.secrets.passphrase import (
    PassphraseSecretsManager,
    SecretsError,
    passphrase_from_environment,
    salt_from_secrets_providers,
)


def open_stack_secrets(
    settings: StackSettings,
    secrets_providers: Mapping[str, Any] | None = None,
    passphrase: str | None = None,
    *,
    create: bool = False,
) -> PassphraseSecretsManager:
    """The stack's manager; may set ``settings.encryption_salt`` (then save the settings).

    ``passphrase`` defaults to ``passphrase_from_environment()``; ``WrongPassphrase`` when it does
    not open the salt; ``SecretsError`` when the stack has no salt and ``create`` is false.
    """
    salt = settings.encryption_salt or salt_from_secrets_providers(secrets_providers)
    phrase = passphrase_from_environment() if passphrase is None else passphrase
    if salt:
        manager = PassphraseSecretsManager.from_encryption_salt(salt, phrase)
    elif create:
        manager = PassphraseSecretsManager.create(phrase)
    else:
        raise SecretsError(
            f"stack '{settings.stack}' has no encryption salt in {settings.path.name} or in its state; "
            "create the stack with `aicompute stack init`"
        )
    settings.encryption_salt = manager.encryption_salt
    return manager


def state_crypter(
    secrets_providers: Mapping[str, Any] | None, manager: PassphraseSecretsManager, passphrase: str | None = None
) -> PassphraseSecretsManager:
    """The manager that decrypts a state recorded under ``secrets_providers`` (``manager`` when it is the same salt)."""
    salt = salt_from_secrets_providers(secrets_providers)
    if salt is None or salt == manager.encryption_salt:
        return manager
    phrase = passphrase_from_environment() if passphrase is None else passphrase
    return PassphraseSecretsManager.from_encryption_salt(salt, phrase)
