"""``state unprotect|delete|rename`` under ``pulumi`` and under ``aicompute``: after the same edits of the
same stack, the two states must be the same (and the refusals the same)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.differential.harness import Action, Engine

URN = "urn:pulumi:dev::{project}::pulumi-python:dynamic/test:Thing::{name}"


def edited(engine: Engine, *edits: tuple[str, ...]) -> list[tuple[int, list[dict[str, Any]]]]:
    """Each edit's exit code and the state after it."""
    observed = []
    for edit in edits:
        args = [part.format(project=engine.project) for part in edit]
        result = engine.cli.run("state", *args, "--yes", expect=None)
        export = json.loads(engine.cli.run("stack", "export").stdout)["deployment"]
        resources = sorted((engine.normalise(r) for r in export.get("resources") or []), key=lambda r: r["urn"])
        observed.append((result.returncode, resources))
    return observed


@pytest.mark.slow
def test_unprotect_then_the_update_deletes_what_it_protected(tmp_path: Path, pulumi_bin: Path) -> None:
    guarded = URN.replace("{name}", "guarded")
    seen = {}
    for name in ("pulumi", "aicompute"):
        engine = Engine(name, "protect", tmp_path / name, pulumi_bin)
        engine.perform(Action("up"))
        seen[name] = edited(engine, ("unprotect", guarded))
        seen[name].append((engine.perform(Action("up", step=1)).exit_code, []))
    assert seen["aicompute"] == seen["pulumi"]
    assert [code for code, _ in seen["aicompute"]] == [0, 0]


@pytest.mark.slow
def test_delete_and_rename_keep_the_references_consistent(tmp_path: Path, pulumi_bin: Path) -> None:
    a, b, c = (URN.replace("{name}", name) for name in "abc")
    seen = {}
    for name in ("pulumi", "aicompute"):
        engine = Engine(name, "dependencies", tmp_path / name, pulumi_bin)
        engine.perform(Action("up"))
        seen[name] = edited(
            engine,
            ("delete", a),  # refused: b and d depend on it
            ("rename", b, "bee"),  # c's dependency follows
            ("delete", c, "--target-dependents"),  # c and d, which depends on it
        )
    assert seen["aicompute"] == seen["pulumi"]
    assert [code for code, _ in seen["aicompute"]] == [1, 0, 0]
