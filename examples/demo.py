"""`make demo`: a one-minute tour of aicompute on examples/quickstart, against a private localcloud.

1. start localcloud (the emulator of ModelArts, HiLens and the central compute platform) on a free
   loopback port, with lifecycles at 1 % of real time;
2. make a throwaway stack of a copy of examples/quickstart: a state backend in a temporary
   folder, a passphrase, the edge token set as a secret;
3. ``aicompute up --yes``, then ``aicompute stack output``;
4. change the HiLens configmap out of band with a signed call to the platform API, as an operator
   would in the console;
5. ``aicompute preview --refresh --diff``, which finds that change and plans to put it back;
6. ``aicompute destroy --yes``, check the changed object is gone, stop localcloud.

Whatever happens (a failure, Ctrl-C), localcloud is stopped and the temporary folder removed.
The provider settings reach the program and its providers through the environment
(``AICOMPUTE_ENDPOINT``, ``HW_*``, ``AICOMPUTE_CENTRAL_*``), as they would for a real cloud.
``AICOMPUTE_DEMO_API_TOKEN`` sets the edge token (default: a random one); it is never printed.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from aicompute.localcloud.settings import (
    DEFAULT_ACCESS_KEY,
    DEFAULT_CENTRAL_CLIENT_ID,
    DEFAULT_CENTRAL_CLIENT_SECRET,
    DEFAULT_PROJECT_ID,
    DEFAULT_SECRET_KEY,
)
from aicompute.provider.auth import AkSkAuth

QUICKSTART = Path(__file__).resolve().parent / "quickstart"
TIME_SCALE = 0.01
STEPS = 8
STACK = "dev"
START_TIMEOUT = 60.0
COMMAND_TIMEOUT = 300.0
ENGINE_STOP_TIMEOUT = 60.0
# Settings of the user's shell that would send the demo elsewhere (a real cloud, another backend) or
# change the credentials of its localcloud.
FOREIGN_PREFIXES = ("AICOMPUTE_", "HW_", "PULUMI_", "LOCALCLOUD_")


class DemoFailed(Exception):
    """A step did not do what the demo expects."""


def say(text: str = "") -> None:
    print(text, flush=True)


class Steps:
    """Numbered step headings with what is done and why, and the time since the demo began."""

    def __init__(self) -> None:
        self.number = 0
        self.started = time.monotonic()

    def begin(self, title: str, why: str) -> None:
        self.number += 1
        say(f"\n==> [{self.number}/{STEPS}] {title}  (t={time.monotonic() - self.started:.1f}s)")
        say(f"    why: {why}")


@contextmanager
def localcloud(work: Path) -> Iterator[str]:
    """``aicompute localcloud serve --port 0`` in a child process; its base URL while inside."""
    log = work / "localcloud.log"
    command = [sys.executable, "-m", "aicompute.engine", "localcloud", "serve", "--port", "0"]
    command += ["--time-scale", str(TIME_SCALE)]
    with log.open("w") as sink:
        # Output goes to a file, never to an unread pipe that could fill up and block the server.
        server = subprocess.Popen(
            command, stdout=sink, stderr=subprocess.STDOUT, env=child_env({}), start_new_session=True
        )
    try:
        yield wait_listening(server, log)
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        say(f"    localcloud (pid {server.pid}) stopped")


def wait_listening(server: subprocess.Popen[bytes], log: Path) -> str:
    """The URL of the server's first line, ``listening on http://HOST:PORT``."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        first = log.read_text(errors="replace").partition("\n")
        if first[1] and first[0].startswith("listening on "):
            return first[0].removeprefix("listening on ").strip()
        if first[1] or server.poll() is not None:
            raise DemoFailed(f"localcloud did not start:\n{log.read_text(errors='replace')}")
        time.sleep(0.05)
    raise DemoFailed(f"localcloud did not report its address within {START_TIMEOUT:.0f}s")


def child_env(extra: dict[str, str]) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(FOREIGN_PREFIXES)}
    return {**clean, "PYTHONUNBUFFERED": "1", **extra}


