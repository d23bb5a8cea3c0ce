"""Run one small program under ``pulumi`` and under ``aicompute`` and say what each engine did.

A case is a program of ``programs/`` (its docstring says which Pulumi feature it exercises) and a
script of actions: ``up``/``preview``/``refresh``/``destroy`` with the program's ``step`` config
(its later edits), on the default stack or another one, after an optional out-of-band change to
the "platform" (the JSON files of ``tests/e2e/projects/filestate/things.py``, the provider every
program uses). Each engine runs the script from fresh stacks in its own copy of the program and
its own backend folder; each action yields an ``Observation`` — exit code, the steps (op per URN),
the stack's outputs and the exported state — normalised so the two engines' observations compare
equal exactly when they behaved alike: timestamps, ciphertexts, provider ids, the pickled provider
and the folders of the copies are masked; secrets stay recognisable as secrets.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.support.engine_cli import EngineCli
from tests.support.pulumi_cli import PulumiCli

PROGRAMS = Path(__file__).parent / "programs"
THINGS = Path(__file__).resolve().parents[1] / "e2e" / "projects" / "filestate" / "things.py"
SECRET_SIG = "4dabf18193072939515e22adb298388d"
STACK = "dev"
# The fields of a state resource the engines must agree on (the list); the rest is
# bookkeeping of one engine or the other (timestamps, source positions, stack traces).
COMPARED_FIELDS = (
    "urn",
    "type",
    "custom",
    "id",
    "parent",
    "provider",
    "dependencies",
    "propertyDependencies",
    "protect",
    "retainOnDelete",
    "delete",
    "pendingReplacement",
    "external",
    "inputs",
    "outputs",
    "initErrors",
    "importID",
)
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@dataclass(frozen=True)
class Action:
    """One command of a case's script."""

    command: str  # up | preview | refresh | destroy
    step: int = 0  # the program's `step` config (its edit) for this and later actions
    stack: str = STACK
    touch: dict[str, dict[str, Any]] = field(default_factory=dict)  # object name -> fields changed out of band
    create: dict[str, dict[str, Any]] = field(default_factory=dict)  # objects made out of band before the command
    secrets: dict[str, str] = field(default_factory=dict)  # secret config set (by the engine's own CLI) before
    config: dict[str, str] = field(default_factory=dict)  # other config set before, by full key
    fails: bool = False  # the command is meant to fail (under Pulumi, the oracle, it must exit non-zero)


@dataclass(frozen=True)
class Observation:
    action: str
    exit_code: int
    steps: dict[str, str]
    outputs: dict[str, Any]
    resources: list[dict[str, Any]]
    objects: dict[str, Any]  # the "platform": each object's JSON by name


def project_for(case: str, root: Path) -> Path:
    """The program of ``case`` as a Pulumi project under ``root`` (named ``case``, the shared provider beside it)."""
    folder = root / "programs" / case
    folder.mkdir(parents=True)
    shutil.copy(PROGRAMS / f"{case}.py", folder / "__main__.py")
    shutil.copy(THINGS, folder / "things.py")
    name = case.replace("_", "-")
    (folder / "Pulumi.yaml").write_text(f"name: {name}\nruntime: python\ndescription: differential case {case}\n")
    return root / "programs"


