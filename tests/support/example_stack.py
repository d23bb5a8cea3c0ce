"""An example project's stack pointed at one localcloud project, and what a ``--json`` digest did."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.support.engine_cli import EXAMPLES, EngineCli
from tests.support.localcloud import Credentials, LocalCloudProcess


def example_stack(tmp_path: Path, example: str, localcloud: LocalCloudProcess, project: Credentials) -> EngineCli:
    """``examples/<example>`` copied unchanged, its stack configured with the project's endpoint and
    credentials (the secret key as a secret) and a fast poll interval."""
    cli = EngineCli(tmp_path, example, source=EXAMPLES)
    cli.init_for_localcloud(localcloud, project)
    return cli


def step_ops(digest: dict[str, Any]) -> dict[str, str]:
    """A ``--json`` digest's steps as {resource name: op}."""
    return {step["urn"].rsplit("::", 1)[1]: step["op"] for step in digest["steps"]}
