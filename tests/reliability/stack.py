"""The reliability project (tests/e2e/projects/reliability) as a configured stack against a localcloud."""

from __future__ import annotations

import math
import os
import signal
import subprocess
from collections.abc import Mapping
from pathlib import Path

from tests.support.engine_cli import EngineCli
from tests.support.localcloud import Credentials, LocalCloudProcess

PLANTED_SECRET = "planted-hilens-value-Q7mZ2xK9"
"""The HiLens secrets' value (``reliability:secretValue``); the secret scan looks for it."""
UP = ("up", "--yes", "--skip-preview")
DESTROY = ("destroy", "--yes", "--skip-preview")


OTHER_KINDS = 8
"""The objects ``reliability:allKinds`` adds: one of each kind the sized stack lacks."""


def resource_count(size: int, all_kinds: bool = False) -> int:
    """How many platform objects a stack of ``size`` declares (see the project's __main__.py)."""
    return 7 * size + math.ceil(size / 4) + 1 + (OTHER_KINDS if all_kinds else 0)


def reliability_stack(
    root: Path,
    localcloud: LocalCloudProcess,
    project: Credentials,
    size: int = 2,
    config: Mapping[str, str] | None = None,
) -> EngineCli:
    """The project copied into ``root``, its stack initialised for ``project`` on ``localcloud``
    (``config``: more stack config, or values that replace the defaults)."""
    cli = EngineCli(root, "reliability")
    cli.init(
        **{
            "aicompute:endpoint": localcloud.url,
            "aicompute:projectId": project.project_id,
            "aicompute:accessKey": project.access_key,
            "aicompute:centralClientId": project.central_client_id,
            "aicompute:pollInterval": "0.02",
            "aicompute:maxRetries": "8",
            "reliability:size": str(size),
            **(config or {}),
        }
    )
    cli.set_secret("aicompute:secretKey", project.secret_key)
    cli.set_secret("aicompute:centralClientSecret", project.central_client_secret)
    cli.set_secret("reliability:secretValue", PLANTED_SECRET)
    return cli


def start_in_group(cli: EngineCli, *args: str) -> subprocess.Popen[str]:
    """``aicompute ARGS`` as the leader of a new process group (its provider processes join it)."""
    return cli.popen(*args, group=True)


def kill_group(process: subprocess.Popen[str]) -> str:
    """SIGKILL the process and every process of its group; its output so far."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    output, _ = process.communicate(timeout=60)
    return output or ""
