"""Engine overhead with instant creates: time per resource of up, a no-change preview and destroy.

For each N (default 100, 500 and 1,000), on a fresh stack of a throwaway project of N independent
bench-only resources whose create and delete return at once: ``up --yes --skip-preview``,
``preview --expect-no-changes``, ``destroy --yes --skip-preview`` (all ``--parallel P``, default 16,
the CLI's default). Per resource it prints the engine's own ``Duration`` (0.1 s resolution) divided by N, the
command's wall time net of the same command on an empty program (N=0: CLI start-up, key derivation,
program and provider start) divided by N ("net": the marginal cost of a resource), the command's
whole wall time divided by N, and the state file's size per resource. Then how the cost grows:
the per-resource cost at the largest N divided by that at the smallest (close to 1: linear; growing
with N: worse than linear), and the peak RSS of the engine process itself (its ``VmHWM``, sampled
from ``/proc`` while each command runs) beside that of the largest process of the command (GNU
``time``: the engine or the program).

Targets: issue 8, ≤ 12 ms per resource for ``up`` at N = 1,000; issue 15, ``up`` at N = 10,000
≤ 6 ms per resource, per-resource cost at 10,000 ≤ 1.2 × that at 1,000, engine peak RSS ≤ 300 MB at
10,000. Usage: ``.venv/bin/python bench/engine_overhead.py [--quick] [--sizes 100,500,1000]
[--parallel P] [--repeat R]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from benchlib import BenchProject, Run, Workspace, machine

OPERATIONS = ("up", "preview", "destroy")
ENGINE_MODULE = "aicompute.engine"


def _engine_peak_kb(directory: Path) -> int:
    """The largest ``VmHWM`` of the engine processes (``python -m aicompute.engine``) working in ``directory``."""
    peak = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
            if ENGINE_MODULE.encode() not in argv or os.readlink(entry / "cwd") != str(directory):
                continue
            status = (entry / "status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                peak = max(peak, int(line.split()[1]))
    return peak


@contextmanager
def engine_peak(directory: Path, every: float = 0.2) -> Iterator[list[int]]:
    """Sample the engine's peak RSS while the block runs; the list holds the peak in KB afterwards."""
    found = [0]
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(every):
            found[0] = max(found[0], _engine_peak_kb(directory))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        yield found
    finally:
        stop.set()
        sampler.join()


def measured_cli(project: BenchProject, *args: str) -> tuple[Run, float]:
    """The run and the engine process's peak RSS in MB."""
    with engine_peak(project.project_dir) as peak:
        run = project.cli(*args)
    return run, peak[0] / 1024


def cycle(project: BenchProject, parallel: int) -> dict[str, tuple[float, float]]:
    """(engine duration, command wall) of up, a no-change preview and destroy, in that order; then
    ``rss:<op>``: (engine peak RSS, largest process's peak RSS) in MB; ``state``: the state's bytes."""
    p = str(parallel)
    runs = {
        "up": measured_cli(project, "up", "--yes", "--skip-preview", "--parallel", p),
        "preview": measured_cli(project, "preview", "--expect-no-changes", "--parallel", p),
    }
    state_bytes = project.state_bytes()
    runs["destroy"] = measured_cli(project, "destroy", "--yes", "--skip-preview", "--parallel", p)
    result = {op: (run.engine, run.wall) for op, (run, _) in runs.items()}
    result.update({f"rss:{op}": (engine_mb, run.peak_rss_mb) for op, (run, engine_mb) in runs.items()})
    result["state"] = (float(state_bytes), 0.0)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default=None, help="comma-separated N values (default 100,500,1000)")
    parser.add_argument("--parallel", type=int, default=16, help="--parallel of the runs (default 16)")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each size; medians are shown")
    parser.add_argument("--quick", action="store_true", help="a fast check: sizes 50,200 unless --sizes is given")
    parser.add_argument("--keep", action="store_true", help="keep the temporary projects")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in (args.sizes or ("50,200" if args.quick else "100,500,1000")).split(",")]

    print(f"engine_overhead: N={sizes} parallel={args.parallel} repeat={args.repeat} (instant creates and deletes)")
    print(f"machine: {machine()}")
    measured: dict[int, dict[str, tuple[float, float]]] = {}
    with Workspace(keep=args.keep) as workspace:
        for count in [0, *sizes]:
            project = workspace.project()
            project.init(count, 0.0)
            rows = [cycle(project, args.parallel) for _ in range(args.repeat)]
            measured[count] = {
                key: (statistics.median(r[key][0] for r in rows), statistics.median(r[key][1] for r in rows))
                for key in rows[0]
            }
            times = (f"{op} {measured[count][op][0]:.1f}s (command {measured[count][op][1]:.2f}s)" for op in OPERATIONS)
            print(f"  N={count}: " + ", ".join(times), flush=True)

    base = measured[0]
    print()
    print("per resource, ms: engine Duration / N | command wall net of the N=0 run / N | command wall / N")
    header = f"{'N':>6}  " + "  ".join(f"{op:>22}" for op in OPERATIONS) + f"  {'state/res':>10}"
    print(header)
    per: dict[str, dict[int, float]] = {op: {} for op in OPERATIONS}
    net: dict[str, dict[int, float]] = {op: {} for op in OPERATIONS}
    for count in sizes:
        cells = []
        for op in OPERATIONS:
            engine, wall = measured[count][op]
            per[op][count] = 1000 * engine / count
            net[op][count] = 1000 * (wall - base[op][1]) / count
            cells.append(f"{per[op][count]:>6.1f} | {net[op][count]:>5.1f} | {1000 * wall / count:>5.1f}")
        state_per = measured[count]["state"][0] / count
        print(f"{count:>6}  " + "  ".join(f"{c:>22}" for c in cells) + f"  {state_per:>8.0f} B")
    print(
        f"{'N=0':>6}  "
        + "  ".join(f"{base[op][0]:>8.1f} s |   {base[op][1]:>6.2f} s" for op in OPERATIONS)
        + "  (fixed cost)"
    )

    small, large = sizes[0], sizes[-1]
    print()
    print(f"growth: per-resource cost at N={large} / at N={small} (1 = linear)")
    for op in OPERATIONS:
        print(f"  {op:<8} engine ×{per[op][large] / per[op][small]:.2f}, net ×{net[op][large] / net[op][small]:.2f}")
    print()
    print("peak RSS, MB: engine process | largest process of the command (GNU time)")
    for count in sizes:
        cells = (
            f"{op} {measured[count][f'rss:{op}'][0]:.0f} | {measured[count][f'rss:{op}'][1]:.0f}" for op in OPERATIONS
        )
        print(f"  N={count}: " + ", ".join(cells))
    up_ms = per["up"][large]
    print(f"up at N={large}: {up_ms:.1f} ms per resource ({net['up'][large]:.1f} net)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
