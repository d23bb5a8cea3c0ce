"""What one step's checkpoint write costs on an ``s3://`` backend: requests, bytes and time per
write of an N-resource stack, side by side with the same write on ``file://``.

Starts moto's S3 server on loopback (the test fixture's, signatures checked: the ``dev`` extra),
builds the deployment of ``state_write.py`` and writes it ``--writes`` times through
``DiyBackend.save_deployment`` over ``S3Storage``, changing one resource before each write as a step
does; ``S3Storage.stats`` counts the requests and bytes. Prints one line per N. Usage:
``.venv/bin/python bench/s3_state.py [--sizes 10,100,1000] [--writes 10]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from benchlib import machine
from state_write import deployment

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.support's S3 server

from aicompute.engine.backend.base import Backend, StackRef
from aicompute.engine.backend.diy import DiyBackend, FileBackend
from aicompute.engine.backend.s3 import S3Stats, S3Storage
from aicompute.engine.backend.s3_url import parse_s3_url
from aicompute.engine.resource.state import Deployment, topological_order
from aicompute.engine.secrets.passphrase import PassphraseSecretsManager
from tests.support.s3_server import S3Server, require_moto

REF = StackRef("bench", "dev")


def timed_writes(backend: Backend, state: Deployment, secrets: PassphraseSecretsManager, writes: int) -> list[float]:
    """``writes`` step writes to the stack (created before), one resource changed before each."""
    seconds = []
    for write in range(writes):
        changed = state.resources[2 + write % (len(state.resources) - 2)]
        changed.outputs = {**changed.outputs, "status": f"step {write}"}
        started = time.perf_counter()
        snapshot = Deployment(state.manifest, state.secrets_providers, topological_order(list(state.resources)))
        backend.save_deployment(REF, snapshot, secrets)
        seconds.append(time.perf_counter() - started)
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10,100,1000", help="resource counts (default 10,100,1000)")
    parser.add_argument("--writes", type=int, default=10, help="writes per size (default 10)")
    args = parser.parse_args(argv)
    secrets = PassphraseSecretsManager.create("bench")
    server = S3Server(require_moto()).start()
    print(f"s3_state: writes={args.writes} per size, moto_server on loopback")
    print(f"machine: {machine()}")
    try:
        for size in (int(n) for n in args.sizes.split(",")):
            bucket = server.bucket()
            storage = S3Storage(parse_s3_url(bucket.url()), bucket.env())
            on_s3 = DiyBackend(bucket.url(), storage)
            on_s3.create_stack(REF)  # meta.yaml, the lock, the empty checkpoint: not a step's cost
            before = storage.stats.snapshot()
            s3_times = timed_writes(on_s3, deployment(size, secrets), secrets, args.writes)
            cost = storage.stats.since(before)
            with tempfile.TemporaryDirectory() as root:
                on_file = FileBackend(f"file://{root}")
                on_file.create_stack(REF)
                file_times = timed_writes(on_file, deployment(size, secrets), secrets, args.writes)
            report(size, args.writes, cost, s3_times, file_times)
    finally:
        server.stop()
    return 0


def report(size: int, writes: int, cost: S3Stats, s3_times: list[float], file_times: list[float]) -> None:
    s3_ms, file_ms = statistics.median(s3_times) * 1000, statistics.median(file_times) * 1000
    print(
        f"N={size}: {cost.requests / writes:.1f} requests and {cost.bytes_sent / writes / 1024:.1f} KiB sent "
        "per write, "
        f"{cost.bytes_received} bytes read; median write {s3_ms:.1f} ms on s3:// vs "
        f"{file_ms:.1f} ms on file://"
    )


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
