"""Run localcloud with uvicorn, printing ``listening on http://HOST:PORT`` first."""

from __future__ import annotations

import socket
import sys

import uvicorn

from aicompute.localcloud.app import create_app
from aicompute.localcloud.settings import LocalCloudSettings


def bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP, not the default 0: asyncio sets TCP_NODELAY on accepted connections only when
    # the protocol says TCP, and without it every response waits ~40 ms for a delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def serve(settings: LocalCloudSettings, log_level: str = "warning") -> None:
    app = create_app(settings)  # before the line below: a bad --db fails without claiming to listen
    sock = bind(settings.host, settings.port)
    port = sock.getsockname()[1]
    host = f"[{settings.host}]" if ":" in settings.host else settings.host
    print(f"listening on http://{host}:{port}", flush=True)
    sys.stdout.flush()
    config = uvicorn.Config(app, log_level=log_level, access_log=False)
    uvicorn.Server(config).run(sockets=[sock])
