"""`aicompute stack …` and `aicompute config …` end to end in a temporary project and backend."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from aicompute.engine.backend.base import StackRef
from aicompute.engine.backend.diy import FileBackend
from aicompute.engine.cli import app
from aicompute.engine.resource.checkpoint_values import secret
from aicompute.engine.resource.state import Deployment, default_provider_resource, root_stack_resource
from aicompute.engine.secrets.passphrase import PassphraseSecretsManager

PASSPHRASE = "correct horse battery staple"
PROJECT = "name: demo\nruntime: python\nconfig:\n  size: small\n  token:\n    type: string\n    secret: true\n"


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project directory, with HOME, PULUMI_HOME and the backend under tmp_path."""
    project = tmp_path / "project"
    project.mkdir()
    (project / "Pulumi.yaml").write_text(PROJECT)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("PULUMI_HOME", str(tmp_path / "home" / ".pulumi"))
    monkeypatch.setenv("AICOMPUTE_BACKEND_URL", f"file://{tmp_path / 'state'}")
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", PASSPHRASE)
    monkeypatch.delenv("PULUMI_BACKEND_URL", raising=False)
    monkeypatch.delenv("PULUMI_CONFIG_PASSPHRASE_FILE", raising=False)
    monkeypatch.chdir(project)
    return project


def run(*args: str, stdin: str | None = None, code: int = 0) -> Result:
    result = CliRunner().invoke(app, list(args), input=stdin)
    assert result.exit_code == code, (result.stdout, result.stderr, result.exception)
    return result


def backend_of(workspace: Path) -> FileBackend:
    return FileBackend(os.environ["AICOMPUTE_BACKEND_URL"])


def give_outputs(workspace: Path, stack: str = "dev") -> None:
    """Write a deployment with stack outputs, as an `up` would."""
    settings_salt = (workspace / f"Pulumi.{stack}.yaml").read_text().split("encryptionsalt: ")[1].split("\n")[0]
    manager = PassphraseSecretsManager.from_encryption_salt(settings_salt, PASSPHRASE)
    outputs = {"endpoint": "http://svc", "replicas": 3, "password": secret("p@ss"), "tags": {"a": "b"}}
    deployment = Deployment(
        secrets_providers=manager.secrets_providers(),
        resources=[root_stack_resource(stack, "demo", outputs), default_provider_resource(stack, "demo")],
    )
    backend_of(workspace).save_deployment(StackRef("demo", stack), deployment, manager)


def test_init_ls_select(workspace: Path) -> None:
    assert "Created stack 'dev'" in run("stack", "init", "dev").stdout
    run("stack", "init", "prod")
    assert "encryptionsalt: v1:" in (workspace / "Pulumi.dev.yaml").read_text()
    listing = run("stack", "ls").stdout.splitlines()
    assert listing[0].split() == ["NAME", "LAST", "UPDATE", "RESOURCE", "COUNT"]
    assert [line.split()[0] for line in listing[1:]] == ["dev", "prod*"]
    run("stack", "select", "dev")
    rows = json.loads(run("stack", "ls", "--json").stdout)
    assert [(r["name"], r["current"]) for r in rows] == [("dev", True), ("prod", False)]
    assert "already exists" in run("stack", "init", "dev", code=1).stderr
    assert "no stack named 'qa'" in run("stack", "select", "qa", code=1).stderr


def test_config_set_get_list_rm_list_secrets_only_when_asked(workspace: Path) -> None:
    run("stack", "init", "dev")
    run("config", "set", "size", "large")
    run("config", "set", "--secret", "token", "hunter2")
    run("config", "set", "aicompute:region", "cn-north-4")
    run("config", "set", "notes", stdin="from stdin\n")
    text = (workspace / "Pulumi.dev.yaml").read_text()
    assert "hunter2" not in text and "demo:token:\n    secure: v1:" in text
    assert "demo:size: large" in text and "aicompute:region: cn-north-4" in text
    listing = run("config").stdout
    assert "hunter2" not in listing and "[secret]" in listing and "large" in listing
    shown = run("config", "--show-secrets").stdout
    assert "hunter2" in shown
    assert run("config", "get", "token").stdout.strip() == "hunter2"  # get prints it, as Pulumi's does
    assert run("config", "get", "notes").stdout.strip() == "from stdin"
    assert run("config", "get", "demo:size").stdout.strip() == "large"
    listed = json.loads(run("config", "--json").stdout)
    assert listed["demo:token"] == {"value": "[secret]", "secret": True}
    assert listed["demo:size"] == {"value": "large", "secret": False}
    run("config", "rm", "size")
    assert run("config", "get", "size").stdout.strip() == "small"
    assert "not found" in run("config", "get", "nothing", code=1).stderr


