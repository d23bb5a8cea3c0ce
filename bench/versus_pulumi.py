"""aicompute's engine side by side with the real Pulumi CLI (``make pulumi``) on the same program.

The program is benchlib's: N independent dynamic resources on aicompute's resource base. For each
N, each CLI gets its own fresh stack and file backend and runs ``up --yes --skip-preview``,
``preview --expect-no-changes`` and ``destroy --yes --skip-preview``, all with ``--parallel P``, the
two taking turns operation by operation (aicompute then pulumi), so both meet the same machine
load. ``--cap S`` stops a pulumi command after S seconds (its figures then read ``>=``, lower
bounds); after a stopped ``up`` pulumi takes over aicompute's stack of all N resources (the same
file-backend format) for its preview and destroy. Printed per operation: wall time per
resource of each CLI (the whole command, start-up included: Pulumi prints its Duration in whole
seconds only), the ratio pulumi / aicompute (above 1: aicompute is faster), and the peak RSS of
the largest process of each (GNU time's %M: the engine, the program or a provider process).

``--slow N,T`` adds the slow case: N resources whose create takes T seconds (issue
15: N=200, T=0.5 at --parallel 32), where the Pulumi CLI's one ``pulumi-python`` provider process
serves 4 operations at a time — unless the resources are spread over several explicit providers,
as aicompute's resource base does when asked to (``aicompute.resources.provider_shards``): the slow
case runs ``pulumi up`` once per ``--shards`` count (``aicompute:providerShards``; 1 is the single
default provider). Usage: ``.venv/bin/python bench/versus_pulumi.py [--sizes 1000,10000]
[--parallel 16] [--cap 600] [--slow 200,0.5 --slow-parallel 32 --shards 8,1]``.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from benchlib import BenchProject, Run, Workspace, ideal, machine

REPO = Path(__file__).resolve().parents[1]
PULUMI_BIN = REPO / ".tools" / "pulumi" / "bin"
OPERATIONS = ("up", "preview", "destroy")


def compare(workspace: Workspace, count: int, parallel: int, cap: float) -> dict[str, dict[str, Run]]:
    """Each operation by aicompute, then by pulumi, on stacks of their own; a pulumi ``up`` stopped
    at ``cap`` leaves pulumi to go on from aicompute's stack of all ``count`` resources."""
    ours, theirs = workspace.project(), workspace.pulumi_project(PULUMI_BIN)
    for project in (ours, theirs):
        project.init(count, 0.0)
    runs: dict[str, dict[str, Run]] = {ours.name: {}, theirs.name: {}}
    p = ("--parallel", str(parallel))
    for op, args in (
        ("up", ("up", "--yes", "--skip-preview", *p)),
        ("preview", ("preview", "--expect-no-changes", *p)),
        ("destroy", ("destroy", "--yes", "--skip-preview", *p)),
    ):
        runs[ours.name][op] = ours.cli(*args)
        runs[theirs.name][op] = run = theirs.cli(*args, cap=cap)
        if not run.finished:
            print(f"  pulumi {op} stopped at the {cap:.0f} s cap, {theirs.resources_in_state()} resources in its state")
            if op == "up":
                theirs.adopt_stack(ours)
    return runs


def slow_ups(workspace: Workspace, count: int, seconds: float, parallel: int, shards: list[int]) -> dict[str, Run]:
    """``up`` of the slow resources: aicompute's, then pulumi's with each shard count."""
    projects: dict[str, BenchProject] = {"aicompute": workspace.project()}
    for k in shards:
        projects[f"pulumi, {k} provider{'s' if k > 1 else ''}"] = workspace.pulumi_project(PULUMI_BIN)
    runs: dict[str, Run] = {}
    for (name, project), k in zip(projects.items(), [0, *shards], strict=True):
        project.init(count, seconds)
        if k:
            project.cli("config", "set", "aicompute:providerShards", str(k))
        runs[name] = project.cli("up", "--yes", "--skip-preview", "--parallel", str(parallel))
        project.cli("destroy", "--yes", "--skip-preview", "--parallel", str(parallel))
    return runs


def report(count: int, runs: dict[str, dict[str, Run]]) -> None:
    ours, theirs = runs["aicompute"], runs["pulumi"]
    print(f"N={count}")
    header = ("aicompute ms/res", "pulumi ms/res", "pulumi/aicompute", "peak RSS MB a / p")
    print(f"  {'op':8} {header[0]:>17} {header[1]:>14} {header[2]:>17} {header[3]:>18}")
    for op in OPERATIONS:
        a, p = ours[op], theirs[op]
        at_least = "" if p.finished else ">="  # stopped at the cap: pulumi took longer still
        print(
            f"  {op:8} {1000 * a.wall / count:17.2f} {at_least:>2}{1000 * p.wall / count:12.2f}"
            f" {at_least:>2}{p.wall / a.wall:15.2f} {a.peak_rss_mb:8.0f} / {p.peak_rss_mb:<7.0f}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000", help="comma-separated N values of instant resources (default 1000)")
    parser.add_argument("--parallel", type=int, default=16, help="--parallel of the instant runs (default 16)")
    parser.add_argument("--slow", default="", help="N,T: also N resources taking T seconds each (e.g. 200,0.5)")
    parser.add_argument("--slow-parallel", type=int, default=32, help="--parallel of the slow runs (default 32)")
    parser.add_argument(
        "--cap", type=float, default=0, help="stop a pulumi command of the instant runs after this many seconds"
    )
    parser.add_argument("--shards", default="8,1", help="providerShards of the slow pulumi runs (8,1)")
    args = parser.parse_args(argv)
    if not (PULUMI_BIN / "pulumi").is_file():
        print("versus_pulumi: the Pulumi CLI is not built: run `make pulumi`", file=sys.stderr)
        return 1

    print(f"versus_pulumi: sizes={args.sizes} parallel={args.parallel} slow={args.slow or '-'}")
    print(f"machine: {machine()}, load average {os.getloadavg()[0]:.2f} at start")
    with Workspace() as workspace:
        for count in (int(n) for n in args.sizes.split(",") if n):
            report(count, compare(workspace, count, args.parallel, args.cap))
        if args.slow:
            count_text, seconds_text = args.slow.split(",")
            count, seconds = int(count_text), float(seconds_text)
            shards = [int(k) for k in args.shards.split(",") if k]
            ups = slow_ups(workspace, count, seconds, args.slow_parallel, shards)
            print(f"slow: N={count}, {seconds} s per create, --parallel {args.slow_parallel}")
            best = ideal(count, args.slow_parallel, seconds)
            ours = ups["aicompute"].wall
            for name, up in ups.items():
                engine = f"Duration {up.engine:5.1f} s" if up.durations else ""
                print(
                    f"  {name:20} up {up.wall:7.1f} s wall = {up.wall / best:5.2f} x ideal {best:.1f} s;"
                    f" {up.wall / ours:5.2f} x aicompute's; {engine}"
                )
    print(f"load average {os.getloadavg()[0]:.2f} at end")
    return 0


if __name__ == "__main__":
    sys.exit(main())
