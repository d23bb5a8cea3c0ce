"""HiLens Secret resource against a live localcloud: lifecycle, full-replacement updates, import,
and secret values that never appear in plaintext outside the secret output."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import dill
import pulumi
import pytest

from aicompute.provider.errors import ApiError
from aicompute.resources.hilens.secret import UNREADABLE, Secret, SecretProvider
from tests.support.api import signed_json
from tests.support.localcloud import Credentials, LocalCloudProcess
from tests.support.providers import checked, configured, last_seq, mutating_calls

FIRST = "first-Pa55word-6d1f0c"
SECOND = "second-Pa55word-9b77e2"


@pytest.fixture
def provider(localcloud: LocalCloudProcess, project: Credentials) -> SecretProvider:
    return configured(SecretProvider, localcloud, project)


def test_lifecycle(provider: SecretProvider, localcloud: LocalCloudProcess, project: Credentials) -> None:
    inputs = checked(provider, {"name": "db-creds", "data": {"user": "edge", "password": FIRST}, "tags": {"t": "1"}})
    created = provider.create(inputs)
    assert created.id.startswith("hilens-")
    assert created.outs["data"] == {"user": "edge", "password": FIRST}
    assert created.outs["workspace_id"] == "0" and created.outs["provider"] == "hilens"

    read = provider.read(created.id, created.outs)
    assert provider.diff(created.id, read.outs, inputs).changes is False

    # A changed value is an in-place update through the full-replacement PUT; a removed key goes.
    changed = checked(provider, {**inputs, "data": {"password": SECOND}, "tags": {}})
    diff = provider.diff(created.id, read.outs, changed)
    assert diff.changes is True and diff.replaces == []
    since = last_seq(localcloud)
    updated = provider.update(created.id, read.outs, changed)
    calls = mutating_calls(localcloud, since)
    assert [(c["method"], c["path"]) for c in calls] == [
        ("PUT", f"/v3/{project.project_id}/ai-mgr/secrets/{created.id}")
    ]
    assert updated.outs["data"] == {"password": SECOND} and updated.outs["tags"] == {}
    assert provider.diff(created.id, updated.outs, changed).changes is False

    # Drift made outside the program shows, and a rename replaces (deleting first: names are unique).
    signed_json(
        localcloud,
        project,
        "PUT",
        f"v3/ai-mgr/secrets/{created.id}",
        json={"secret": {"name": "db-creds", "secrets": [{"key": "password", "value": "x"}], "tags": []}},
    )
    drifted = provider.read(created.id, updated.outs)
    assert provider.diff(created.id, drifted.outs, changed).changes is True
    assert provider.diff(created.id, drifted.outs, {**changed, "name": "db-creds-2"}).replaces == ["name"]
    same_name = provider.diff(created.id, drifted.outs, {**changed, "workspace_id": "elsewhere"})
    assert same_name.replaces == ["workspace_id"] and same_name.delete_before_replace

    provider.delete(created.id, drifted.outs)
    assert provider.read(created.id, drifted.outs).id == ""
    assert signed_json(localcloud, project, "GET", "v3/ai-mgr/secrets")["secrets"] == []


def test_import_by_id_reads_the_inputs(provider: SecretProvider, localcloud: LocalCloudProcess) -> None:
    program = checked(provider, {"name": "imported", "data": {"k": FIRST}, "description": "d"})
    created = provider.create(program)
    imported = provider.read(created.id, {})
    assert imported.inputs is not None
    assert imported.inputs["name"] == "imported" and imported.inputs["provider"] == "hilens"
    # Values come back sealed: an imported value is unknown, and the first update writes it once.
    assert imported.inputs["data"] == {"k": UNREADABLE}
    diff = provider.diff(created.id, imported.outs, program)
    assert diff.changes is True and diff.replaces == []
    updated = provider.update(created.id, imported.outs, program)
    assert provider.diff(created.id, provider.read(created.id, updated.outs).outs, program).changes is False
    provider.delete(created.id, updated.outs)


def test_a_value_rewritten_outside_the_stack_is_drift(
    provider: SecretProvider, localcloud: LocalCloudProcess, project: Credentials
) -> None:
    program = checked(provider, {"name": "rewritten", "data": {"a": FIRST, "b": SECOND}})
    created = provider.create(program)
    assert set(created.outs["data_revisions"]) == {"a", "b"}
    # The same value written again is stored anew (sealed afresh), so it is reported too.
    entries = [{"key": "a", "value": FIRST}, {"key": "b", "value": "x"}]
    body = {"secret": {"name": "rewritten", "secrets": entries, "tags": []}}
    signed_json(localcloud, project, "PUT", f"v3/ai-mgr/secrets/{created.id}", json=body)
    read = provider.read(created.id, created.outs)
    assert read.outs["data"] == {"a": UNREADABLE, "b": UNREADABLE}
    assert provider.diff(created.id, read.outs, program).changes is True
    provider.delete(created.id, read.outs)


class _Mocks(pulumi.runtime.Mocks):
    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        return "hilens-mock", dict(args.inputs)

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        return {}, None


@pulumi.runtime.test
def test_data_given_in_plaintext_is_a_secret_in_the_program() -> Any:
    pulumi.runtime.set_mocks(_Mocks(), preview=False)
    secret = Secret("s", name="mocked", data={"k": FIRST})
    assert set(Secret._secret_outputs) == {"data", "data_revisions"}

    def check(args: list[Any]) -> None:
        data_secret, name_secret = args
        assert data_secret is True and name_secret is False

    return pulumi.Output.all(pulumi.Output.is_secret(secret.data), pulumi.Output.is_secret(secret.name)).apply(check)


def test_secret_values_never_appear_in_plaintext(
    localcloud: LocalCloudProcess,
    project: Credentials,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)
    provider = configured(SecretProvider, localcloud, project)
    inputs = checked(provider, {"name": "leak-check", "data": {"token": FIRST}})
    # A retried read logs its failure: the log must not carry the value either.
    localcloud.add_fault(method="GET", path=f"/v3/{project.project_id}/ai-mgr/secrets/", status=503, count=1)
    try:
        created = provider.create(inputs)
    finally:
        localcloud.clear_faults()
    read = provider.read(created.id, created.outs)
    updated = provider.update(created.id, read.outs, checked(provider, {**inputs, "data": {"token": SECOND}}))
    errors: list[str] = []

    # A rejected value: check names the key and the rule, never the value.
    bad = provider.check({}, {**inputs, "data": {"token": FIRST + "<"}, "__provider": "x"}).failures
    assert [f.property for f in bad] == ["data"]
    errors += [f.reason for f in bad]
    # An error the platform answers during create and update: the text holds no value.
    with pytest.raises(ApiError) as duplicate:
        provider.create(checked(provider, {"name": "leak-check", "data": {"token": FIRST}}))
    errors.append(str(duplicate.value))
    localcloud.add_fault(method="PUT", path=f"/v3/{project.project_id}/ai-mgr/secrets/", status=400, count=1)
    try:
        with pytest.raises(ApiError) as refused:
            provider.update(created.id, updated.outs, checked(provider, {**inputs, "data": {"token": FIRST}}))
    finally:
        localcloud.clear_faults()
    errors.append(str(refused.value))
    # Inputs that fail validation outside check (the engine skipped it): redacted too.
    with pytest.raises(ValueError) as invalid:
        provider.create({**inputs, "data": {"token": FIRST, "bad key!": SECOND}})
    errors.append(str(invalid.value))
    provider.delete(created.id, updated.outs)

    def without_secret_output(outs: dict[str, Any] | None) -> str:
        return repr({k: v for k, v in (outs or {}).items() if k not in Secret._secret_outputs})

    produced = "\n".join(
        [
            without_secret_output(created.outs),
            without_secret_output(read.outs),
            without_secret_output(read.inputs),
            without_secret_output(updated.outs),
            dill.dumps(provider, recurse=True).decode("latin-1"),
            caplog.text,
            *errors,
            *capsys.readouterr(),
            Path(localcloud.stderr.name).read_text(errors="replace"),
            repr(localcloud.requests()),
        ]
    )
    for value in (FIRST, SECOND):
        assert value not in produced
    # The values are where they belong: the secret output, which the engine encrypts.
    assert created.outs["data"] == {"token": FIRST} and updated.outs["data"] == {"token": SECOND}


@pytest.mark.parametrize(
    ("props", "field"),
    [
        ({"name": "Upper", "data": {"k": "v"}}, "name"),
        ({"name": "ends-", "data": {"k": "v"}}, "name"),
        ({"name": "okay", "data": {}}, "data"),
        ({"name": "okay", "data": {"k": "v" * 20481}}, "data"),
        ({"name": "okay", "data": {"1bad": "v"}}, "data"),
        ({"name": "okay", "data": {"k": "v"}, "tags": {"k": "a b"}}, "tags"),
        ({"name": "okay", "data": {"k": "v"}, "description": "no <tags>"}, "description"),
        ({"name": "okay", "data": {"k": "v"}, "provider": "aws"}, "provider"),
    ],
)
def test_invalid_inputs_fail_in_check_without_api_calls(
    provider: SecretProvider, localcloud: LocalCloudProcess, props: dict[str, Any], field: str
) -> None:
    since = last_seq(localcloud)
    failures = provider.check({}, {**props, "__provider": "x"}).failures
    assert [f.property for f in failures] == [field]
    assert all("v" * 100 not in f.reason for f in failures)
    assert mutating_calls(localcloud, since) == []
