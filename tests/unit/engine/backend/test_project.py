"""Pulumi.yaml and Pulumi.<stack>.yaml: loading, validation naming the field, order-keeping saves."""

from __future__ import annotations

import base64
import hashlib
import os
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from aicompute.engine.backend.config import resolve_config
from aicompute.engine.backend.project import (
    MISSING,
    ObjectValue,
    PlainValue,
    ProjectError,
    SecureValue,
    find_project_file,
    load_project,
    load_stack_settings,
    save_stack_settings,
)
from aicompute.engine.secrets.passphrase import PassphraseSecretsManager
from aicompute.engine.util.fileio import YamlError

VECTOR_SALT = "v1:fozI5u6B030=:v1:F+6ZduKKd8G0/V7L:PGMFeIzwobWRKmEAzUdaQHqC5mMRIQ=="


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(text)
    return path


def test_minimal_project(tmp_path: Path) -> None:
    write(tmp_path, "Pulumi.yaml", "name: demo\nruntime: python\n")
    project = load_project(tmp_path)
    assert (project.name, project.runtime.name, project.main, project.virtualenv) == ("demo", "python", None, None)
    assert project.program_path == tmp_path.resolve()
    assert project.stack_settings_path("dev") == tmp_path.resolve() / "Pulumi.dev.yaml"


def test_runtime_options_main_description_and_stack_config_dir(tmp_path: Path) -> None:
    write(
        tmp_path,
        "Pulumi.yaml",
        "name: demo\ndescription: AI pools\nmain: src/\nstackConfigDir: stacks\n"
        "runtime:\n  name: python\n  options:\n    virtualenv: .venv\n    toolchain: pip\n"
        "backend:\n  url: file:///tmp/state\n",
    )
    project = load_project(tmp_path / "Pulumi.yaml")
    assert project.description == "AI pools"
    assert project.virtualenv == (tmp_path / ".venv").resolve()
    assert project.runtime.options["toolchain"] == "pip"
    assert project.program_path == (tmp_path / "src").resolve()
    assert project.stack_settings_path("prod") == tmp_path.resolve() / "stacks" / "Pulumi.prod.yaml"
    assert project.backend_url == "file:///tmp/state"


def test_project_is_found_from_a_subdirectory(tmp_path: Path) -> None:
    write(tmp_path, "Pulumi.yaml", "name: demo\nruntime: python\n")
    nested = tmp_path / "a" / "b"
    nested.mkdir(parents=True)
    assert find_project_file(nested) == (tmp_path / "Pulumi.yaml").resolve()
    assert load_project(nested).name == "demo"


def test_no_project_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ProjectError, match=r"no Pulumi.yaml project file found"):
        load_project(tmp_path)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("runtime: python\n", r"'name' is required"),
        ("name: 'bad name!'\nruntime: python\n", r"'name' must be"),
        ("name: demo\n", r"'runtime' is required"),
        ("name: demo\nruntime: nodejs\n", r"'runtime' is 'nodejs'.*Pulumi CLI"),
        ("name: demo\nruntime: [python]\n", r"'runtime' must be a name or a mapping"),
        ("name: demo\nruntime: python\nmain: 3\n", r"'main' must be a string"),
        ("name: demo\nruntime: python\nconfig: [a]\n", r"'config' must be a mapping"),
        ("name: demo\nruntime: python\nconfig:\n  n:\n    type: float\n", r"config 'n': 'type' must be one of"),
        ("name: demo\nruntime: python\nconfig:\n  n:\n    type: integer\n    default: x\n", r"config 'n'.*integer"),
        ("name: demo\nruntime: python\nconfig:\n  n:\n    default: 1\n    value: 2\n", r"both a 'default' and"),
        ("name: demo\nruntime: python\nconfig:\n  aws:region:\n    default: x\n", r"another namespace"),
        ("name: demo\nruntime: python\nconfig:\n  l:\n    type: array\n", r"'items'"),
        ("name: demo\nruntime: python\nconfig:\n  n:\n    typo: 1\n", r"unknown attribute"),
    ],
)
def test_invalid_projects_name_the_field(tmp_path: Path, text: str, message: str) -> None:
    write(tmp_path, "Pulumi.yaml", text)
    with pytest.raises(ProjectError, match=message):
        load_project(tmp_path)


def test_invalid_yaml_names_the_file(tmp_path: Path) -> None:
    write(tmp_path, "Pulumi.yaml", "name: [unclosed\n")
    with pytest.raises(YamlError, match=r"Pulumi\.yaml: invalid YAML"):
        load_project(tmp_path)


def test_config_declarations_are_normalised_as_pulumi_does(tmp_path: Path) -> None:
    write(
        tmp_path,
        "Pulumi.yaml",
        "name: demo\nruntime: python\nconfig:\n"
        "  size: small\n"
        "  aws:region: us-east-1\n"
        "  demo:count:\n    type: integer\n    default: 2\n"
        "  zones:\n    type: array\n    items:\n      type: string\n    default: [a, b]\n"
        "  token:\n    type: string\n    secret: true\n    description: API token\n",
    )
    config = load_project(tmp_path).config
    assert list(config) == ["demo:size", "aws:region", "demo:count", "demo:zones", "demo:token"]
    assert config["demo:size"].default == "small" and config["demo:size"].value is MISSING
    assert config["aws:region"].value == "us-east-1" and config["aws:region"].default is MISSING
    assert config["demo:count"].type == "integer"
    assert config["demo:zones"].items == {"type": "string"}
    assert config["demo:token"].secret and config["demo:token"].description == "API token"


