"""Every input of every resource is classified exactly once, on its field, and the provider's field
table is what the markers say."""

from __future__ import annotations

from typing import Annotated, Any

import pytest
from pydantic import BaseModel

from aicompute.provider.generic import Fields, GenericProvider
from aicompute.provider.schema import (
    CreateOnly,
    Local,
    ReplaceWhen,
    SchemaError,
    Secret,
    SetLike,
    Updatable,
    WriteOnly,
    classification_problems,
    schema_of,
)
from aicompute.provider.timeouts import TimeoutsInput
from aicompute.resources.catalog import resource_classes

RESOURCES = list(resource_classes())


def test_the_catalog_holds_the_seventeen_resources() -> None:
    assert len(RESOURCES) == 17
    assert len({cls.__name__ + platform for platform, cls in RESOURCES}) == 17


@pytest.mark.parametrize(("platform", "cls"), RESOURCES, ids=[f"{p}.{c.__name__}" for p, c in RESOURCES])
def test_every_input_is_classified_exactly_once(platform: str, cls: type[Any]) -> None:
    provider: type[GenericProvider[Any, Any]] = cls._provider_class
    model = provider.args_model
    assert classification_problems(model) == []
    fields = provider.fields
    names = set(model.model_fields)
    # the table partitions the inputs: create-only, updatable (each with its call) or local
    assert fields.create_only | fields.updatable | fields.local == names
    assert not fields.create_only & fields.updatable
    assert not (fields.create_only | fields.updatable) & fields.local
    assert set(fields.calls) == fields.updatable
    for spec in schema_of(model).values():
        assert len(spec.classes) == 1, spec.name
    # every qualifier names an input
    assert fields.set_like | fields.write_only | fields.secret | set(fields.normalisers) <= names
    assert set(fields.replace_rules) <= fields.updatable


class _Unclassified(BaseModel):
    name: Annotated[str, CreateOnly()]
    size: int
    timeouts: TimeoutsInput = None


class _Twice(BaseModel):
    name: Annotated[str, CreateOnly(), Updatable(via="PUT /things/{id}")]


def test_an_unclassified_input_is_refused() -> None:
    assert classification_problems(_Unclassified) == [
        "_Unclassified.size: unclassified (mark it CreateOnly, Updatable or Local)"
    ]
    with pytest.raises(SchemaError, match="size: unclassified"):
        Fields.of(_Unclassified)


def test_an_input_classified_twice_is_refused() -> None:
    with pytest.raises(SchemaError, match=r"name: classified 2 times \(CreateOnly, Updatable\)"):
        Fields.of(_Twice)


def _shrinks(old: Any, new: Any) -> bool:
    return isinstance(old, list) and isinstance(new, list) and bool(set(old) - set(new))


class _Declared(BaseModel):
    name: Annotated[str, CreateOnly()]
    items: Annotated[list[str], Updatable(via="PUT /things/{id}/items"), SetLike(), ReplaceWhen(_shrinks, "shrinks")]
    token: Annotated[str | None, Updatable(via="PUT /things/{id}"), WriteOnly(), Secret()] = None
    wait: Annotated[bool, Updatable(via="")] = True
    timeouts: Annotated[dict[str, Any] | None, Local()] = None


def test_the_field_table_is_derived_from_the_markers() -> None:
    fields = Fields.of(_Declared, unique_key=frozenset({"name"}))
    assert fields.create_only == {"name"}
    assert fields.updatable == {"items", "token", "wait"}
    assert fields.local == {"timeouts"}
    assert fields.set_like == {"items"}
    assert fields.write_only == {"token"}
    assert fields.secret == {"token"}
    assert set(fields.replace_rules) == {"items"}
    assert fields.calls_for(frozenset({"items", "token", "wait"})) == ["PUT /things/{id}/items", "PUT /things/{id}"]
    assert fields.calls_for(frozenset({"wait"})) == []


class _Provider(GenericProvider[_Declared, Any]):
    args_model = _Declared
    fields = Fields.of(_Declared, unique_key=frozenset({"name"}))

    def open_client(self, settings: Any) -> Any:
        raise NotImplementedError

    def create_resource(self, api: Any, args: _Declared, timeout: float) -> str:
        raise NotImplementedError

    def read_resource(self, api: Any, resource_id: str) -> dict[str, Any] | None:
        raise NotImplementedError

    def update_resource(self, *args: Any) -> None:
        raise NotImplementedError

    def delete_resource(self, *args: Any) -> None:
        raise NotImplementedError


def test_a_declared_rule_turns_an_update_into_a_replace() -> None:
    provider = _Provider()
    old = {"name": "a", "items": ["x", "y"]}
    grown = provider.diff("id", old, {"name": "a", "items": ["x", "y", "z"]})
    assert grown.changes and not grown.replaces
    shrunk = provider.diff("id", old, {"name": "a", "items": ["x"]})
    assert shrunk.changes and shrunk.replaces == ["items"]
    assert shrunk.delete_before_replace is True  # the name stays: the new object would collide
    renamed = provider.diff("id", old, {"name": "b", "items": ["x"]})
    assert renamed.replaces == ["items", "name"] and renamed.delete_before_replace is False
