"""``drift --all-stacks``'s verdict and report over several stacks: the worst stack's exit code, a
stack that could not be opened reported as its own error while the others are scanned."""

from __future__ import annotations

import json
from pathlib import Path

from jsonschema import Draft202012Validator

from aicompute.engine.deploy.operations import StackTarget
from aicompute.engine.drift.all_stacks import (
    AllStacksReport,
    StackDrift,
    all_console_lines,
    all_markdown,
    all_to_json,
    scan_all,
)
from aicompute.engine.drift.compare import DriftError, DriftReport, ResourceDrift
from aicompute.engine.drift.scan import DriftOptions

SCHEMA = json.loads((Path(__file__).parents[4] / "engine" / "schemas" / "drift.schema.json").read_text())
URN = "urn:pulumi:b::demo::pulumi-python:dynamic/modelarts:Network::network"


def in_sync(stack: str) -> DriftReport:
    return DriftReport("demo", stack, managed=1, checked=1)


def drifted(stack: str) -> DriftReport:
    report = DriftReport("demo", stack, managed=1, checked=1)
    report.drifts.append(ResourceDrift(URN, "pulumi-python:dynamic/modelarts:Network", "n-1", "deleted"))
    return report


def failed(stack: str) -> DriftReport:
    report = DriftReport("demo", stack, managed=1)
    report.errors.append(DriftError("pulumi-python:dynamic/modelarts:Network", "listing failed: HTTP 503"))
    return report


def test_the_exit_code_is_the_worst_stacks() -> None:
    def of(*stacks: StackDrift) -> int:
        return AllStacksReport("demo", "s3://b", list(stacks)).exit_code

    assert of(StackDrift("a", in_sync("a")), StackDrift("b", in_sync("b"))) == 0
    assert of(StackDrift("a", in_sync("a")), StackDrift("b", drifted("b"))) == 2
    assert of(StackDrift("a", failed("a")), StackDrift("b", drifted("b"))) == 1
    assert of(StackDrift("a", drifted("a")), StackDrift("b", error="no passphrase")) == 1


def test_one_document_holding_each_stacks_report_and_one_markdown() -> None:
    report = AllStacksReport("demo", "s3://b", [StackDrift("a", in_sync("a")), StackDrift("b", drifted("b"))])
    report.stacks.append(StackDrift("c", error="no Pulumi.c.yaml"))
    document = all_to_json(report)
    assert (document["exit_code"], document["backend"]) == (1, "s3://b")
    for stack in document["stacks"][:2]:
        Draft202012Validator(SCHEMA).validate(stack)
    assert document["stacks"][2] == {"stack": "c", "exit_code": 1, "error": "no Pulumi.c.yaml"}
    text = all_markdown(report)
    assert "| `a` | :white_check_mark: in sync | 1 | 0 | 0 | 0 | 0 |" in text
    assert "| `b` | :warning: drift | 1 | 0 | 1 | 0 | 0 |" in text
    assert "| `c` | :x: failed |  |  |  |  | 1 |" in text and "**:x: not scanned**: no Pulumi.c.yaml" in text
    assert list(all_console_lines(report))[-1] == "3 stack(s): 1 drifted, 1 failed."


def test_a_stack_that_cannot_be_opened_is_its_own_error() -> None:
    def opener(name: str) -> StackTarget:
        raise ValueError(f"no passphrase for {name}")

    report = scan_all("demo", "s3://b", ["a", "b"], opener, DriftOptions())
    assert [(s.stack, s.error) for s in report.stacks] == [("a", "no passphrase for a"), ("b", "no passphrase for b")]
    assert report.exit_code == 1
