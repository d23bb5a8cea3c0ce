"""Start and stop a real localcloud server on an ephemeral loopback port, for tests."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx


@dataclass
class Credentials:
    project_id: str
    access_key: str
    secret_key: str
    user_name: str
    password: str
    domain_name: str
    region: str
    central_client_id: str = ""  # the project's OAuth2 client of the central platform
    central_client_secret: str = ""


class LocalCloudProcess:
    """``aicompute localcloud serve --port 0`` in a child process."""

    def __init__(self, db: str = ":memory:", time_scale: float = 0.01, extra_args: list[str] | None = None):
        self.db = db
        self.time_scale = time_scale
        self.extra_args = extra_args or []
        self.proc: subprocess.Popen[str] | None = None
        self.url = ""

    def start(self, port: int = 0) -> LocalCloudProcess:
        cmd = [
            sys.executable,
            "-m",
            "aicompute.engine",
            "localcloud",
            "serve",
            "--port",
            str(port),
            "--db",
            self.db,
            "--time-scale",
            str(self.time_scale),
            *self.extra_args,
        ]
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        # stderr goes to a file, never an unread pipe: a full pipe would block the server.
        self.stderr = tempfile.NamedTemporaryFile(prefix="localcloud-", suffix=".log", delete=False)  # noqa: SIM115
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=self.stderr, text=True, env=env)
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline().strip()
        if not line.startswith("listening on "):
            err = Path(self.stderr.name).read_text(errors="replace")
            raise RuntimeError(f"localcloud did not start: {line!r} {err}")
        self.url = line.removeprefix("listening on ")
        deadline = time.monotonic() + 20
        while True:
            try:
                httpx.get(f"{self.url}/_localcloud/health", timeout=1, verify=False).raise_for_status()
                return self
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            if self.proc.stdout:
                self.proc.stdout.close()
            self.stderr.close()
            Path(self.stderr.name).unlink(missing_ok=True)
            self.proc = None

    # admin helpers ---------------------------------------------------------------------------
    def admin(self, method: str, path: str, **kwargs: Any) -> Any:
        response = httpx.request(method, f"{self.url}/_localcloud{path}", timeout=10, verify=False, **kwargs)
        response.raise_for_status()
        return response.json()

    def new_project(self) -> Credentials:
        return Credentials(**self.admin("POST", "/projects", json={}))

    def requests(self, since: int = 0) -> list[dict[str, Any]]:
        return list(self.admin("GET", "/requests", params={"since": since}))

    def add_fault(self, **rule: Any) -> dict[str, Any]:
        return dict(self.admin("POST", "/faults", json=rule))

    def clear_faults(self) -> None:
        self.admin("DELETE", "/faults")

    def fail_next(self, project_id: str, kind: str, obj_id: str = "*", message: str = "injected failure") -> None:
        self.admin(
            "POST",
            "/directives/fail-next",
            json={"project_id": project_id, "kind": kind, "id": obj_id, "message": message},
        )
