"""The project's Python from Pulumi.yaml's runtime options: toolchain, virtualenv, typechecker."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from aicompute.engine.deploy.python_toolchain import PythonToolchain, ToolchainError


def _fake_venv(folder: Path) -> Path:
    python = folder / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.write_text("")
    return python


def test_pip_without_a_virtualenv_runs_on_aicompute_s_interpreter(tmp_path: Path) -> None:
    toolchain = PythonToolchain.from_options(tmp_path, {})
    assert toolchain.kind == "pip" and toolchain.virtualenv() is None
    assert toolchain.interpreter() == sys.executable
    toolchain.ensure(lambda _line: pytest.fail("nothing to create"))


def test_a_relative_virtualenv_is_the_project_s(tmp_path: Path) -> None:
    python = _fake_venv(tmp_path / "venv")
    toolchain = PythonToolchain.from_options(tmp_path, {"virtualenv": "venv"})
    assert toolchain.interpreter() == str(python)


def test_a_missing_virtualenv_names_the_option(tmp_path: Path) -> None:
    toolchain = PythonToolchain.from_options(tmp_path, {"virtualenv": "venv"})
    with pytest.raises(ToolchainError, match=r"runtime.options.virtualenv: 'venv'.*has no Python interpreter"):
        toolchain.interpreter()


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"toolchain": "conda"}, r"runtime.options.toolchain: unsupported value 'conda' \(one of: pip, uv, poetry\)"),
        ({"typechecker": "pytype"}, r"runtime.options.typechecker: unsupported value 'pytype'"),
        ({"toolchain": 3}, r"runtime.options.toolchain: unsupported value 3"),
        ({"virtualenv": ["venv"]}, r"runtime.options.virtualenv: must be a string"),
    ],
)
def test_bad_options_name_the_field_and_the_rule(tmp_path: Path, options: dict[str, object], message: str) -> None:
    with pytest.raises(ToolchainError, match=message):
        PythonToolchain.from_options(tmp_path, options)


def test_a_file_where_the_virtualenv_should_be_is_refused(tmp_path: Path) -> None:
    (tmp_path / "venv").write_text("not a folder")
    toolchain = PythonToolchain.from_options(tmp_path, {"virtualenv": "venv"})
    with pytest.raises(ToolchainError, match="is not a virtualenv"):
        toolchain.ensure(lambda _line: None)


def test_uv_and_poetry_need_their_tool(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(ToolchainError, match="could not find `uv` on PATH"):
        PythonToolchain.from_options(tmp_path, {"toolchain": "uv"}).ensure(lambda _line: None)
    with pytest.raises(ToolchainError, match="could not find `poetry` on PATH"):
        PythonToolchain.from_options(tmp_path, {"toolchain": "poetry"}).interpreter()


def test_uv_s_virtualenv_is_dot_venv_beside_pyproject(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("UV_PROJECT_ENVIRONMENT", raising=False)
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    program = tmp_path / "infra"
    program.mkdir()
    assert PythonToolchain.from_options(program, {"toolchain": "uv"}).virtualenv() == tmp_path / ".venv"
    monkeypatch.setenv("UV_PROJECT_ENVIRONMENT", "envs/uv")
    assert PythonToolchain.from_options(program, {"toolchain": "uv"}).virtualenv() == tmp_path / "envs/uv"


def test_mypy_failing_stops_the_program_with_its_output(tmp_path: Path) -> None:
    (tmp_path / "__main__.py").write_text("count: int = 'three'\n")
    toolchain = PythonToolchain.from_options(tmp_path, {"typechecker": "mypy"})
    with pytest.raises(ToolchainError, match=r"(?s)mypy failed: exit status 1.*__main__.py:1: error: Incompatible"):
        toolchain.typecheck(tmp_path)
    (tmp_path / "__main__.py").write_text("count: int = 3\n")
    toolchain.typecheck(tmp_path)


def test_a_typechecker_that_is_not_installed_is_named(tmp_path: Path) -> None:
    assert subprocess.run([sys.executable, "-c", "import pyright"], capture_output=True).returncode != 0
    toolchain = PythonToolchain.from_options(tmp_path, {"typechecker": "pyright"})
    with pytest.raises(ToolchainError, match="typechecker option is set to pyright, but pyright is not installed"):
        toolchain.typecheck(tmp_path)


@pytest.mark.slow
def test_pip_creates_a_missing_virtualenv_and_installs_requirements(tmp_path: Path) -> None:
    """As Pulumi's language host does before a preview or an update (pip and setuptools come from
    the package index, so this test needs it, as the command does)."""
    (tmp_path / "requirements.txt").write_text("")
    lines: list[str] = []
    toolchain = PythonToolchain.from_options(tmp_path, {"virtualenv": "venv"})
    toolchain.ensure(lines.append)
    assert Path(toolchain.interpreter()) == tmp_path / "venv" / "bin" / "python"
    assert lines == [
        "Creating virtual environment...",
        "Finished creating virtual environment",
        "Updating pip, setuptools, and wheel in virtual environment...",
        "Finished updating",
        "Installing dependencies in virtual environment...",
        "Finished installing dependencies",
    ]
    toolchain.ensure(lambda _line: pytest.fail("an existing virtualenv is left alone"))
