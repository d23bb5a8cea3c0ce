"""Property values between the engine's in-memory form and the checkpoint.

In memory a secret is the wire form that crosses gRPC in a ``Struct``,
``{"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", "value": <value>}``
(the same shape ``aicompute.engine.resource.wire_values`` uses). In the checkpoint the same signature carries
``ciphertext`` instead of ``value``: the encryption of the JSON of the (encoded) inner value, as
Pulumi's ``SerializePropertyValue`` writes it. ``stack export --show-secrets`` writes ``plaintext``
(the JSON, unencrypted); decoding accepts both.

Everything else — numbers, strings, the unknown sentinel, assets, archives, resource references —
is JSON in both forms and passes through unchanged, except that whole floats are written as integers
(``2``, not ``2.0``), as Go's encoder writes them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from aicompute.engine.secrets.passphrase import Crypter, SecretsError

SIG_KEY = "4dabf18193072939515e22adb298388d"
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
MASK = "[secret]"
_MAX_EXACT_FLOAT = 2**53


def secret(value: Any) -> dict[str, Any]:
    """The in-memory form of a secret holding ``value``."""
    return {SIG_KEY: SECRET_SIG, "value": value}


def is_secret(value: Any) -> bool:
    return isinstance(value, Mapping) and value.get(SIG_KEY) == SECRET_SIG


def _compact_json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=False)


def encode_value(value: Any, crypter: Crypter) -> Any:
    """The checkpoint form of one in-memory value (secrets encrypted, nested ones too)."""
    if is_secret(value):
        inner = encode_value(value.get("value"), crypter)
        return {SIG_KEY: SECRET_SIG, "ciphertext": crypter.encrypt(_compact_json(inner))}
    if isinstance(value, Mapping):
        return {str(k): encode_value(v, crypter) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [encode_value(v, crypter) for v in value]
    if isinstance(value, float) and value.is_integer() and abs(value) < _MAX_EXACT_FLOAT:
        return int(value)
    return value


def decode_value(value: Any, crypter: Crypter | None) -> Any:
    """The in-memory form of one checkpoint value; ``SecretsError`` for a secret without a crypter."""
    if is_secret(value):
        return secret(decode_value(json.loads(_secret_json(value, crypter)), crypter))
    if isinstance(value, Mapping):
        return {k: decode_value(v, crypter) for k, v in value.items()}
    if isinstance(value, list):
        return [decode_value(v, crypter) for v in value]
    return value


def _secret_json(value: Mapping[str, Any], crypter: Crypter | None) -> str:
    if "plaintext" in value:
        return str(value["plaintext"])
    if "value" in value:
        return _compact_json(value["value"])
    if crypter is None:
        raise SecretsError("the state holds encrypted secrets and no secrets manager was given to decrypt them")
    return crypter.decrypt(str(value.get("ciphertext", "")))


def encode_properties(props: Mapping[str, Any], crypter: Crypter) -> dict[str, Any]:
    """A property map (inputs or outputs) in checkpoint form."""
    return {str(k): encode_value(v, crypter) for k, v in props.items()}


def decode_properties(props: Mapping[str, Any], crypter: Crypter | None) -> dict[str, Any]:
    """A checkpoint property map in memory form."""
    return {k: decode_value(v, crypter) for k, v in props.items()}


def reveal_secrets(value: Any, crypter: Crypter) -> Any:
    """A checkpoint value with every ``ciphertext`` secret turned into ``plaintext`` (``--show-secrets``)."""
    if is_secret(value):
        inner = decode_value(json.loads(_secret_json(value, crypter)), crypter)
        return {SIG_KEY: SECRET_SIG, "plaintext": _compact_json(_plain_checkpoint_form(inner, crypter))}
    if isinstance(value, Mapping):
        return {k: reveal_secrets(v, crypter) for k, v in value.items()}
    if isinstance(value, list):
        return [reveal_secrets(v, crypter) for v in value]
    return value


def _plain_checkpoint_form(value: Any, crypter: Crypter) -> Any:
    """A decoded value back in checkpoint form with nested secrets as ``plaintext``."""
    if is_secret(value):
        inner = _plain_checkpoint_form(value.get("value"), crypter)
        return {SIG_KEY: SECRET_SIG, "plaintext": _compact_json(inner)}
    if isinstance(value, Mapping):
        return {k: _plain_checkpoint_form(v, crypter) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain_checkpoint_form(v, crypter) for v in value]
    return value


def unwrap_secrets(value: Any) -> Any:
    """An in-memory value with every secret replaced by what it holds."""
    if is_secret(value):
        return unwrap_secrets(value.get("value"))
    if isinstance(value, Mapping):
        return {k: unwrap_secrets(v) for k, v in value.items()}
    if isinstance(value, list):
        return [unwrap_secrets(v) for v in value]
    return value


def mask_secrets(value: Any) -> Any:
    """An in-memory value with every secret replaced by ``"[secret]"`` (for display)."""
    if is_secret(value):
        return MASK
    if isinstance(value, Mapping):
        return {k: mask_secrets(v) for k, v in value.items()}
    if isinstance(value, list):
        return [mask_secrets(v) for v in value]
    return value


class RedactingCrypter:
    """A crypter for reading state without the passphrase: every secret decodes to ``"[secret]"``."""

    def encrypt(self, plaintext: str) -> str:
        raise SecretsError("cannot encrypt without the stack's passphrase")

    def decrypt(self, ciphertext: str) -> str:
        return json.dumps(MASK)


_KEPT = "aicompute:ciphertext"


class CiphertextKeeper:
    """A crypter for rewriting state without the passphrase: each secret's ciphertext decodes to a
    placeholder that encodes back to the same ciphertext (``decode_value`` then ``encode_value``
    gives the checkpoint's value back, byte for byte)."""

    def encrypt(self, plaintext: str) -> str:
        kept = json.loads(plaintext)
        if not isinstance(kept, dict) or not isinstance(kept.get(_KEPT), str):
            raise SecretsError("cannot encrypt a new secret without the stack's passphrase")
        return str(kept[_KEPT])

    def decrypt(self, ciphertext: str) -> str:
        return json.dumps({_KEPT: ciphertext})
