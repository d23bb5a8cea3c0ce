"""Every input of every resource is classified exactly once, on its field, and the provider's field
table is what the markers say."""

from __future__ import annotations

from typing import Annotated, Any

import pytest
from pydantic import BaseModel

from aicompute.provider.api_path import body_of, live_values, mapped_inputs, steps
from aicompute.provider.generic import Fields, GenericProvider
from aicompute.provider.schema import (
    ApiPath,
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
from aicompute.provider.update_calls import Update, makes
from aicompute.resources.catalog import resource_classes
from aicompute.resources.modelarts.network import NetworkArgs

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
    items: Annotated[
        list[str],
        ApiPath("spec.items"),
        Updatable(via="PUT /things/{id}/items"),
        SetLike(),
        ReplaceWhen(_shrinks, "shrinks"),
    ]
    token: Annotated[
        str | None, ApiPath('auth["x.token"]'), Updatable(via="PUT /things/{id}"), WriteOnly(), Secret()
    ] = None
    size: Annotated[int, Updatable(via="PUT /things/{id}")] = 1
    wait: Annotated[bool, Updatable(via="")] = True
    timeouts: Annotated[dict[str, Any] | None, Local()] = None


def test_the_field_table_is_derived_from_the_markers() -> None:
    fields = Fields.of(_Declared, unique_key=frozenset({"name"}))
    assert fields.create_only == {"name"}
    assert fields.updatable == {"items", "token", "size", "wait"}
    assert fields.local == {"timeouts"}
    assert fields.set_like == {"items"}
    assert fields.write_only == {"token"}
    assert fields.secret == {"token"}
    assert set(fields.replace_rules) == {"items"}
    assert fields.calls == {
        "items": "PUT /things/{id}/items",
        "token": "PUT /things/{id}",
        "size": "PUT /things/{id}",
        "wait": "",
    }


class _Provider(GenericProvider[_Declared, Any]):
    args_model = _Declared
    fields = Fields.of(_Declared, unique_key=frozenset({"name"}))

    def open_client(self, settings: Any) -> Any:
        raise NotImplementedError

    def create_resource(self, api: Any, args: _Declared, timeout: float) -> str:
        raise NotImplementedError

    def read_resource(self, api: Any, resource_id: str) -> dict[str, Any] | None:
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


# Updatable(via=…) decides the calls of an update -------------------------------------------------
ITEMS, THING = "PUT /things/{id}/items", "PUT /things/{id}"


class _Calling(_Provider):
    """Records the update calls it is asked to make."""

    order: tuple[str, ...] = ()

    def __init__(self) -> None:
        self.made: list[tuple[str, set[str], dict[str, Any]]] = []

    def call_order(self, new: _Declared) -> tuple[str, ...]:
        return self.order

    @makes(ITEMS)
    def _items(self, api: Any, update: Update[_Declared]) -> None:
        self.made.append((ITEMS, set(update.changed), update.body))

    @makes(THING, sends="all")
    def _thing(self, api: Any, update: Update[_Declared]) -> None:
        self.made.append((THING, set(update.changed), update.body))


def _update(provider: _Calling, changed: set[str]) -> list[tuple[str, set[str], dict[str, Any]]]:
    old = _Declared(name="a", items=["x"])
    new = _Declared(name="a", items=["x", "y"], token="t", size=2, wait=False)
    provider.update_resource(None, "id", old, new, frozenset(changed), 5.0)
    return provider.made


def test_each_changed_input_makes_its_declared_call_once_in_field_order() -> None:
    assert _update(_Calling(), {"items", "token", "size", "wait"}) == [
        (ITEMS, {"items"}, {"spec": {"items": ["x", "y"]}}),
        (THING, {"token", "size"}, {"auth": {"x.token": "t"}}),  # size has no ApiPath: the method's to send
    ]


def test_a_call_is_made_only_for_its_changed_inputs_and_a_declared_order_comes_first() -> None:
    provider = _Calling()
    provider.order = (THING,)
    assert _update(provider, {"items", "size"}) == [
        (THING, {"size"}, {"auth": {"x.token": "t"}}),
        (ITEMS, {"items"}, {"spec": {"items": ["x", "y"]}}),
    ]
    assert _update(_Calling(), {"wait"}) == []  # steers a wait, makes no call


def test_sends_changed_puts_only_the_changed_inputs_in_the_body() -> None:
    made = _update(_Calling(), {"items"})
    assert made == [(ITEMS, {"items"}, {"spec": {"items": ["x", "y"]}})]


class _Unmade(_Calling):
    @makes("POST /things/{id}/nothing")
    def _nothing(self, api: Any, update: Update[_Declared]) -> None:
        raise AssertionError("never called")


class _Missing(_Unmade):
    _items = None  # type: ignore[assignment]


def test_a_declared_call_no_method_makes_is_refused() -> None:
    assert _Calling.unmade_calls() == []
    assert _Missing.unmade_calls() == [
        "_Missing: no method makes 'PUT /things/{id}/items'",
        "_Missing._nothing makes 'POST /things/{id}/nothing', which no input declares",
    ]
    with pytest.raises(SchemaError, match=r"no method makes 'PUT /things/\{id\}/items' \(the call of 'items'\)"):
        _update(_Missing(), {"items"})


@pytest.mark.parametrize(("platform", "cls"), RESOURCES, ids=[f"{p}.{c.__name__}" for p, c in RESOURCES])
def test_every_declared_update_call_of_every_resource_has_the_code_that_makes_it(platform: str, cls: type[Any]) -> None:
    assert cls._provider_class.unmade_calls() == []


# ApiPath builds bodies and reads live values ------------------------------------------------------
def test_an_api_path_is_names_and_quoted_keys() -> None:
    assert steps('metadata.labels["os.modelarts/name"]') == ("metadata", "labels", "os.modelarts/name")
    assert steps("spec.cidr") == ("spec", "cidr")
    for bad in ("", "spec.", 'spec["x"', "spec..cidr", "1spec"):
        with pytest.raises(ValueError, match="not an API path"):
            steps(bad)


def test_a_body_built_from_api_paths_reads_back_as_the_inputs() -> None:
    args = NetworkArgs(name="net-a", cidr="192.168.0.0/24", description="d")
    body = body_of(args, mapped_inputs(NetworkArgs))
    assert body == {
        "metadata": {
            "labels": {"os.modelarts/name": "net-a", "os.modelarts/workspace.id": "0"},
            "annotations": {"os.modelarts/description": "d"},
        },
        "spec": {"cidr": "192.168.0.0/24"},
    }
    assert live_values(NetworkArgs, body) == {
        "name": "net-a",
        "cidr": "192.168.0.0/24",
        "workspace_id": "0",
        "description": "d",
    }
    # what the platform left out reads as the input's default
    assert live_values(NetworkArgs, {"spec": {"cidr": "c"}}) == {
        "name": None,
        "cidr": "c",
        "workspace_id": "0",
        "description": "",
    }
