"""The generic diff cuts the old value down to the *normalised* new value."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from aicompute.provider.generic import Fields
from tests.unit.test_secret_fields import Provider


class OrderedArgs(BaseModel):
    items: list[dict[str, Any]] = []


def by_name(value: Any) -> Any:
    return sorted(value, key=lambda item: item["name"]) if isinstance(value, list) else value


class Ordered(Provider):
    args_model = OrderedArgs
    fields = Fields(updatable=frozenset({"items"}), normalisers={"items": by_name})


def test_a_reordering_normaliser_pairs_each_old_item_with_its_new_one() -> None:
    olds = {"items": [{"name": "a", "value": "1", "extra": 0}, {"name": "b", "path": "p", "extra": 0}]}
    assert Ordered().changed_keys(olds, {"items": [{"name": "b", "path": "p"}, {"name": "a", "value": "1"}]}) == set()
    changed = {"items": [{"name": "b", "path": "q"}, {"name": "a", "value": "1"}]}
    assert Ordered().changed_keys(olds, changed) == {"items"}
