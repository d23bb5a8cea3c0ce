"""Pulumi's passphrase secrets provider: the known vector, round trips, wrong passphrases, the environment."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from aicompute.engine.secrets import passphrase
from aicompute.engine.secrets.passphrase import (
    MissingPassphrase,
    PassphraseSecretsManager,
    SecretsError,
    WrongPassphrase,
    derive_key,
    derive_key_ahead,
    passphrase_from_environment,
    salt_from_secrets_providers,
    secrets_providers_block,
)

VECTOR_SALT = "v1:fozI5u6B030=:v1:F+6ZduKKd8G0/V7L:PGMFeIzwobWRKmEAzUdaQHqC5mMRIQ=="
VECTOR_PASSPHRASE = "password"


@pytest.fixture(scope="module")
def manager() -> PassphraseSecretsManager:
    return PassphraseSecretsManager.from_encryption_salt(VECTOR_SALT, VECTOR_PASSPHRASE)


def test_known_vector_opens_and_its_check_value_is_pulumi(manager: PassphraseSecretsManager) -> None:
    assert manager.encryption_salt == VECTOR_SALT
    assert manager.decrypt("v1:F+6ZduKKd8G0/V7L:PGMFeIzwobWRKmEAzUdaQHqC5mMRIQ==") == "pulumi"


def test_known_vector_matches_an_independent_derivation() -> None:
    key = hashlib.pbkdf2_hmac("sha256", b"password", base64.b64decode("fozI5u6B030="), 1_000_000, 32)
    opened = AESGCM(key).decrypt(
        base64.b64decode("F+6ZduKKd8G0/V7L"), base64.b64decode("PGMFeIzwobWRKmEAzUdaQHqC5mMRIQ=="), None
    )
    assert opened == b"pulumi"


@pytest.mark.parametrize("plaintext", ["", "s3cr3t", "unicode ✓ 密码", '{"json": [1, 2]}', "x" * 10_000])
def test_encrypt_decrypt_round_trip(manager: PassphraseSecretsManager, plaintext: str) -> None:
    ciphertext = manager.encrypt(plaintext)
    assert ciphertext.startswith("v1:")
    assert plaintext not in ciphertext or plaintext == ""
    assert manager.decrypt(ciphertext) == plaintext


def test_each_encryption_uses_a_fresh_nonce(manager: PassphraseSecretsManager) -> None:
    first, second = manager.encrypt("same"), manager.encrypt("same")
    assert first != second
    nonce = base64.b64decode(first.split(":")[1])
    assert len(nonce) == 12


def test_ciphertext_is_standard_aes_gcm_under_the_pbkdf2_key(manager: PassphraseSecretsManager) -> None:
    key = hashlib.pbkdf2_hmac("sha256", b"password", base64.b64decode("fozI5u6B030="), 1_000_000, 32)
    _, nonce, sealed = manager.encrypt("interop").split(":")
    assert AESGCM(key).decrypt(base64.b64decode(nonce), base64.b64decode(sealed), None) == b"interop"


def test_wrong_passphrase_is_refused_clearly() -> None:
    with pytest.raises(WrongPassphrase, match=r"incorrect passphrase.*PULUMI_CONFIG_PASSPHRASE"):
        PassphraseSecretsManager.from_encryption_salt(VECTOR_SALT, "not the password")


@pytest.mark.parametrize(
    "salt_state",
    ["", "v2:fozI5u6B030=:v1:a:b", "v1:not base64!:v1:F+6ZduKKd8G0/V7L:PGMFeIzwobWRKmEAzUdaQHqC5mMRIQ==", "v1:abc"],
)
def test_malformed_salt_states_are_refused(salt_state: str) -> None:
    with pytest.raises(SecretsError, match="malformed encryption salt"):
        PassphraseSecretsManager.from_encryption_salt(salt_state, "password")


@pytest.mark.parametrize("ciphertext", ["plain", "v1:only-two", "v2:AAAA:AAAA", "v1:!!!:AAAA"])
def test_malformed_ciphertexts_are_refused(manager: PassphraseSecretsManager, ciphertext: str) -> None:
    with pytest.raises(SecretsError, match="malformed"):
        manager.decrypt(ciphertext)


def test_a_tampered_ciphertext_does_not_decrypt(manager: PassphraseSecretsManager) -> None:
    tag, nonce, sealed = manager.encrypt("value").split(":")
    flipped = bytearray(base64.b64decode(sealed))
    flipped[0] ^= 1
    with pytest.raises(SecretsError, match="could not be decrypted"):
        manager.decrypt(f"{tag}:{nonce}:{base64.b64encode(bytes(flipped)).decode()}")


def test_create_makes_a_new_salt_that_reopens_with_the_passphrase() -> None:
    created = PassphraseSecretsManager.create("correct horse")
    version, salt, *_ = created.encryption_salt.split(":")
    assert version == "v1" and len(base64.b64decode(salt)) == 8
    key = hashlib.pbkdf2_hmac("sha256", b"correct horse", base64.b64decode(salt), 1_000_000, 32)
    _, nonce, sealed = created.encrypt("payload").split(":")
    assert AESGCM(key).decrypt(base64.b64decode(nonce), base64.b64decode(sealed), None) == b"payload"
    reopened = PassphraseSecretsManager.from_encryption_salt(created.encryption_salt, "correct horse")
    assert reopened.decrypt(created.encrypt("again")) == "again"
    with pytest.raises(WrongPassphrase):
        PassphraseSecretsManager.from_encryption_salt(created.encryption_salt, "wrong horse")


def test_managers_are_cached_per_salt_and_passphrase(manager: PassphraseSecretsManager) -> None:
    assert PassphraseSecretsManager.from_encryption_salt(VECTOR_SALT, VECTOR_PASSPHRASE) is manager


def test_secrets_providers_block_is_the_pulumi_shape(manager: PassphraseSecretsManager) -> None:
    block = manager.secrets_providers()
    assert block == {"type": "passphrase", "state": {"salt": VECTOR_SALT}}
    assert block == secrets_providers_block(VECTOR_SALT)
    assert salt_from_secrets_providers(block) == VECTOR_SALT
    assert salt_from_secrets_providers({"type": "awskms", "state": {}}) is None
    assert salt_from_secrets_providers(None) is None


def test_passphrase_from_environment_prefers_the_variable(tmp_path: Path) -> None:
    phrase_file = tmp_path / "phrase"
    phrase_file.write_text("  from file \n")
    env = {"PULUMI_CONFIG_PASSPHRASE": "from var", "PULUMI_CONFIG_PASSPHRASE_FILE": str(phrase_file)}
    assert passphrase_from_environment(env) == "from var"
    assert passphrase_from_environment({"PULUMI_CONFIG_PASSPHRASE": ""}) == ""
    assert passphrase_from_environment({"PULUMI_CONFIG_PASSPHRASE_FILE": str(phrase_file)}) == "from file"


def test_missing_passphrase_names_both_variables(tmp_path: Path) -> None:
    with pytest.raises(MissingPassphrase, match="PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE"):
        passphrase_from_environment({})
    with pytest.raises(MissingPassphrase, match="unable to read PULUMI_CONFIG_PASSPHRASE_FILE"):
        passphrase_from_environment({"PULUMI_CONFIG_PASSPHRASE_FILE": str(tmp_path / "absent")})


def test_repr_never_shows_the_key(manager: PassphraseSecretsManager) -> None:
    assert "password" not in repr(manager)


@pytest.fixture
def pbkdf2_calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[str, bytes]]]:
    """Each derivation made (by a thread ahead or by ``derive_key``), with no derivation left ahead before or after."""
    calls: list[tuple[str, bytes]] = []
    real = passphrase._pbkdf2

    def counted(phrase: str, salt: bytes) -> bytes:
        calls.append((phrase, salt))
        return real(phrase, salt)

    monkeypatch.setattr(passphrase, "_pbkdf2", counted)
    monkeypatch.setattr(PassphraseSecretsManager, "_cache", {})
    passphrase._ahead.clear()
    yield calls
    passphrase._ahead.clear()


def test_a_key_derived_ahead_is_taken_not_derived_again(pbkdf2_calls: list[tuple[str, bytes]]) -> None:
    derive_key_ahead(VECTOR_PASSPHRASE, VECTOR_SALT)
    derive_key_ahead(VECTOR_PASSPHRASE, VECTOR_SALT)  # once is enough
    key = derive_key(VECTOR_PASSPHRASE, base64.b64decode("fozI5u6B030="))
    assert key == hashlib.pbkdf2_hmac("sha256", b"password", base64.b64decode("fozI5u6B030="), 1_000_000, 32)
    assert len(pbkdf2_calls) == 1
    assert passphrase._ahead == {}


def test_a_key_derived_ahead_for_another_passphrase_is_not_used(pbkdf2_calls: list[tuple[str, bytes]]) -> None:
    derive_key_ahead("not the password", VECTOR_SALT)
    with pytest.raises(WrongPassphrase):
        PassphraseSecretsManager.from_encryption_salt(VECTOR_SALT, "still not the password")
    assert (
        PassphraseSecretsManager.from_encryption_salt(VECTOR_SALT, VECTOR_PASSPHRASE).decrypt(
            "v1:F+6ZduKKd8G0/V7L:PGMFeIzwobWRKmEAzUdaQHqC5mMRIQ=="
        )
        == "pulumi"
    )
    for ahead in passphrase._ahead.values():  # the unused derivation, still there
        ahead.join()
    assert sorted(phrase for phrase, _ in pbkdf2_calls) == ["not the password", "password", "still not the password"]


def test_nothing_is_derived_ahead_for_a_malformed_salt_state(pbkdf2_calls: list[tuple[str, bytes]]) -> None:
    derive_key_ahead(VECTOR_PASSPHRASE, "v1:abc")
    assert passphrase._ahead == {} and pbkdf2_calls == []
