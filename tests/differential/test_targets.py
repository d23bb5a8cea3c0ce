"""``up --target`` under ``pulumi`` and under ``aicompute``, from a fresh stack of the ``dependencies``
program (b takes a's output, c waits for b, d for c and a): the same exit code and the same state."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.differential.harness import Engine

URN = "urn:pulumi:dev::dependencies::pulumi-python:dynamic/test:Thing::{}"


def targeted_up(engine: Engine, *names: str) -> tuple[int, list[dict[str, Any]]]:
    targets = [arg for name in names for arg in ("--target", URN.format(name))]
    result = engine.cli.run("up", "--yes", "--skip-preview", *targets, expect=None, timeout=300)
    export = json.loads(engine.cli.run("stack", "export").stdout)["deployment"]
    return result.returncode, sorted(
        (engine.normalise(r) for r in export.get("resources") or []), key=lambda r: r["urn"]
    )


@pytest.mark.slow
@pytest.mark.parametrize(
    "targets",
    [("a",), ("b",)],
    ids=["untargeted-uncreated-depend-on-each-other", "a-target-needs-an-untargeted-create"],
)
def test_a_targeted_up_does_what_pulumi_does(targets: tuple[str, ...], tmp_path: Path, pulumi_bin: Path) -> None:
    seen = {}
    for name in ("pulumi", "aicompute"):
        engine = Engine(name, "dependencies", tmp_path / name, pulumi_bin)
        engine.cli.init("dev", via_cli=True)
        engine.cli.set_config(**{"dependencies:step": "0"})
        seen[name] = targeted_up(engine, *targets)
    assert seen["aicompute"] == seen["pulumi"]
