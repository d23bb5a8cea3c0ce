"""Run the user's Pulumi program, unchanged, in a child Python process.

The child is configured the way Pulumi's Python language host configures a program (project,
stack, organization, root directory, dry-run flag, parallelism, config and secret config keys,
monitor and engine addresses — see ``_program_runner``), on the interpreter the project's
``toolchain``/``virtualenv`` runtime options name (``python_toolchain``), after its
``typechecker`` passed. Its stdout and stderr lines are handed to a callback, as the Pulumi CLI
shows a program's prints as diagnostics.
"""

from __future__ import annotations

import atexit
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
ENV_ON_STDIN = "AICOMPUTE_PROGRAM_ENV_ON_STDIN"
"""Set on a runner started ahead of its program: it imports the SDK, then reads its environment."""

Popen = subprocess.Popen[str]
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

    def __init__(self, process: Popen, on_output: OutputCallback) -> None:
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
        interpreter = spec.toolchain.interpreter()
    except ToolchainError as error:
        raise ProgramError(str(error)) from error
    env = program_environment(spec, monitor_address, engine_address)
    warm = _WARM_RUNNERS.take(interpreter, spec.working_directory, env)
    if warm is not None:
        return RunningProgram(warm.hand_over(env), on_output)
    command = runner_command(interpreter)
    try:
        process = _start_runner(command, spec.working_directory, env)
    except OSError as error:
        raise ProgramError(f"cannot start {command[0]}: {error}") from error
    return RunningProgram(process, on_output)


def _start_runner(command: list[str], cwd: Path, env: Mapping[str, str], *, stdin: int = subprocess.DEVNULL) -> Popen:
    return subprocess.Popen(
        command,
        cwd=cwd,
        env=dict(env),
        stdin=stdin,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        errors="replace",
        start_new_session=True,  # Ctrl-C reaches the engine, which stops the program itself
    )


def _interpreter_env(env: Mapping[str, str]) -> dict[str, str]:
    """What the interpreter reads at its start (``-u`` already makes it unbuffered)."""
    return {k: v for k, v in env.items() if k.startswith("PYTHON") and k != "PYTHONUNBUFFERED"}


class _WarmRunner:
    """A runner started before its program is due: the seconds the SDK's import takes pass while the
    engine derives the stack's key and starts up, instead of after the program is launched."""

    def __init__(self, interpreter: str, cwd: Path) -> None:
        self.interpreter, self.cwd = interpreter, cwd
        self.env = {**os.environ, ENV_ON_STDIN: "1"}
        self.process = _start_runner(runner_command(interpreter), cwd, self.env, stdin=subprocess.PIPE)

    def fits(self, interpreter: str, cwd: Path, env: Mapping[str, str]) -> bool:
        return (
            self.process.poll() is None
            and (self.interpreter, self.cwd) == (interpreter, cwd)
            and _interpreter_env(self.env) == _interpreter_env(env)
        )

    def hand_over(self, env: Mapping[str, str]) -> Popen:
        """Give the runner its program's environment: from here it runs as a cold-started one would."""
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(dict(env)) + "\n")
        self.process.stdin.close()
        return self.process

    def discard(self) -> None:
        """An unused runner ends at the end of its stdin (and is killed if it does not)."""
        process = self.process
        if process.stdin is not None and not process.stdin.closed:
            process.stdin.close()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()


class _WarmRunners:
    """Runners waiting for the programs this command will run (one for preview, two for ``up``)."""

    def __init__(self) -> None:
        self._waiting: list[_WarmRunner] = []
        self._lock = threading.Lock()
        atexit.register(self.discard_all)

    def start(self, interpreter: str, cwd: Path, count: int) -> None:
        for _ in range(count):
            runner = _WarmRunner(interpreter, cwd)
            with self._lock:
                self._waiting.append(runner)

    def take(self, interpreter: str, cwd: Path, env: Mapping[str, str]) -> _WarmRunner | None:
        with self._lock:
            for runner in self._waiting:
                if runner.fits(interpreter, cwd, env):
                    self._waiting.remove(runner)
                    return runner
        return None

    def discard_all(self) -> None:
        with self._lock:
            waiting, self._waiting = self._waiting, []
        for runner in waiting:
            runner.discard()


_WARM_RUNNERS = _WarmRunners()


def warm_up_programs(root_directory: Path, main: str | None, runtime_options: Mapping[str, Any], count: int) -> None:
    """Start ``count`` runners for the project's program ahead of time, when that is cheap and safe:
    with the pip toolchain and its virtualenv already there (``ensure`` then changes nothing).
    ``start_program`` uses one that fits, or starts the runner itself as before."""
    spec = ProgramSpec(project="", stack="", root_directory=root_directory, main=main, runtime_options=runtime_options)
    try:
        toolchain = spec.toolchain
        if toolchain.kind != "pip":
            return
        interpreter = toolchain.interpreter()
    except ToolchainError:
        return
    try:
        _WARM_RUNNERS.start(interpreter, spec.working_directory, count)
    except OSError:
        return
