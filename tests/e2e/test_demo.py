"""`make demo` (examples/demo.py) runs to the end: every step announced, the out-of-band change
found by `preview --refresh --diff`, exit 0, no secret printed, nothing left running."""

from __future__ import annotations

import re
import signal
import socket
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from aicompute.localcloud.settings import DEFAULT_CENTRAL_CLIENT_SECRET, DEFAULT_SECRET_KEY

REPO = Path(__file__).resolve().parents[2]
TOKEN = "demo-edge-token-5b21e0"
STEPS = (
    "Starting localcloud",
    "Creating a throwaway stack",
    "Deploying: aicompute up --yes",
    "Reading the outputs: aicompute stack output",
    "Changing the HiLens configmap out of band",
    "Finding the drift: aicompute preview --refresh --diff",
    "Tearing down: aicompute destroy --yes",
    "Stopping localcloud",
)


def processes_marked(marker: str) -> list[int]:
    """Processes whose environment holds ``marker``: the demo's children and theirs inherit it."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if marker.encode() in (entry / "environ").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def port_open(url: str) -> bool:
    host, port = url.removeprefix("http://").rsplit(":", 1)
    with socket.socket() as probe:
        probe.settimeout(2)
        return probe.connect_ex((host, int(port))) == 0


def demo_env(marker: str) -> dict[str, str]:
    return {"PATH": "/usr/bin:/bin", "COLUMNS": "200", "DEMO_TEST_MARKER": marker, "AICOMPUTE_DEMO_API_TOKEN": TOKEN}


def test_demo_deploys_finds_drift_destroys_and_stops_localcloud() -> None:
    marker = f"demo-test-{uuid.uuid4().hex}"
    result = subprocess.run(
        [sys.executable, str(REPO / "examples" / "demo.py")],
        capture_output=True,
        text=True,
        timeout=600,
        env=demo_env(marker),
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    headings = re.findall(r"^==> \[(\d)/8\] (.+?)  \(t=", result.stdout, re.MULTILINE)
    assert [int(n) for n, _ in headings] == list(range(1, 9))
    assert all(title.startswith(step) for (_, title), step in zip(headings, STEPS, strict=True))
    assert "+ 8 created" in result.stdout
    assert re.search(r'~ data\.LOG_LEVEL\s*: "info" => "debug"', result.stdout), result.stdout
    assert re.search(r'~ data\.LOG_LEVEL\s*: "debug" => "info"', result.stdout), result.stdout
    assert "- 8 deleted" in result.stdout and "404 Not Found" in result.stdout
    assert "done in" in result.stdout

    for secret in (TOKEN, DEFAULT_SECRET_KEY, DEFAULT_CENTRAL_CLIENT_SECRET):
        assert secret not in output
    assert processes_marked(marker) == []
    [url] = re.findall(r"localcloud listening on (\S+)", result.stdout)
    assert not port_open(url)
    [backend] = re.findall(r"temporary file backend \(file://(\S+)\)", result.stdout)
    assert not Path(backend).parent.exists()  # the demo's temporary folder is removed


@pytest.mark.slow
def test_ctrl_c_during_up_stops_the_engine_and_localcloud() -> None:
    marker = f"demo-test-{uuid.uuid4().hex}"
    demo = subprocess.Popen(
        [sys.executable, str(REPO / "examples" / "demo.py")],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=demo_env(marker),
    )
    assert demo.stdout is not None
    seen = []
    for line in demo.stdout:
        seen.append(line)
        if "creating" in line:  # the engine is creating objects
            demo.send_signal(signal.SIGINT)
            break
    seen.extend(demo.stdout)
    assert demo.wait(timeout=300) == 130, "".join(seen)
    assert "demo interrupted" in seen[-1]
    assert processes_marked(marker) == []
    [url] = re.findall(r"localcloud listening on (\S+)", "".join(seen))
    assert not port_open(url)
