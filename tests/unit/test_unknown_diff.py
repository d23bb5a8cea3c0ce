"""A preview with an unknown input shows the unknown and the real change only (issue #14 item 17):
check normalises the known inputs as it does without unknowns (defaults, ``0.5`` → ``"0.5"``), and
the detailed diff ignores an absent value beside an empty one (what a refresh records)."""

from __future__ import annotations

from typing import Any

import pytest
from pulumi.output import Unknown

from aicompute.engine.deploy.refresh import unset_kept
from aicompute.engine.deploy.step_plan import property_diff
from aicompute.provider.generic import UNKNOWN
from aicompute.resources.hilens.deployment import DeploymentProvider

PROGRAM: dict[str, Any] = {
    "name": "counter",
    "source": "userdefined",
    "apps": [{"name": "app", "app_url": "swr/app:1", "resources": {"limits": {"cpu": 0.5, "memory": 512}}}],
    "configs": {"host_network": True, "restart_policy": "Always"},
    "node_ids": ["hilens-1"],
    "__provider": "p",
}


@pytest.mark.parametrize("unknown", [UNKNOWN, Unknown()], ids=["sentinel", "sdk-object"])
def test_only_the_unknown_and_the_real_change_differ(unknown: Any) -> None:
    provider = DeploymentProvider()
    olds = provider.check({}, PROGRAM).inputs
    assert olds["apps"][0]["resources"]["limits"]["cpu"] == "0.5" and olds["replicas"] == 1
    app = {**PROGRAM["apps"][0], "app_url": unknown}
    news = {**PROGRAM, "apps": [app], "node_ids": ["hilens-1", "hilens-2"]}
    checked = provider.check(olds, news)
    assert checked.failures == []
    assert checked.inputs["apps"][0]["app_url"] is unknown
    shown = dict(checked.inputs)
    shown["apps"] = [{**checked.inputs["apps"][0], "app_url": UNKNOWN}]
    assert property_diff(olds, shown) == {"apps[0].app_url": "update", "node_ids[1]": "add"}


def test_a_new_unknown_with_no_old_value_leaves_the_inputs_as_given() -> None:
    provider = DeploymentProvider()
    news = {**PROGRAM, "apps": [{**PROGRAM["apps"][0], "name": UNKNOWN}]}
    checked = provider.check({}, news)
    assert checked.failures == [] and checked.inputs == news


def test_absent_beside_empty_is_no_difference_but_absent_beside_a_value_is() -> None:
    refreshed = {"name": "p", "extend_params": {}, "tags": [], "description": "", "count": 0, "on": False}
    program = {"name": "p", "extend_params": None, "count": None}
    assert property_diff(refreshed, program) == {"count": "delete", "on": "delete"}


def test_a_refresh_keeps_the_inputs_the_program_leaves_unset_unset() -> None:
    """After a refresh, ``- max_count: 1`` (a value the server filled in) showed beside a real change."""
    read = {"name": "gpu", "count": 1, "max_count": 1, "tags": [], "__provider": "p"}
    old = {"name": "gpu", "count": 1, "max_count": None, "__provider": "p"}
    assert unset_kept(read, old) == {"name": "gpu", "count": 1, "__provider": "p"}
    assert unset_kept(read, {}) == read  # an import: the read's inputs are all there is
