"""A provider process the engine starts and speaks gRPC to: it prints its port on stdout, logs on
stderr (kept as a short tail for the error when it fails to start, each line handed to ``on_log``),
and serves Pulumi's ``ResourceProvider`` on 127.0.0.1. Shared by the dynamic provider servers
(``plugin``) and other packages' plugins (``external``)."""

from __future__ import annotations

import os
import subprocess
import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import grpc
from pulumi.runtime.proto import provider_pb2_grpc

from aicompute.engine.deploy.providers.base import ProviderError

START_TIMEOUT = 60.0
STDERR_TAIL = 50

LogCallback = Callable[[str], None]


class ServedProcess:
    """A started provider process, its channel and ``ResourceProvider`` stub; ``what`` names it in errors."""

    def __init__(
        self,
        command: Sequence[str],
        what: str,
        on_log: LogCallback | None = None,
        cwd: Path | None = None,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.what = what
        self.process = subprocess.Popen(
            list(command),
            cwd=cwd,
            env={**os.environ, **env} if env is not None else None,
            start_new_session=True,  # Ctrl-C reaches the engine, which lets operations in flight finish
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            errors="replace",
        )
        self._stderr: list[str] = []
        self._stderr_reader = threading.Thread(target=self._drain_stderr, args=(on_log,), daemon=True)
        self._stderr_reader.start()
        port = self._read_port()
        self.channel = grpc.insecure_channel(f"127.0.0.1:{port}")
        self.stub = provider_pb2_grpc.ResourceProviderStub(self.channel)
        grpc.channel_ready_future(self.channel).result(timeout=START_TIMEOUT)

    def _drain_stderr(self, on_log: LogCallback | None) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            line = line.rstrip("\n")
            self._stderr.append(line)
            del self._stderr[:-STDERR_TAIL]
            if on_log is not None:
                on_log(line)

    def _read_port(self) -> int:
        stdout = self.process.stdout
        assert stdout is not None
        result: list[str] = []
        reader = threading.Thread(target=lambda: result.append(stdout.readline()), daemon=True)
        reader.start()
        reader.join(START_TIMEOUT)
        line = result[0].strip() if result else ""
        if not line.isdigit():
            self.process.kill()
            self.process.wait()
            self._stderr_reader.join(5)
            tail = "\n".join(self._stderr[-20:])
            raise ProviderError("start", "", f"{self.what} did not start: {line!r}\n{tail}".strip())
        return int(line)

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def close(self) -> None:
        self.channel.close()
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()
