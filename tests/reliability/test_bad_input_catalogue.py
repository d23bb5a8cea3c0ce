"""Every case of the bad-input catalogue (tests/reliability/catalogue.py) is refused before any write:

* in-process, the whole catalogue: the resource provider's ``check`` (as the engine calls it in a
  preview) fails naming the field, a component's argument check raises naming it, and a ``get`` of a
  missing id reads nothing; localcloud logs no mutating call;
* through ``aicompute preview`` of the reliability project declaring that one bad thing: the preview
  fails with a message naming the field and localcloud logs no mutating call (five representative
  cases in the default suite, the whole catalogue in the slow one).
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

import aicompute.stacks
from aicompute.stacks._component import ComponentArgsError, validate_args
from tests.reliability.catalogue import BASES, CASES, COMPONENT_BASES, FAST_CLI_CASES, Case
from tests.reliability.stack import reliability_stack
from tests.support.central import central_writes
from tests.support.localcloud import Credentials, LocalCloudProcess
from tests.support.providers import configured, last_seq

RESOURCE_TYPES = {
    "modelarts": ["Workspace", "Network", "ResourcePool", "NodePool", "Model", "InferenceService"],
    "hilens": ["Workspace", "Device", "Secret", "ConfigMap", "Deployment"],
    "central": ["Cluster", "ClusterNodes", "Workload", "AlgorithmPackage", "AlgorithmService", "AnalysisTask"],
}


def resource_class(kind: str) -> Any:
    platform, name = kind.split(":")
    return getattr(importlib.import_module(f"aicompute.resources.{platform}"), name)


def components() -> list[str]:
    """Every component: each has its ``<Name>Args`` model beside it."""
    names = set(aicompute.stacks.__all__)
    return sorted(name for name in names if f"{name}Args" in names)


def component_args_model(name: str) -> type[BaseModel]:
    model: type[BaseModel] = getattr(aicompute.stacks, f"{name}Args")
    return model


def test_the_catalogue_covers_every_resource_and_component_with_at_least_40_cases() -> None:
    assert len(CASES) >= 40 and len({case.id for case in CASES}) == len(CASES)
    kinds = {case.kind for case in CASES}
    assert {f"{p}:{n}" for p, names in RESOURCE_TYPES.items() for n in names} <= kinds
    assert set(components()) <= kinds, "a stack component has no catalogue case"
    assert {case.id for case in CASES} >= FAST_CLI_CASES


@pytest.mark.parametrize("kind", sorted(BASES))
def test_each_resource_base_is_valid(kind: str) -> None:
    """So a case fails for its change alone."""
    provider = resource_class(kind)._provider_class()
    assert provider.check({}, {**BASES[kind], "__provider": "x"}).failures == []


@pytest.mark.parametrize("name", sorted(COMPONENT_BASES))
def test_each_component_base_is_valid(name: str) -> None:
    validate_args(name, "base", component_args_model(name), COMPONENT_BASES[name])


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_refused_in_process_naming_the_field_with_no_write(
    case: Case, localcloud: LocalCloudProcess, project: Credentials
) -> None:
    since = last_seq(localcloud)
    if case.component:
        with pytest.raises(ComponentArgsError) as refused:
            validate_args(case.kind, "bad", component_args_model(case.kind), case.props())
        assert case.field in str(refused.value)
    elif case.get is not None:
        provider = configured(resource_class(case.kind)._provider_class, localcloud, project)
        assert not provider.read(case.get, {}).id
    else:
        provider = resource_class(case.kind)._provider_class()
        failures = provider.check({}, {**case.props(), "__provider": "x"}).failures
        assert any(case.field in failure.reason for failure in failures), [f.reason for f in failures]
    assert central_writes(localcloud, since) == []  # every mutating call but OAuth token requests


def cli_marks(case: Case) -> Any:
    return pytest.param(case, id=case.id, marks=() if case.id in FAST_CLI_CASES else pytest.mark.slow)


@pytest.mark.parametrize("case", [cli_marks(case) for case in CASES])
def test_refused_by_preview_naming_the_field_with_no_write(
    case: Case, tmp_path: Path, localcloud: LocalCloudProcess, project: Credentials
) -> None:
    cli = reliability_stack(tmp_path, localcloud, project, config={"reliability:bad": json.dumps(case.spec())})
    since = last_seq(localcloud)
    result = cli.run("preview", expect=None, timeout=300)
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert case.field in output, output
    assert "Traceback" not in output, output
    assert central_writes(localcloud, since) == []  # every mutating call but OAuth token requests
