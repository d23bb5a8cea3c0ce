"""State edits as ``pulumi state`` makes them: refusals, and references that follow a rename."""

from __future__ import annotations

import pytest

from aicompute.engine.resource.state import Deployment, ResourceState
from aicompute.engine.resource.state_edit import StateEditError, delete, rename, unprotect

T = "test:index:T"


def urn(name: str) -> str:
    return f"urn:pulumi:dev::p::{T}::{name}"


def state() -> Deployment:
    return Deployment(
        resources=[
            ResourceState(urn=urn("a"), type=T, custom=False, protect=True),
            ResourceState(urn=urn("b"), type=T, custom=False, parent=urn("a"), protect=True),
            ResourceState(urn=urn("c"), type=T, custom=False, dependencies=[urn("b")]),
        ]
    )


def test_unprotect_all_or_named_and_an_unknown_urn_is_an_error() -> None:
    deployment = state()
    assert unprotect(deployment, [urn("b")]) == 1 and [r.protect for r in deployment.resources] == [True, False, False]
    assert unprotect(deployment, None) == 3 and not any(r.protect for r in deployment.resources)
    with pytest.raises(StateEditError, match="No such resource"):
        unprotect(deployment, [urn("x")])


def test_delete_refuses_dependents_and_protection_unless_asked() -> None:
    deployment = state()
    with pytest.raises(StateEditError, match="can't be safely deleted because the following resources depend on it"):
        delete(deployment, urn("a"))
    with pytest.raises(StateEditError, match="protected"):
        delete(deployment, urn("a"), target_dependents=True)
    assert delete(deployment, urn("a"), target_dependents=True, force=True) == [urn("c"), urn("b"), urn("a")]
    assert deployment.resources == []


def test_rename_moves_every_reference() -> None:
    deployment = state()
    assert rename(deployment, urn("b"), "bee") == urn("bee")
    assert deployment.resources[2].dependencies == [urn("bee")]
    with pytest.raises(StateEditError, match="already existing"):
        rename(deployment, urn("a"), "c")
