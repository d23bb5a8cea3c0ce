"""Every example project previews with the real Pulumi CLI against localcloud (skipped when
``pulumi`` is not on PATH).

Each project is copied to a temporary folder and run with a throwaway file backend
(``pulumi login file://…``), a passphrase, ``PULUMI_PYTHON_CMD`` pointing at this interpreter (the
one aicompute is installed in), and the provider settings in the environment. Examples that need
stack config or another stack say so in ``CONFIG`` and ``NEEDS``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.engine_cli import EXAMPLES, PASSPHRASE
from tests.support.localcloud import Credentials, LocalCloudProcess

PULUMI = shutil.which("pulumi")
STACK = "dev"
# Config an example requires, set with `pulumi config set` (`secret` ones with --secret).
CONFIG: dict[str, list[tuple[str, str, bool]]] = {
    "quickstart": [("apiToken", "pulumi-cli-token", True)],
    "edge-fleet": [("apiToken", "pulumi-cli-token", True)],
}
# Examples whose program reads another example's stack: that one is deployed first (and destroyed after).
NEEDS: dict[str, str] = {"multi-stack/app": "multi-stack/platform"}


def example_projects() -> list[str]:
    """Folders of examples/ holding a Pulumi project, as paths relative to examples/."""
    return sorted(str(p.parent.relative_to(EXAMPLES)) for p in EXAMPLES.rglob("Pulumi.yaml"))


class PulumiCli:
    """The ``pulumi`` binary run in copies of example projects sharing one file backend."""

    def __init__(self, root: Path, localcloud: LocalCloudProcess, project: Credentials) -> None:
        assert PULUMI is not None
        self.root = root
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("PULUMI_", "AICOMPUTE_", "HW_"))},
            "PULUMI_HOME": str(root / "pulumi-home"),
            "PULUMI_CONFIG_PASSPHRASE": PASSPHRASE,
            "PULUMI_PYTHON_CMD": sys.executable,
            "PULUMI_SKIP_UPDATE_CHECK": "true",
            "AICOMPUTE_ENDPOINT": localcloud.url,
            "HW_PROJECT_ID": project.project_id,
            "HW_ACCESS_KEY": project.access_key,
            "HW_SECRET_KEY": project.secret_key,
            "AICOMPUTE_CENTRAL_CLIENT_ID": project.central_client_id,
            "AICOMPUTE_CENTRAL_CLIENT_SECRET": project.central_client_secret,
            "AICOMPUTE_POLL_INTERVAL": "0.02",
        }
        (root / "state").mkdir()
        self.run(root, "login", f"file://{root / 'state'}")

    def run(self, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
        assert PULUMI is not None
        result = subprocess.run(
            [PULUMI, *args, "--non-interactive"],
            cwd=cwd,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert result.returncode == 0, (
            f"pulumi {' '.join(args)}: exit {result.returncode}\n{result.stdout}\n{result.stderr}"
        )
        return result

    def stack(self, example: str) -> Path:
        """A copy of the example with a new stack and the config it needs."""
        folder = self.root / "projects" / example
        shutil.copytree(EXAMPLES / example, folder, ignore=shutil.ignore_patterns("__pycache__", "Pulumi.*.yaml"))
        self.run(folder, "stack", "init", STACK)
        for key, value, secret in CONFIG.get(example, []):
            self.run(folder, "config", "set", *(["--secret"] if secret else []), key, value)
        return folder


@pytest.mark.slow
@pytest.mark.skipif(PULUMI is None, reason="the Pulumi CLI is not on PATH")
@pytest.mark.parametrize("example", example_projects())
def test_example_previews_with_the_pulumi_cli(
    example: str, tmp_path: Path, localcloud: LocalCloudProcess, project: Credentials
) -> None:
    pulumi = PulumiCli(tmp_path, localcloud, project)
    needed = pulumi.stack(NEEDS[example]) if example in NEEDS else None
    if needed is not None:
        pulumi.run(needed, "up", "--yes", "--skip-preview")
    try:
        folder = pulumi.stack(example)
        preview = pulumi.run(folder, "preview", "--diff")
        assert "to create" in preview.stdout, preview.stdout
    finally:
        if needed is not None:
            pulumi.run(needed, "destroy", "--yes", "--skip-preview")


def test_every_example_project_is_found() -> None:
    """The parametrisation above sees the examples (even where pulumi is missing and it is skipped)."""
    found = example_projects()
    assert {"quickstart", "multi-stack/platform", "multi-stack/app"} <= set(found)
    assert set(NEEDS) <= set(found) and set(NEEDS.values()) <= set(found) and set(CONFIG) <= set(found)
