"""Pulumi's passphrase secrets provider, bit-compatible with the Pulumi CLI.

The scheme (``pkg/secrets/passphrase`` and ``sdk/go/common/resource/config/crypt.go`` in Pulumi):

* key: PBKDF2-HMAC-SHA256 over the passphrase and an 8-byte random salt, 1,000,000 iterations,
  32 bytes;
* a value: AES-256-GCM with a 12-byte random nonce, written ``v1:<base64 nonce>:<base64 ciphertext>``
  (the ciphertext carries the 16-byte GCM tag at its end; base64 is standard and padded);
* the stack's salt state (``encryptionsalt:`` in ``Pulumi.<stack>.yaml``, and
  ``secrets_providers.state.salt`` in the checkpoint): ``v1:<base64 salt>:`` followed by the
  encryption of the string ``pulumi``, which is how a wrong passphrase is recognised.

Deriving the key costs about a quarter of a second, so a manager derives it once, and managers are
cached per (salt state, passphrase) for the life of the process.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

PROVIDER_TYPE = "passphrase"
PBKDF2_ITERATIONS = 1_000_000
KEY_BYTES = 32
SALT_BYTES = 8
NONCE_BYTES = 12
CHECK_PLAINTEXT = "pulumi"
VERSION_TAG = "v1"
PASSPHRASE_ENV = "PULUMI_CONFIG_PASSPHRASE"
PASSPHRASE_FILE_ENV = "PULUMI_CONFIG_PASSPHRASE_FILE"


class SecretsError(Exception):
    """A value or a salt state could not be encrypted or decrypted."""


class WrongPassphrase(SecretsError):
    """The passphrase does not open this stack's secrets."""


class MissingPassphrase(SecretsError):
    """Neither passphrase environment variable is set."""


class Crypter(Protocol):
    """What state and config encoding need: ``v1:…`` strings in and out."""

    def encrypt(self, plaintext: str) -> str: ...

    def decrypt(self, ciphertext: str) -> str: ...


def derive_key(passphrase: str, salt: bytes) -> bytes:
    """The AES key for a passphrase and salt (the slow part: 1,000,000 PBKDF2 rounds); one that
    ``derive_key_ahead`` started is waited for instead."""
    with _ahead_lock:
        ahead = _ahead.pop(_ahead_label(passphrase, salt), None)
    if ahead is not None:
        ahead.join()
        if ahead.key is not None:
            return ahead.key
    return _pbkdf2(passphrase, salt)


def _pbkdf2(passphrase: str, salt: bytes) -> bytes:
    return hashlib.pbkdf2_hmac("sha256", passphrase.encode(), salt, PBKDF2_ITERATIONS, KEY_BYTES)


def derive_key_ahead(passphrase: str, salt_state: str) -> None:
    """Start deriving the key of a salt state on a thread (hashlib lets go of the GIL, so it uses
    another core), for a later ``derive_key`` with the same passphrase and salt to take. Nothing
    happens for a malformed salt state: the command reports it when it opens the stack."""
    try:
        salt, _ = _split_salt_state(salt_state)
    except SecretsError:
        return
    label = _ahead_label(passphrase, salt)
    with _ahead_lock:
        if label in _ahead:
            return
        ahead = _ahead[label] = _AheadDerivation(passphrase, salt)
    ahead.start()


def _ahead_label(passphrase: str, salt: bytes) -> tuple[bytes, bytes]:
    return salt, _passphrase_digest(passphrase)


def _passphrase_digest(passphrase: str) -> bytes:
    """What the caches key a passphrase by (never the passphrase itself)."""
    return hashlib.sha256(passphrase.encode()).digest()


class _AheadDerivation(threading.Thread):
    """One ``derive_key_ahead``: ``key`` once the thread has ended (None had it failed)."""

    def __init__(self, passphrase: str, salt: bytes) -> None:
        super().__init__(name="derive-key-ahead", daemon=True)
        self.passphrase, self.salt = passphrase, salt
        self.key: bytes | None = None

    def run(self) -> None:
        self.key = _pbkdf2(self.passphrase, self.salt)


_ahead: dict[tuple[bytes, bytes], _AheadDerivation] = {}  # by salt and passphrase digest
_ahead_lock = threading.Lock()


