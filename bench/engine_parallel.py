"""Engine parallelism: N independent resources whose create takes t seconds, `up --parallel P`.

Runs ``aicompute up --yes --parallel P`` on fresh stacks of a throwaway project, side by side, in
three configurations: the engine's default pool (``ceil(P / 16)`` provider processes, each running
16 operations at a time); a pool of the SDK's own 4-operation servers (``ceil(P / 4)`` processes,
``AICOMPUTE_PROVIDER_OPERATIONS=4``: the engine before its servers were widened); and one SDK
server (``AICOMPUTE_PROVIDER_OPERATIONS=4 AICOMPUTE_MAX_PROVIDER_PROCESSES=1``: the Pulumi CLI's
dynamic-provider behaviour, 4 operations at a time). Prints, for each, three times against the
ideal ``ceil(N / P) × t``:

- ``creates``: from the first create's start to the last create's end (logged by the resources);
- ``update``: the engine's ``Duration`` of the update phase (program, provider start, steps, state);
- ``command``: the whole ``up --yes`` process (CLI start-up, key derivation, the preview, the update);

and the speed-up of the default pool over one SDK server. Issue 8's target: update / ideal ≤ 1.3 at N=200,
P=32, t=0.5 s. Usage: ``.venv/bin/python bench/engine_parallel.py [--quick] [--n N] [--parallel P]
[--seconds T] [--repeat R]``.
"""

from __future__ import annotations

import argparse
import statistics
import sys

from benchlib import MAX_PROCESSES_ENV, OPERATIONS_ENV, BenchProject, Workspace, ideal, machine

SDK_OPERATIONS = "4"  # what ``python -m pulumi.dynamic`` runs at a time
CONFIGURATIONS = {
    "pool": {},
    "pool of 4s": {OPERATIONS_ENV: SDK_OPERATIONS},
    "one process": {OPERATIONS_ENV: SDK_OPERATIONS, MAX_PROCESSES_ENV: "1"},
}


def measure(project: BenchProject, parallel: int) -> tuple[float, float, float]:
    """(creates window, engine update duration, command wall) of one ``up --yes``; then destroys."""
    project.clear_log()
    run = project.cli("up", "--yes", "--parallel", str(parallel))
    window = project.window("create")
    project.cli("destroy", "--yes", "--skip-preview", "--parallel", str(parallel))
    return window, run.engine, run.wall


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=None, help="resources (default 200; 40 with --quick)")
    parser.add_argument("--parallel", type=int, default=32, help="--parallel of the runs (default 32)")
    parser.add_argument("--seconds", type=float, default=0.5, help="simulated create time t (default 0.5)")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each configuration; medians are shown")
    parser.add_argument("--quick", action="store_true", help="a fast check: N=40 unless --n is given")
    parser.add_argument("--keep", action="store_true", help="keep the temporary projects")
    args = parser.parse_args(argv)
    count = args.n if args.n is not None else (40 if args.quick else 200)
    parallel, seconds = args.parallel, args.seconds
    target = ideal(count, parallel, seconds)
    one_ideal = ideal(count, min(parallel, 4), seconds)

    print(f"engine_parallel: N={count} parallel={parallel} t={seconds}s repeat={args.repeat}")
    print(f"machine: {machine()}")
    print(f"ideal ceil(N/P)×t = {target:.2f}s; one process (4 at a time) ideal = {one_ideal:.2f}s")
    results: dict[str, list[tuple[float, float, float]]] = {name: [] for name in CONFIGURATIONS}
    with Workspace(keep=args.keep) as workspace:
        projects = {name: workspace.project(env) for name, env in CONFIGURATIONS.items()}
        for project in projects.values():
            project.init(count, seconds)
        for _ in range(args.repeat):  # interleaved, so all see the same machine noise
            for name, project in projects.items():
                results[name].append(measure(project, parallel))

    medians = {name: tuple(statistics.median(r[i] for r in rows) for i in range(3)) for name, rows in results.items()}
    print()
    print(f"{'run':<12} {'creates':>9} {'update':>9} {'command':>9}   ratio to ideal {target:.2f}s")
    print(f"{'':<12} {'(s)':>9} {'(s)':>9} {'(s)':>9}   creates / update / command")
    for name, (window, update, wall) in medians.items():
        ratios = " / ".join(f"{value / target:.2f}" for value in (window, update, wall))
        print(f"{name:<12} {window:>9.2f} {update:>9.2f} {wall:>9.2f}   {ratios}")
    pool_m, one_m = medians["pool"], medians["one process"]
    print()
    print(
        "speed-up of the default pool over one SDK server: "
        f"creates ×{one_m[0] / pool_m[0]:.2f}, update ×{one_m[1] / pool_m[1]:.2f}, command ×{one_m[2] / pool_m[2]:.2f}"
        f" (ideal ×{one_ideal / target:.2f})"
    )
    verdict = "meets" if pool_m[1] / target <= 1.3 else "misses"
    print(f"update / ideal = {pool_m[1] / target:.2f}: {verdict} issue 8's target of ≤ 1.3")
    return 0


if __name__ == "__main__":
    sys.exit(main())
