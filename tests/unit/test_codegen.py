"""The generated program-side classes and input types are what the schemas say, checked in."""

from __future__ import annotations

import inspect
from typing import Any

import pytest

from aicompute.provider.schema import schema_of
from aicompute.resources import _codegen
from aicompute.resources.catalog import resource_classes

RESOURCES = list(resource_classes())


def test_the_checked_in_generated_code_is_up_to_date() -> None:
    stale = [str(path) for path, text in _codegen.generate().items() if path.read_text() != text]
    assert stale == [], "run `make generate`"


@pytest.mark.parametrize(("platform", "cls"), RESOURCES, ids=[f"{p}.{c.__name__}" for p, c in RESOURCES])
def test_a_class_takes_every_input_and_lists_every_output(platform: str, cls: type[Any]) -> None:
    provider = cls._provider_class
    inputs = list(schema_of(provider.args_model))
    parameters = inspect.signature(cls.__init__).parameters
    assert sorted(p for p in parameters if p not in ("self", "resource_name", "opts")) == sorted(inputs)
    computed = list(schema_of(provider.outputs_model)) if provider.outputs_model else []
    assert list(cls._outputs) == inputs + computed
    assert set(cls.__annotations__) >= set(cls._outputs)
    assert " ".join((cls.__doc__ or "").split()) == " ".join(provider.summary.split())
