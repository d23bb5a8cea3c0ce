"""Output read by a pipe that closes early (issue #14 item 18): ``aicompute up | head -1`` stopped the
deployment half-way with ``BrokenPipeError``; the run must go on, unseen, and say nothing of it."""

from __future__ import annotations

import shlex
import subprocess
from pathlib import Path

from tests.support.engine_cli import FileState


def test_up_piped_to_head_finishes_the_deployment_quietly(tmp_path: Path) -> None:
    fs = FileState(tmp_path)
    fs.init()
    fs.spec(*[{"name": f"t{i}", "value": "v"} for i in range(8)])
    command = shlex.join(fs.command("up", "--yes", "--skip-preview"))
    script = f'{command} | head -1; echo "aicompute exit ${{PIPESTATUS[0]}}" >&2'
    result = subprocess.run(
        ["bash", "-c", script], cwd=fs.project_dir, env=fs.env, capture_output=True, text=True, timeout=300
    )
    assert result.stdout == "Updating (dev):\n"
    assert result.stderr == "aicompute exit 0\n", result.stderr
    assert fs.files() == {f"t{i}" for i in range(8)} and len(fs.resources()) == 10