def test_config_set_and_rm_with_path_edit_structured_values(workspace: Path) -> None:
    run("stack", "init", "dev")
    run("config", "set", "--path", "devices.cam-lobby.description", "lobby camera")
    run("config", "set", "--path", "devices.cam-dock.tags[0]", "dock")
    run("config", "set", "--path", "--secret", 'devices["cam.gate"].token', "hunter2")
    text = (workspace / "Pulumi.dev.yaml").read_text()
    assert "hunter2" not in text
    shown = json.loads(run("config", "get", "devices", "--show-secrets").stdout)
    assert shown == {
        "cam-lobby": {"description": "lobby camera"},
        "cam-dock": {"tags": ["dock"]},
        "cam.gate": {"token": "hunter2"},
    }
    assert "hunter2" not in run("config").stdout
    run("config", "rm", "--path", "devices.cam-dock")
    assert set(json.loads(run("config", "get", "devices", "--show-secrets").stdout)) == {"cam-lobby", "cam.gate"}
    failed = run("config", "set", "--path", "devices.cam-lobby.description.x", "y", code=1)
    assert "cannot set cam-lobby.description.x: a plain value at cam-lobby.description" in failed.stderr
    run("config", "set", "size", "large")
    assert "plain value" in run("config", "set", "--path", "size.x", "y", code=1).stderr


def test_a_declared_secret_key_needs_secret(workspace: Path) -> None:
    run("stack", "init", "dev")
    assert "declared secret" in run("config", "set", "token", "plain", code=1).stderr


