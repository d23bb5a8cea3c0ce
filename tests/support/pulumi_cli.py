"""The real Pulumi CLI (``make pulumi`` builds it into ``.tools/pulumi/bin``), run like ``EngineCli``.

Tests that need it take the ``pulumi_bin`` fixture: without the CLI they are skipped with a message
that names ``make pulumi`` — or fail, when ``AICOMPUTE_REQUIRE_PULUMI=1`` (as in CI), so a broken
toolchain can never pass as a skip.

``PulumiCli`` is an ``EngineCli`` whose commands are ``pulumi …`` instead of ``aicompute …``: the
same copy of the project, the same file backend folder, passphrase and stack config files, so one
test can hand a stack from one CLI to the other.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

from tests.support.engine_cli import PASSPHRASE, PROJECTS, EngineCli

REPO = Path(__file__).resolve().parents[2]
TOOLS_BIN = REPO / ".tools" / "pulumi" / "bin"
REQUIRE_ENV = "AICOMPUTE_REQUIRE_PULUMI"
MISSING = "the Pulumi CLI is not built: run `make pulumi` (it needs Go and the Go module proxy)"
# Commands that act on one stack: `--stack` is added (as EngineCli does for aicompute).
STACK_COMMANDS = ("preview", "up", "refresh", "destroy", "import", "config", "stack", "cancel")
STACKLESS = (("stack", "init"), ("stack", "ls"), ("stack", "select"))


def pulumi_bin_dir() -> Path | None:
    """The folder holding ``pulumi`` and its language host: ``.tools/pulumi/bin``, else ``PATH``'s."""
    if (TOOLS_BIN / "pulumi").is_file():
        return TOOLS_BIN
    found = shutil.which("pulumi")
    return Path(found).parent if found else None


def require_pulumi() -> Path:
    """The Pulumi CLI's folder; a skip naming ``make pulumi`` without it (a failure where it is required)."""
    found = pulumi_bin_dir()
    if found is None:
        if os.environ.get(REQUIRE_ENV) == "1":
            pytest.fail(f"{MISSING}; {REQUIRE_ENV}=1 makes this a failure instead of a skip")
        pytest.skip(MISSING)
    return found


class PulumiCli(EngineCli):
    """``pulumi ARGS`` in a copy of a project, state in ``root/state`` (``pulumi login file://…``)."""

    def __init__(
        self,
        root: Path,
        project: str,
        bin_dir: Path,
        stack: str = "dev",
        env: dict[str, str] | None = None,
        source: Path = PROJECTS,
    ) -> None:
        self.bin_dir = bin_dir
        super().__init__(root, project, stack, env=env, source=source)
        self.state_dir.mkdir(exist_ok=True)  # pulumi refuses a file:// backend folder that does not exist
        self.env.update(
            {
                "PATH": f"{bin_dir}{os.pathsep}{self.env.get('PATH', '')}",
                "PULUMI_BACKEND_URL": f"file://{self.state_dir}",
                "PULUMI_CONFIG_PASSPHRASE": PASSPHRASE,
                # The interpreter aicompute is installed in runs the program and the dynamic providers.
                "PULUMI_PYTHON_CMD": sys.executable,
                "PULUMI_SKIP_UPDATE_CHECK": "true",
                "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
            }
        )

    def command(self, *args: str) -> list[str]:
        command = [str(self.bin_dir / "pulumi"), *args, "--non-interactive"]
        if args and args[0] in STACK_COMMANDS and "--stack" not in args and tuple(args[:2]) not in STACKLESS:
            command += ["--stack", self.stack]
        return command

    def init(self, stack: str | None = None, *, via_cli: bool = True, **config: str) -> None:
        """``pulumi stack init`` (always through the CLI: its stack files are what is compared)."""
        name = stack or self.stack
        self.run("stack", "init", name)
        if config:
            self.set_config(name, **config)

    def set_secret(self, key: str, value: str, stack: str | None = None) -> None:
        """``pulumi config set --secret`` (the value passed on stdin, so it is in no process list)."""
        self.run("config", "set", "--secret", key, "--stack", stack or self.stack, stdin=value)
