"""Wire values: Struct round trips, secrets re-marked on provider outputs."""

from __future__ import annotations

from aicompute.engine.resource.checkpoint_values import SIG_KEY, UNKNOWN, secret
from aicompute.engine.resource.wire_values import (
    RESOURCE_SIG,
    annotate_secrets,
    contains_unknowns,
    for_provider,
    from_struct,
    mask,
    reveal,
    secret_keys,
    to_struct,
)


def test_struct_round_trip_keeps_secrets_unknowns_and_whole_numbers() -> None:
    props = {"n": 2, "f": 1.5, "s": secret({"k": [1, "x"]}), "u": UNKNOWN, "l": [True, None]}
    assert from_struct(to_struct(props)) == props
    assert isinstance(from_struct(to_struct({"n": 2.0}))["n"], int)


def test_annotate_secrets_follows_the_inputs() -> None:
    inputs = {"a": secret("x"), "b": {"c": secret(1), "d": 2}, "e": [secret(1), 2], "f": "plain"}
    outputs = {"a": "x", "b": {"c": 1, "d": 2}, "e": [1, 2], "f": "plain", "g": "computed"}
    assert annotate_secrets(outputs, inputs) == {
        "a": secret("x"),
        "b": {"c": secret(1), "d": 2},
        "e": [secret(1), 2],
        "f": "plain",
        "g": "computed",
    }
    assert annotate_secrets({"a": secret("x")}, {"a": secret("x")}) == {"a": secret("x")}


def test_reveal_mask_secret_keys_and_unknowns() -> None:
    value = {"a": secret("x"), "b": [secret(1)]}
    assert reveal(value) == {"a": "x", "b": [1]}
    assert mask(value) == {"a": "[secret]", "b": ["[secret]"]}
    assert secret_keys({"p": "pw", "q": None, "r": 1}, ("p", "q")) == {"p": secret("pw"), "q": None, "r": 1}
    assert contains_unknowns({"x": [1, {"y": UNKNOWN}]})
    assert not contains_unknowns({"x": [1, {"y": "known"}]})


def test_a_provider_gets_a_resource_reference_as_its_id_or_urn_and_secrets_revealed() -> None:
    custom = {SIG_KEY: RESOURCE_SIG, "urn": "urn:pulumi:dev::p::t::a", "id": "a-1", "packageVersion": ""}
    component = {SIG_KEY: RESOURCE_SIG, "urn": "urn:pulumi:dev::p::c::g", "packageVersion": ""}
    uncreated = {**custom, "id": ""}
    value = {"item": custom, "list": [component, uncreated], "s": secret("x")}
    assert for_provider(value) == {"item": "a-1", "list": ["urn:pulumi:dev::p::c::g", UNKNOWN], "s": "x"}
