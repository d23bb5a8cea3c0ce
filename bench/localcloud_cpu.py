"""CPU time per request of localcloud's ASGI app, in process: the app called directly with requests
signed in advance (no sockets, no client), so the figure depends far less on the machine's load
than bench/localcloud_load.py's.

    .venv/bin/python bench/localcloud_cpu.py [--requests 3000]

Prints microseconds of CPU (``time.process_time``) per signed ModelArts read
(``GET /v1/{project}/workspaces/{id}``) and per signed HiLens configmap create
(``POST /v3/{project}/ai-mgr/configmaps``), the shapes the load bench sends.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from typing import Any

import httpx

from aicompute.localcloud.app import create_app
from aicompute.localcloud.settings import LocalCloudSettings
from aicompute.provider.auth import AkSkAuth

BASE = "http://127.0.0.1:8080"


async def call(app: Any, request: httpx.Request) -> tuple[int, bytes]:
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": request.method,
        "scheme": "http",
        "path": request.url.path,
        "raw_path": request.url.raw_path.split(b"?")[0],
        "query_string": request.url.query,
        "root_path": "",
        "headers": [(name.lower(), value) for name, value in request.headers.raw],
        "client": ("127.0.0.1", 5000),
        "server": ("127.0.0.1", 8080),
    }
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": request.content, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    return int(sent[0]["status"]), b"".join(m.get("body", b"") for m in sent[1:])


async def main(count: int) -> None:
    app = create_app(LocalCloudSettings(time_scale=0))
    _, body = await call(app, httpx.Request("POST", f"{BASE}/_localcloud/projects", json={}))
    project = json.loads(body)
    auth, project_id = AkSkAuth(project["access_key"], project["secret_key"]), project["project_id"]

    def signed(method: str, path: str, document: Any = None) -> httpx.Request:
        content = json.dumps(document).encode() if document is not None else b""
        headers = {"Content-Type": "application/json"} if content else {}
        request = httpx.Request(method, BASE + path, headers=headers, content=content)
        auth.sign(request)
        return request

    _, body = await call(app, signed("POST", f"/v1/{project_id}/workspaces", {"name": "bench-read"}))
    workspace = json.loads(body)["id"]
    reads = [signed("GET", f"/v1/{project_id}/workspaces/{workspace}") for _ in range(count)]
    configmap = {"configs": [{"key": "threshold", "value": "0.8"}], "tags": []}
    writes = [
        signed("POST", f"/v3/{project_id}/ai-mgr/configmaps", {"configmap": {**configmap, "name": f"bench-{i:07d}"}})
        for i in range(count)
    ]
    for kind, requests in (("read", reads), ("write", writes)):
        started = time.process_time()
        for request in requests:
            status, answer = await call(app, request)
            assert status in (200, 201), answer
        print(f"{kind}: {(time.process_time() - started) / count * 1e6:.0f} µs CPU per request ({count:,} requests)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=3000, help="requests of each kind (default 3,000)")
    asyncio.run(main(parser.parse_args().requests))
