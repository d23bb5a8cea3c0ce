"""What the engine benchmarks share: a throwaway project of N independent bench-only resources.

``BenchProject`` writes a Pulumi project into a temporary directory — a dynamic resource
``bench:Sleeper`` whose create, update and delete sleep ``seconds`` and append
``<op> <index> <start> <end>`` to a log, and a program declaring ``bench:count`` of them — with a
throwaway file backend, ``PULUMI_HOME`` and ``PULUMI_CONFIG_PASSPHRASE``, and runs
``python -m aicompute.engine`` there (the ``aicompute`` CLI), timing each run.
"""

from __future__ import annotations

import json
import math
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

MAX_PROCESSES_ENV = "AICOMPUTE_MAX_PROVIDER_PROCESSES"
OPERATIONS_ENV = "AICOMPUTE_PROVIDER_OPERATIONS"
"""The engine's cap on provider processes (``aicompute.engine.deploy.providers.plugin``); 1 is the Pulumi CLI's
behaviour."""
PASSPHRASE = "bench passphrase"
STACK = "bench"

PULUMI_YAML = """\
name: enginebench
runtime: python
description: aicompute engine benchmark (throwaway; written by bench/benchlib.py)
"""

SLEEPER_PY = '''\
"""A bench-only dynamic resource: create/update/delete sleep ``seconds`` and log their window."""

from __future__ import annotations

import os
import time
from typing import Any

from pulumi.dynamic import CreateResult, ResourceProvider, UpdateResult

from aicompute.resources.base import DynamicResource

LOG = os.environ.get("BENCH_CALLS_LOG", "")


def _log(op: str, index: Any, start: float) -> None:
    if LOG:
        # One short O_APPEND write per call: lines from concurrent processes do not interleave.
        with open(LOG, "a") as log:
            log.write(f"{op} {index} {start:.6f} {time.time():.6f}\\n")


class SleeperProvider(ResourceProvider):
    serialize_as_secret_always = False  # it holds no credential, like aicompute's own providers

    def create(self, props: dict[str, Any]) -> CreateResult:
        start = time.time()
        time.sleep(float(props.get("seconds") or 0))
        _log("create", props.get("index"), start)
        return CreateResult(f"sleeper-{int(props.get('index') or 0)}", dict(props))

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        start = time.time()
        time.sleep(float(news.get("seconds") or 0))
        _log("update", news.get("index"), start)
        return UpdateResult(dict(news))

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        start = time.time()
        time.sleep(float(props.get("delete_seconds") or 0))
        _log("delete", props.get("index"), start)


class Sleeper(DynamicResource, module="bench", name="Sleeper"):
    """On aicompute's resource base, as every aicompute resource."""

    _provider_class = SleeperProvider

    def __init__(self, name: str, index: int, seconds: float) -> None:
        super().__init__(name, {"index": index, "seconds": seconds, "delete_seconds": 0})
'''

MAIN_PY = """\
import pulumi
from sleeper import Sleeper

config = pulumi.Config("bench")
count = int(config.require("count"))
seconds = float(config.get("seconds") or 0)
for index in range(count):
    Sleeper(f"r{index:05d}", index, seconds)
pulumi.export("count", count)
"""

_DURATION = re.compile(r"^Duration: ([0-9.]+)s$", re.MULTILINE)
TIME = "/usr/bin/time"  # GNU time (Debian's `time` package)
RSS_MARK = "peak-rss-kb="


@dataclass(frozen=True)
class Run:
    """One CLI run: its wall time (process start to exit) and the ``Duration:`` lines it printed
    (the engine's own timing of each phase: a preview, then the update for ``up``)."""

    args: tuple[str, ...]
    wall: float
    durations: tuple[float, ...]
    stdout: str
    peak_rss_mb: float = 0.0
    finished: bool = True
    """False when the run was stopped at its cap: ``wall`` is then the cap, a lower bound."""

    @property
    def engine(self) -> float:
        """The engine's duration of the last phase (the update of ``up``, or the whole operation)."""
        return self.durations[-1] if self.durations else self.wall


class BenchError(RuntimeError):
    pass


