"""How the program is started: interpreter, runner command, the language host's environment."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from aicompute.engine.deploy.program import (
    RUNNER_MODULE,
    ProgramError,
    ProgramSpec,
    interpreter_for,
    program_environment,
    runner_command,
)


def test_environment_is_the_language_hosts(tmp_path: Path) -> None:
    spec = ProgramSpec(
        project="proj",
        stack="dev",
        root_directory=tmp_path,
        main="src",
        config={"proj:a": "1", "aws:region": "x"},
        secret_keys={"proj:a"},
        parallel=8,
        dry_run=False,
    )
    env = program_environment(spec, "127.0.0.1:1", "127.0.0.1:2", base={"PATH": "/bin"})
    assert env["PULUMI_PROJECT"] == "proj" and env["PULUMI_STACK"] == "dev"
    assert env["PULUMI_ORGANIZATION"] == "organization" and env["PULUMI_DRY_RUN"] == "false"
    assert env["PULUMI_PARALLEL"] == "8" and env["PULUMI_MONITOR"] == "127.0.0.1:1"
    assert env["PULUMI_ENGINE"] == "127.0.0.1:2" and env["PULUMI_ROOT_DIRECTORY"] == str(tmp_path)
    assert json.loads(env["PULUMI_CONFIG"]) == {"proj:a": "1", "aws:region": "x"}
    assert json.loads(env["PULUMI_CONFIG_SECRET_KEYS"]) == ["proj:a"]
    assert env["AICOMPUTE_PROGRAM"] == str((tmp_path / "src").resolve()) and env["PATH"] == "/bin"


def test_main_directory_or_file(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("")
    as_file = ProgramSpec(project="p", stack="s", root_directory=tmp_path, main="app.py")
    assert as_file.program_path == tmp_path / "app.py" and as_file.working_directory == tmp_path
    as_dir = ProgramSpec(project="p", stack="s", root_directory=tmp_path)
    assert as_dir.program_path == tmp_path.resolve() and as_dir.working_directory == tmp_path.resolve()


def test_virtualenv_runtime_option(tmp_path: Path) -> None:
    assert interpreter_for(tmp_path, {}) == sys.executable
    with pytest.raises(ProgramError, match="has no Python interpreter"):
        interpreter_for(tmp_path, {"virtualenv": "venv"})
    python = tmp_path / "venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.write_text("")
    assert interpreter_for(tmp_path, {"virtualenv": "venv"}) == str(python)


def test_runner_command_by_module_here_and_by_path_elsewhere() -> None:
    assert runner_command(sys.executable) == [sys.executable, "-u", "-m", RUNNER_MODULE]
    other = runner_command("/opt/venv/bin/python")
    assert other[:3] == ["/opt/venv/bin/python", "-u", "-c"] and "_program_runner.py" in other[3]
