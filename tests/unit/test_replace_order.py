"""Replace order from a unique key: delete first only when the new object would collide."""

from __future__ import annotations

from aicompute.provider.generic import Fields


def test_no_unique_key_creates_first() -> None:
    assert Fields().deletes_first(frozenset({"cidr"})) is False


def test_delete_before_replace_always_deletes_first() -> None:
    fields = Fields(delete_before_replace=True, unique_key=frozenset({"name"}))
    assert fields.deletes_first(frozenset({"name"})) is True


def test_a_kept_unique_key_deletes_first_and_a_changed_one_creates_first() -> None:
    fields = Fields(unique_key=frozenset({"name", "version"}))
    assert fields.deletes_first(frozenset({"source"})) is True
    assert fields.deletes_first(frozenset({"source", "version"})) is False
    assert fields.deletes_first(frozenset({"name"})) is False
