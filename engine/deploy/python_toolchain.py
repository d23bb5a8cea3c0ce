"""The project's Python, from Pulumi.yaml's ``runtime.options``, as Pulumi's Python language host reads them.

* ``toolchain``: ``pip`` (the default), ``uv`` or ``poetry``.
* ``virtualenv``: the virtual environment's folder, relative to the project (pip and uv). Without
  one, pip runs the program on the interpreter aicompute runs on; uv defaults to ``.venv`` beside
  ``uv.lock`` or ``pyproject.toml``; poetry asks ``poetry env info --path``.
* ``typechecker``: ``mypy`` or ``pyright``, run on the program's folder before the program; its
  failure fails the operation.

As the language host does, a virtualenv that does not exist (or an empty folder) is created before
the operation: ``python -m venv``, then pip, setuptools and wheel upgraded and ``requirements.txt``
installed (pip); ``uv venv`` and ``uv sync --inexact`` (uv); ``poetry install`` (poetry).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

Toolchain = Literal["pip", "uv", "poetry"]
Typechecker = Literal["mypy", "pyright"]
TOOLCHAINS: tuple[Toolchain, ...] = ("pip", "uv", "poetry")
TYPECHECKERS: tuple[Typechecker, ...] = ("mypy", "pyright")

Say = Callable[[str], None]
"""Where progress lines go ("Creating virtual environment...")."""


class ToolchainError(Exception):
    """The project's Python cannot be had: a bad option, a missing tool, a failed install or check."""


def _option(options: Mapping[str, Any], name: str, allowed: tuple[str, ...], default: str | None) -> str | None:
    value = options.get(name, default)
    if value is None:
        return None
    if not isinstance(value, str) or value not in allowed:
        raise ToolchainError(
            f"Pulumi.yaml runtime.options.{name}: unsupported value {value!r} (one of: {', '.join(allowed)})"
        )
    return value


def _search_up(start: Path, name: str) -> Path | None:
    for folder in (start, *start.parents):
        if (folder / name).exists():
            return folder
    return None


def _venv_python(venv: Path) -> Path:
    return venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def is_virtualenv(folder: Path) -> bool:
    return _venv_python(folder).is_file()


def _run(command: list[str], cwd: Path, what: str, env: Mapping[str, str] | None = None) -> str:
    try:
        done = subprocess.run(
            command, cwd=cwd, env=dict(env) if env else None, capture_output=True, text=True, errors="replace"
        )
    except OSError as error:
        raise ToolchainError(f"{what}: cannot run {command[0]}: {error}") from error
    if done.returncode != 0:
        output = (done.stdout + done.stderr).strip()
        raise ToolchainError(f"{what} via '{' '.join(command)}' failed (exit {done.returncode})\n{output}".rstrip())
    return done.stdout


def _require(tool: str, hint: str) -> str:
    path = shutil.which(tool)
    if path is None:
        raise ToolchainError(f"could not find `{tool}` on PATH: {hint}")
    return path


