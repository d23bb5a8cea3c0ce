"""One state write of an N-resource stack: what each step of a deployment pays to record itself.

Builds a deployment of N dynamic resources shaped like the engine's (inputs and outputs, a secret
input, parent, provider reference, timestamps), then writes it ``--writes`` times through
``FileBackend.save_deployment`` (integrity check, encode, schema validation, indented checkpoint,
``.bak``, atomic write with fsync), changing one resource's outputs before each write as a step
does. Prints the first write (every resource encoded) and the median of the others (only what
changed), and the checkpoint's bytes per resource. Usage: ``.venv/bin/python bench/state_write.py
[--n 1000] [--writes 15]``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid

from benchlib import machine

from aicompute.engine.backend.base import StackRef
from aicompute.engine.backend.diy import FileBackend
from aicompute.engine.resource.checkpoint_values import secret
from aicompute.engine.resource.state import (
    Deployment,
    ResourceState,
    default_provider_resource,
    now_timestamp,
    root_stack_resource,
    topological_order,
)
from aicompute.engine.resource.urn import provider_reference
from aicompute.engine.secrets.passphrase import PassphraseSecretsManager

PICKLED = "gASVQwAAAAAAAACMJWFpY29tcHV0ZS5yZXNvdXJjZXMubW9kZWxhcnRzLm5ldHdvcmuUjA9OZXR3b3JrUHJvdmlkZXKUk5QpgZR9lGIu"


def deployment(count: int, secrets: PassphraseSecretsManager) -> Deployment:
    root = root_stack_resource("dev", "bench")
    provider = default_provider_resource("dev", "bench")
    resources = [root, provider]
    for index in range(count):
        inputs = {"__provider": PICKLED, "name": f"r{index:05d}", "token": secret(f"t-{index}"), "size": index}
        resources.append(
            ResourceState(
                urn=f"urn:pulumi:dev::bench::pulumi-python:dynamic/bench:Thing::r{index:05d}",
                type="pulumi-python:dynamic/bench:Thing",
                custom=True,
                id=str(uuid.uuid4()),
                inputs=inputs,
                outputs={**inputs, "status": "ready"},
                parent=root.urn,
                provider=provider_reference(provider.urn, provider.id),
                created=now_timestamp(),
                modified=now_timestamp(),
            )
        )
    return Deployment(secrets_providers=secrets.secrets_providers(), resources=resources)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=1000, help="resources (default 1000)")
    parser.add_argument("--writes", type=int, default=15, help="writes to time (default 15)")
    args = parser.parse_args(argv)
    secrets = PassphraseSecretsManager.create("bench")
    state = deployment(args.n, secrets)
    seconds: list[float] = []
    with tempfile.TemporaryDirectory() as root:
        backend, ref = FileBackend(f"file://{root}"), StackRef("bench", "dev")
        backend.create_stack(ref)
        for write in range(args.writes):
            changed = state.resources[2 + write % args.n]
            changed.outputs = {**changed.outputs, "status": f"step {write}"}
            started = time.perf_counter()
            snapshot = Deployment(state.manifest, state.secrets_providers, topological_order(list(state.resources)))
            backend.save_deployment(ref, snapshot, secrets)
            seconds.append(time.perf_counter() - started)
        size = backend.stack_path(ref).stat().st_size
    print(f"state_write: N={args.n} writes={args.writes}")
    print(f"machine: {machine()}")
    print(f"first write {seconds[0] * 1000:.1f} ms; later writes median {statistics.median(seconds[1:]) * 1000:.1f} ms")
    print(f"checkpoint {size / args.n:.0f} bytes per resource")
    return 0


if __name__ == "__main__":
    sys.exit(main())