class BenchProject:
    """The bench project in ``root/project``, state in ``root/state``; one stack, ``bench``."""

    def __init__(self, root: Path, env: dict[str, str] | None = None) -> None:
        self.root = root
        self.project_dir = root / "project"
        self.project_dir.mkdir(parents=True)
        (self.project_dir / "Pulumi.yaml").write_text(PULUMI_YAML)
        (self.project_dir / "sleeper.py").write_text(SLEEPER_PY)
        (self.project_dir / "__main__.py").write_text(MAIN_PY)
        self.state_dir = root / "state"
        self.log = root / "calls.log"
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("PULUMI_", "AICOMPUTE_"))},
            "PULUMI_CONFIG_PASSPHRASE": PASSPHRASE,
            "AICOMPUTE_BACKEND_URL": f"file://{self.state_dir}",
            "PULUMI_HOME": str(root / "home"),
            "BENCH_CALLS_LOG": str(self.log),
            **(env or {}),
        }

    name = "aicompute"

    def command(self, *args: str) -> list[str]:
        command = [sys.executable, "-m", "aicompute.engine", *args]
        if args[0] != "stack":
            command += ["--stack", STACK, "--non-interactive"]
        return command

    def cli(self, *args: str, env: dict[str, str] | None = None, timeout: float = 3600, cap: float = 0) -> Run:
        """Run the CLI under GNU time, which reports the peak RSS of the largest process it waited for.

        With ``cap``, a run still going after ``cap`` seconds is killed with all its processes and
        returned unfinished (an error past ``timeout`` otherwise)."""
        command = [TIME, "-f", f"{RSS_MARK}%M", *self.command(*args)]
        started = time.perf_counter()
        with subprocess.Popen(
            command,
            cwd=self.project_dir,
            env={**self.env, **(env or {})},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        ) as process:
            try:
                stdout, stderr = process.communicate(timeout=cap or timeout)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                stdout, stderr = process.communicate()
                if not cap:
                    raise
                return Run(tuple(args), cap, (), stdout, 0.0, finished=False)
        wall = time.perf_counter() - started
        if process.returncode != 0:
            raise BenchError(f"`{self.name} {' '.join(args)}` exited {process.returncode}:\n{stdout}\n{stderr}")
        durations = tuple(float(m) for m in _DURATION.findall(stdout))
        rss = [int(line.removeprefix(RSS_MARK)) for line in stderr.splitlines() if line.startswith(RSS_MARK)]
        return Run(tuple(args), wall, durations, stdout, rss[-1] / 1024 if rss else 0.0)

    def init(self, count: int, seconds: float) -> None:
        self.cli("stack", "init", STACK)
        self.cli("config", "set", "bench:count", str(count))
        self.cli("config", "set", "bench:seconds", repr(seconds))

    def calls(self, op: str) -> list[tuple[float, float]]:
        """``(start, end)`` of each logged call of ``op``."""
        if not self.log.exists():
            return []
        rows = [line.split() for line in self.log.read_text().splitlines()]
        return [(float(row[2]), float(row[3])) for row in rows if row[0] == op]

    def window(self, op: str) -> float:
        """From the first start to the last end of ``op`` calls (0 when there were none)."""
        rows = self.calls(op)
        return max(end for _, end in rows) - min(start for start, _ in rows) if rows else 0.0

    def clear_log(self) -> None:
        self.log.unlink(missing_ok=True)

    @property
    def state_file(self) -> Path:
        return self.state_dir / ".pulumi" / "stacks" / "enginebench" / f"{STACK}.json"

    def state_bytes(self) -> int:
        return self.state_file.stat().st_size

    def resources_in_state(self) -> int:
        return len(json.loads(self.state_file.read_text())["checkpoint"].get("latest", {}).get("resources") or [])

    def adopt_stack(self, other: BenchProject) -> None:
        """Take over ``other``'s stack (its checkpoint and stack config, in the same file-backend
        format), dropping this one's and any lock a killed run left."""
        shutil.rmtree(self.state_dir / ".pulumi" / "locks", ignore_errors=True)
        shutil.copyfile(other.state_file, self.state_file)
        config = f"Pulumi.{STACK}.yaml"
        shutil.copyfile(other.project_dir / config, self.project_dir / config)


class PulumiBenchProject(BenchProject):
    """The same project and program run by the real Pulumi CLI (``make pulumi``): its own file
    backend, the interpreter with aicompute installed as ``PULUMI_PYTHON_CMD``."""

    name = "pulumi"

    def __init__(self, root: Path, bin_dir: Path, env: dict[str, str] | None = None) -> None:
        super().__init__(root, env)
        self.bin_dir = bin_dir
        self.state_dir.mkdir()
        self.env.update(
            {
                "PATH": f"{bin_dir}{os.pathsep}{self.env.get('PATH', '')}",
                "PULUMI_BACKEND_URL": f"file://{self.state_dir}",
                "PULUMI_PYTHON_CMD": sys.executable,
                "PULUMI_SKIP_UPDATE_CHECK": "true",
            }
        )

    def command(self, *args: str) -> list[str]:
        command = [str(self.bin_dir / "pulumi"), *args, "--non-interactive"]
        if args[0] != "stack":
            command += ["--stack", STACK]
        return command


class Workspace:
    """A temporary directory for the bench projects, removed afterwards unless ``keep``."""

    def __init__(self, keep: bool = False) -> None:
        self.path = Path(tempfile.mkdtemp(prefix="aicompute-bench-"))
        self.keep = keep
        self._count = 0

    def project(self, env: dict[str, str] | None = None) -> BenchProject:
        self._count += 1
        return BenchProject(self.path / f"p{self._count}", env)

    def pulumi_project(self, bin_dir: Path, env: dict[str, str] | None = None) -> PulumiBenchProject:
        self._count += 1
        return PulumiBenchProject(self.path / f"p{self._count}", bin_dir, env)

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.keep:
            print(f"(kept {self.path})")
        else:
            shutil.rmtree(self.path, ignore_errors=True)


def machine() -> str:
    """The machine line the README records with the figures."""
    return (
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, nproc={os.cpu_count()}, "
        f"Python {platform.python_version()}, {platform.system()} {platform.machine()}"
    )


def ideal(count: int, parallel: int, seconds: float) -> float:
    """``ceil(N / parallel) × t``: the wall time of perfect scheduling with no overhead."""
    return math.ceil(count / parallel) * seconds