class Engine:
    """One CLI running a case's script in ``root`` (its project copy, backend and objects folder)."""

    def __init__(self, name: str, case: str, root: Path, bin_dir: Path) -> None:
        self.name = name
        self.root = root
        self.project = case.replace("_", "-")
        self.objects = root / "objects"  # EngineCli's folder for the "platform's" objects
        source = project_for(case, root / "source")
        env = {"FILESTATE_DIR": str(self.objects)}
        self.cli: EngineCli = (
            PulumiCli(root, case, bin_dir, env=env, source=source)
            if name == "pulumi"
            else EngineCli(root, case, env=env, source=source)
        )
        self.stacks: set[str] = set()

    def perform(self, action: Action) -> Observation:
        if action.stack not in self.stacks:
            self.cli.init(action.stack, via_cli=True)
            self.stacks.add(action.stack)
        self.cli.stack = action.stack
        self.cli.set_config(**{f"{self.project}:step": str(action.step)}, **action.config)
        for key, value in action.secrets.items():
            self.cli.set_secret(f"{self.project}:{key}", value)
        for name, fields in action.create.items():
            (self.objects / f"{name}.json").write_text(json.dumps(fields))
        for name, fields in action.touch.items():
            path = self.objects / f"{name}.json"
            path.write_text(json.dumps({**json.loads(path.read_text()), **fields}))
        result = self.cli.run(*self.arguments(action.command), expect=None, timeout=300)
        steps = self.steps(action.command, result)
        export = self.cli.run("stack", "export", expect=None)
        deployment = json.loads(export.stdout)["deployment"] if export.returncode == 0 else {}
        # The state's order is one valid topological order among many: compare by URN.
        resources = sorted((self.normalise(r) for r in deployment.get("resources") or []), key=lambda r: r["urn"])
        stack_outputs = next((r.get("outputs", {}) for r in resources if r["type"] == "pulumi:pulumi:Stack"), {})
        objects = {path.stem: self.mask(json.loads(path.read_text())) for path in sorted(self.objects.glob("*.json"))}
        return Observation(action.command, result.returncode, steps, stack_outputs, resources, objects)

    @staticmethod
    def arguments(command: str) -> list[str]:
        if command == "preview":
            return ["preview", "--json"]
        return [command, "--yes", "--skip-preview", "--json"]

    def steps(self, command: str, result: subprocess.CompletedProcess[str]) -> dict[str, str]:
        """Op per URN, from the one JSON digest (aicompute, pulumi's preview) or pulumi's event stream
        (its ``up --json``). ``same`` is no operation: Pulumi's preview digest leaves such steps out and
        aicompute's lists them (a known difference of the JSON, tested on its own), so previews are
        compared without them, and so is the root stack's ``same``, which no digest lists."""
        steps = self._steps(command, result)
        if command == "preview":
            return {urn: op for urn, op in steps.items() if op != "same"}
        return {urn: op for urn, op in steps.items() if not (op == "same" and "::pulumi:pulumi:Stack::" in urn)}

    def _steps(self, command: str, result: subprocess.CompletedProcess[str]) -> dict[str, str]:
        text = result.stdout.strip()
        if not text:
            return {}
        if self.name == "pulumi" and command != "preview":
            ops: dict[str, str] = {}
            for line in text.splitlines():
                event = json.loads(line)
                done = event.get("resOutputsEvent") or event.get("resOpFailedEvent")
                if done:
                    ops[done["metadata"]["urn"]] = done["metadata"]["op"]
            return ops
        digest = json.loads(text)
        return {step["urn"]: step["op"] for step in digest.get("steps", [])}

    def normalise(self, resource: dict[str, Any]) -> dict[str, Any]:
        kept = {key: resource[key] for key in COMPARED_FIELDS if resource.get(key) not in (None, False, [], {})}
        # An input that depends on nothing is recorded as [] by Pulumi and left out by aicompute: the same fact.
        dependencies = {k: v for k, v in (kept.pop("propertyDependencies", None) or {}).items() if v}
        if dependencies:
            kept["propertyDependencies"] = {k: sorted(v) for k, v in dependencies.items()}
        if "dependencies" in kept:
            kept["dependencies"] = sorted(kept["dependencies"])
        return dict(self.mask(kept))

    def mask(self, value: Any) -> Any:
        if isinstance(value, dict):
            if SECRET_SIG in value:
                return {"secret": self.mask(value.get("plaintext", "[ciphertext]"))}
            return {k: ("<pickled provider>" if k == "__provider" else self.mask(v)) for k, v in value.items()}
        if isinstance(value, list):
            return [self.mask(v) for v in value]
        if isinstance(value, str):
            return _UUID.sub("<uuid>", value.replace(str(self.root), "<root>"))
        return value


def run_case(case: str, script: list[Action], root: Path, bin_dir: Path) -> dict[str, list[Observation]]:
    """The script under both engines, each from fresh stacks: their observations by engine name."""
    observed: dict[str, list[Observation]] = {}
    for name in ("pulumi", "aicompute"):
        engine = Engine(name, case, root / name, bin_dir)
        observed[name] = [engine.perform(action) for action in script]
    return observed