@pytest.fixture
def project_dir(tmp_path: Path) -> Path:
    write(tmp_path, "Pulumi.yaml", "name: demo\nruntime: python\n")
    return tmp_path


def test_stack_settings_of_a_missing_file_are_empty(project_dir: Path) -> None:
    settings = load_stack_settings(load_project(project_dir), "dev")
    assert not settings.exists and settings.config == {} and settings.encryption_salt is None


def test_stack_settings_read_plain_secure_structured_and_bare_keys(project_dir: Path) -> None:
    write(
        project_dir,
        "Pulumi.dev.yaml",
        f"secretsprovider: passphrase\nencryptionsalt: {VECTOR_SALT}\nconfig:\n"
        "  demo:version: 1.10\n  demo:flag: true\n  demo:count: 3\n  demo:quoted: 'true'\n"
        "  region: cn-north-4\n  aicompute:region: cn-east-3\n  demo:empty:\n"
        "  demo:token:\n    secure: v1:AAAA:BBBB\n"
        "  demo:nested:\n    a: 1\n    b: [x, {secure: v1:CCCC:DDDD}]\n",
    )
    settings = load_stack_settings(load_project(project_dir), "dev")
    assert settings.encryption_salt == VECTOR_SALT
    assert settings.extra == {"secretsprovider": "passphrase"}
    assert settings.config == {
        "demo:version": PlainValue("1.10"),
        "demo:flag": PlainValue("true"),
        "demo:count": PlainValue("3"),
        "demo:quoted": PlainValue("true"),
        "demo:region": PlainValue("cn-north-4"),
        "aicompute:region": PlainValue("cn-east-3"),
        "demo:empty": PlainValue(""),
        "demo:token": SecureValue("v1:AAAA:BBBB"),
        "demo:nested": ObjectValue({"a": 1, "b": ["x", {"secure": "v1:CCCC:DDDD"}]}),
    }
    nested = settings.config["demo:nested"]
    assert isinstance(nested, ObjectValue) and nested.has_secrets


def test_stack_settings_save_keeps_order_forms_and_other_attributes(project_dir: Path) -> None:
    original = (
        "secretsprovider: passphrase\n"
        f"encryptionsalt: {VECTOR_SALT}\n"
        "config:\n"
        "  demo:zeta: 1.10\n"
        "  demo:alpha: true\n"
        "  demo:token:\n    secure: v1:AAAA:BBBB\n"
        "  demo:obj:\n    b: 2\n    a: 1\n"
        "environment:\n- shared\n"
    )
    write(project_dir, "Pulumi.dev.yaml", original)
    project = load_project(project_dir)
    settings = load_stack_settings(project, "dev")
    save_stack_settings(settings)
    assert (project_dir / "Pulumi.dev.yaml").read_text() == original
    settings.config["demo:new"] = PlainValue("true")
    settings.config.pop("demo:alpha")
    save_stack_settings(settings)
    text = (project_dir / "Pulumi.dev.yaml").read_text()
    assert "demo:new: 'true'" in text and "demo:alpha" not in text
    assert text.index("demo:zeta") < text.index("demo:token") < text.index("demo:new")
    assert load_stack_settings(project, "dev").config == settings.config


def test_save_is_atomic_and_leaves_no_temporary_files(project_dir: Path) -> None:
    project = load_project(project_dir)
    settings = load_stack_settings(project, "dev")
    settings.config["demo:a"] = PlainValue("b")
    save_stack_settings(settings)
    assert sorted(os.listdir(project_dir)) == ["Pulumi.dev.yaml", "Pulumi.yaml"]


def design_scheme_encrypt(passphrase: str, salt_state: str, plaintext: str) -> str:
    """The DESIGN.md scheme, written independently of aicompute.engine.secrets.passphrase."""
    salt = base64.b64decode(salt_state.split(":")[1])
    key = hashlib.pbkdf2_hmac("sha256", passphrase.encode(), salt, 1_000_000, 32)
    nonce = os.urandom(12)
    sealed = AESGCM(key).encrypt(nonce, plaintext.encode(), None)
    return f"v1:{base64.b64encode(nonce).decode()}:{base64.b64encode(sealed).decode()}"


def test_a_secure_value_made_with_the_design_scheme_decrypts(project_dir: Path) -> None:
    token = design_scheme_encrypt("password", VECTOR_SALT, "hunter2")
    leaf = design_scheme_encrypt("password", VECTOR_SALT, "inner")
    write(
        project_dir,
        "Pulumi.dev.yaml",
        f"encryptionsalt: {VECTOR_SALT}\nconfig:\n  demo:token:\n    secure: {token}\n"
        f"  demo:creds:\n    user: admin\n    password:\n      secure: {leaf}\n",
    )
    project = load_project(project_dir)
    settings = load_stack_settings(project, "dev")
    assert settings.encryption_salt is not None
    secrets = PassphraseSecretsManager.from_encryption_salt(settings.encryption_salt, "password")
    values, secret_keys = resolve_config(project, settings, secrets)
    assert values == {"demo:token": "hunter2", "demo:creds": '{"password":"inner","user":"admin"}'}
    assert secret_keys == {"demo:token", "demo:creds"}