def _b64decode(text: str, what: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise SecretsError(f"malformed {what}: not base64") from exc


def encrypt_with_key(key: bytes, plaintext: str) -> str:
    """``v1:<nonce>:<ciphertext>`` for ``plaintext`` under ``key``."""
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(key).encrypt(nonce, plaintext.encode(), None)
    return f"{VERSION_TAG}:{base64.b64encode(nonce).decode()}:{base64.b64encode(sealed).decode()}"


def decrypt_with_key(key: bytes, ciphertext: str) -> str:
    """The plaintext of a ``v1:<nonce>:<ciphertext>`` value; ``SecretsError`` if it does not open."""
    parts = ciphertext.split(":")
    if len(parts) != 3 or parts[0] != VERSION_TAG:
        raise SecretsError("malformed ciphertext: expected 'v1:<nonce>:<ciphertext>'")
    nonce = _b64decode(parts[1], "ciphertext nonce")
    sealed = _b64decode(parts[2], "ciphertext")
    try:
        return AESGCM(key).decrypt(nonce, sealed, None).decode()
    except (InvalidTag, ValueError, UnicodeDecodeError) as exc:
        raise SecretsError("a secret value could not be decrypted (wrong passphrase or corrupted value)") from exc


def _split_salt_state(salt_state: str) -> tuple[bytes, str]:
    """The salt and the check ciphertext of ``v1:<salt>:v1:<nonce>:<ciphertext>``."""
    parts = salt_state.split(":", 2)
    if len(parts) != 3 or parts[0] != VERSION_TAG:
        raise SecretsError("malformed encryption salt: expected 'v1:<base64 salt>:v1:<nonce>:<ciphertext>'")
    return _b64decode(parts[1], "encryption salt"), parts[2]


class PassphraseSecretsManager:
    """Encrypts and decrypts a stack's secrets with a key derived once from the passphrase.

    Build one with :meth:`from_encryption_salt` (an existing stack) or :meth:`create` (a new
    salt); ``encryption_salt`` is what goes into ``Pulumi.<stack>.yaml`` and ``secrets_providers``.
    """

    _cache: dict[tuple[str, bytes], PassphraseSecretsManager] = {}
    _cache_lock = threading.Lock()

    def __init__(self, key: bytes, encryption_salt: str) -> None:
        self._key = key
        self._encryption_salt = encryption_salt

    @classmethod
    def from_encryption_salt(cls, salt_state: str, passphrase: str) -> PassphraseSecretsManager:
        """The manager for an existing salt state; ``WrongPassphrase`` if its check value does not open."""
        cache_key = (salt_state, _passphrase_digest(passphrase))
        with cls._cache_lock:
            cached = cls._cache.get(cache_key)
        if cached is not None:
            return cached
        salt, check = _split_salt_state(salt_state)
        key = derive_key(passphrase, salt)
        try:
            opened = decrypt_with_key(key, check)
        except SecretsError:
            opened = None
        if opened != CHECK_PLAINTEXT:
            raise WrongPassphrase(
                "incorrect passphrase: it does not decrypt this stack's encryption salt "
                f"(set {PASSPHRASE_ENV} or {PASSPHRASE_FILE_ENV} to the stack's passphrase)"
            )
        manager = cls(key, salt_state)
        with cls._cache_lock:
            cls._cache[cache_key] = manager
        return manager

    @classmethod
    def create(cls, passphrase: str) -> PassphraseSecretsManager:
        """A manager with a new random salt (for a new stack or ``--rotate``)."""
        salt = os.urandom(SALT_BYTES)
        key = derive_key(passphrase, salt)
        salt_state = f"{VERSION_TAG}:{base64.b64encode(salt).decode()}:{encrypt_with_key(key, CHECK_PLAINTEXT)}"
        manager = cls(key, salt_state)
        with cls._cache_lock:
            cls._cache[(salt_state, _passphrase_digest(passphrase))] = manager
        return manager

    @property
    def encryption_salt(self) -> str:
        """The salt state: ``v1:<base64 salt>:v1:<nonce>:<ciphertext of "pulumi">``."""
        return self._encryption_salt

    def encrypt(self, plaintext: str) -> str:
        return encrypt_with_key(self._key, plaintext)

    def decrypt(self, ciphertext: str) -> str:
        return decrypt_with_key(self._key, ciphertext)

    def secrets_providers(self) -> dict[str, Any]:
        """The checkpoint's ``secrets_providers`` block, as the Pulumi CLI writes it."""
        return secrets_providers_block(self._encryption_salt)

    def __repr__(self) -> str:
        return f"PassphraseSecretsManager(encryption_salt={self._encryption_salt!r})"


def secrets_providers_block(salt_state: str) -> dict[str, Any]:
    """``{"type": "passphrase", "state": {"salt": <salt state>}}``."""
    return {"type": PROVIDER_TYPE, "state": {"salt": salt_state}}


def salt_from_secrets_providers(block: Mapping[str, Any] | None) -> str | None:
    """The salt state of a passphrase ``secrets_providers`` block; ``None`` for none or another type."""
    if not block or block.get("type") != PROVIDER_TYPE:
        return None
    state = block.get("state")
    salt = state.get("salt") if isinstance(state, Mapping) else None
    return salt if isinstance(salt, str) and salt else None


def passphrase_from_environment(environ: Mapping[str, str] | None = None) -> str:
    """The passphrase, as the Pulumi CLI finds it without prompting.

    ``PULUMI_CONFIG_PASSPHRASE`` wins when set (even empty); otherwise the contents of the file named
    by ``PULUMI_CONFIG_PASSPHRASE_FILE`` with surrounding whitespace removed.
    """
    env = os.environ if environ is None else environ
    if PASSPHRASE_ENV in env:
        return env[PASSPHRASE_ENV]
    path = env.get(PASSPHRASE_FILE_ENV, "")
    if path:
        try:
            return Path(path).expanduser().read_text().strip()
        except OSError as exc:
            raise MissingPassphrase(f"unable to read {PASSPHRASE_FILE_ENV} ({path}): {exc.strerror}") from exc
    raise MissingPassphrase(
        f"passphrase must be set with the {PASSPHRASE_ENV} or {PASSPHRASE_FILE_ENV} environment variable"
    )
