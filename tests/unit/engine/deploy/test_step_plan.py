"""Step planning: property diffs, ignore_changes, replace_on_changes, replace order."""

from __future__ import annotations

from aicompute.engine.deploy.providers.base import DiffResult
from aicompute.engine.deploy.step_plan import plan_update, property_diff
from aicompute.engine.resource.checkpoint_values import UNKNOWN, secret
from aicompute.engine.resource.property_paths import apply_ignore_changes, parse_path, path_matches


def test_property_diff_paths_and_kinds() -> None:
    old = {"a": 1, "b": {"c": [1, 2], "d": "x"}, "gone": True, "__provider": "p1"}
    new = {"a": 1, "b": {"c": [1, 3, 4], "d": "x"}, "added": "y", "__provider": "p2"}
    assert property_diff(old, new) == {
        "added": "add",
        "b.c[1]": "update",
        "b.c[2]": "add",
        "gone": "delete",
    }


def test_property_diff_secrets_compare_by_value_and_unknowns_change() -> None:
    assert property_diff({"s": secret("x")}, {"s": secret("x")}) == {}
    assert property_diff({"s": secret("x")}, {"s": "y"}) == {"s": "update"}
    assert property_diff({"v": "x"}, {"v": UNKNOWN}) == {"v": "update"}
    assert property_diff({"odd.key": 1}, {"odd.key": 2}) == {'["odd.key"]': "update"}


def test_parse_path_and_matching() -> None:
    assert parse_path('a.b[0]["x.y"]') == ["a", "b", 0, "x.y"]
    assert path_matches("*", "anything.at[1]")
    assert path_matches("tags", "tags.env")
    assert path_matches("tags.*", "tags.env")
    assert not path_matches("tags.env", "tags.owner")
    assert path_matches("spec[*].size", "spec[3].size")


def test_ignore_changes_keeps_old_values_or_drops_new_ones() -> None:
    olds = {"value": "old", "nested": {"keep": 1, "other": 2}}
    news = {"value": "new", "nested": {"keep": 9, "other": 3}, "extra": 5}
    result = apply_ignore_changes(news, olds, ["value", "nested.keep", "extra"])
    assert result == {"value": "old", "nested": {"keep": 1, "other": 3}}
    assert news["value"] == "new"  # the input is not modified


def test_plan_same_update_replace() -> None:
    old = {"name": "a", "value": 1}
    assert plan_update(old, old, DiffResult("none")).op == "same"
    assert plan_update(old, old, DiffResult("unknown")).op == "same"
    update = plan_update(old, {"name": "a", "value": 2}, DiffResult("unknown"))
    assert update.op == "update" and update.detailed_diff == {"value": "update"}
    assert update.diff_reasons == ("value",)

    replace = plan_update(old, {"name": "b", "value": 1}, DiffResult("some", ("name",)))
    assert replace.op == "replace" and not replace.delete_before_replace
    assert replace.replace_reasons == ("name",) and replace.detailed_diff == {"name": "update-replace"}

    assert plan_update(old, {"name": "b", "value": 1}, DiffResult("some", ("name",), True)).delete_before_replace
    assert plan_update(old, {"name": "b", "value": 1}, DiffResult("some", ("name",)), (), True).delete_before_replace


def test_replace_on_changes_turns_an_update_into_a_replace() -> None:
    old = {"name": "a", "value": 1}
    plan = plan_update(old, {"name": "a", "value": 2}, DiffResult("some"), ["value"])
    assert plan.op == "replace" and plan.replace_reasons == ("value",)
    assert plan_update(old, {"name": "a", "value": 2}, DiffResult("some"), ["*"]).op == "replace"
    assert plan_update(old, {"name": "a", "value": 2}, DiffResult("some"), ["name"]).op == "update"
