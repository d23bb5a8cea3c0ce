"""Run the user's Pulumi program, unchanged, in a child Python process.

The child is configured the way Pulumi's Python language host configures a program (project,
stack, organization, root directory, dry-run flag, parallelism, config and secret config keys,
monitor and engine addresses — see ``_program_runner``), on the interpreter the project's
``toolchain``/``virtualenv`` runtime options name (``python_toolchain``), after its
``typechecker`` passed. Its stdout and stderr lines are handed to a callback, as the Pulumi CLI
shows a program's prints as diagnostics.
"""

from __future__ import annotations

import json
import os
import subprocess
import threading
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from aicompute import sdk_patches
from aicompute.engine.deploy.python_toolchain import PythonToolchain, ToolchainError

RUNNER_FILE = Path(__file__).with_name("_program_runner.py")
SDK_PATCHES_FILE = Path(sdk_patches.__file__)

OutputCallback = Callable[[str, str], None]
"""Called with (``"stdout"`` or ``"stderr"``, line without its newline)."""


class ProgramError(Exception):
    """The program could not be started (a missing main, a broken virtualenv)."""


@dataclass(frozen=True)
class ProgramSpec:
    """Everything the language host tells a program."""

    project: str
    stack: str
    root_directory: Path
    main: str | None = None
    runtime_options: Mapping[str, Any] = field(default_factory=dict)
    organization: str = "organization"
    config: Mapping[str, str] = field(default_factory=dict)
    secret_keys: Collection[str] = ()
    parallel: int = 16
    dry_run: bool = True
    debug: bool = False
    extra_env: Mapping[str, str] = field(default_factory=dict)

    @property
    def program_path(self) -> Path:
        """``main`` from Pulumi.yaml (a directory with ``__main__.py`` or a file), else the project root."""
        path = (self.root_directory / self.main) if self.main else self.root_directory
        return path.resolve()

    @property
    def working_directory(self) -> Path:
        path = self.program_path
        return path if path.is_dir() else self.root_directory

    @property
    def toolchain(self) -> PythonToolchain:
        return PythonToolchain.from_options(self.root_directory, self.runtime_options)


def runner_command(interpreter: str) -> list[str]:
    """How to start the runner: by its file, which imports only the SDK and the standard library, so
    the interpreter need not have aicompute installed (a project's own virtualenv often has not). The
    engine's directory stays off sys.path: its module names would shadow the standard library's."""
    bootstrap = f"import runpy; runpy.run_path({str(RUNNER_FILE)!r}, run_name='__main__')"
    return [interpreter, "-u", "-c", bootstrap]


def program_environment(
    spec: ProgramSpec, monitor_address: str, engine_address: str, base: Mapping[str, str] | None = None
) -> dict[str, str]:
    env = dict(os.environ if base is None else base)
    env.update(spec.extra_env)
    env.update(
        {
            "PULUMI_PROJECT": spec.project,
            "PULUMI_STACK": spec.stack,
            "PULUMI_ORGANIZATION": spec.organization,
            "PULUMI_ROOT_DIRECTORY": str(spec.root_directory),
            "PULUMI_DRY_RUN": "true" if spec.dry_run else "false",
            "PULUMI_PARALLEL": str(spec.parallel),
            "PULUMI_MONITOR": monitor_address,
            "PULUMI_ENGINE": engine_address,
            "PULUMI_CONFIG": json.dumps(dict(spec.config)),
            "PULUMI_CONFIG_SECRET_KEYS": json.dumps(sorted(spec.secret_keys)),
            "AICOMPUTE_PROGRAM": str(spec.program_path),
            "AICOMPUTE_SDK_PATCHES": str(SDK_PATCHES_FILE),
            "AICOMPUTE_DEBUG": "1" if spec.debug else "0",
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


class RunningProgram:
    """A started program: its output is forwarded line by line until it exits."""

    def __init__(self, process: subprocess.Popen[str], on_output: OutputCallback) -> None:
        self.process = process
        self._readers = [
            threading.Thread(target=self._forward, args=(name, stream, on_output), daemon=True)
            for name, stream in (("stdout", process.stdout), ("stderr", process.stderr))
            if stream is not None
        ]
        for reader in self._readers:
            reader.start()

    @staticmethod
    def _forward(name: str, stream: IO[str], on_output: OutputCallback) -> None:
        for line in stream:
            on_output(name, line.rstrip("\n"))
        stream.close()

    def wait(self, timeout: float | None = None) -> int:
        code = self.process.wait(timeout)
        for reader in self._readers:
            reader.join()
        return code

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()


def start_program(
    spec: ProgramSpec, monitor_address: str, engine_address: str, on_output: OutputCallback
) -> RunningProgram:
    program = spec.program_path
    if not program.exists():
        raise ProgramError(f"the program's main {program} does not exist")
    if program.is_dir() and not (program / "__main__.py").exists():
        raise ProgramError(f"{program} has no __main__.py (set `main` in Pulumi.yaml to the program's file)")
    try:
        spec.toolchain.typecheck(spec.working_directory)
        command = runner_command(spec.toolchain.interpreter())
    except ToolchainError as error:
        raise ProgramError(str(error)) from error
    try:
        process = subprocess.Popen(
            command,
            cwd=spec.working_directory,
            env=program_environment(spec, monitor_address, engine_address),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            errors="replace",
            start_new_session=True,  # Ctrl-C reaches the engine, which stops the program itself
        )
    except OSError as error:
        raise ProgramError(f"cannot start {command[0]}: {error}") from error
    return RunningProgram(process, on_output)
