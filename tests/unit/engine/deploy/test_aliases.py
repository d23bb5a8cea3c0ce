"""Alias resolution as Pulumi's step generator does it: specs collapsed to URNs, parents' aliases inherited."""

from __future__ import annotations

from aicompute.engine.deploy.aliases import AliasScope
from aicompute.engine.deploy.registrations import AliasSpec

ROOT = "urn:pulumi:dev::p::pulumi:pulumi:Stack::p-dev"
THING = "pulumi-python:dynamic/test:Thing"


def urn(qualified_type: str, name: str) -> str:
    return f"urn:pulumi:dev::p::{qualified_type}::{name}"


def test_a_spec_defaults_to_the_resource_own_type_and_parent() -> None:
    scope = AliasScope("dev", "p", {})
    assert scope.aliases("renamed", THING, ROOT, [AliasSpec(name="first")]) == [urn(THING, "first")]
    group = urn("test:index:Group", "g")
    assert scope.aliases("x", THING, group, [AliasSpec(name="first", no_parent=True)]) == [urn(THING, "first")]
    assert scope.aliases("x", THING, group, [AliasSpec(parent=ROOT)]) == [urn(THING, "x")]


def test_a_child_named_after_its_renamed_and_retyped_parent_inherits_its_alias() -> None:
    team, group = urn("test:index:Team", "team"), urn("test:index:Group", "group")
    scope = AliasScope("dev", "p", {team: group})
    assert scope.aliases("team-item", THING, team, []) == [urn(f"test:index:Group${THING}", "group-item")]
    assert scope.aliases("other", THING, team, []) == [urn(f"test:index:Group${THING}", "other")]


def test_a_child_own_alias_is_also_taken_under_its_parent_old_urn() -> None:
    team, group = urn("test:index:Team", "team"), urn("test:index:Group", "group")
    scope = AliasScope("dev", "p", {team: group})
    assert scope.aliases("team-new", THING, team, [AliasSpec(name="team-old")]) == [
        urn(f"test:index:Team${THING}", "team-old"),
        urn(f"test:index:Group${THING}", "group-new"),
        urn(f"test:index:Group${THING}", "group-old"),
    ]
