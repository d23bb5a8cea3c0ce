"""The engine's import rule, read from the source: a wrong-way import fails here.

    cli ──► drift, report ──► display ──► deploy ──► backend ──► resource ──► secrets ──► util

A package may import itself and what lies to its right: ``cli`` (the commands) sits on top; ``drift``
and ``report`` (the two CI jobs) beside it use deploy's protocols and may not import ``cli``;
``display`` renders what ``deploy`` reports; ``deploy`` (steps, providers, snapshot, operations) sits
on ``backend`` (stacks, locks, config) and ``resource`` (state model, URNs, values, paths);
``secrets`` and ``util`` import no other engine package. Inside ``cli``, command modules import only
``cli.session``, never each other.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ENGINE = Path(__file__).resolve().parents[3] / "engine"
PREFIX = "aicompute.engine."
LAYERS = ("cli", "drift|report", "display", "deploy", "backend", "resource", "secrets", "util")
"""Top to bottom; packages on one layer (``drift|report``) may not import each other."""


def _layer(package: str) -> int:
    return next(i for i, layer in enumerate(LAYERS) if package in layer.split("|"))


def _imports(path: Path) -> list[tuple[int, str]]:
    """``(line, module)`` of every ``aicompute.engine.*`` import of a file, function-level ones too."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.level:
                raise AssertionError(f"{path}: relative import; the engine imports absolutely")
            found.append((node.lineno, node.module))
        elif isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
    return [(line, module) for line, module in found if module.startswith(PREFIX)]


def _modules() -> list[Path]:
    return sorted(p for p in ENGINE.rglob("*.py") if p.parent != ENGINE)


def wrong_way_imports(path: Path) -> list[str]:
    parts = path.relative_to(ENGINE).with_suffix("").parts
    package = parts[0]
    problems: list[str] = []
    for line, module in _imports(path):
        target = module.removeprefix(PREFIX).split(".")
        if target[0] in ("schemas", "__main__"):
            continue
        where = f"{path.relative_to(ENGINE)}:{line} imports {module}"
        if target[0] not in {p for layer in LAYERS for p in layer.split("|")}:
            problems.append(f"{where}: not a package of the map")
        elif target[0] != package and _layer(target[0]) <= _layer(package):
            problems.append(f"{where}: {target[0]} is not below {package}")
        elif package == "cli" == target[0] and parts[-1] not in ("__init__", "session") and target[1:] != ["session"]:
            problems.append(f"{where}: a command module imports only cli.session")
    return problems


def test_every_engine_module_is_in_a_package_of_the_map() -> None:
    top_level = sorted(p.name for p in ENGINE.glob("*.py"))
    assert top_level == ["__init__.py", "__main__.py"]
    packages = {p.relative_to(ENGINE).parts[0] for p in _modules()}
    assert packages == {p for layer in LAYERS for p in layer.split("|")}


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(ENGINE)))
def test_imports_go_the_right_way(path: Path) -> None:
    assert wrong_way_imports(path) == []


def test_the_rule_catches_a_wrong_way_import(tmp_path: Path) -> None:
    """The check itself: a resource module importing deploy, and one command importing another."""
    fake = tmp_path / "engine"
    (fake / "resource").mkdir(parents=True)
    (fake / "cli").mkdir()
    (fake / "resource" / "x.py").write_text("from aicompute.engine.deploy.step_plan import StepPlan\n")
    (fake / "cli" / "stack.py").write_text("from aicompute.engine.cli.deploy import up\n")
    global ENGINE
    saved, ENGINE = ENGINE, fake
    try:
        assert wrong_way_imports(fake / "resource" / "x.py") != []
        assert wrong_way_imports(fake / "cli" / "stack.py") != []
    finally:
        ENGINE = saved
