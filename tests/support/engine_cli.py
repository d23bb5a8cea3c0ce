"""Run ``aicompute`` on a copy of a test project, with a throwaway backend, passphrase and PULUMI_HOME."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from aicompute.engine.backend.base import StackRef
from aicompute.engine.backend.diy import FileBackend
from aicompute.engine.backend.project import (
    PlainValue,
    SecureValue,
    load_project,
    load_stack_settings,
    save_stack_settings,
)
from aicompute.engine.backend.secrets_manager import open_stack_secrets
from tests.support.localcloud import Credentials, LocalCloudProcess

PROJECTS = Path(__file__).resolve().parents[1] / "e2e" / "projects"
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
PASSPHRASE = "correct horse battery staple"
STACK_COMMANDS = ("preview", "up", "refresh", "destroy", "import", "stack", "config", "cancel")
STACKLESS = (("stack", "init"), ("stack", "ls"))


class EngineCli:
    """A project copied into ``root/project``, state in ``root/state``; ``run`` calls the CLI there."""

    def __init__(
        self,
        root: Path,
        project: str,
        stack: str = "dev",
        env: dict[str, str] | None = None,
        source: Path = PROJECTS,
    ) -> None:
        """``project`` is a folder of ``source``: the test projects, or ``EXAMPLES`` (``"multi-stack/app"``)."""
        self.root = root
        self.project_dir = root / project
        if not self.project_dir.exists():  # a second CLI on the same root shares the first one's copy
            shutil.copytree(source / project, self.project_dir, ignore=shutil.ignore_patterns("__pycache__"))
        self.state_dir = root / "state"
        self.objects = root / "objects"
        self.objects.mkdir(exist_ok=True)
        self.stack = stack
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("PULUMI_", "AICOMPUTE_"))},
            "PULUMI_CONFIG_PASSPHRASE": PASSPHRASE,
            "AICOMPUTE_BACKEND_URL": f"file://{self.state_dir}",
            "PULUMI_HOME": str(root / "home"),
            "COLUMNS": "200",
            **(env or {}),
        }

    def run(
        self, *args: str, expect: int | None = 0, timeout: float = 120, stdin: str | None = None
    ) -> subprocess.CompletedProcess[str]:
        """``aicompute ARGS`` in the project (``--stack`` added for the stack commands), ``stdin`` its input."""
        result = subprocess.run(
            self.command(*args),
            input=stdin,
            cwd=self.project_dir,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if expect is not None:
            assert result.returncode == expect, f"exit {result.returncode}\n{result.stdout}\n{result.stderr}"
        return result

    def command(self, *args: str) -> list[str]:
        command = [sys.executable, "-m", "aicompute.engine", *args]
        if args and args[0] in STACK_COMMANDS and "--stack" not in args and args[:2] not in STACKLESS:
            command += ["--stack", self.stack]
        return command

    def popen(self, *args: str, group: bool = False) -> subprocess.Popen[str]:
        """``aicompute ARGS`` started; ``group``: as the leader of a new process group (its provider
        processes join it, so the group can be killed whole), stderr merged into stdout."""
        return subprocess.Popen(
            self.command(*args),
            cwd=self.project_dir,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT if group else subprocess.PIPE,
            text=True,
            start_new_session=group,
        )

    def init(self, stack: str | None = None, *, via_cli: bool = False, **config: str) -> None:
        """A new stack with plain config values, made as ``stack init`` and ``config set`` make it
        (in this process unless ``via_cli``: the CLI's start-up and key derivation cost seconds)."""
        name = stack or self.stack
        if via_cli:
            self.run("stack", "init", name)
        else:
            project = load_project(self.project_dir)
            settings = load_stack_settings(project, name)
            open_stack_secrets(settings, None, PASSPHRASE, create=True)
            FileBackend(f"file://{self.state_dir}").create_stack(StackRef(project.name, name))
            save_stack_settings(settings)
        if config:
            self.set_config(name, **config)

    def init_for_localcloud(
        self,
        localcloud: LocalCloudProcess,
        project: Credentials,
        stack: str | None = None,
        *,
        via_cli: bool = False,
        **config: str,
    ) -> None:
        """A new stack whose provider settings point every platform at ``project`` on ``localcloud``
        (the secret key and the central client secret as secrets), with a fast poll interval;
        ``config`` adds stack config or replaces those values."""
        settings = {
            "aicompute:endpoint": localcloud.url,
            "aicompute:projectId": project.project_id,
            "aicompute:accessKey": project.access_key,
            "aicompute:centralClientId": project.central_client_id,
            "aicompute:pollInterval": "0.02",
        }
        self.init(stack, via_cli=via_cli, **{**settings, **config})
        self.set_secret("aicompute:secretKey", project.secret_key, stack)
        self.set_secret("aicompute:centralClientSecret", project.central_client_secret, stack)

    def set_config(self, stack: str | None = None, **config: str) -> None:
        project = load_project(self.project_dir)
        settings = load_stack_settings(project, stack or self.stack)
        settings.config.update({key: PlainValue(value) for key, value in config.items()})
        save_stack_settings(settings)

    def set_secret(self, key: str, value: str, stack: str | None = None) -> None:
        """A ``secure:`` value, as ``config set --secret`` writes it."""
        project = load_project(self.project_dir)
        settings = load_stack_settings(project, stack or self.stack)
        manager = open_stack_secrets(settings, None, PASSPHRASE)
        settings.config[key] = SecureValue(manager.encrypt(value))
        save_stack_settings(settings)

    def state_path(self, stack: str | None = None) -> Path:
        project = load_project(self.project_dir).name
        return self.state_dir / ".pulumi" / "stacks" / project / f"{stack or self.stack}.json"

    def state(self, stack: str | None = None) -> dict[str, Any]:
        """The stack's checkpoint as aicompute reads it: with the journal a killed run left replayed."""
        project = load_project(self.project_dir).name
        backend = FileBackend(f"file://{self.state_dir}")
        return backend.read_checkpoint(StackRef(project, stack or self.stack))

    def state_text(self, stack: str | None = None) -> str:
        return self.state_path(stack).read_text()

    def resources(self, stack: str | None = None) -> dict[str, dict[str, Any]]:
        """The state's resources by name (the last URN part)."""
        latest = self.state(stack)["checkpoint"].get("latest") or {}
        return {r["urn"].rsplit("::", 1)[1]: r for r in latest.get("resources", [])}


class FileState(EngineCli):
    """The ``filestate`` test project: things are JSON files in ``objects``; ``spec`` declares them."""

    def __init__(self, root: Path, stack: str = "dev") -> None:
        super().__init__(root, "filestate", stack)
        self.spec_file = root / "spec.json"

    def init(self, stack: str | None = None, *, via_cli: bool = False, **config: str) -> None:
        config = {"filestate:spec": str(self.spec_file), "filestate:dir": str(self.objects), **config}
        super().init(stack, via_cli=via_cli, **config)

    def spec(self, *things: dict[str, Any], **extra: Any) -> None:
        self.spec_file.write_text(json.dumps({"things": list(things), **extra}))

    def calls(self) -> list[tuple[str, str, float, float]]:
        log = self.objects / "calls.log"
        if not log.exists():
            return []
        rows = [line.split() for line in log.read_text().splitlines()]
        return [(op, name, float(start), float(end)) for op, name, start, end in rows]

    def files(self) -> set[str]:
        return {p.stem for p in self.objects.glob("*.json")}
