"""How the program is started: interpreter, runner command, the language host's environment."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from aicompute.engine.deploy.program import (
    SDK_PATCHES_FILE,
    ProgramError,
    ProgramSpec,
    program_environment,
    runner_command,
    start_program,
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
    assert env["AICOMPUTE_SDK_PATCHES"] == str(SDK_PATCHES_FILE) and SDK_PATCHES_FILE.name == "sdk_patches.py"
    assert env["AICOMPUTE_DEBUG"] == "0"


def test_main_directory_or_file(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("")
    as_file = ProgramSpec(project="p", stack="s", root_directory=tmp_path, main="app.py")
    assert as_file.program_path == tmp_path / "app.py" and as_file.working_directory == tmp_path
    as_dir = ProgramSpec(project="p", stack="s", root_directory=tmp_path)
    assert as_dir.program_path == tmp_path.resolve() and as_dir.working_directory == tmp_path.resolve()


def test_the_runner_starts_by_its_file_on_any_interpreter() -> None:
    """Never ``-m aicompute…``: a virtualenv made from the same base Python as aicompute's own has
    the same real interpreter but not aicompute (the runner needs only the SDK)."""
    for interpreter in (sys.executable, "/opt/venv/bin/python"):
        command = runner_command(interpreter)
        assert command[:3] == [interpreter, "-u", "-c"] and "_program_runner.py" in command[3]


def test_a_missing_virtualenv_is_a_program_error_naming_it(tmp_path: Path) -> None:
    (tmp_path / "__main__.py").write_text("")
    spec = ProgramSpec(project="p", stack="s", root_directory=tmp_path, runtime_options={"virtualenv": "venv"})
    with pytest.raises(ProgramError, match=r"virtualenv .*venv.* has no Python interpreter"):
        start_program(spec, "127.0.0.1:1", "127.0.0.1:1", lambda _s, _l: None)
