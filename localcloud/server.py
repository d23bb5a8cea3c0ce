"""Run localcloud with uvicorn, printing ``listening on http://HOST:PORT`` (or ``https://``) first.

With ``--tls`` it serves HTTPS with a self-signed certificate made at start (written to a temporary
directory that is removed when the server stops); ``--tls-cert``/``--tls-key`` serve given PEM files.
"""

from __future__ import annotations

import gc
import socket
import sys
import tempfile
from pathlib import Path

import uvicorn

from aicompute.localcloud.app import create_app
from aicompute.localcloud.certificates import serving_certificate
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
    with tempfile.TemporaryDirectory(prefix="localcloud-tls-") as scratch:
        cert, key = _tls_files(settings, Path(scratch)) if settings.https else (None, None)
        config = uvicorn.Config(app, log_level=log_level, access_log=False, ssl_certfile=cert, ssl_keyfile=key)
        config.load()  # before announcing: an unreadable certificate or key fails here
        # Everything made so far (FastAPI's routes, pydantic's validators, the modules) lives as long
        # as the server: out of the collector's sight, a full collection walks only what requests
        # made, not ~100 ms worth of start-up objects (bench/localcloud_load.py: p99 under load).
        gc.collect()
        gc.freeze()
        print(f"listening on {'https' if cert else 'http'}://{host}:{port}", flush=True)
        sys.stdout.flush()
        uvicorn.Server(config).run(sockets=[sock])


def _tls_files(settings: LocalCloudSettings, scratch: Path) -> tuple[str, str]:
    """The certificate and key files: the given ones, or a self-signed pair made now."""
    if settings.tls_cert is not None and settings.tls_key is not None:
        return settings.tls_cert, settings.tls_key
    pem = serving_certificate([settings.host])
    cert, key = scratch / "cert.pem", scratch / "key.pem"
    cert.write_bytes(pem.certificate)
    key.touch(mode=0o600)
    key.write_bytes(pem.key)
    return str(cert), str(key)
