"""``aicompute drift`` on a large stack versus reading each resource one by one.

A throwaway project declares N resources of four types on one localcloud project — HiLens
configmaps and secrets (most of N), ModelArts networks (the emulator's quota: 15) and workspaces
(``--workspaces``, default 10) — and one ``aicompute up`` creates them with the emulator's
lifecycles instant (``--time-scale 0``): the state is the engine's own, with each resource's real
pickled provider, exactly what a user's stack holds. Then every platform request gets an injected
latency (``/_localcloud/faults``, ``--latency-ms``, default 50) and, side by side in the same run:

* ``aicompute drift --json FILE`` (reads grouped by type: a listing per listable type, one read per
  resource of the others),
* ``aicompute drift --read-each`` (the same in-process reads and threads, but one read per
  resource: what the listings save), and
* ``aicompute refresh --preview-only`` (Pulumi's way: one read per resource, through the provider
  processes),

all with ``--parallel P`` (default 10, drift's default). For each it prints the API calls
localcloud logged (its request log), the wall time, and the ratios. All must find the stack in
sync (drift exit 0, the refresh preview no changes), or the bench fails.

Usage: ``.venv/bin/python bench/drift.py [--count 1000] [--latency-ms 50] [--parallel 10]``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

from benchlib import BenchError, BenchProject, Workspace, machine

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.support.localcloud import LocalCloudProcess

NETWORKS = 15  # localcloud's ModelArts network quota per project
PROGRAM = """\
import pulumi

from aicompute.resources.hilens import ConfigMap, Secret
from aicompute.resources.modelarts import Network, Workspace

config = pulumi.Config("bench")
for index in range(int(config.require("configmaps"))):
    ConfigMap(f"cm{index:05d}", name=f"cm-{index:05d}", data={"index": str(index)}, tags={"bench": "drift"})
for index in range(int(config.require("secrets"))):
    Secret(f"sec{index:05d}", name=f"sec-{index:05d}", data={"token": f"value-{index}"})
for index in range(int(config.require("networks"))):
    Network(f"net{index:02d}", name=f"net-{index:02d}", cidr=f"192.168.{index}.0/24")
for index in range(int(config.require("workspaces"))):
    Workspace(f"ws{index:02d}", name=f"ws-{index:02d}")
"""


def sizes(count: int, workspaces: int) -> dict[str, int]:
    """How many resources of each type make ``count``: networks and workspaces, then 3:2
    configmaps to secrets."""
    rest = count - NETWORKS - workspaces
    if rest < 2:
        raise SystemExit(f"--count must be at least {NETWORKS + workspaces + 2}")
    configmaps = rest * 3 // 5
    return {"configmaps": configmaps, "secrets": rest - configmaps, "networks": NETWORKS, "workspaces": workspaces}


def configure(project: BenchProject, localcloud: LocalCloudProcess, counts: dict[str, int]) -> None:
    credentials = localcloud.new_project()
    (project.project_dir / "__main__.py").write_text(PROGRAM)
    project.cli("stack", "init", "bench")
    settings = {
        "aicompute:endpoint": localcloud.url,
        "aicompute:projectId": credentials.project_id,
        "aicompute:accessKey": credentials.access_key,
        "aicompute:pollInterval": "0.05",
        **{f"bench:{key}": str(value) for key, value in counts.items()},
    }
    for key, value in settings.items():
        project.cli("config", "set", key, value)
    project.cli("config", "set", "--secret", "aicompute:secretKey", credentials.secret_key)


def calls_since(localcloud: LocalCloudProcess, since: int) -> Counter[str]:
    return Counter(entry["method"] for entry in localcloud.requests(since))


def last_seq(localcloud: LocalCloudProcess) -> int:
    log = localcloud.requests()
    return int(log[-1]["seq"]) if log else 0


def measure(
    project: BenchProject, localcloud: LocalCloudProcess, args: tuple[str, ...]
) -> tuple[float, Counter[str], str]:
    since = last_seq(localcloud)
    started = time.perf_counter()
    run = project.cli(*args)
    return time.perf_counter() - started, calls_since(localcloud, since), run.stdout


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=1000, help="resources in the stack (default 1000)")
    parser.add_argument("--workspaces", type=int, default=10, help="ModelArts workspaces among them (default 10)")
    parser.add_argument("--latency-ms", type=int, default=50, help="injected latency per request (default 50)")
    parser.add_argument("--parallel", type=int, default=10, help="--parallel of the commands (default 10)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary project")
    args = parser.parse_args(argv)
    counts = sizes(args.count, args.workspaces)
    print(f"drift bench: N={args.count} {counts} latency={args.latency_ms} ms parallel={args.parallel}")
    print(f"machine: {machine()}")
    localcloud = LocalCloudProcess(time_scale=0.0).start()
    try:
        with Workspace(keep=args.keep) as workspace:
            project = workspace.project()
            configure(project, localcloud, counts)
            started = time.perf_counter()
            project.cli("up", "--yes", "--skip-preview", "--parallel", "32")
            print(f"setup: up of {args.count} resources in {time.perf_counter() - started:.1f} s (no latency)")
            localcloud.add_fault(latency_ms=args.latency_ms)
            report = project.root / "drift.json"
            p = str(args.parallel)
            drift = measure(project, localcloud, ("drift", "--json", str(report), "--parallel", p))
            document = json.loads(report.read_text())
            each = measure(project, localcloud, ("drift", "--read-each", "--parallel", p))
            refresh = measure(
                project, localcloud, ("refresh", "--preview-only", "--expect-no-changes", "--parallel", p)
            )
    finally:
        localcloud.stop()
    summary = document["summary"]
    if summary["total_managed"] != args.count or summary["drifted"]:
        raise BenchError(f"drift did not find {args.count} resources in sync: {summary}")
    print(
        "types: "
        + ", ".join(f"{t['type'].rsplit(':', 1)[1]}={t['managed']} ({t['method']})" for t in document["types"])
    )
    print(f"{'':32} {'API calls':>10} {'GET':>7} {'wall s':>8}")
    for label, (wall, calls, _) in (
        ("aicompute drift", drift),
        ("drift --read-each (1 by 1)", each),
        ("refresh --preview-only (1 by 1)", refresh),
    ):
        print(f"{label:32} {sum(calls.values()):>10} {calls['GET']:>7} {wall:>8.1f}")
    for label, (wall, calls, _) in (("drift --read-each", each), ("refresh --preview-only", refresh)):
        ratio = sum(calls.values()) / max(1, sum(drift[1].values()))
        print(f"{label} / drift: calls x{ratio:.1f}, wall x{wall / drift[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
