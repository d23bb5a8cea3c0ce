"""`make demo` runs to the end: every ModelArts resource created, read, updated and deleted."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_demo_walks_every_resource_and_stops_localcloud() -> None:
    result = subprocess.run(
        [sys.executable, str(REPO / "examples" / "provider_walkthrough.py")],
        capture_output=True,
        text=True,
        timeout=240,
        env={"PATH": "/usr/bin:/bin", "COLUMNS": "200"},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    for kind in ("Workspace", "Network", "ResourcePool", "NodePool", "Model", "InferenceService"):
        assert f"deleted  {kind} " in result.stdout
    assert "done: every resource was created, read, updated and deleted; localcloud stopped" in result.stdout