def stack_env(work: Path, url: str) -> dict[str, str]:
    """Where the state goes, how secrets are encrypted, and how the providers reach localcloud."""
    return child_env(
        {
            "AICOMPUTE_BACKEND_URL": f"file://{work / 'state'}",
            "PULUMI_CONFIG_PASSPHRASE": secrets.token_urlsafe(24),
            "PULUMI_HOME": str(work / "pulumi-home"),
            "AICOMPUTE_ENDPOINT": url,
            "HW_PROJECT_ID": DEFAULT_PROJECT_ID,
            "HW_ACCESS_KEY": DEFAULT_ACCESS_KEY,
            "HW_SECRET_KEY": DEFAULT_SECRET_KEY,
            "AICOMPUTE_CENTRAL_CLIENT_ID": DEFAULT_CENTRAL_CLIENT_ID,
            "AICOMPUTE_CENTRAL_CLIENT_SECRET": DEFAULT_CENTRAL_CLIENT_SECRET,
            "AICOMPUTE_POLL_INTERVAL": "0.05",
        }
    )


class Stack:
    """The copy of the quickstart project and the ``aicompute`` commands run in it."""

    def __init__(self, work: Path, env: dict[str, str]) -> None:
        self.project = work / "quickstart"
        shutil.copytree(QUICKSTART, self.project, ignore=shutil.ignore_patterns("__pycache__", "Pulumi.*.yaml"))
        (work / "state").mkdir()
        self.env = env

    def run(self, *args: str, stdin: str | None = None) -> str:
        """``aicompute ARGS`` in the project: its output printed as it comes, and returned."""
        say(f"\n$ aicompute {' '.join(args)}")
        child = subprocess.Popen(
            [sys.executable, "-m", "aicompute.engine", *args],
            cwd=self.project,
            env=self.env,
            stdin=subprocess.DEVNULL if stdin is None else subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,  # Ctrl-C reaches the demo alone, which then stops the engine cleanly
        )
        watchdog = threading.Timer(COMMAND_TIMEOUT, child.kill)
        watchdog.start()
        try:
            return self._follow(child, args, stdin)
        except KeyboardInterrupt:
            interrupt(child)
            raise
        finally:
            watchdog.cancel()

    @staticmethod
    def _follow(child: subprocess.Popen[str], args: tuple[str, ...], stdin: str | None) -> str:
        assert child.stdout is not None
        if child.stdin is not None:
            child.stdin.write(stdin or "")
            child.stdin.close()
        lines = []
        with child.stdout:
            for line in child.stdout:
                say(line.rstrip("\n"))
                lines.append(line)
        if child.wait() != 0:
            raise DemoFailed(f"`aicompute {' '.join(args)}` exited {child.returncode}")
        return "".join(lines)