def test_wrong_or_missing_passphrase_is_refused_clearly(workspace: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run("stack", "init", "dev")
    run("config", "set", "--secret", "token", "hunter2")
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", "wrong")
    failure = run("config", "get", "token", "--show-secrets", code=1)
    assert "incorrect passphrase" in failure.stderr and "hunter2" not in failure.output
    assert run("config", "get", "size").stdout.strip() == "small"
    monkeypatch.delenv("PULUMI_CONFIG_PASSPHRASE")
    missing = run("stack", "init", "prod", "--non-interactive", code=1)
    assert "PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE" in missing.stderr
    assert not backend_of(workspace).exists(StackRef("demo", "prod"))


def test_stack_output(workspace: Path) -> None:
    run("stack", "init", "dev")
    assert "No output values" in run("stack", "output").stdout
    give_outputs(workspace)
    table = run("stack", "output").stdout
    assert "Current stack outputs (4):" in table and "http://svc" in table
    assert "p@ss" not in table and "[secret]" in table
    assert json.loads(run("stack", "output", "--json").stdout) == {
        "endpoint": "http://svc",
        "replicas": 3,
        "password": "[secret]",
        "tags": {"a": "b"},
    }
    assert json.loads(run("stack", "output", "--json", "--show-secrets").stdout)["password"] == "p@ss"
    assert run("stack", "output", "endpoint").stdout == "http://svc\n"
    assert run("stack", "output", "password").stdout == "[secret]\n"
    assert run("stack", "output", "password", "--show-secrets").stdout == "p@ss\n"
    assert json.loads(run("stack", "output", "tags").stdout) == {"a": "b"}
    assert "does not have output property 'nope'" in run("stack", "output", "nope", code=1).stderr


def test_export_import_round_trip(workspace: Path, tmp_path: Path) -> None:
    run("stack", "init", "dev")
    give_outputs(workspace)
    exported = tmp_path / "dev.json"
    run("stack", "export", "--file", str(exported))
    document = json.loads(exported.read_text())
    assert document["version"] == 3 and "p@ss" not in exported.read_text()
    assert json.loads(run("stack", "export").stdout) == document
    run("stack", "import", "--file", str(exported))
    assert backend_of(workspace).export_deployment(StackRef("demo", "dev")) == document
    revealed = run("stack", "export", "--show-secrets").stdout
    assert '\\"p@ss\\"' in revealed and "plaintext" in revealed


def test_import_of_plaintext_secrets_re_encrypts_them(workspace: Path) -> None:
    run("stack", "init", "dev")
    give_outputs(workspace)
    revealed = run("stack", "export", "--show-secrets").stdout
    run("stack", "import", stdin=revealed)
    state_text = backend_of(workspace).stack_path(StackRef("demo", "dev")).read_text()
    assert "p@ss" not in state_text and "plaintext" not in state_text
    assert json.loads(run("stack", "output", "--json", "--show-secrets").stdout)["password"] == "p@ss"


def test_import_refuses_another_stacks_resources_unless_forced(workspace: Path) -> None:
    run("stack", "init", "dev")
    give_outputs(workspace)
    exported = run("stack", "export").stdout
    run("stack", "init", "other")
    refused = run("stack", "import", "--stack", "other", stdin=exported, code=1)
    assert "belongs to stack 'dev'" in refused.stderr and "--force" in refused.stderr
    run("stack", "import", "--stack", "other", "--force", stdin=exported)
    assert "not valid JSON" in run("stack", "import", stdin="{", code=1).stderr


def test_rm_refuses_a_stack_with_resources_unless_forced(workspace: Path) -> None:
    run("stack", "init", "dev")
    give_outputs(workspace)
    assert "--yes must be passed" in run("stack", "rm", "dev", code=1).stderr
    assert "still contains 2 resource" in run("stack", "rm", "dev", "--yes", code=1).stderr
    assert "has been removed" in run("stack", "rm", "dev", "--yes", "--force").stdout
    assert not (workspace / "Pulumi.dev.yaml").exists()
    assert "no stack selected" in run("stack", "output", code=1).stderr
    assert "No stacks" in run("stack", "ls").stdout


def test_backend_url_option_and_unsupported_backends(
    workspace: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = tmp_path / "other-state"
    run("stack", "init", "dev", "--backend-url", f"file://{other}")
    assert (other / ".pulumi" / "stacks" / "demo" / "dev.json").is_file()
    assert "No stacks" in run("stack", "ls").stdout
    refused = run("stack", "ls", "--backend-url", "gs://bucket/state", code=1)
    assert "file:// and s3:// backends" in refused.stderr and "Pulumi CLI" in refused.stderr
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE", "OBS_ACCESS_KEY_ID"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    no_credentials = run("stack", "ls", "--backend-url", "s3://bucket/state?endpoint=127.0.0.1:9", code=1)
    assert "no credentials found; set AWS_ACCESS_KEY_ID" in no_credentials.stderr


def test_cwd_option_finds_the_project(workspace: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert "no Pulumi.yaml" in run("stack", "ls", code=1).stderr
    run("stack", "init", "dev", "-C", str(workspace))
    assert run("stack", "ls", "--cwd", str(workspace)).stdout.splitlines()[1].startswith("dev*")


def test_the_installed_command_runs_in_a_fresh_process(workspace: Path) -> None:
    env = {**os.environ, "PYTHONPATH": ""}
    command = [sys.executable, "-m", "aicompute.engine"]
    created = subprocess.run([*command, "stack", "init", "dev"], env=env, capture_output=True, text=True, timeout=120)
    assert created.returncode == 0, created.stderr
    subprocess.run([*command, "config", "set", "--secret", "token", "s3"], env=env, check=True, timeout=120)
    shown = subprocess.run(
        [*command, "config", "get", "token", "--show-secrets"], env=env, capture_output=True, text=True, timeout=120
    )
    assert shown.stdout.strip() == "s3"
    env["PULUMI_CONFIG_PASSPHRASE"] = "wrong"
    wrong = subprocess.run(
        [*command, "config", "get", "token", "--show-secrets"], env=env, capture_output=True, text=True, timeout=120
    )
    assert wrong.returncode == 1 and wrong.stderr.startswith("error: incorrect passphrase")