@dataclass(frozen=True)
class PythonToolchain:
    """How to get the interpreter a project's program and dynamic providers run on."""

    kind: Toolchain
    root: Path
    virtualenv_option: str | None
    typechecker: Typechecker | None

    @classmethod
    def from_options(cls, root: Path, options: Mapping[str, Any]) -> PythonToolchain:
        kind = _option(options, "toolchain", TOOLCHAINS, "pip")
        checker = _option(options, "typechecker", TYPECHECKERS, None)
        venv = options.get("virtualenv")
        if venv is not None and not isinstance(venv, str):
            raise ToolchainError("Pulumi.yaml runtime.options.virtualenv: must be a string (a folder)")
        return cls(kind, root, venv or None, checker)  # type: ignore[arg-type]

    def virtualenv(self) -> Path | None:
        """The virtual environment's folder; None: the interpreter aicompute runs on (pip only)."""
        if self.kind == "poetry":
            _require("poetry", "install poetry, or set runtime.options.toolchain in Pulumi.yaml to `pip`")
            path = _run(["poetry", "env", "info", "--path"], self.root, "finding poetry's virtualenv").strip()
            if not path:
                raise ToolchainError("poetry env info --path printed no virtualenv: run `poetry install`")
            return Path(path)
        if self.virtualenv_option:
            venv = Path(self.virtualenv_option)
            return venv if venv.is_absolute() else self.root / venv
        if self.kind == "uv":
            project = _search_up(self.root, "uv.lock") or _search_up(self.root, "pyproject.toml") or self.root
            configured = os.environ.get("UV_PROJECT_ENVIRONMENT")
            venv = Path(configured) if configured else Path(".venv")
            return venv if venv.is_absolute() else project / venv
        return None

    def interpreter(self) -> str:
        """The interpreter to run; an error naming the option when the virtualenv is not there."""
        venv = self.virtualenv()
        if venv is None:
            return sys.executable
        if not is_virtualenv(venv):
            raise ToolchainError(
                f"the virtualenv {venv} (Pulumi.yaml runtime.options.virtualenv: {self.virtualenv_option!r}) "
                f"has no Python interpreter; aicompute creates a missing one at the next preview or up"
            )
        return str(_venv_python(venv))

    def ensure(self, say: Say) -> None:
        """Create the virtualenv and install the project's dependencies if it does not exist yet."""
        if self.kind == "uv":
            self._ensure_uv()
            return
        if self.kind == "poetry":
            self._ensure_poetry(say)
            return
        venv = self.virtualenv()
        if venv is None or is_virtualenv(venv):
            return
        if venv.exists() and (not venv.is_dir() or any(venv.iterdir())):
            raise ToolchainError(
                f"Pulumi.yaml runtime.options.virtualenv is {self.virtualenv_option!r}, but {venv} is not a "
                f"virtualenv (no bin/python) and not an empty folder"
            )
        self._create_pip_venv(venv, say)

    def _create_pip_venv(self, venv: Path, say: Say) -> None:
        base = os.environ.get("PULUMI_PYTHON_CMD") or sys.executable
        say("Creating virtual environment...")
        _run([base, "-m", "venv", str(venv)], self.root, f"creating virtual environment at '{venv}'")
        say("Finished creating virtual environment")
        python = str(_venv_python(venv))
        say("Updating pip, setuptools, and wheel in virtual environment...")
        pip = [python, "-m", "pip", "install", "--disable-pip-version-check", "-q"]
        _run([*pip, "--upgrade", "pip", "setuptools", "wheel"], self.root, "updating pip, setuptools, and wheel")
        say("Finished updating")
        if (self.root / "requirements.txt").exists():
            say("Installing dependencies in virtual environment...")
            _run([*pip, "-r", "requirements.txt"], self.root, "installing dependencies")
            say("Finished installing dependencies")

    def _uv_env(self) -> dict[str, str]:
        return {**os.environ, "UV_PROJECT_ENVIRONMENT": str(self.virtualenv())}

    def _ensure_uv(self) -> None:
        _require("uv", "install uv, or set runtime.options.toolchain in Pulumi.yaml to `pip`")
        venv = self.virtualenv()
        assert venv is not None
        if not is_virtualenv(venv):
            _run(["uv", "venv", "--quiet", "--allow-existing", str(venv)], self.root, "creating the virtualenv")
        if _search_up(self.root, "pyproject.toml") is not None:
            # As `uv run` does, keep the environment in step with pyproject.toml before each run.
            _run(["uv", "sync", "--inexact"], self.root, "syncing the virtualenv", env=self._uv_env())

    def _ensure_poetry(self, say: Say) -> None:
        _require("poetry", "install poetry, or set runtime.options.toolchain in Pulumi.yaml to `pip`")
        try:
            self.virtualenv()
        except ToolchainError:
            say("Installing dependencies with poetry...")
            _run(["poetry", "install", "--no-root"], self.root, "installing dependencies with poetry")

    def typecheck(self, program_directory: Path) -> None:
        """Run the typechecker on the program's folder; its output in the error when it fails."""
        if self.typechecker is None:
            return
        python = self.interpreter()
        check = subprocess.run([python, "-c", f"import {self.typechecker}"], capture_output=True)
        if check.returncode != 0:
            raise ToolchainError(
                f"The typechecker option is set to {self.typechecker}, but {self.typechecker} is not installed "
                f"in {python}: add it to the project's dependencies"
            )
        command = [python, "-m", self.typechecker]
        venv = self.virtualenv()
        if self.typechecker == "mypy" and venv is not None:
            command += ["--exclude", os.path.relpath(venv, program_directory)]
        command.append(str(program_directory))
        done = subprocess.run(command, cwd=program_directory, capture_output=True, text=True, errors="replace")
        if done.returncode != 0:
            output = (done.stdout + done.stderr).strip()
            raise ToolchainError(f"{self.typechecker} failed: exit status {done.returncode}\n{output}".rstrip())