def interrupt(child: subprocess.Popen[str]) -> None:
    """Stop an engine as Ctrl-C stops it (it ends its program and provider processes), killing it
    only if it does not stop in time."""
    if child.poll() is None:
        child.send_signal(signal.SIGINT)
        try:
            child.wait(timeout=ENGINE_STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def output_value(table: str, name: str) -> str:
    """One value of ``aicompute stack output``'s table (rows ``NAME  VALUE``)."""
    found = re.search(rf"^\s*{re.escape(name)}\s+(\S+)\s*$", table, re.MULTILINE)
    if found is None:
        raise DemoFailed(f"the stack has no output {name!r}")
    return found.group(1)


class Platform:
    """Signed calls to localcloud's HiLens API, outside the stack (what an operator's console does)."""

    def __init__(self, url: str) -> None:
        self.client = httpx.Client(base_url=url, auth=AkSkAuth(DEFAULT_ACCESS_KEY, DEFAULT_SECRET_KEY), timeout=30)
        self.base = f"/v3/{DEFAULT_PROJECT_ID}/ai-mgr/configmaps"

    def configmap(self, configmap_id: str) -> dict[str, Any] | None:
        response = self.client.get(f"{self.base}/{configmap_id}")
        if response.status_code == 404:
            return None
        response.raise_for_status()
        found: dict[str, Any] = response.json()["configmap"]
        return found

    def set_config_value(self, configmap_id: str, key: str, value: str) -> str:
        """PUT the whole configmap (the API replaces it) with one value changed; the old value."""
        current = self.configmap(configmap_id)
        if current is None:
            raise DemoFailed(f"configmap {configmap_id} not found")
        entries = {entry["key"]: entry["value"] for entry in current["configs"]}
        old = entries[key]
        entries[key] = value
        body = {
            "configmap": {
                "name": current["name"],
                "description": current.get("description") or "",
                "configs": [{"key": k, "value": v} for k, v in entries.items()],
                "tags": current.get("tags") or [],
            }
        }
        say(f"    PUT {self.base}/{configmap_id}  (signed SDK-HMAC-SHA256 with the project's AK/SK)")
        self.client.put(f"{self.base}/{configmap_id}", json=body).raise_for_status()
        return str(old)

    def close(self) -> None:
        self.client.close()


def tour(work: Path, steps: Steps) -> None:
    steps.begin(
        "Starting localcloud on a free loopback port",
        "an emulator of the three platform APIs, so the demo needs no cloud account; lifecycles run at "
        f"{TIME_SCALE:.0%} of real time so that a cluster is up in about a second",
    )
    with localcloud(work) as url:
        say(f"    localcloud listening on {url}")
        stack = Stack(work, stack_env(work, url))
        platform = Platform(url)
        try:
            deploy_and_drift(stack, platform, steps)
        finally:
            platform.close()
            steps.begin("Stopping localcloud", "the demo leaves nothing running behind it")


def deploy_and_drift(stack: Stack, platform: Platform, steps: Steps) -> None:
    steps.begin(
        "Creating a throwaway stack of examples/quickstart",
        f"state goes to a temporary file backend ({stack.env['AICOMPUTE_BACKEND_URL']}), secrets are encrypted "
        "with a random passphrase, and the edge token is stored as a secret (read from stdin, never echoed)",
    )
    stack.run("stack", "init", STACK)
    token = os.environ.get("AICOMPUTE_DEMO_API_TOKEN") or secrets.token_urlsafe(16)
    stack.run("config", "set", "--secret", "apiToken", stdin=token)

    steps.begin(
        "Deploying: aicompute up --yes",
        "the embedded engine runs the Pulumi program and creates a ModelArts workspace and network, a HiLens "
        "workspace with a configmap and a secret, and a central compute cluster running a detector",
    )
    stack.run("up", "--yes")

    steps.begin("Reading the outputs: aicompute stack output", "outputs are how other stacks and scripts use a stack")
    configmap_id = output_value(stack.run("stack", "output"), "configmap_id")

    steps.begin(
        "Changing the HiLens configmap out of band",
        "someone turns on debug logging in the console, behind the stack's back: drift that only a refresh sees",
    )
    old = platform.set_config_value(configmap_id, "LOG_LEVEL", "debug")
    say(f"    configmap {configmap_id}: LOG_LEVEL {old} -> debug")

    steps.begin(
        "Finding the drift: aicompute preview --refresh --diff",
        "refresh reads every object back from the platforms: first comes what it found changed on the platform "
        "(LOG_LEVEL info => debug), then the plan, the update the next `up` would make to put the program's "
        "value back (debug => info)",
    )
    plan = stack.run("preview", "--refresh", "--diff")
    if "LOG_LEVEL" not in plan:
        raise DemoFailed("the preview did not report the out-of-band change of LOG_LEVEL")

    steps.begin("Tearing down: aicompute destroy --yes", "every object the stack created is deleted, in order")
    stack.run("destroy", "--yes")
    if platform.configmap(configmap_id) is not None:
        raise DemoFailed(f"configmap {configmap_id} still exists after destroy")
    say(f"    configmap {configmap_id}: 404 Not Found (gone, as is everything the stack held)")


def main() -> int:
    steps = Steps()
    say("aicompute demo: examples/quickstart against localcloud, with the aicompute CLI")
    work = Path(tempfile.mkdtemp(prefix="aicompute-demo-"))
    try:
        tour(work, steps)
    except (DemoFailed, httpx.HTTPError) as error:
        say(f"\ndemo FAILED: {error}")
        return 1
    except KeyboardInterrupt:
        say("\ndemo interrupted: localcloud stopped, temporary files removed")
        return 130
    finally:
        shutil.rmtree(work, ignore_errors=True)
    say(f"\ndone in {time.monotonic() - steps.started:.1f}s: deployed, drift found, destroyed; localcloud stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
