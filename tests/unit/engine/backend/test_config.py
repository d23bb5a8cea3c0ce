"""resolve_config: stack values, project defaults and values, required keys, types and secret keys."""

from __future__ import annotations

from pathlib import Path

import pytest

from aicompute.engine.backend.config import ConfigError, resolve_config, yaml_value_text
from aicompute.engine.backend.project import Project, StackSettings, load_project, load_stack_settings
from aicompute.engine.secrets.passphrase import PassphraseSecretsManager, SecretsError

VECTOR_SALT = "v1:fozI5u6B030=:v1:F+6ZduKKd8G0/V7L:PGMFeIzwobWRKmEAzUdaQHqC5mMRIQ=="

PROJECT = """\
name: demo
runtime: python
config:
  size: small
  aws:region: us-east-1
  count:
    type: integer
    default: 2
  enabled:
    type: boolean
    default: true
  zones:
    type: array
    items:
      type: string
    default: [a, b]
  token:
    type: string
    secret: true
  endpoint:
    type: string
"""


@pytest.fixture(scope="module")
def secrets() -> PassphraseSecretsManager:
    return PassphraseSecretsManager.from_encryption_salt(VECTOR_SALT, "password")


@pytest.fixture
def project(tmp_path: Path) -> Project:
    (tmp_path / "Pulumi.yaml").write_text(PROJECT)
    return load_project(tmp_path)


def stack(project: Project, config: str) -> StackSettings:
    project.stack_settings_path("dev").write_text(f"encryptionsalt: {VECTOR_SALT}\nconfig:\n{config}")
    return load_stack_settings(project, "dev")


def test_defaults_values_and_stack_values_merge(project: Project, secrets: PassphraseSecretsManager) -> None:
    token = secrets.encrypt("tok")
    settings = stack(project, f"  demo:endpoint: http://x\n  demo:token:\n    secure: {token}\n  other:key: v\n")
    values, secret_keys = resolve_config(project, settings, secrets)
    assert values == {
        "demo:endpoint": "http://x",
        "demo:token": "tok",
        "other:key": "v",
        "demo:size": "small",
        "aws:region": "us-east-1",
        "demo:count": "2",
        "demo:enabled": "true",
        "demo:zones": '["a","b"]',
    }
    assert secret_keys == {"demo:token"}


def test_stack_values_win_over_project_values_and_defaults(project: Project, secrets: PassphraseSecretsManager) -> None:
    token = secrets.encrypt("tok")
    settings = stack(
        project,
        f"  size: large\n  aws:region: eu-west-1\n  demo:count: 5\n  demo:enabled: false\n"
        f"  demo:zones: [z]\n  demo:endpoint: e\n  demo:token:\n    secure: {token}\n",
    )
    values, _ = resolve_config(project, settings, secrets)
    assert values["demo:size"] == "large"
    assert values["aws:region"] == "eu-west-1"
    assert values["demo:count"] == "5"
    assert values["demo:enabled"] == "false"
    assert values["demo:zones"] == '["z"]'


def test_a_declared_key_without_default_is_required(project: Project, secrets: PassphraseSecretsManager) -> None:
    settings = stack(project, f"  demo:token:\n    secure: {secrets.encrypt('t')}\n")
    with pytest.raises(ConfigError, match=r"Stack 'dev' is missing configuration value 'demo:endpoint'"):
        resolve_config(project, settings, secrets)


def test_a_secret_declared_key_must_be_encrypted(project: Project, secrets: PassphraseSecretsManager) -> None:
    settings = stack(project, "  demo:endpoint: e\n  demo:token: plain\n")
    with pytest.raises(ConfigError, match=r"'demo:token' must be encrypted as it's secret"):
        resolve_config(project, settings, secrets)


@pytest.mark.parametrize(
    ("entry", "key", "type_"),
    [
        ("demo:count: many", "demo:count", "integer"),
        ("demo:enabled: yes-please", "demo:enabled", "boolean"),
        ("demo:zones: [1, 2]", "demo:zones", "array"),
        ("demo:zones: notalist", "demo:zones", "array"),
    ],
)
def test_stack_values_are_checked_against_declared_types(
    project: Project, secrets: PassphraseSecretsManager, entry: str, key: str, type_: str
) -> None:
    settings = stack(project, f"  demo:endpoint: e\n  demo:token:\n    secure: {secrets.encrypt('t')}\n  {entry}\n")
    with pytest.raises(ConfigError, match=rf"'{key}' must be of type '{type_}'"):
        resolve_config(project, settings, secrets)


def test_structured_values_are_compact_sorted_json_with_secrets_decrypted(
    tmp_path: Path, secrets: PassphraseSecretsManager
) -> None:
    (tmp_path / "Pulumi.yaml").write_text("name: demo\nruntime: python\n")
    project = load_project(tmp_path)
    settings = stack(project, f"  demo:obj:\n    z: [1, true, null]\n    a:\n      secure: {secrets.encrypt('s')}\n")
    values, secret_keys = resolve_config(project, settings, secrets)
    assert values == {"demo:obj": '{"a":"s","z":[1,true,null]}'}
    assert secret_keys == {"demo:obj"}


def test_no_secrets_manager_is_needed_without_secure_values(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.yaml").write_text("name: demo\nruntime: python\n")
    project = load_project(tmp_path)
    settings = stack(project, "  demo:a: b\n")
    assert resolve_config(project, settings, None).values == {"demo:a": "b"}


def test_a_secure_value_without_a_secrets_manager_is_a_clear_error(
    tmp_path: Path, secrets: PassphraseSecretsManager
) -> None:
    (tmp_path / "Pulumi.yaml").write_text("name: demo\nruntime: python\n")
    project = load_project(tmp_path)
    settings = stack(project, f"  demo:a:\n    secure: {secrets.encrypt('x')}\n")
    with pytest.raises(SecretsError, match="'demo:a' is secret"):
        resolve_config(project, settings, None)


def test_a_declared_secret_default_is_a_secret_key(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.yaml").write_text(
        "name: demo\nruntime: python\nconfig:\n  pw:\n    default: x\n    secret: true\n"
    )
    project = load_project(tmp_path)
    values, secret_keys = resolve_config(project, StackSettings("dev", tmp_path / "Pulumi.dev.yaml"), None)
    assert values == {"demo:pw": "x"} and secret_keys == {"demo:pw"}


@pytest.mark.parametrize(
    ("value", "text"), [("s", "s"), (True, "true"), (False, "false"), (3, "3"), (1.5, "1.5"), ({"b": 1}, '{"b":1}')]
)
def test_yaml_values_become_config_text(value: object, text: str) -> None:
    assert yaml_value_text(value) == text
