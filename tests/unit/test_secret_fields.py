"""Fields.secret: secret input values never reach check failures or the errors of create/update."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel, ConfigDict, field_validator

from aicompute.provider.errors import ApiError
from aicompute.provider.generic import (
    REDACTED,
    SHORT_NOTE,
    Fields,
    GenericProvider,
    InvalidInputs,
    redact,
    secret_values,
)

SECRET = "s3cr3t-value-9f2c"


class Args(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    data: dict[str, str]
    count: int = 1

    @field_validator("data")
    @classmethod
    def _echoes_the_value(cls, value: dict[str, str]) -> dict[str, str]:
        # A careless validator that quotes the input, as pydantic's own texts do.
        for key, item in value.items():
            if item.startswith("bad"):
                raise ValueError(f"{key}={item!r} is bad")
        return value


class FakeApi:
    settings: Any = None
    wrote = False  # the 400 below refuses the create: nothing was written

    def close(self) -> None: ...


class Provider(GenericProvider[Args, Any]):
    kind = "test object"
    args_model = Args
    fields = Fields(updatable=frozenset({"data", "count"}), secret=frozenset({"data"}))

    def open_client(self, settings: Any) -> Any:
        return FakeApi()

    def create_resource(self, api: Any, args: Args, timeout: float) -> str:
        raise ApiError(400, "X.0001", f"value {args.data['k']} refused")

    def read_resource(self, api: Any, resource_id: str) -> dict[str, Any] | None:
        return {"name": "n", "count": 1}

    def update_resource(
        self, api: Any, resource_id: str, old: Args, new: Args, changed: frozenset[str], timeout: float
    ) -> None:
        raise ApiError(500, "X.0002", f"old {old.data['k']} new {new.data['k']}")

    def delete_resource(self, api: Any, resource_id: str, args: Args | None, timeout: float) -> None: ...


def test_secret_values_are_the_string_leaves_longest_first() -> None:
    props = {"data": {"a": "xy", "b": "xyz", "c": ["p", ""]}, "name": "not-secret"}
    values = secret_values(frozenset({"data"}), props, {"data": {"d": "q"}})
    assert set(values) == {"xyz", "xy", "p", "q"} and values[0] == "xyz"
    assert "not-secret" not in values and "a" not in values  # keys are names, not secrets


def test_redact_replaces_each_value() -> None:
    assert redact("a xyz b xy", ["xyz", "xy"]) == f"a {REDACTED} b {REDACTED}"


def test_a_short_value_is_masked_where_it_stands_alone_not_inside_other_text() -> None:
    """Issue #14 item 20: a secret "0" turned ``HTTP 400`` into ``HTTP 4[secret][secret]``."""
    text = redact('HTTP 400 X.0001: bad token "0" for 10.0.0.1 (key=1)', ["0", "1"])
    assert text.startswith(f'HTTP 400 X.0001: bad token "{REDACTED}" for 10.0.0.1 (key={REDACTED})')
    assert text.endswith(SHORT_NOTE)
    assert redact("nothing here", ["0"]) == "nothing here"


def test_an_error_holding_only_a_short_value_inside_other_text_keeps_its_text_and_says_why() -> None:
    class ShortSecret(Provider):
        def create_resource(self, api: Any, args: Args, timeout: float) -> str:
            raise ApiError(400, "X.0001", "rejected")

    with pytest.raises(RuntimeError) as raised:
        ShortSecret().create({"name": "n", "data": {"k": "0"}})
    assert str(raised.value) == f"ApiError: HTTP 400 X.0001: rejected {SHORT_NOTE}"


def test_check_failure_of_a_secret_field_never_quotes_the_value() -> None:
    result = Provider().check({}, {"name": "n", "data": {"k": "bad" + SECRET}, "__provider": "p"})
    assert [f.property for f in result.failures] == ["data"]
    reason = result.failures[0].reason
    assert SECRET not in reason
    assert REDACTED in reason and "is bad" in reason


def test_check_failure_elsewhere_is_redacted_too() -> None:
    result = Provider().check({}, {"name": "n", "data": {"k": SECRET}, "count": SECRET, "__provider": "p"})
    assert result.failures and all(SECRET not in f.reason for f in result.failures)


def test_create_with_invalid_inputs_names_the_field_without_the_value() -> None:
    with pytest.raises(InvalidInputs) as raised:
        Provider().create({"name": "n", "data": {"k": "bad" + SECRET}})
    assert SECRET not in str(raised.value)
    assert "data" in str(raised.value)


def test_errors_of_create_and_update_are_redacted() -> None:
    provider = Provider()
    with pytest.raises(RuntimeError) as created:
        provider.create({"name": "n", "data": {"k": SECRET}})
    assert SECRET not in str(created.value)
    assert "ApiError" in str(created.value) and REDACTED in str(created.value)
    assert created.value.__suppress_context__

    with pytest.raises(RuntimeError) as updated:
        provider.update("id", {"name": "n", "data": {"k": "old-" + SECRET}}, {"name": "n", "data": {"k": SECRET}})
    assert SECRET not in str(updated.value)


def test_errors_without_a_secret_keep_their_type() -> None:
    class Plain(Provider):
        fields = Fields(updatable=frozenset({"data", "count"}))

    with pytest.raises(ApiError):
        Plain().create({"name": "n", "data": {"k": SECRET}})
