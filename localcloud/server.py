"""Run localcloud with uvicorn, printing ``listening on http://HOST:PORT`` first."""

from __future__ import annotations

import socket
import sys

import uvicorn

from aicompute.localcloud.app import create_app
from aicompute.localcloud.settings import LocalCloudSettings


def bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def serve(settings: LocalCloudSettings, log_level: str = "warning") -> None:
    sock = bind(settings.host, settings.port)
    port = sock.getsockname()[1]
    host = f"[{settings.host}]" if ":" in settings.host else settings.host
    print(f"listening on http://{host}:{port}", flush=True)
    sys.stdout.flush()
    config = uvicorn.Config(create_app(settings), log_level=log_level, access_log=False)
    uvicorn.Server(config).run(sockets=[sock])
